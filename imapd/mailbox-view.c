/*
 * mailbox-view.c - the selected mailbox of a session and its sync (DESIGN 4,
 * mailbox-view.h).
 *
 * Sync order within one batch of untagged responses: a new FLAGS list when
 * unknown keywords appeared (clients want it before a FETCH names them), then the
 * expunges (highest sequence number first, so every number sent is still right
 * when the client reads it), then FETCH FLAGS of changed messages with their
 * post-expunge numbers, then EXISTS for new messages (and RECENT, under
 * IMAP4rev1: RFC 3501 7.3.2 wants it whenever the number changes; it goes with
 * every EXISTS, as other servers do).
 *
 * \Recent: the store returns with the snapshot and with every change list the
 * recent mark of this session (mailbox_sync.h); new messages above it are
 * \Recent here.  The claim itself (read-write IMAP4rev1 views) is made by the
 * store in the same statement as the change list.
 */
#include "imapd/mailbox-view.h"

#include "imapd/session.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/conn.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "imap/flags.h"
#include "imap/seqset.h"
#include "store/acl.h"
#include "store/keyword.h"
#include "store/mailbox.h"
#include "store/mailbox_msgs.h"
#include "store/mailbox_sync.h"

#include <stdlib.h>
#include <string.h>

static void view_set_keywords(struct mailbox_view_msg *m, const int64_t *kw, size_t n)
{
	free(m->keywords);
	m->keywords = NULL;
	m->n_keywords = (uint32_t)n;
	if (n > 0) {
		m->keywords = xmalloc(n * sizeof(*kw));
		memcpy(m->keywords, kw, n * sizeof(*kw));
	}
}

static void view_append(struct mailbox_view *v, const struct mailbox_sync_msg *m, bool recent)
{
	if (v->count == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->msgs = xrealloc(v->msgs, v->cap * sizeof(*v->msgs));
	}
	struct mailbox_view_msg *vm = &v->msgs[v->count++];
	memset(vm, 0, sizeof(*vm));
	vm->uid = m->uid;
	vm->flags = m->flags;
	vm->modseq = m->modseq;
	vm->recent = recent;
	view_set_keywords(vm, m->keywords, m->n_keywords);
}

struct mailbox_view *mailbox_view_new(const struct mailbox_sync_state *st, const char *name,
                                      int64_t seen_account, bool readonly, unsigned rights)
{
	struct mailbox_view *v = xcalloc(1, sizeof(*v));
	v->mailbox_id = st->id;
	v->owner_id = st->owner_id;
	v->seen_account = seen_account;
	v->name = xstrdup(name);
	v->uidvalidity = st->uidvalidity;
	v->uidnext = st->uidnext;
	v->highestmodseq = st->highestmodseq;
	v->readonly = readonly;
	v->rights = rights;
	v->cap = st->count > 0 ? st->count : 16;
	v->msgs = xmalloc(v->cap * sizeof(*v->msgs));
	for (size_t i = 0; i < st->count; i++)
		view_append(v, &st->msgs[i], st->msgs[i].uid > st->recent_uid);
	return v;
}

void mailbox_view_free(struct mailbox_view **vp)
{
	struct mailbox_view *v = *vp;
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->count; i++)
		free(v->msgs[i].keywords);
	for (size_t i = 0; i < v->n_keywords; i++)
		free(v->keywords[i].name);
	free(v->keywords);
	free(v->msgs);
	free(v->pending);
	free(v->name);
	XFREE(*vp);
}

uint32_t mailbox_view_seq_ge(const struct mailbox_view *v, uint32_t uid)
{
	size_t lo = 0, hi = v->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo + 1;
}

uint32_t mailbox_view_seq(const struct mailbox_view *v, uint32_t uid)
{
	uint32_t seq = mailbox_view_seq_ge(v, uid);
	return seq <= v->count && v->msgs[seq - 1].uid == uid ? seq : 0;
}

