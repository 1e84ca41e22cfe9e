/*
 * auth.h - authentication for LOGIN and AUTHENTICATE: password checks against the
 * SCRAM-SHA-256 records in PostgreSQL, the SCRAM lookup callback, and the common
 * success and failure paths (one reply for every failure, a growing delay, BYE
 * after [imap] max_auth_failures).
 */
#ifndef CAIRN_IMAPD_AUTH_H
#define CAIRN_IMAPD_AUTH_H

#include <stdint.h>

struct command_ctx;
struct imap_session;
struct scram_record;

/* Longest user name / password accepted (RFC 4616 fields are 255 octets). */
#define AUTH_FIELD_MAX 255

/* The login to look up: user as given, with "@default_domain" added when it has no '@'
 * and a default domain is configured.  Allocated from the command pool. */
const char *auth_login_name(struct imap_session *s, const char *user);

/*
 * Check a plaintext password (LOGIN, AUTHENTICATE PLAIN) for user.  An unknown user
 * costs the same PBKDF2 run against a fake record.  Returns 1 (match; *id_r set),
 * 0 (no match, unknown user, disabled, malformed) or -1 (database failure: *error_r).
 */
int auth_verify_password(struct imap_session *s, const char *user, const char *password,
                         int64_t *id_r, const char **error_r);

/* The lookup context of a SCRAM exchange: remembers who was found. */
struct auth_scram_ctx {
	struct imap_session *s;
	int64_t account_id; /* of the last user found */
	const char *login; /* its normalised login (command pool) */
};

/* The scram_server_settings lookup callback; ctx is a struct auth_scram_ctx. */
int auth_scram_lookup(void *ctx, const char *username, struct scram_record *rec_r,
                      const char **error_r);

/*
 * A failed attempt: log why (never shown), wait, answer "NO [AUTHENTICATIONFAILED]
 * Authentication failed" - the same for an unknown user and a wrong password - and
 * end the session with BYE after too many failures.
 */
void auth_fail(struct command_ctx *cmd, const char *method, const char *user, const char *why);

/* A database failure during authentication: "NO [UNAVAILABLE] ...", logged. */
void auth_tempfail(struct command_ctx *cmd, const char *error);

/*
 * A successful authentication as login (as typed, normalised by auth_login_name):
 * session_login() and the tagged "OK [CAPABILITY ...] Logged in", or its refusal.
 */
void auth_success(struct command_ctx *cmd, int64_t account_id, const char *login,
                  const char *method);

#endif
