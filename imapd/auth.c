/*
 * auth.c - password and SCRAM checks for LOGIN / AUTHENTICATE (auth.h), and
 * session_login() (session.h): what becoming authenticated means for a session.
 */
#include "imapd/auth.h"

#include "imapd/commands.h"
#include "imapd/limits.h"
#include "imapd/reply.h"
#include "imapd/session.h"
#include "imapd/settings.h"

#include "auth/scram.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/conn.h"
#include "base/log.h"
#include "store/account.h"
#include "store/mailbox.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* Failed-login delays double up to this. */
#define AUTH_MAX_DELAY_MS 15000

const char *auth_login_name(struct imap_session *s, const char *user)
{
	if (strchr(user, '@') != NULL || s->set->default_domain == NULL)
		return arena_strdup(s->cmd_pool, user);
	return arena_printf(s->cmd_pool, "%s@%s", user, s->set->default_domain);
}

/* 1 found, 0 unknown (or may not log in), -1 database failure. */
static int auth_lookup(struct imap_session *s, const char *login, int64_t *id_r,
                       struct scram_record *rec_r, const char **error_r)
{
	struct account_scram a;
	int r = account_get_scram(s->db, login, id_r, &a, error_r);
	if (r == STORE_EDB)
		return -1;
	if (r < 0)
		return 0;
	memcpy(rec_r->salt, a.salt, sizeof(rec_r->salt));
	rec_r->salt_len = a.salt_len;
	rec_r->iterations = a.iterations;
	memcpy(rec_r->stored_key, a.stored_key, sizeof(rec_r->stored_key));
	memcpy(rec_r->server_key, a.server_key, sizeof(rec_r->server_key));
	explicit_bzero(&a, sizeof(a));
	return 1;
}

int auth_verify_password(struct imap_session *s, const char *user, const char *password,
                         int64_t *id_r, const char **error_r)
{
	struct scram_record rec;
	const char *login = auth_login_name(s, user);
	int found = auth_lookup(s, login, id_r, &rec, error_r);
	if (found < 0)
		return -1;
	if (found == 0)
		scram_record_fake(s->set->fake_secret, s->set->fake_secret_len, login,
		                  s->set->scram_iterations, &rec);
	int ok = scram_verify_plain(&rec, password);
	explicit_bzero(&rec, sizeof(rec));
	return found && ok ? 1 : 0;
}

int auth_scram_lookup(void *ctx, const char *username, struct scram_record *rec_r,
                      const char **error_r)
{
	struct auth_scram_ctx *sc = ctx;
	sc->login = auth_login_name(sc->s, username);
	return auth_lookup(sc->s, sc->login, &sc->account_id, rec_r, error_r);
}

static void auth_sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void auth_fail(struct command_ctx *cmd, const char *method, const char *user, const char *why)
{
	struct imap_session *s = cmd->s;
	s->auth_failures++;
	log_info("auth_failed", "method=%s user=%s reason=%s failures=%u", method,
	         log_q(user ? user : ""), log_q(why), s->auth_failures);
	unsigned shift = s->auth_failures > 5 ? 4 : s->auth_failures - 1;
	uint64_t delay = (uint64_t)s->set->auth_fail_delay_ms << shift;
	auth_sleep_ms(delay > AUTH_MAX_DELAY_MS ? AUTH_MAX_DELAY_MS : (unsigned)delay);
	if (s->auth_failures >= s->set->max_auth_failures) {
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
	if (limits_acquire(s->set, LIMITS_USER, info.login, &s->user_slot, error_r) < 0)
		return -1;
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
