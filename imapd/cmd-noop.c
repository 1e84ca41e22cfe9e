/*
 * cmd-noop.c - NOOP (RFC 9051 6.1.2): does nothing itself; its tagged reply runs
 * the selected-mailbox sync, which is how clients poll for new mail.
 */
#include "imapd/commands.h"
#include "imapd/reply.h"

void cmd_noop(struct command_ctx *cmd)
{
	if (cmd->arg_count != 0) {
		reply_bad(cmd, "NOOP takes no arguments");
		return;
	}
	reply_ok(cmd, "NOOP completed");
}
