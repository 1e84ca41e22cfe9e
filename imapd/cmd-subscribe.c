/*
 * cmd-subscribe.c - SUBSCRIBE and UNSUBSCRIBE mailbox (RFC 9051 6.3.7, 6.3.8).
 * Subscriptions are names: subscribing to a name that does not exist (or that the
 * user cannot see - the same thing, DESIGN 6) is allowed, as RFC 9051 permits, so
 * the answer reveals nothing.
 */
#include "imapd/commands.h"
#include "imapd/namespace.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "store/subscription.h"

#include <string.h>

void cmd_subscribe(struct command_ctx *cmd)
{
	bool subscribe = strcmp(cmd->name, "SUBSCRIBE") == 0;
	const char *name, *error;
	if (cmd->arg_count != 1) {
		reply_bad(cmd, "Usage: %s mailbox", cmd->name);
		return;
	}
	if (namespace_arg_name(cmd, cmd->args, false, &name) < 0)
		return;
	int r = subscribe ? subscription_add(cmd->s->db, cmd->s->user_id, name, &error)
	                  : subscription_remove(cmd->s->db, cmd->s->user_id, name, &error);
	if (r == STORE_ENOTFOUND)
		reply_no(cmd, "[NONEXISTENT] Not subscribed to that name");
	else if (r < 0)
		reply_store_error(cmd, r, error);
	else
		reply_ok(cmd, "%s completed", cmd->name);
}
