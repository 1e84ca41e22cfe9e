/*
 * cmd-select.c - SELECT and EXAMINE (RFC 9051 6.3.2, 6.3.3; RFC 3501 6.3.1, 6.3.2).
 *
 * Reads one consistent snapshot of the mailbox (mailbox_sync_open), builds the
 * session's view from it and answers FLAGS, PERMANENTFLAGS, EXISTS, (RECENT and
 * the first unseen message under IMAP4rev1), UIDVALIDITY, UIDNEXT and
 * HIGHESTMODSEQ, then READ-WRITE or READ-ONLY.  Exports cmd_select.
 */
#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/msg-common.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/args.h"
#include "imap/quote.h"
#include "store/acl.h"
#include "store/mailbox.h"
#include "store/mailbox_sync.h"

#include <string.h>

/* Every keyword id in the snapshot, for the FLAGS response. */
static int select_keywords(struct imap_session *s, struct mailbox_view *v,
                           const struct mailbox_sync_state *st, const char **error_r)
{
	size_t total = 0, n = 0;
	for (size_t i = 0; i < st->count; i++)
		total += st->msgs[i].n_keywords;
	if (total == 0)
		return 0;
	int64_t *ids = arena_alloc(s->cmd_pool, total * sizeof(*ids));
	for (size_t i = 0; i < st->count; i++)
		for (size_t k = 0; k < st->msgs[i].n_keywords; k++)
			ids[n++] = st->msgs[i].keywords[k];
	return mailbox_view_learn_keywords(v, s->db, ids, n, s->cmd_pool, error_r) < 0 ? -1 : 0;
}

static void select_write(struct command_ctx *cmd, const struct mailbox_view *v)
{
	struct imap_session *s = cmd->s;
	struct buf out;
	buf_init_arena(&out, cmd->pool);
	mailbox_view_write_flags(v, &out);
	buf_printf(&out, "* %zu EXISTS\r\n", v->count);
	if (!session_rev2(s)) {
		buf_append_str(&out, "* 0 RECENT\r\n");
		for (size_t i = 0; i < v->count; i++) {
			if ((v->msgs[i].flags & MAILBOX_FLAG_SEEN) == 0) {
				buf_printf(&out, "* OK [UNSEEN %zu] First unseen\r\n", i + 1);
				break;
			}
		}
	}
	buf_printf(&out, "* OK [UIDVALIDITY %u] UIDs valid\r\n", v->uidvalidity);
	if (v->uidnext != 0)
		buf_printf(&out, "* OK [UIDNEXT %u] Predicted next UID\r\n", v->uidnext);
	buf_printf(&out, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
	           (unsigned long long)v->highestmodseq);
	if (session_rev2(s)) {
		const char *error;
		buf_append_str(&out, "* LIST () \"/\" ");
		if (imap_quote_mailbox(&out, v->name, strlen(v->name), session_quote_flags(s),
		                       &error) < 0)
			buf_append_str(&out, "\"\"");
		buf_append_str(&out, "\r\n");
	}
	msg_write(s, &out);
}

void cmd_select(struct command_ctx *cmd)
{
	struct imap_session *s = cmd->s;
	bool examine = strcmp(cmd->name, "EXAMINE") == 0;
	/* A SELECT deselects first, even when it then fails (RFC 9051 6.3.2). */
	if (s->view != NULL) {
		mailbox_view_free(&s->view);
		s->state = SESSION_AUTH;
		if (session_rev2(s))
			reply_untagged(s, "OK [CLOSED] Previous mailbox closed");
	}
	if (cmd->arg_count < 1 || cmd->arg_count > 2 ||
	    (cmd->arg_count == 2 && cmd->args->next->type != IMAP_ARG_LIST)) {
		reply_bad(cmd, "Usage: %s mailbox", cmd->name);
		return;
	}
	if (cmd->arg_count == 2 && cmd->args->next->list_count > 0) {
		reply_bad(cmd, "Unsupported %s parameters", cmd->name);
		return;
	}
	struct msg_mailbox mb;
	if (msg_mailbox_resolve(cmd, cmd->args, ACL_READ, false, &mb) < 0)
		return;
	struct mailbox_sync_state st;
	const char *error;
	int r = mailbox_sync_open(s->db, mb.id, mb.seen_account, cmd->pool, &st, &error);
	if (r < 0) {
		reply_store_error(cmd, r, error);
		return;
	}
	unsigned writable = ACL_SEEN | ACL_WRITE | ACL_DELETE_MSG | ACL_EXPUNGE | ACL_INSERT;
	bool readonly = examine || (mb.rights & writable) == 0;
	struct mailbox_view *v =
	        mailbox_view_new(&st, mb.name, mb.seen_account, readonly, mb.rights);
	if (select_keywords(s, v, &st, &error) < 0) {
		mailbox_view_free(&v);
		reply_store_error(cmd, STORE_EDB, error);
		return;
	}
	select_write(cmd, v);
	s->view = v;
	s->state = SESSION_SELECTED;
	reply_ok(cmd, "[%s] %s completed", readonly ? "READ-ONLY" : "READ-WRITE", cmd->name);
}
