/*
 * cmd-status.c - STATUS mailbox (items) (RFC 9051 6.3.11): MESSAGES UIDNEXT
 * UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ (RFC 7162), and RECENT (RFC 3501:
 * the messages no session has claimed as \Recent yet; STATUS never claims).
 * Counters come from the mailbox row, so STATUS never scans messages, except
 * UNSEEN on another user's mailbox (\Seen is per user there), RECENT (an index
 * range count of the unclaimed UIDs) and DELETED-STORAGE (RFC 9208 4.2, required
 * with QUOTA=RES-STORAGE).
 * Exports status_items_parse / status_write for LIST RETURN (STATUS ...).
 */
#include "imapd/commands.h"
#include "imapd/namespace.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/buf.h"
#include "imap/args.h"
#include "imap/quote.h"
#include "store/acl.h"
#include "store/mailbox.h"
#include "store/mailbox_sync.h"
#include "store/quota.h"

#include <string.h>
#include <strings.h>

static const char *const status_names[] = {
        "MESSAGES", "UIDNEXT", "UIDVALIDITY",   "UNSEEN",          "DELETED",
        "SIZE",     "RECENT",  "HIGHESTMODSEQ", "DELETED-STORAGE", NULL};

int status_items_parse(const struct imap_arg *arg, unsigned *items_r)
{
	const struct imap_arg *l;
	unsigned n;
	*items_r = 0;
	if (!imap_arg_get_list(arg, &l, &n) || n == 0)
		return -1;
	for (; l; l = l->next) {
		int i = 0;
		while (status_names[i] && !imap_arg_is_atom(l, status_names[i]))
			i++;
		if (status_names[i] == NULL)
			return -1;
		*items_r |= 1u << i;
	}
	return 0;
}

static int64_t status_value(struct command_ctx *cmd, const struct ns_mailbox *mb, int item,
                            int *failed_r)
{
	const struct mailbox_info *i = &mb->info;
	const char *error;
	int64_t unseen = i->unseen, bytes = 0, recent = 0;
	switch (item) {
	case 0:
		return i->messages;
	case 1:
		return i->uidnext ? i->uidnext : 4294967295LL;
	case 2:
		return i->uidvalidity;
	case 3:
		if (mb->kind != NS_PERSONAL &&
		    mailbox_unseen_private(cmd->s->db, cmd->s->user_id, i->id, &unseen, &error) < 0)
			*failed_r = 1;
		return unseen;
	case 4:
		return i->deleted;
	case 5:
		return i->size;
	case 6:
		if (mailbox_recent_unclaimed(cmd->s->db, i->id, &recent, &error) < 0)
			*failed_r = 1;
		return recent;
	case 7: /* RFC 7162 3.1.2.1; asking for it enables CONDSTORE (3.1) */
		cmd->s->enabled |= SESSION_ENABLED_CONDSTORE;
		return (int64_t)i->highestmodseq;
	case 8: /* RFC 9208 4.2: KiB an EXPUNGE would free, rounded up like QUOTA */
		if (quota_deleted_storage(cmd->s->db, i->id, &bytes, &error) < 0)
			*failed_r = 1;
		return (bytes + 1023) / 1024;
	default:
		return 0;
	}
}

int status_write(struct command_ctx *cmd, const struct ns_mailbox *mb, unsigned items)
{
	struct buf b = BUF_INIT;
	const char *error;
	int failed = 0;
	buf_append_str(&b, "STATUS ");
	if (imap_quote_mailbox(&b, mb->ext_name, strlen(mb->ext_name), session_quote_flags(cmd->s),
	                       &error) < 0)
		failed = 1;
	buf_append_str(&b, " (");
	for (int i = 0; status_names[i]; i++) {
		if ((items & (1u << i)) == 0)
			continue;
		buf_printf(&b, "%s%s %lld", b.data[b.len - 1] == '(' ? "" : " ", status_names[i],
		           (long long)status_value(cmd, mb, i, &failed));
	}
	buf_append_char(&b, ')');
	if (!failed)
		reply_untagged_buf(cmd->s, &b);
	buf_free(&b);
	return failed ? -1 : 0;
}

void cmd_status(struct command_ctx *cmd)
{
	const char *name;
	unsigned items;
	struct ns_mailbox mb;
	if (cmd->arg_count != 2 || status_items_parse(cmd->args->next, &items) < 0) {
		reply_bad(cmd, "Usage: STATUS mailbox (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED "
		               "SIZE HIGHESTMODSEQ DELETED-STORAGE)");
		return;
	}
	if (namespace_arg_name(cmd, cmd->args, false, &name) < 0 ||
	    namespace_open(cmd, name, ACL_READ, &mb) < 0)
		return;
	if (status_write(cmd, &mb, items) < 0)
		reply_no(cmd, "[SERVERBUG] Internal error, try again later");
	else
		reply_ok(cmd, "STATUS completed");
}
