/*
 * cmd-logout.c - LOGOUT (RFC 9051 6.1.3): "* BYE", then the tagged OK, then the
 * session ends.  The selected mailbox is let go first: changes made meanwhile are
 * not reported any more (a FETCH or EXPUNGE after the BYE only confuses clients;
 * Dovecot's imaptest flags it).
 */
#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/log.h"

void cmd_logout(struct command_ctx *cmd)
{
	if (cmd->arg_count != 0) {
		reply_bad(cmd, "LOGOUT takes no arguments");
		return;
	}
	mailbox_view_free(&cmd->s->view);
	reply_untagged(cmd->s, "BYE Logging out");
	reply_ok(cmd, "LOGOUT completed");
	cmd->session_over = true;
	log_info("logout", "user=%s commands=%llu", log_q(cmd->s->login ? cmd->s->login : ""),
	         (unsigned long long)cmd->s->commands);
}