/* mailbox_view_ranges; past_end: sequence numbers beyond the view match nothing. */
static int view_ranges(const struct mailbox_view *v, struct seqset *set, bool uid, bool past_end,
                       struct arena *arena, struct mailbox_uid_ranges *ranges_r,
                       const char **error_r)
{
	uint32_t max_uid = v->count ? v->msgs[v->count - 1].uid : 0;
	seqset_resolve(set, uid ? max_uid : (uint32_t)v->count);
	uint32_t *lo = arena_alloc(arena, (set->count + 1) * sizeof(*lo));
	uint32_t *hi = arena_alloc(arena, (set->count + 1) * sizeof(*hi));
	size_t n = 0;
	for (unsigned i = 0; i < set->count; i++) {
		uint32_t a = set->ranges[i].lo, b = set->ranges[i].hi;
		if (!uid) {
			if (b > v->count && !past_end) {
				*error_r = "Invalid message sequence number";
				return -1;
			}
			if (a > v->count)
				continue;
			if (b > v->count)
				b = (uint32_t)v->count;
			a = v->msgs[a - 1].uid;
			b = v->msgs[b - 1].uid;
		} else if (a > max_uid) {
			continue; /* messages the view does not hold (yet) */
		} else if (b > max_uid) {
			b = max_uid;
		}
		lo[n] = a;
		hi[n++] = b;
	}
	ranges_r->lo = lo;
	ranges_r->hi = hi;
	ranges_r->n = n;
	return 0;
}

int mailbox_view_ranges(const struct mailbox_view *v, struct seqset *set, bool uid,
                        struct arena *arena, struct mailbox_uid_ranges *ranges_r,
                        const char **error_r)
{
	return view_ranges(v, set, uid, false, arena, ranges_r, error_r);
}

void mailbox_view_search_ranges(const struct mailbox_view *v, struct seqset *set, bool uid,
                                struct arena *arena, struct mailbox_uid_ranges *ranges_r)
{
	const char *error;
	(void)view_ranges(v, set, uid, true, arena, ranges_r, &error);
}

static const char *view_keyword_name(const struct mailbox_view *v, int64_t id)
{
	for (size_t i = 0; i < v->n_keywords; i++)
		if (v->keywords[i].id == id)
			return v->keywords[i].name;
	return NULL;
}

int mailbox_view_learn_keywords(struct mailbox_view *v, struct db *db, const int64_t *ids, size_t n,
                                struct arena *arena, const char **error_r)
{
	int64_t *unknown = arena_alloc(arena, (n + 1) * sizeof(*unknown));
	size_t nu = 0;
	for (size_t i = 0; i < n; i++) {
		int seen = view_keyword_name(v, ids[i]) != NULL;
		for (size_t k = 0; k < nu && !seen; k++)
			seen = unknown[k] == ids[i];
		if (!seen)
			unknown[nu++] = ids[i];
	}
	if (nu == 0)
		return 0;
	const char **names;
	if (keyword_names(db, unknown, nu, arena, &names, error_r) < 0)
		return -1;
	for (size_t i = 0; i < nu; i++) {
		if (v->n_keywords == v->keywords_cap) {
			v->keywords_cap = v->keywords_cap ? v->keywords_cap * 2 : 8;
			v->keywords = xrealloc(v->keywords, v->keywords_cap * sizeof(*v->keywords));
		}
		v->keywords[v->n_keywords].id = unknown[i];
		/* A vanished id cannot happen (rows are never deleted); show something valid. */
		v->keywords[v->n_keywords++].name = xstrdup(names[i] ? names[i] : "$Unknown");
	}
	return 1;
}

void mailbox_view_format_flags(const struct mailbox_view *v, unsigned flags, const int64_t *kw,
                               size_t n_kw, struct buf *out)
{
	const char *names[KEYWORD_MAX_PER_MESSAGE];
	unsigned n = 0;
	for (size_t i = 0; i < n_kw && n < KEYWORD_MAX_PER_MESSAGE; i++) {
		const char *name = view_keyword_name(v, kw[i]);
		if (name != NULL)
			names[n++] = name;
	}
	imap_flags_format(flags & (IMAP_FLAGS_STORED | IMAP_FLAG_RECENT), names, n, out);
}

/* The system flags this session may change, by its rights (RFC 4314 s, t, w). */
static unsigned view_permanent(const struct mailbox_view *v)
{
	unsigned perm = 0;
	if (v->readonly)
		return 0;
	perm |= (v->rights & ACL_SEEN) ? MAILBOX_FLAG_SEEN : 0;
	perm |= (v->rights & ACL_DELETE_MSG) ? MAILBOX_FLAG_DELETED : 0;
	perm |= (v->rights & ACL_WRITE)
	                ? MAILBOX_FLAG_ANSWERED | MAILBOX_FLAG_FLAGGED | MAILBOX_FLAG_DRAFT
	                : 0;
	return perm;
}

