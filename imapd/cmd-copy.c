/*
 * cmd-copy.c - COPY, MOVE and their UID forms (RFC 9051 6.4.7, 6.4.8; RFC 6851),
 * answering COPYUID (RFC 4315).
 *
 * One store transaction copies the rows (blobs are shared, only refcounts move)
 * with a block of new UIDs from the target's row; MOVE also expunges the
 * originals in the same transaction and this session announces them after the
 * untagged OK [COPYUID ...] (RFC 6851 4.3).  Exports cmd_copy.
 */
#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/msg-common.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/parser.h"
#include "imap/seqset.h"
#include "store/acl.h"
#include "store/mailbox_msgs.h"

#include <string.h>

/* "src-uids dst-uids" in compact set syntax, ranges kept pairwise. */
static const char *copy_uidset(struct command_ctx *cmd, const struct mailbox_copy_result *res)
{
	struct seqset src, dst;
	struct buf out;
	seqset_init(&src, cmd->pool);
	seqset_init(&dst, cmd->pool);
	buf_init_arena(&out, cmd->pool);
	for (size_t i = 0; i < res->n;) {
		size_t j = i + 1;
		/* A run where both sides ascend by one is one range on each side. */
		while (j < res->n && res->src_uids[j] == res->src_uids[j - 1] + 1 &&
		       res->dst_uids[j] == res->dst_uids[j - 1] + 1)
			j++;
		seqset_add(&src, res->src_uids[i], res->src_uids[j - 1]);
		seqset_add(&dst, res->dst_uids[i], res->dst_uids[j - 1]);
		i = j;
	}
	seqset_format(&src, &out);
	buf_append_char(&out, ' ');
	seqset_format(&dst, &out);
	return buf_cstr(&out);
}

void cmd_copy(struct command_ctx *cmd)
{
	struct imap_session *s = cmd->s;
	struct mailbox_view *v = s->view;
	bool move = strstr(cmd->name, "MOVE") != NULL;
	struct mailbox_uid_ranges ranges;
	struct msg_mailbox dst;
	if (cmd->arg_count != 2) {
		reply_bad(cmd, "Usage: %s set mailbox", cmd->name);
		return;
	}
	if (msg_ranges(cmd, cmd->args, &ranges) < 0)
		return;
	if (move && (v->readonly || !msg_has_rights(v->rights, ACL_EXPUNGE | ACL_DELETE_MSG))) {
		reply_no(cmd, v->readonly ? "[READ-ONLY] Mailbox is read-only"
		                          : "[NOPERM] Permission denied");
		return;
	}
	if (msg_mailbox_resolve(cmd, cmd->args->next, ACL_INSERT, true, &dst) < 0)
		return;
	struct mailbox_copy_result res = {0};
	const char *error;
	int r = 0;
	if (ranges.n > 0 && !v->gone)
		r = mailbox_msgs_copy(s->db, v->mailbox_id, dst.id, &ranges, move, cmd->pool, &res,
		                      &error);
	if (r == STORE_EREFUSED) {
		reply_no(cmd, "[OVERQUOTA] Quota exceeded");
		return;
	}
	if (r < 0) {
		reply_store_error(cmd, r, error);
		return;
	}
	if (res.n == 0) {
		reply_ok(cmd, "%s completed, no messages", cmd->name);
		return;
	}
	const char *uidsets = copy_uidset(cmd, &res);
	if (!move) {
		reply_ok(cmd, "[COPYUID %u %s] COPY completed", res.dst_uidvalidity, uidsets);
		return;
	}
	struct buf out;
	buf_init_arena(&out, cmd->pool);
	buf_printf(&out, "* OK [COPYUID %u %s] Moved\r\n", res.dst_uidvalidity, uidsets);
	mailbox_view_expunge(v, res.src_uids, res.n, &out);
	msg_write(s, &out);
	reply_ok(cmd, "%s completed", cmd->name);
}
