/*
 * auth.c - the IMAP replies after LOGIN / AUTHENTICATE (auth.h: auth_fail,
 * auth_tempfail, auth_success), and session_login() (session.h): what becoming
 * authenticated means for a session.  The checks themselves are lib/auth's.
 */
#include "imapd/auth.h"

#include "imapd/commands.h"
#include "imapd/reply.h"
#include "imapd/session.h"
#include "imapd/settings.h"

#include "auth/auth-fail.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/conn.h"
#include "base/log.h"
#include "service/limits.h"
#include "store/account.h"
#include "store/mailbox.h"

#include <string.h>

void auth_fail(struct command_ctx *cmd, const char *method, const char *user, const char *why)
{
	struct imap_session *s = cmd->s;
	const struct auth_fail_policy policy = {
	        .delay_ms = s->set->auth_fail_delay_ms,
	        .max_failures = s->set->max_auth_failures,
	};
	s->auth_failures++;
	log_info("auth_failed", "method=%s user=%s reason=%s failures=%u", method,
	         log_q(user ? user : ""), log_q(why), s->auth_failures);
	if (auth_fail_wait(&policy, s->auth_failures)) {
		reply_untagged(s, "BYE Too many failed authentication attempts");
		log_info("disconnect", "reason=auth_failures");
		cmd->session_over = true;
	}
	reply_no(cmd, "[AUTHENTICATIONFAILED] Authentication failed");
}

void auth_tempfail(struct command_ctx *cmd, const char *error)
{
	log_error("auth_tempfail", "error=%s", log_q(error));
	reply_no(cmd, "[UNAVAILABLE] Authentication temporarily unavailable, try again later");
}

void auth_success(struct command_ctx *cmd, int64_t account_id, const char *login,
                  const char *method)
{
	const char *error;
	if (session_login(cmd->s, account_id, login, &error) < 0) {
		log_info("login_refused", "user=%s reason=%s", log_q(login), log_q(error));
		reply_no(cmd, "%s", error);
		return;
	}
	log_info("login", "user=%s method=%s tls=%s", log_q(cmd->s->login), method,
	         cmd->s->tls ? "yes" : "no");
	struct buf caps = BUF_INIT;
	capability_append(cmd->s, &caps);
	reply_ok(cmd, "[CAPABILITY %s] Logged in", buf_cstr(&caps));
	buf_free(&caps);
}

/* RFC 3501 requires INBOX; accounts made by other means than cairnctl may lack it. */
static int session_ensure_inbox(struct imap_session *s, const char **error_r)
{
	struct mailbox_info info;
	int r = mailbox_lookup(s->db, s->user_id, "INBOX", s->cmd_pool, &info, error_r);
	if (r == STORE_ENOTFOUND) {
		r = mailbox_create(s->db, s->user_id, "INBOX", NULL, NULL, error_r);
		if (r == 0)
			log_info("inbox_created", "user=%s", log_q(s->login));
		else if (r == STORE_EEXISTS) /* a concurrent login made it */
			r = 0;
	}
	return r;
}

int session_login(struct imap_session *s, int64_t account_id, const char *login,
                  const char **error_r)
{
	struct account_info info;
	const char *dberr;
	if (account_lookup(s->db, login, s->pool, &info, &dberr) < 0 || info.id != account_id) {
		log_error("login_lookup", "user=%s error=%s", log_q(login), log_q(dberr));
		*error_r = "[UNAVAILABLE] Account lookup failed, try again later";
		return -1;
	}
	if (limits_acquire(&s->set->limits, LIMITS_USER, info.login, &s->user_slot, error_r) < 0) {
		*error_r = arena_printf(s->cmd_pool, "[LIMIT] %s", *error_r);
		return -1;
	}
	s->user_id = info.id;
	s->domain_id = info.domain_id;
	s->login = info.login;
	s->localpart = info.localpart;
	s->domain = info.domain;
	if (session_ensure_inbox(s, &dberr) < 0) {
		log_error("inbox_create", "user=%s error=%s", log_q(login), log_q(dberr));
		limits_release(&s->user_slot);
		s->user_id = 0;
		s->login = NULL;
		*error_r = "[UNAVAILABLE] Mailbox setup failed, try again later";
		return -1;
	}
	s->state = SESSION_AUTH;
	conn_set_timeouts(s->conn, (int)s->set->timeout_auth_s * 1000, 300 * 1000);
	return 0;
}
