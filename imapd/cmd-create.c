/*
 * cmd-create.c - CREATE mailbox [(USE (special-use))] (RFC 9051 6.3.4, RFC 6154
 * CREATE-SPECIAL-USE).  Parents are implied, not created.  In another user's or the
 * shared namespace the user needs the "k" right on the parent mailbox.
 */
#include "imapd/commands.h"
#include "imapd/namespace.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/arena.h"
#include "imap/args.h"
#include "store/acl.h"
#include "store/mailbox.h"

#include <string.h>

/* "(USE (\Drafts))": the one attribute we can store; -1 after a reply. */
static int cmd_create_use(struct command_ctx *cmd, const struct imap_arg *arg, const char **use_r)
{
	const struct imap_arg *l, *attrs;
	unsigned n, nattrs;
	*use_r = NULL;
	if (!imap_arg_get_list(arg, &l, &n) || n != 2 || !imap_arg_is_atom(l, "USE") ||
	    !imap_arg_get_list(l->next, &attrs, &nattrs)) {
		reply_bad(cmd, "Usage: CREATE mailbox [(USE (attribute))]");
		return -1;
	}
	if (nattrs > 1 || (nattrs == 1 && (attrs->type != IMAP_ARG_ATOM ||
	                                   !mailbox_special_use_valid(attrs->str)))) {
		reply_no(cmd, "[USEATTR] Unsupported special-use attribute");
		return -1;
	}
	*use_r = nattrs == 1 ? attrs->str : NULL;
	return 0;
}

/* Another owner's namespace: the "k" right on the (visible) parent. */
static int cmd_create_foreign_ok(struct command_ctx *cmd, const struct ns_mailbox *mb)
{
	const char *slash = strrchr(mb->ext_name, '/');
	struct ns_mailbox parent;
	const char *error;
	char *pname = arena_strndup(cmd->pool, mb->ext_name, (size_t)(slash - mb->ext_name));
	if (namespace_lookup(cmd->s, pname, cmd->pool, &parent, &error) < 0) {
		reply_store_error(cmd, STORE_EDB, error);
		return -1;
	}
	if (!parent.exists || (parent.rights & ACL_CREATE) == 0) {
		reply_no(cmd, "[NOPERM] Permission denied");
		return -1;
	}
	return 0;
}

void cmd_create(struct command_ctx *cmd)
{
	const char *name, *use = NULL, *error;
	struct ns_mailbox mb;
	if (cmd->arg_count < 1 || cmd->arg_count > 2) {
		reply_bad(cmd, "Usage: CREATE mailbox");
		return;
	}
	if (namespace_arg_name(cmd, cmd->args, true, &name) < 0 ||
	    (cmd->arg_count == 2 && cmd_create_use(cmd, cmd->args->next, &use) < 0))
		return;
	if (namespace_lookup(cmd->s, name, cmd->pool, &mb, &error) < 0) {
		reply_store_error(cmd, STORE_EDB, error);
		return;
	}
	if (mb.exists) {
		reply_no(cmd, "[ALREADYEXISTS] Mailbox already exists");
		return;
	}
	if (mb.owner_id == 0) {
		reply_no(cmd, "[CANNOT] Cannot create a mailbox with that name");
		return;
	}
	if (mb.kind != NS_PERSONAL && cmd_create_foreign_ok(cmd, &mb) < 0)
		return;
	int r = mailbox_create(cmd->s->db, mb.owner_id, mb.name, use, NULL, &error);
	if (r < 0)
		reply_store_error(cmd, r, error);
	else
		reply_ok(cmd, "CREATE completed");
}
