/*
 * cmd-logout.c - LOGOUT (RFC 9051 6.1.3): "* BYE", then the tagged OK, then the
 * session ends.
 */
#include "imapd/commands.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/log.h"

void cmd_logout(struct command_ctx *cmd)
{
	if (cmd->arg_count != 0) {
		reply_bad(cmd, "LOGOUT takes no arguments");
		return;
	}
	reply_untagged(cmd->s, "BYE Logging out");
	reply_ok(cmd, "LOGOUT completed");
	cmd->session_over = true;
	log_info("logout", "user=%s commands=%llu", log_q(cmd->s->login ? cmd->s->login : ""),
	         (unsigned long long)cmd->s->commands);
}
