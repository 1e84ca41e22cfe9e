/*
 * cmd-msg-stubs.c - TEMPORARY placeholders for the message half of issue 5 (branch
 * imapd-msg owns SELECT/EXAMINE, FETCH, STORE, SEARCH, APPEND, COPY/MOVE, EXPUNGE,
 * CLOSE/UNSELECT, CHECK and mailbox-view.c).  Each answers honestly that it is not
 * available; imapd-msg deletes this file as it lands the real handlers.
 * imapd-core never edits this file after its first commit (to avoid conflicts).
 */
#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/reply.h"

#include <stddef.h>

static void cmd_msg_stub(struct command_ctx *cmd)
{
	reply_no(cmd, "[CANNOT] %s is not implemented in this build", cmd->name);
}




void cmd_search(struct command_ctx *cmd)
{
	cmd_msg_stub(cmd);
}


void cmd_copy(struct command_ctx *cmd)
{
	cmd_msg_stub(cmd);
}





