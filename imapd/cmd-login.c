/*
 * cmd-login.c - LOGIN userid password (RFC 9051 6.2.3).  Refused with
 * [PRIVACYREQUIRED] where plaintext authentication is not allowed (the capability
 * list then says LOGINDISABLED); checked through the worker's passdb (lib/auth).
 */
#include "imapd/auth.h"
#include "imapd/commands.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "auth/passdb.h"
#include "imap/args.h"

#include <string.h>

void cmd_login(struct command_ctx *cmd)
{
	const char *user, *password, *error;
	size_t ulen, plen;
	struct passdb_entry entry;
	if (cmd->arg_count != 2 || !imap_arg_get_astring(cmd->args, &user, &ulen) ||
	    !imap_arg_get_astring(cmd->args->next, &password, &plen)) {
		reply_bad(cmd, "Usage: LOGIN userid password");
		return;
	}
	if (!session_plaintext_allowed(cmd->s)) {
		reply_no(cmd, "[PRIVACYREQUIRED] Plaintext authentication is disabled without TLS");
		return;
	}
	if (ulen == 0 || ulen > PASSDB_FIELD_MAX || plen == 0 || plen > PASSDB_FIELD_MAX) {
		auth_fail(cmd, "LOGIN", NULL, "empty or overlong user name or password");
		return;
	}
	int r = passdb_verify_plain(cmd->s->proc->passdb, user, password, cmd->pool, &entry,
	                            &error);
	if (r < 0)
		auth_tempfail(cmd, error);
	else if (r == 0)
		auth_fail(cmd, "LOGIN", user, "unknown user or wrong password");
	else
		auth_success(cmd, entry.account_id, entry.login, "LOGIN");
}
