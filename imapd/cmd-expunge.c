/*
 * cmd-expunge.c - EXPUNGE and UID EXPUNGE (RFC 9051 6.4.3, 6.4.9; UIDPLUS).
 *
 * The store removes the \Deleted messages in one transaction and writes their
 * tombstones; this session announces them at once ("* n EXPUNGE"), other
 * sessions at their next sync.  Exports cmd_expunge.
 */
#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/msg-common.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/buf.h"
#include "store/acl.h"
#include "store/mailbox_msgs.h"

void cmd_expunge(struct command_ctx *cmd)
{
	struct imap_session *s = cmd->s;
	struct mailbox_view *v = s->view;
	struct mailbox_uid_ranges ranges, *rp = NULL;
	if (cmd->arg_count != (cmd->uid ? 1u : 0u)) {
		reply_bad(cmd,
		          cmd->uid ? "Usage: UID EXPUNGE uid-set" : "EXPUNGE takes no arguments");
		return;
	}
	if (cmd->uid) {
		if (msg_ranges(cmd, cmd->args, &ranges) < 0)
			return;
		rp = &ranges;
	}
	if (v->readonly) {
		reply_no(cmd, "[READ-ONLY] Mailbox is read-only");
		return;
	}
	if ((v->rights & ACL_EXPUNGE) == 0) {
		reply_no(cmd, "[NOPERM] Permission denied");
		return;
	}
	uint32_t *uids = NULL;
	size_t n = 0;
	const char *error;
	int r = 0;
	if (!v->gone && (rp == NULL || rp->n > 0))
		r = mailbox_msgs_expunge(s->db, v->mailbox_id, rp, cmd->pool, &uids, &n, &error);
	if (r < 0 && r != STORE_ENOTFOUND) {
		reply_store_error(cmd, r, error);
		return;
	}
	struct buf out;
	buf_init_arena(&out, cmd->pool);
	mailbox_view_expunge(v, uids, n, &out);
	msg_write(s, &out);
	reply_ok(cmd, "%s completed", cmd->name);
}
