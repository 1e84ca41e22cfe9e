/*
 * cmd-store.c - STORE and UID STORE (RFC 9051 6.4.6): FLAGS, +FLAGS, -FLAGS and
 * their .SILENT forms, system flags and keywords.
 *
 * Flags the user has no right to change are silently left alone (RFC 4314 4:
 * s for \Seen, t for \Deleted, w for the rest and keywords).  Every changed row
 * gets one new MODSEQ (lib/store/mailbox_msgs.c).  Unless .SILENT, the new flags
 * of every message in the set are returned; the view records them, so the sync
 * before the tagged reply does not send them a second time.
 *
 * CONDSTORE (RFC 7162 3.1.3): "(UNCHANGEDSINCE n)" changes only messages whose
 * MODSEQ is still <= n, tested per row under the mailbox row lock in the writing
 * transaction; the others come back in "OK [MODIFIED set]".  Once CONDSTORE is
 * enabled every FETCH response carries MODSEQ, and .SILENT still reports the
 * MODSEQ of the changed messages.  Exports cmd_store.
 */
#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/msg-common.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/args.h"
#include "imap/flags.h"
#include "imap/seqset.h"
#include "store/acl.h"
#include "store/keyword.h"
#include "store/mailbox.h"
#include "store/mailbox_msgs.h"

#include <string.h>
#include <strings.h>

struct store_args {
	struct mailbox_uid_ranges ranges;
	struct mailbox_store_req req;
	bool silent;
	struct imap_flag_set flags;
	uint32_t *modified; /* failed UNCHANGEDSINCE (UIDs, ascending) */
	size_t n_modified;
};

/* "(UNCHANGEDSINCE n)": mod-sequence-valzer, so 0 is allowed (and always fails). */
static int store_modifiers(const struct imap_arg *arg, struct store_args *a)
{
	if (arg->list_count != 2 || !imap_arg_is_atom(arg->list, "UNCHANGEDSINCE") ||
	    !msg_parse_modseq(arg->list->next, true, &a->req.unchangedsince))
		return -1;
	a->req.unchanged_test = 1;
	return 0;
}

static int store_parse_item(const char *item, struct store_args *a)
{
	const char *p = item;
	a->req.mode = MAILBOX_STORE_REPLACE;
	if (*p == '+' || *p == '-')
		a->req.mode = *p++ == '+' ? MAILBOX_STORE_ADD : MAILBOX_STORE_REMOVE;
	if (strncasecmp(p, "FLAGS", 5) != 0)
		return -1;
	p += 5;
	a->silent = strcasecmp(p, ".SILENT") == 0;
	return a->silent || *p == '\0' ? 0 : -1;
}

static int store_parse(struct command_ctx *cmd, struct store_args *a)
{
	const struct imap_arg *arg = cmd->args;
	const char *item, *error;
	if (cmd->arg_count < 3) {
		reply_bad(cmd, "Usage: %s set item flags", cmd->name);
		return -1;
	}
	if (msg_ranges(cmd, arg, &a->ranges) < 0)
		return -1;
	arg = arg->next;
	if (arg->type == IMAP_ARG_LIST) {
		if (cmd->arg_count < 4 || store_modifiers(arg, a) < 0) {
			reply_bad(cmd, "Invalid STORE modifier: (UNCHANGEDSINCE mod-sequence)");
			return -1;
		}
		arg = arg->next;
	}
	if (!imap_arg_get_atom(arg, &item) || store_parse_item(item, a) < 0) {
		reply_bad(cmd, "Unknown STORE item");
		return -1;
	}
	if (imap_arg_get_flags(arg->next, cmd->pool, &a->flags, &error) < 0) {
		reply_bad(cmd, "Invalid flags: %s", error);
		return -1;
	}
	return 0;
}

/* The rights decide what may change; keywords get ids (created) only with w. */
static int store_prepare(struct command_ctx *cmd, struct store_args *a, const char **error_r)
{
	const struct mailbox_view *v = cmd->s->view;
	a->req.flags = a->flags.system & IMAP_FLAGS_STORED; /* \Recent is never stored */
	a->req.allowed_flags =
	        (v->rights & ACL_SEEN ? MAILBOX_FLAG_SEEN : 0) |
	        (v->rights & ACL_DELETE_MSG ? MAILBOX_FLAG_DELETED : 0) |
	        (v->rights & ACL_WRITE
	                 ? MAILBOX_FLAG_ANSWERED | MAILBOX_FLAG_FLAGGED | MAILBOX_FLAG_DRAFT
	                 : 0);
	a->req.keywords_ok = (v->rights & ACL_WRITE) != 0;
	if (!a->req.keywords_ok || a->flags.keyword_count == 0)
		return 0;
	int64_t *ids;
	size_t n;
	int r = keyword_ids(cmd->s->db, a->flags.keywords, a->flags.keyword_count, cmd->pool, &ids,
	                    &n, error_r);
	a->req.keywords = ids;
	a->req.n_keywords = n;
	return r;
}

static bool store_uid_in(const uint32_t *uids, size_t n, uint32_t uid)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && uids[lo] == uid;
}

