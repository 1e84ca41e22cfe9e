/*
 * cmd-check.c - CHECK (RFC 3501 6.4.1; gone from RFC 9051, still accepted).
 *
 * Every change is committed when its command answers, so there is nothing to
 * checkpoint: CHECK only syncs (the tagged reply does that).  Exports cmd_check.
 */
#include "imapd/commands.h"
#include "imapd/reply.h"

void cmd_check(struct command_ctx *cmd)
{
	if (cmd->arg_count != 0) {
		reply_bad(cmd, "CHECK takes no arguments");
		return;
	}
	reply_ok(cmd, "CHECK completed");
}
