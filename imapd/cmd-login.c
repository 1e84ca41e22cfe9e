/*
 * cmd-login.c - LOGIN userid password (RFC 9051 6.2.3).  Refused with
 * [PRIVACYREQUIRED] where plaintext authentication is not allowed (the capability
 * list then says LOGINDISABLED); checked against the account's SCRAM record.
 */
#include "imapd/auth.h"
#include "imapd/commands.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "imap/args.h"

#include <string.h>

void cmd_login(struct command_ctx *cmd)
{
	const char *user, *password, *error;
	size_t ulen, plen;
	int64_t id;
	if (cmd->arg_count != 2 || !imap_arg_get_astring(cmd->args, &user, &ulen) ||
	    !imap_arg_get_astring(cmd->args->next, &password, &plen)) {
		reply_bad(cmd, "Usage: LOGIN userid password");
		return;
	}
	if (!session_plaintext_allowed(cmd->s)) {
		reply_no(cmd, "[PRIVACYREQUIRED] Plaintext authentication is disabled without TLS");
		return;
	}
	if (ulen == 0 || ulen > AUTH_FIELD_MAX || plen == 0 || plen > AUTH_FIELD_MAX) {
		auth_fail(cmd, "LOGIN", NULL, "empty or overlong user name or password");
		return;
	}
	int r = auth_verify_password(cmd->s, user, password, &id, &error);
	if (r < 0)
		auth_tempfail(cmd, error);
	else if (r == 0)
		auth_fail(cmd, "LOGIN", user, "unknown user or wrong password");
	else
		auth_success(cmd, id, auth_login_name(cmd->s, user), "LOGIN");
}
