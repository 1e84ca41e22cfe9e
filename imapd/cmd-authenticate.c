/*
 * cmd-authenticate.c - AUTHENTICATE mechanism [initial-response] (RFC 9051 6.2.2,
 * SASL-IR RFC 4959) with the mechanisms of lib/auth (sasl.h: PLAIN, SCRAM-SHA-256).
 * This file is only the IMAP framing: the mechanisms know nothing of IMAP.
 *
 * Challenges go out as "+ <base64>"; each client response is one line read with
 * session_read_continuation(); "*" cancels (tagged BAD).  The SCRAM server-final
 * message is sent as a last challenge the client answers with an empty line.
 */
#include "imapd/auth.h"
#include "imapd/commands.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "auth/sasl.h"
#include "base/base64.h"
#include "base/buf.h"
#include "base/conn.h"
#include "imap/args.h"

#include <string.h>

/* Longest base64 response line: a SCRAM client-final is ~200 bytes, PLAIN <= 767. */
#define AUTH_RESPONSE_MAX 4096

enum auth_step { AUTH_STEP_OK, AUTH_STEP_CANCEL, AUTH_STEP_BADB64, AUTH_STEP_GONE };

/* Send a challenge (may be empty) and read + decode the answer into out. */
static enum auth_step authenticate_exchange(struct command_ctx *cmd, const struct buf *challenge,
                                            struct buf *out)
{
	struct imap_session *s = cmd->s;
	struct buf b = BUF_INIT;
	const char *line, *error;
	size_t len;
	buf_append_str(&b, "+ ");
	if (challenge != NULL)
		base64_encode(challenge->data, challenge->len, &b);
	buf_append_str(&b, "\r\n");
	conn_write(s->conn, b.data, b.len);
	buf_free(&b);
	if (conn_flush(s->conn, &error) < 0 ||
	    session_read_continuation(s, AUTH_RESPONSE_MAX, &line, &len) < 0)
		return AUTH_STEP_GONE;
	if (len == 1 && line[0] == '*')
		return AUTH_STEP_CANCEL;
	buf_reset(out);
	return base64_decode(line, len, out, &error) < 0 ? AUTH_STEP_BADB64 : AUTH_STEP_OK;
}

/* Report a non-OK step; returns true if it was one. */
static bool authenticate_step_failed(struct command_ctx *cmd, enum auth_step st)
{
	if (st == AUTH_STEP_GONE)
		cmd->session_over = true;
	else if (st == AUTH_STEP_CANCEL)
		reply_bad(cmd, "Authentication cancelled");
	else if (st == AUTH_STEP_BADB64)
		reply_bad(cmd, "Invalid base64 in response");
	return st != AUTH_STEP_OK;
}

/* Deliver SCRAM's server-final (success data) as a last challenge; 0 if answered empty. */
static int authenticate_success_data(struct command_ctx *cmd, struct buf *out, struct buf *msg)
{
	if (out->len == 0)
		return 0;
	if (authenticate_step_failed(cmd, authenticate_exchange(cmd, out, msg)))
		return -1;
	if (msg->len != 0) {
		reply_bad(cmd, "Expected an empty response after server-final");
		return -1;
	}
	return 0;
}

/* Run the exchange of mech from the first client message in msg. */
static void authenticate_run(struct command_ctx *cmd, const struct sasl_mech *mech, struct buf *msg)
{
	const char *name = sasl_mech_name(mech), *error = NULL;
	const struct sasl_result *res;
	struct sasl_server *sasl = sasl_server_new(mech, cmd->s->proc->passdb, cmd->pool);
	struct buf out = BUF_INIT;
	int r;
	for (;;) {
		buf_reset(&out);
		r = sasl_server_step(sasl, msg->data, msg->len, &out, &error);
		if (r != SASL_CONTINUE)
			break;
		if (authenticate_step_failed(cmd, authenticate_exchange(cmd, &out, msg)))
			goto done;
	}
	if (r == SASL_TEMPFAIL) {
		auth_tempfail(cmd, error);
	} else if (r != SASL_SUCCESS) {
		auth_fail(cmd, name, sasl_server_user(sasl), error);
	} else if (authenticate_success_data(cmd, &out, msg) == 0) {
		if (sasl_server_finish(sasl, &res, &error) < 0)
			auth_fail(cmd, name, sasl_server_user(sasl), error);
		else
			auth_success(cmd, res->account_id, res->login, name);
	}
done:
	buf_free(&out);
	sasl_server_free(&sasl);
}

void cmd_authenticate(struct command_ctx *cmd)
{
	const struct imap_arg *a = cmd->args;
	const char *mech, *ir = NULL, *error;
	size_t irlen = 0;
	struct buf msg = BUF_INIT;
	if (cmd->arg_count < 1 || cmd->arg_count > 2 || !imap_arg_get_atom(a, &mech) ||
	    (cmd->arg_count == 2 && !imap_arg_get_atom(a->next, &ir))) {
		reply_bad(cmd, "Usage: AUTHENTICATE mechanism [initial-response]");
		return;
	}
	const struct sasl_mech *m = sasl_mech_find(mech);
	if (m == NULL || !sasl_mech_usable(m, cmd->s->proc->passdb)) {
		reply_no(cmd, "[CANNOT] Unsupported authentication mechanism");
		return;
	}
	if ((sasl_mech_flags(m) & SASL_MECH_PLAINTEXT) && !session_plaintext_allowed(cmd->s)) {
		reply_no(cmd, "[PRIVACYREQUIRED] Plaintext authentication is disabled without TLS");
		return;
	}
	if (ir != NULL) {
		/* SASL-IR: "=" is an empty initial response. */
		irlen = strcmp(ir, "=") == 0 ? 0 : strlen(ir);
		if (irlen > AUTH_RESPONSE_MAX || base64_decode(ir, irlen, &msg, &error) < 0) {
			reply_bad(cmd, "Invalid base64 in initial response");
			buf_free(&msg);
			return;
		}
	} else if (authenticate_step_failed(cmd, authenticate_exchange(cmd, NULL, &msg))) {
		buf_free(&msg);
		return;
	}
	authenticate_run(cmd, m, &msg);
	explicit_bzero(msg.data ? msg.data : (char *)&msg, msg.data ? msg.len : 0);
	buf_free(&msg);
}
