/*
 * cmd-select.c - SELECT and EXAMINE (RFC 9051 6.3.2, 6.3.3; RFC 3501 6.3.1, 6.3.2).
 *
 * Reads one consistent snapshot of the mailbox (mailbox_sync_open), builds the
 * session's view from it and answers FLAGS, PERMANENTFLAGS, EXISTS, (RECENT and
 * the first unseen message under IMAP4rev1), UIDVALIDITY, UIDNEXT and
 * HIGHESTMODSEQ, then READ-WRITE or READ-ONLY.  A read-write SELECT under
 * IMAP4rev1 claims the mailbox's new messages as \Recent for this session
 * (cluster-wide, mailbox_sync.h); EXAMINE shows them without claiming.
 *
 * RFC 7162: "(CONDSTORE)" enables CONDSTORE; "(QRESYNC (uidvalidity modseq
 * [known-uids [seq-match]]))" (after ENABLE QRESYNC) adds, when the UIDVALIDITY
 * matches, "VANISHED (EARLIER)" for the known UIDs expunged since modseq (from the
 * tombstones; when those may have been purged, deletedmodseq > modseq, from the
 * difference between the known UIDs and the mailbox) and a FETCH (UID FLAGS
 * MODSEQ) for every message changed since.  seq-match data is checked for
 * syntax and otherwise not needed: the answer is exact without it.
 * Exports cmd_select.
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
#include "imap/seqset.h"
#include "store/acl.h"
#include "store/mailbox.h"
#include "store/mailbox_msgs.h"
#include "store/mailbox_sync.h"

#include <string.h>

struct select_params {
	bool condstore, qresync, has_known;
	uint32_t uidvalidity;
	uint64_t modseq;
	struct seqset known;
};

/* "(uidvalidity modseq [known-uids [(seq-set uid-set)]])" of QRESYNC. */
static int select_qresync(struct command_ctx *cmd, const struct imap_arg *l,
                          struct select_params *p)
{
	const char *error;
	uint64_t uv;
	if (l == NULL || l->type != IMAP_ARG_LIST || l->list_count < 2 || l->list_count > 4)
		return -1;
	const struct imap_arg *a = l->list;
	if (!msg_parse_modseq(a, false, &uv) || uv > 4294967295u ||
	    !msg_parse_modseq(a->next, false, &p->modseq))
		return -1;
	p->uidvalidity = (uint32_t)uv;
	a = a->next->next;
	if (a != NULL) {
		if (imap_arg_get_seqset(a, &p->known, &error) < 0 || p->known.searchres)
			return -1;
		p->has_known = true;
		a = a->next;
	}
	struct seqset seqs, uids;
	seqset_init(&seqs, cmd->pool);
	seqset_init(&uids, cmd->pool);
	if (a != NULL && (a->type != IMAP_ARG_LIST || a->list_count != 2 ||
	                  imap_arg_get_seqset(a->list, &seqs, &error) < 0 ||
	                  imap_arg_get_seqset(a->list->next, &uids, &error) < 0))
		return -1;
	p->qresync = true;
	return 0;
}

static int select_params(struct command_ctx *cmd, const struct imap_arg *list,
                         struct select_params *p)
{
	memset(p, 0, sizeof(*p));
	seqset_init(&p->known, cmd->pool);
	for (const struct imap_arg *a = list ? list->list : NULL; a != NULL; a = a->next) {
		if (imap_arg_is_atom(a, "CONDSTORE") && !p->condstore) {
			p->condstore = true;
		} else if (imap_arg_is_atom(a, "QRESYNC") && !p->qresync &&
		           (cmd->s->enabled & SESSION_ENABLED_QRESYNC)) {
			if (select_qresync(cmd, a->next, p) < 0)
				return -1;
			a = a->next;
		} else {
			return -1;
		}
	}
	return 0;
}

