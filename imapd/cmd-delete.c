/*
 * cmd-delete.c - DELETE mailbox (RFC 9051 6.3.5).  Inferiors stay (the deleted
 * name becomes an implied parent); INBOX cannot be deleted; the mailbox row is
 * kept, marked, so a re-created name gets a new UIDVALIDITY (lib/store).  Needs
 * the "x" right.
 */
#include "imapd/commands.h"
#include "imapd/namespace.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "store/acl.h"
#include "store/mailbox.h"

#include <string.h>

void cmd_delete(struct command_ctx *cmd)
{
	const char *name, *error;
	struct ns_mailbox mb;
	if (cmd->arg_count != 1) {
		reply_bad(cmd, "Usage: DELETE mailbox");
		return;
	}
	if (namespace_arg_name(cmd, cmd->args, false, &name) < 0 ||
	    namespace_open(cmd, name, ACL_DELETE_MBOX, &mb) < 0)
		return;
	if (mb.kind == NS_PERSONAL && strcmp(mb.name, "INBOX") == 0) {
		reply_no(cmd, "[CANNOT] INBOX cannot be deleted");
		return;
	}
	int r = mailbox_delete(cmd->s->db, mb.owner_id, mb.name, &error);
	if (r < 0)
		reply_store_error(cmd, r, error);
	else
		reply_ok(cmd, "DELETE completed");
}
