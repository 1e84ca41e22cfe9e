/*
 * cmd-close.c - CLOSE and UNSELECT (RFC 9051 6.4.1, 6.4.2).
 *
 * CLOSE silently expunges the \Deleted messages when the mailbox is read-write and
 * the user has the e right; UNSELECT never does.  Both leave the selected state.
 * Exports cmd_close.
 */
#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/log.h"
#include "store/acl.h"
#include "store/mailbox_msgs.h"

#include <string.h>

void cmd_close(struct command_ctx *cmd)
{
	struct imap_session *s = cmd->s;
	struct mailbox_view *v = s->view;
	if (cmd->arg_count != 0) {
		reply_bad(cmd, "%s takes no arguments", cmd->name);
		return;
	}
	if (strcmp(cmd->name, "CLOSE") == 0 && !v->readonly && !v->gone &&
	    (v->rights & ACL_EXPUNGE)) {
		uint32_t *uids;
		size_t n;
		const char *error;
		int r = mailbox_msgs_expunge(s->db, v->mailbox_id, NULL, cmd->pool, &uids, &n,
		                             &error);
		if (r < 0 && r != STORE_ENOTFOUND) {
			/* Stay selected: the client may retry or UNSELECT. */
			reply_store_error(cmd, r, error);
			return;
		}
	}
	mailbox_view_free(&s->view);
	s->state = SESSION_AUTH;
	reply_ok(cmd, "%s completed", cmd->name);
}