/* VANISHED (EARLIER): the known UIDs (1:uidnext-1 by default) that are gone. */
static int select_vanished(struct command_ctx *cmd, const struct mailbox_view *v,
                           uint64_t deletedmodseq, struct select_params *p, struct buf *out)
{
	uint32_t top = v->uidnext ? v->uidnext - 1 : 4294967295u;
	if (!p->has_known)
		seqset_add(&p->known, 1, top);
	seqset_resolve(&p->known, top);
	uint32_t *lo = arena_alloc(cmd->pool, (p->known.count + 1) * sizeof(*lo));
	uint32_t *hi = arena_alloc(cmd->pool, (p->known.count + 1) * sizeof(*hi));
	for (unsigned i = 0; i < p->known.count; i++) {
		lo[i] = p->known.ranges[i].lo;
		hi[i] = p->known.ranges[i].hi;
	}
	struct mailbox_uid_ranges known = {lo, hi, p->known.count};
	struct seqset gone;
	seqset_init(&gone, cmd->pool);
	if (p->modseq < deletedmodseq) {
		/* Tombstones may be missing: every known UID not in the mailbox is gone. */
		for (size_t r = 0; r < known.n; r++) {
			uint32_t next = lo[r];
			for (size_t i = mailbox_view_seq_ge(v, lo[r]) - 1;
			     i < v->count && v->msgs[i].uid <= hi[r]; i++) {
				if (v->msgs[i].uid > next)
					seqset_add(&gone, next, v->msgs[i].uid - 1);
				next = v->msgs[i].uid + 1;
			}
			if (next != 0 && next <= hi[r])
				seqset_add(&gone, next, hi[r]);
		}
	} else {
		uint32_t *uids;
		size_t n;
		const char *error;
		int r = mailbox_msgs_vanished(cmd->s->db, v->mailbox_id, p->modseq, &known,
		                              cmd->pool, &uids, &n, &error);
		if (r < 0) {
			reply_store_error(cmd, r, error);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			seqset_add(&gone, uids[i], uids[i]);
	}
	seqset_normalise(&gone);
	if (gone.count > 0) {
		buf_append_str(out, "* VANISHED (EARLIER) ");
		seqset_format(&gone, out);
		buf_append_str(out, "\r\n");
	}
	return 0;
}

/* FETCH (UID FLAGS MODSEQ) of the known messages changed since the client's modseq. */
static void select_changed(const struct mailbox_view *v, const struct select_params *p,
                           struct buf *out)
{
	for (size_t i = 0; i < v->count; i++) {
		const struct mailbox_view_msg *m = &v->msgs[i];
		if (m->modseq <= p->modseq || (p->has_known && !seqset_contains(&p->known, m->uid)))
			continue;
		buf_printf(out, "* %zu FETCH (UID %u FLAGS ", i + 1, m->uid);
		mailbox_view_format_flags(v, mailbox_view_msg_flags(v, m), m->keywords,
		                          m->n_keywords, out);
		buf_printf(out, " MODSEQ (%llu))\r\n", (unsigned long long)m->modseq);
	}
}

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
		buf_printf(&out, "* %zu RECENT\r\n", mailbox_view_recent_count(v));
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

/*
 * EXAMINE, or none of the rights that change anything: READ-ONLY.  A read-write
 * SELECT under IMAP4rev1 claims \Recent (the rule of mailbox_view_claims_recent,
 * applied before there is a view).
 */
static bool select_readonly(bool examine, unsigned rights)
{
	unsigned writable = ACL_SEEN | ACL_WRITE | ACL_DELETE_MSG | ACL_EXPUNGE | ACL_INSERT;
	return examine || (rights & writable) == 0;
}

void cmd_select(struct command_ctx *cmd)
{
	struct imap_session *s = cmd->s;
	bool examine = strcmp(cmd->name, "EXAMINE") == 0;
	/* A SELECT deselects first, even when it then fails (RFC 9051 6.3.2). */
	if (s->view != NULL) {
		mailbox_view_free(&s->view);
		s->state = SESSION_AUTH;
		if (session_rev2(s) || (s->enabled & SESSION_ENABLED_QRESYNC))
			reply_untagged(s, "OK [CLOSED] Previous mailbox closed");
	}
	struct select_params sp;
	if (cmd->arg_count < 1 || cmd->arg_count > 2 ||
	    (cmd->arg_count == 2 && cmd->args->next->type != IMAP_ARG_LIST)) {
		reply_bad(cmd, "Usage: %s mailbox", cmd->name);
		return;
	}
	if (select_params(cmd, cmd->arg_count == 2 ? cmd->args->next : NULL, &sp) < 0) {
		reply_bad(cmd,
		          "Invalid %s parameters: (CONDSTORE) or (QRESYNC (uidvalidity "
		          "modseq [known-uids [seq-match]])) after ENABLE QRESYNC",
		          cmd->name);
		return;
	}
	struct msg_mailbox mb;
	if (msg_mailbox_resolve(cmd, cmd->args, ACL_READ, false, &mb) < 0)
		return;
	struct mailbox_sync_state st;
	const char *error;
	bool readonly = select_readonly(examine, mb.rights);
	int r = mailbox_sync_open(s->db, mb.id, mb.seen_account, !readonly && !session_rev2(s),
	                          cmd->pool, &st, &error);
	if (r < 0) {
		reply_store_error(cmd, r, error);
		return;
	}
	struct mailbox_view *v =
	        mailbox_view_new(&st, mb.name, mb.seen_account, readonly, mb.rights);
	if (select_keywords(s, v, &st, &error) < 0) {
		mailbox_view_free(&v);
		reply_store_error(cmd, STORE_EDB, error);
		return;
	}
	if (sp.condstore)
		s->enabled |= SESSION_ENABLED_CONDSTORE;
	mailbox_view_set_modes(v, s->enabled);
	select_write(cmd, v);
	if (sp.qresync && sp.uidvalidity == v->uidvalidity) {
		struct buf out;
		buf_init_arena(&out, cmd->pool);
		if (select_vanished(cmd, v, st.deletedmodseq, &sp, &out) < 0) {
			mailbox_view_free(&v);
			return;
		}
		select_changed(v, &sp, &out);
		msg_write(s, &out);
	}
	s->view = v;
	s->state = SESSION_SELECTED;
	reply_ok(cmd, "[%s] %s completed", readonly ? "READ-ONLY" : "READ-WRITE", cmd->name);
}
