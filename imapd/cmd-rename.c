/*
 * cmd-rename.c - RENAME old new (RFC 9051 6.3.6): the mailbox and its inferiors
 * move; renaming INBOX moves its messages to the new name and leaves INBOX empty
 * (lib/store does both in one transaction).  Both names must belong to the same
 * owner.  Needs "x" on the old mailbox, and outside the personal namespace also
 * "k" (cairn checks it on the old mailbox: a simplification of RFC 4314 "k on the
 * new parent").
 */
#include "imapd/commands.h"
#include "imapd/namespace.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "imap/parser.h"

#include "store/acl.h"
#include "store/mailbox.h"

void cmd_rename(struct command_ctx *cmd)
{
	const char *oldname, *newname, *error;
	struct ns_mailbox from, to;
	if (cmd->arg_count != 2) {
		reply_bad(cmd, "Usage: RENAME mailbox new-name");
		return;
	}
	if (namespace_arg_name(cmd, cmd->args, false, &oldname) < 0 ||
	    namespace_arg_name(cmd, cmd->args->next, true, &newname) < 0)
		return;
	if (namespace_open(cmd, oldname, ACL_DELETE_MBOX, &from) < 0)
		return;
	if (from.kind != NS_PERSONAL && (from.rights & ACL_CREATE) == 0) {
		reply_no(cmd, "[NOPERM] Permission denied");
		return;
	}
	if (namespace_lookup(cmd->s, newname, cmd->pool, &to, &error) < 0) {
		reply_store_error(cmd, STORE_EDB, error);
		return;
	}
	if (to.owner_id == 0 || to.owner_id != from.owner_id) {
		reply_no(cmd, "[CANNOT] Cannot rename a mailbox into another namespace or owner");
		return;
	}
	if (to.exists) {
		reply_no(cmd, "[ALREADYEXISTS] Mailbox already exists");
		return;
	}
	int r = mailbox_rename(cmd->s->db, from.owner_id, from.name, to.name, &error);
	if (r < 0)
		reply_store_error(cmd, r, error);
	else
		reply_ok(cmd, "RENAME completed");
}
