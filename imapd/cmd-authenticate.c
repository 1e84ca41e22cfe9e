/*
 * cmd-authenticate.c - AUTHENTICATE mechanism [initial-response] (RFC 9051 6.2.2,
 * SASL-IR RFC 4959) with PLAIN (RFC 4616) and SCRAM-SHA-256 (RFC 7677).
 *
 * Challenges go out as "+ <base64>"; each client response is one line read with
 * session_read_continuation(); "*" cancels (tagged BAD).  The SCRAM server-final
 * message is sent as a last challenge the client answers with an empty line.
 */
#include "imapd/auth.h"
#include "imapd/commands.h"
#include "imapd/reply.h"
#include "imapd/session.h"
#include "imapd/settings.h"

#include "auth/plain.h"
#include "auth/scram.h"
#include "base/base64.h"
#include "base/buf.h"
#include "base/conn.h"
#include "imap/args.h"

#include <string.h>
#include <strings.h>

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

static void authenticate_plain(struct command_ctx *cmd, struct buf *msg)
{
	struct plain_creds creds;
	const char *error;
	int64_t id;
	if (plain_parse(msg->data ? msg->data : "", msg->len, &creds, &error) < 0) {
		plain_creds_clear(&creds);
		auth_fail(cmd, "PLAIN", NULL, error);
		return;
	}
	if (creds.authzid[0] != '\0' && strcmp(creds.authzid, creds.authcid) != 0) {
		/* No proxy authorization (master users) in cairn. */
		auth_fail(cmd, "PLAIN", creds.authcid, "authzid differs from authcid");
		plain_creds_clear(&creds);
		return;
	}
	int r = auth_verify_password(cmd->s, creds.authcid, creds.passwd, &id, &error);
	if (r < 0)
		auth_tempfail(cmd, error);
	else if (r == 0)
		auth_fail(cmd, "PLAIN", creds.authcid, "unknown user or wrong password");
	else
		auth_success(cmd, id, auth_login_name(cmd->s, creds.authcid), "PLAIN");
	plain_creds_clear(&creds);
}

/* Run the SCRAM exchange from the client-first message in msg. */
static void authenticate_scram(struct command_ctx *cmd, struct buf *msg)
{
	struct imap_session *s = cmd->s;
	struct auth_scram_ctx lookup = {.s = s};
	struct scram_server_settings set = {
	        .lookup = auth_scram_lookup,
	        .lookup_ctx = &lookup,
	        .fake_secret = s->set->fake_secret,
	        .fake_secret_len = s->set->fake_secret_len,
	        .fake_iterations = s->set->scram_iterations,
	};
	struct scram_server *scram = scram_server_new(&set);
	struct buf out = BUF_INIT;
	const char *error = NULL;
	int r;
	for (;;) {
		buf_reset(&out);
		r = scram_server_step(scram, msg->data ? msg->data : "", msg->len, &out, &error);
		if (r != SCRAM_CONTINUE && r != SCRAM_SUCCESS)
			break;
		enum auth_step st = authenticate_exchange(cmd, &out, msg);
		if (authenticate_step_failed(cmd, st))
			goto done;
		if (r == SCRAM_SUCCESS)
			break;
	}
	if (r == SCRAM_TEMPFAIL) {
		auth_tempfail(cmd, error);
	} else if (r != SCRAM_SUCCESS) {
		auth_fail(cmd, "SCRAM-SHA-256", NULL, error);
	} else if (msg->len != 0) {
		reply_bad(cmd, "Expected an empty response after server-final");
	} else if (scram_server_authzid(scram)[0] != '\0' &&
	           strcmp(scram_server_authzid(scram), scram_server_username(scram)) != 0) {
		auth_fail(cmd, "SCRAM-SHA-256", scram_server_username(scram),
		          "authzid differs from authcid");
	} else {
		auth_success(cmd, lookup.account_id, lookup.login, "SCRAM-SHA-256");
	}
done:
	buf_free(&out);
	scram_server_free(&scram);
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
	bool plain = strcasecmp(mech, "PLAIN") == 0;
	if (!plain && strcasecmp(mech, "SCRAM-SHA-256") != 0) {
		reply_no(cmd, "[CANNOT] Unsupported authentication mechanism");
		return;
	}
	if (plain && !session_plaintext_allowed(cmd->s)) {
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
	if (plain)
		authenticate_plain(cmd, &msg);
	else
		authenticate_scram(cmd, &msg);
	explicit_bzero(msg.data ? msg.data : (char *)&msg, msg.data ? msg.len : 0);
	buf_free(&msg);
}