void mailbox_view_write_flags(const struct mailbox_view *v, struct buf *out)
{
	buf_append_str(out, "* FLAGS ");
	mailbox_view_format_flags(v, IMAP_FLAGS_STORED, NULL, 0, out);
	buf_truncate(out, out->len - 1);
	for (size_t i = 0; i < v->n_keywords; i++)
		buf_printf(out, " %s", v->keywords[i].name);
	buf_append_str(out, ")\r\n* OK [PERMANENTFLAGS (");
	unsigned perm = view_permanent(v);
	bool kw = !v->readonly && (v->rights & ACL_WRITE);
	const char *sep = "";
	for (unsigned bit = 1; bit <= MAILBOX_FLAG_DRAFT; bit <<= 1) {
		if (perm & bit) {
			buf_printf(out, "%s%s", sep, imap_flag_name(bit));
			sep = " ";
		}
	}
	for (size_t i = 0; kw && i < v->n_keywords; i++) {
		buf_printf(out, "%s%s", sep, v->keywords[i].name);
		sep = " ";
	}
	if (kw) /* new keywords may be created */
		buf_printf(out, "%s\\*", sep);
	buf_append_str(out, ")] Flags permitted\r\n");
}

static bool view_msg_equal(const struct mailbox_view_msg *vm, const struct mailbox_sync_msg *m)
{
	return vm->flags == m->flags && vm->n_keywords == m->n_keywords &&
	       (m->n_keywords == 0 ||
	        memcmp(vm->keywords, m->keywords, m->n_keywords * sizeof(int64_t)) == 0);
}

void mailbox_view_update(struct mailbox_view *v, const struct mailbox_sync_msg *m)
{
	uint32_t seq = mailbox_view_seq(v, m->uid);
	if (seq == 0)
		return;
	struct mailbox_view_msg *vm = &v->msgs[seq - 1];
	vm->flags = m->flags;
	if (m->modseq > vm->modseq)
		vm->modseq = m->modseq;
	if (!view_msg_equal(vm, m))
		view_set_keywords(vm, m->keywords, m->n_keywords);
}

/* Drop the messages at the (ascending) sequence numbers seqs[0..n) from the view. */
static void view_remove_seqs(struct mailbox_view *v, const uint32_t *seqs, size_t n)
{
	size_t w = 0, k = 0;
	for (size_t i = 0; i < v->count; i++) {
		if (k < n && seqs[k] == i + 1) {
			free(v->msgs[i].keywords);
			k++;
			continue;
		}
		v->msgs[w++] = v->msgs[i];
	}
	v->count = w;
}

/* Forget pending expunges for uids (the session announces them itself now). */
static void view_pending_drop(struct mailbox_view *v, const uint32_t *uids, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < v->n_pending; i++) {
		bool drop = false;
		for (size_t k = 0; k < n && !drop; k++)
			drop = uids[k] == v->pending[i];
		if (!drop)
			v->pending[w++] = v->pending[i];
	}
	v->n_pending = w;
}

void mailbox_view_set_modes(struct mailbox_view *v, unsigned enabled)
{
	v->condstore = (enabled & SESSION_ENABLED_CONDSTORE) != 0;
	v->qresync = (enabled & SESSION_ENABLED_QRESYNC) != 0;
	v->rev2 = (enabled & SESSION_ENABLED_IMAP4REV2) != 0;
}

bool mailbox_view_claims_recent(const struct mailbox_view *v)
{
	return !v->readonly && !v->rev2;
}

unsigned mailbox_view_msg_flags(const struct mailbox_view *v, const struct mailbox_view_msg *m)
{
	return (m->flags & IMAP_FLAGS_STORED) | (m->recent && !v->rev2 ? IMAP_FLAG_RECENT : 0);
}

unsigned mailbox_view_recent_flag(const struct mailbox_view *v, uint32_t uid)
{
	uint32_t seq = mailbox_view_seq(v, uid);
	return seq != 0 && v->msgs[seq - 1].recent && !v->rev2 ? IMAP_FLAG_RECENT : 0;
}

size_t mailbox_view_recent_count(const struct mailbox_view *v)
{
	size_t n = 0;
	for (size_t i = 0; i < v->count; i++)
		n += v->msgs[i].recent;
	return n;
}

