/*
 * cmd-rename.c - RENAME old new (RFC 9051 6.3.6): the mailbox and its inferiors
 * move; renaming INBOX moves its messages to the new name and leaves INBOX empty
 * (lib/store does both in one transaction).  Both names must belong to the same
 * owner.  Needs "x" on the old mailbox, and outside the personal namespace also
 * "k" (cairn checks it on the old mailbox: a simplification of RFC 4314 "k on the
 * new parent").  An implied parent (only its inferiors exist) can be renamed too.
 */
#include "imapd/commands.h"
#include "imapd/namespace.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "imap/parser.h"

#include "store/acl.h"
#include "store/mailbox.h"

/*
 * The mailbox to rename.  A personal name that is only an implied parent ("a" when
 * "a/b" exists, shown \NonExistent) is accepted: its inferiors move (lib/store says
 * NONEXISTENT when there are none).  Elsewhere the mailbox must exist.  -1: answered.
 */
static int rename_open_source(struct command_ctx *cmd, const char *name, struct ns_mailbox *mb)
{
	const char *error;
	if (namespace_lookup(cmd->s, name, cmd->pool, mb, &error) < 0) {
		reply_store_error(cmd, STORE_EDB, error);
		return -1;
	}
	if (!mb->exists && mb->kind == NS_PERSONAL && mb->owner_id != 0)
		return 0;
	if (namespace_open(cmd, name, ACL_DELETE_MBOX, mb) < 0)
		return -1;
	if (mb->kind != NS_PERSONAL && (mb->rights & ACL_CREATE) == 0) {
		reply_no(cmd, "[NOPERM] Permission denied");
		return -1;
	}
	return 0;
}

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
	if (rename_open_source(cmd, oldname, &from) < 0)
		return;
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
