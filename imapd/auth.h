/*
 * auth.h - the IMAP side of authentication for LOGIN and AUTHENTICATE: the common
 * success and failure replies (one reply for every failure, lib/auth's growing
 * delay, BYE after [imap] max_auth_failures).  Password checks, SCRAM and the
 * mechanisms themselves are lib/auth (passdb.h, sasl.h); the worker's passdb is
 * s->proc->passdb.
 */
#ifndef CAIRN_IMAPD_AUTH_H
#define CAIRN_IMAPD_AUTH_H

#include <stdint.h>

struct command_ctx;

/*
 * A failed attempt: log why (never shown), wait, answer "NO [AUTHENTICATIONFAILED]
 * Authentication failed" - the same for an unknown user and a wrong password - and
 * end the session with BYE after too many failures.
 */
void auth_fail(struct command_ctx *cmd, const char *method, const char *user, const char *why);

/* A database failure during authentication: "NO [UNAVAILABLE] ...", logged. */
void auth_tempfail(struct command_ctx *cmd, const char *error);

/*
 * A successful authentication as login (normalised by the passdb):
 * session_login() and the tagged "OK [CAPABILITY ...] Logged in", or its refusal.
 */
void auth_success(struct command_ctx *cmd, int64_t account_id, const char *login,
                  const char *method);

#endif