void mailbox_view_recent_ranges(const struct mailbox_view *v, struct arena *arena,
                                struct mailbox_uid_ranges *ranges_r)
{
	/* A run of recent messages in the view is one UID range: no other UID between. */
	size_t runs = 0;
	for (size_t i = 0; !v->rev2 && i < v->count; i++)
		runs += v->msgs[i].recent && (i == 0 || !v->msgs[i - 1].recent);
	uint32_t *lo = arena_alloc(arena, (runs + 1) * sizeof(*lo));
	uint32_t *hi = arena_alloc(arena, (runs + 1) * sizeof(*hi));
	size_t n = 0;
	for (size_t i = 0; runs > 0 && i < v->count; i++) {
		if (!v->msgs[i].recent)
			continue;
		if (i == 0 || !v->msgs[i - 1].recent)
			lo[n++] = v->msgs[i].uid;
		hi[n - 1] = v->msgs[i].uid;
	}
	ranges_r->lo = lo;
	ranges_r->hi = hi;
	ranges_r->n = n;
}

void mailbox_view_write_vanished(const uint32_t *uids, size_t n, bool earlier, struct buf *out)
{
	buf_append_str(out, earlier ? "* VANISHED (EARLIER) " : "* VANISHED ");
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		buf_printf(out, "%s%u", i ? "," : "", uids[i]);
		if (j > i)
			buf_printf(out, ":%u", uids[j]);
		i = j + 1;
	}
	buf_append_str(out, "\r\n");
}

void mailbox_view_expunge(struct mailbox_view *v, const uint32_t *uids, size_t n, struct buf *out)
{
	uint32_t *seqs = xmalloc((n + 1) * sizeof(*seqs));
	size_t ns = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t seq = mailbox_view_seq(v, uids[i]);
		if (seq != 0)
			seqs[ns++] = seq;
	}
	if (v->qresync) {
		/* Only the UIDs the client knows (in the view) are announced. */
		uint32_t *known = xmalloc((ns + 1) * sizeof(*known));
		for (size_t i = 0; i < ns; i++)
			known[i] = v->msgs[seqs[i] - 1].uid;
		if (ns > 0)
			mailbox_view_write_vanished(known, ns, false, out);
		free(known);
	}
	/* Highest first: each number is still valid when the client reads it. */
	for (size_t i = ns; !v->qresync && i-- > 0;)
		buf_printf(out, "* %u EXPUNGE\r\n", seqs[i]);
	view_remove_seqs(v, seqs, ns);
	if (v->n_pending > 0)
		view_pending_drop(v, uids, n);
	free(seqs);
}

static void view_pending_add(struct mailbox_view *v, uint32_t uid)
{
	for (size_t i = 0; i < v->n_pending; i++)
		if (v->pending[i] == uid)
			return;
	if (v->n_pending == v->pending_cap) {
		v->pending_cap = v->pending_cap ? v->pending_cap * 2 : 16;
		v->pending = xrealloc(v->pending, v->pending_cap * sizeof(*v->pending));
	}
	v->pending[v->n_pending++] = uid;
}

static int view_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Learn the keywords of the changed rows; a FLAGS line first when any is new. */
static int view_sync_keywords(struct mailbox_view *v, struct db *db,
                              const struct mailbox_sync_delta *d, struct arena *arena,
                              struct buf *out, const char **error_r)
{
	size_t total = 0;
	for (size_t i = 0; i < d->n_changed; i++)
		total += d->changed[i].n_keywords;
	if (total == 0)
		return 0;
	int64_t *ids = arena_alloc(arena, total * sizeof(*ids));
	size_t n = 0;
	for (size_t i = 0; i < d->n_changed; i++)
		for (size_t k = 0; k < d->changed[i].n_keywords; k++)
			ids[n++] = d->changed[i].keywords[k];
	int r = mailbox_view_learn_keywords(v, db, ids, n, arena, error_r);
	if (r > 0)
		mailbox_view_write_flags(v, out);
	return r < 0 ? -1 : 0;
}

/* Apply d to the view; FETCH lines for changed messages go to fetches. */
static size_t view_sync_apply(struct mailbox_view *v, const struct mailbox_sync_delta *d,
                              struct buf *fetches)
{
	size_t before = v->count;
	for (size_t i = 0; i < d->n_expunged; i++)
		if (mailbox_view_seq(v, d->expunged[i]) != 0)
			view_pending_add(v, d->expunged[i]);
	for (size_t i = 0; i < d->n_changed; i++) {
		const struct mailbox_sync_msg *m = &d->changed[i];
		uint32_t last = v->count ? v->msgs[v->count - 1].uid : 0;
		if (m->uid > last) {
			view_append(v, m, m->uid > d->recent_uid);
			continue;
		}
		uint32_t seq = mailbox_view_seq(v, m->uid);
		if (seq == 0 || view_msg_equal(&v->msgs[seq - 1], m))
			continue;
		mailbox_view_update(v, m);
		/* The number is final only after the expunges: write the UID, fix up later. */
		buf_printf(fetches, "%u ", m->uid);
	}
	return v->count - before;
}