/* Is uid among the changed rows (ascending by UID)? */
static bool store_changed_in(const struct mailbox_sync_msg *changed, size_t n, uint32_t uid)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (changed[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && changed[lo].uid == uid;
}

/*
 * "* seq FETCH (FLAGS (...) [UID n] [MODSEQ (m)])" for every message of the view in
 * the ranges that did not fail UNCHANGEDSINCE; with .SILENT only the MODSEQ of the
 * changed ones, and only under CONDSTORE.
 */
static void store_write_flags(struct command_ctx *cmd, const struct store_args *a,
                              const struct mailbox_sync_msg *changed, size_t n_changed,
                              struct buf *out)
{
	const struct mailbox_view *v = cmd->s->view;
	for (size_t r = 0; r < a->ranges.n; r++) {
		for (size_t i = mailbox_view_seq_ge(v, a->ranges.lo[r]) - 1; i < v->count; i++) {
			const struct mailbox_view_msg *m = &v->msgs[i];
			if (m->uid > a->ranges.hi[r])
				break;
			if (store_uid_in(a->modified, a->n_modified, m->uid))
				continue;
			bool was_changed = store_changed_in(changed, n_changed, m->uid);
			if (a->silent && !(v->condstore && was_changed))
				continue;
			buf_printf(out, "* %zu FETCH (", i + 1);
			if (!a->silent) {
				buf_append_str(out, "FLAGS ");
				mailbox_view_format_flags(v, mailbox_view_msg_flags(v, m),
				                          m->keywords, m->n_keywords, out);
				buf_append_char(out, ' ');
			}
			if (cmd->uid)
				buf_printf(out, "UID %u ", m->uid);
			if (v->condstore)
				buf_printf(out, "MODSEQ (%llu) ", (unsigned long long)m->modseq);
			out->len--; /* the last separator */
			buf_append_str(out, ")\r\n");
		}
	}
}

/* The tagged OK, with [MODIFIED set] (sequence numbers, UIDs for UID STORE). */
static void store_reply(struct command_ctx *cmd, const struct store_args *a)
{
	if (a->n_modified == 0) {
		reply_ok(cmd, "%s completed", cmd->name);
		return;
	}
	struct seqset set;
	struct buf b;
	seqset_init(&set, cmd->pool);
	buf_init_arena(&b, cmd->pool);
	for (size_t i = 0; i < a->n_modified; i++) {
		uint32_t n =
		        cmd->uid ? a->modified[i] : mailbox_view_seq(cmd->s->view, a->modified[i]);
		if (n != 0)
			seqset_add(&set, n, n);
	}
	seqset_normalise(&set);
	seqset_format(&set, &b);
	reply_ok(cmd, "[MODIFIED %s] Conditional %s failed", buf_cstr(&b), cmd->name);
}

/* Names of the keywords on the changed rows; a new FLAGS line when any is new. */
static int store_learn_keywords(struct command_ctx *cmd, const struct mailbox_sync_msg *changed,
                                size_t n, struct buf *out)
{
	size_t total = 0, k = 0;
	const char *error;
	for (size_t i = 0; i < n; i++)
		total += changed[i].n_keywords;
	if (total == 0)
		return 0;
	int64_t *ids = arena_alloc(cmd->pool, total * sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < changed[i].n_keywords; j++)
			ids[k++] = changed[i].keywords[j];
	int r = mailbox_view_learn_keywords(cmd->s->view, cmd->s->db, ids, k, cmd->pool, &error);
	if (r < 0) {
		reply_store_error(cmd, STORE_EDB, error);
		return -1;
	}
	if (r > 0)
		mailbox_view_write_flags(cmd->s->view, out);
	return 0;
}

void cmd_store(struct command_ctx *cmd)
{
	struct imap_session *s = cmd->s;
	struct mailbox_view *v = s->view;
	struct store_args a;
	const char *error;
	memset(&a, 0, sizeof(a));
	if (store_parse(cmd, &a) < 0)
		return;
	if (v->readonly) {
		reply_no(cmd, "[READ-ONLY] Mailbox is read-only");
		return;
	}
	struct mailbox_sync_msg *changed = NULL;
	size_t n = 0;
	int r = store_prepare(cmd, &a, &error);
	if (a.req.unchanged_test) /* implicit ENABLE CONDSTORE */
		msg_enable_condstore(cmd);
	if (r == 0 && a.ranges.n > 0 && !v->gone)
		r = mailbox_msgs_store_cond(s->db, v->mailbox_id, v->seen_account, &a.ranges,
		                            &a.req, cmd->pool, &changed, &n, &a.modified,
		                            &a.n_modified, &error);
	if (r < 0 && r != STORE_ENOTFOUND) {
		reply_store_error(cmd, r, error);
		return;
	}
	struct buf out;
	buf_init_arena(&out, cmd->pool);
	if (store_learn_keywords(cmd, changed, n, &out) < 0)
		return;
	mailbox_view_update_all(v, changed, n);
	store_write_flags(cmd, &a, changed, n, &out);
	msg_write(s, &out);
	store_reply(cmd, &a);
}
