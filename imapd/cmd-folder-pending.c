/*
 * cmd-folder-pending.c - TEMPORARY: folder commands of this branch not written
 * yet; each is removed from here as its cmd-NAME.c lands (then this file goes).
 */
#include "imapd/commands.h"
#include "imapd/reply.h"

static void cmd_pending(struct command_ctx *cmd)
{
	reply_no(cmd, "[CANNOT] %s is not implemented yet", cmd->name);
}

void cmd_create(struct command_ctx *cmd)
{
	cmd_pending(cmd);
}

void cmd_delete(struct command_ctx *cmd)
{
	cmd_pending(cmd);
}

void cmd_rename(struct command_ctx *cmd)
{
	cmd_pending(cmd);
}

void cmd_subscribe(struct command_ctx *cmd)
{
	cmd_pending(cmd);
}

void cmd_list(struct command_ctx *cmd)
{
	cmd_pending(cmd);
}

void cmd_namespace(struct command_ctx *cmd)
{
	cmd_pending(cmd);
}

void cmd_status(struct command_ctx *cmd)
{
	cmd_pending(cmd);
}