/* Write "* seq FETCH (UID u FLAGS (...))" for each UID listed in fetches. */
static void view_write_fetches(const struct mailbox_view *v, const struct buf *fetches,
                               struct buf *out)
{
	const char *p = fetches->data;
	while (p != NULL && p < fetches->data + fetches->len) {
		char *end;
		uint32_t uid = (uint32_t)strtoul(p, &end, 10);
		p = end + 1;
		uint32_t seq = mailbox_view_seq(v, uid);
		if (seq == 0)
			continue;
		const struct mailbox_view_msg *vm = &v->msgs[seq - 1];
		buf_printf(out, "* %u FETCH (UID %u FLAGS ", seq, uid);
		mailbox_view_format_flags(v, mailbox_view_msg_flags(v, vm), vm->keywords,
		                          vm->n_keywords, out);
		if (v->condstore)
			buf_printf(out, " MODSEQ (%llu)", (unsigned long long)vm->modseq);
		buf_append_str(out, ")\r\n");
	}
}

/* The mailbox was deleted under us: everything is gone, later commands see it empty. */
static void view_set_gone(struct mailbox_view *v)
{
	v->gone = true;
	for (size_t i = 0; i < v->count; i++)
		view_pending_add(v, v->msgs[i].uid);
}

int mailbox_view_sync_delta(struct mailbox_view *v, struct db *db,
                            const struct mailbox_sync_delta *d, struct arena *arena,
                            bool allow_expunge, struct buf *out, const char **error_r)
{
	if (d == NULL && !v->gone)
		view_set_gone(v);
	if (d != NULL && view_sync_keywords(v, db, d, arena, out, error_r) < 0)
		return -1;
	struct buf fetches;
	buf_init_arena(&fetches, arena);
	size_t added = d != NULL ? view_sync_apply(v, d, &fetches) : 0;
	if (allow_expunge && v->n_pending > 0) {
		uint32_t *uids = arena_alloc(arena, v->n_pending * sizeof(*uids));
		size_t n = v->n_pending;
		memcpy(uids, v->pending, n * sizeof(*uids));
		qsort(uids, n, sizeof(*uids), view_uid_cmp);
		mailbox_view_expunge(v, uids, n, out);
		v->n_pending = 0;
	}
	view_write_fetches(v, &fetches, out);
	if (added > 0)
		buf_printf(out, "* %zu EXISTS\r\n", v->count);
	if (added > 0 && !v->rev2)
		buf_printf(out, "* %zu RECENT\r\n", mailbox_view_recent_count(v));
	if (d != NULL) {
		v->highestmodseq = d->highestmodseq;
		v->uidnext = d->uidnext;
	}
	return 0;
}

int mailbox_view_sync_out(struct mailbox_view *v, struct db *db, struct arena *arena,
                          bool allow_expunge, struct buf *out, const char **error_r)
{
	struct mailbox_sync_delta d;
	memset(&d, 0, sizeof(d));
	int r = v->gone ? STORE_ENOTFOUND
	                : mailbox_sync_changes(db, v->mailbox_id, v->seen_account, v->highestmodseq,
	                                       mailbox_view_claims_recent(v), arena, &d, error_r);
	if (r < 0 && r != STORE_ENOTFOUND)
		return -1;
	return mailbox_view_sync_delta(v, db, r == STORE_ENOTFOUND ? NULL : &d, arena,
	                               allow_expunge, out, error_r);
}

void mailbox_view_sync(struct imap_session *s, bool allow_expunge)
{
	struct buf out;
	const char *error;
	buf_init_arena(&out, s->cmd_pool);
	mailbox_view_set_modes(s->view, s->enabled);
	if (mailbox_view_sync_out(s->view, s->db, s->cmd_pool, allow_expunge, &out, &error) < 0)
		log_error("mailbox_sync", "mailbox=%lld error=%s", (long long)s->view->mailbox_id,
		          log_q(error));
	if (out.len > 0)
		conn_write(s->conn, out.data, out.len);
}
