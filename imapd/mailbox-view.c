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
 *
 * Cost: a view can hold a million messages and one EXPUNGE or one sync may remove
 * all of them, so nothing here is done per UID with a scan.  The messages and the
 * pending expunges are arrays sorted by UID, and every list the store hands over
 * (expunged UIDs, changed rows) is ascending too: they are combined by merging,
 * looking ahead with a galloping search (view_index_ge) so that a few UIDs cost a
 * few binary searches and many cost one pass.  Expunged messages are dropped in
 * one pass that moves the survivors down in runs; the pending list grows by a
 * merged union and shrinks by a merged difference.  A mass expunge is linear in
 * the size of the view (cairn-bench view measures it).
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

/* Take m's state into vm (the same message); the MODSEQ never goes back. */
static void view_msg_set(struct mailbox_view_msg *vm, const struct mailbox_sync_msg *m)
{
	vm->flags = m->flags;
	if (m->modseq > vm->modseq)
		vm->modseq = m->modseq;
	if (!view_msg_equal(vm, m)) /* the flags are equal now: the keywords differ */
		view_set_keywords(vm, m->keywords, m->n_keywords);
}

/*
 * The index of the first message at or after from with a UID >= uid (count when
 * none); the caller knows that the messages before from have smaller UIDs.  A
 * galloping search (steps 1, 2, 4, ... then a binary search): walking k ascending
 * UIDs through the view costs O(k log(count / k)), never more than one merge pass
 * and never more than k binary searches.
 */
static size_t view_index_ge(const struct mailbox_view *v, size_t from, uint32_t uid)
{
	size_t lo = from, hi = from, step = 1;
	while (hi < v->count && v->msgs[hi].uid < uid) {
		lo = hi + 1;
		hi += step;
		step *= 2;
	}
	if (hi > v->count)
		hi = v->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void mailbox_view_update(struct mailbox_view *v, const struct mailbox_sync_msg *m)
{
	uint32_t seq = mailbox_view_seq(v, m->uid);
	if (seq != 0)
		view_msg_set(&v->msgs[seq - 1], m);
}

void mailbox_view_update_all(struct mailbox_view *v, const struct mailbox_sync_msg *msgs, size_t n)
{
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && msgs[i].uid < msgs[i - 1].uid)
			from = 0; /* out of order: search from the start again */
		from = view_index_ge(v, from, msgs[i].uid);
		if (from < v->count && v->msgs[from].uid == msgs[i].uid)
			view_msg_set(&v->msgs[from], &msgs[i]);
	}
}

/* Move the messages msgs[from..to) down to msgs[w..]; the new write position. */
static size_t view_shift(struct mailbox_view *v, size_t w, size_t from, size_t to)
{
	if (w != from && to > from)
		memmove(&v->msgs[w], &v->msgs[from], (to - from) * sizeof(*v->msgs));
	return w + (to - from);
}

/*
 * Drop the messages with the (ascending) UIDs uids[0..n) from the view in one
 * pass, the survivors moved down in runs.  For each dropped message gone[] gets
 * its old sequence number, or its UID when by_uid; returns how many were dropped.
 */
static size_t view_drop(struct mailbox_view *v, const uint32_t *uids, size_t n, bool by_uid,
                        uint32_t *gone)
{
	size_t w = 0, kept_from = 0, from = 0, n_gone = 0;
	for (size_t k = 0; k < n; k++) {
		from = view_index_ge(v, from, uids[k]);
		if (from == v->count)
			break;
		if (v->msgs[from].uid != uids[k])
			continue; /* not in the view */
		w = view_shift(v, w, kept_from, from);
		free(v->msgs[from].keywords);
		gone[n_gone++] = by_uid ? uids[k] : (uint32_t)(from + 1);
		kept_from = ++from;
	}
	v->count = view_shift(v, w, kept_from, v->count);
	return n_gone;
}

/* Remove the (ascending) b[0..nb) from the ascending a[0..na), in place, by merging. */
static size_t view_uids_subtract(uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	size_t w = 0, k = 0;
	for (size_t i = 0; i < na; i++) {
		while (k < nb && b[k] < a[i])
			k++;
		if (k == nb || b[k] != a[i])
			a[w++] = a[i];
	}
	return w;
}

/* The ascending union of a[0..na) and b[0..nb) (each ascending) into out; its size. */
static size_t view_uids_union(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                              uint32_t *out)
{
	size_t i = 0, k = 0, n = 0;
	while (i < na || k < nb) {
		uint32_t x = k == nb || (i < na && a[i] < b[k]) ? a[i++] : b[k++];
		if (n == 0 || out[n - 1] != x)
			out[n++] = x;
	}
	return n;
}

static int view_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * uids[0..n) in ascending order: uids itself when it already is (the store returns
 * them so: one check), else a sorted heap copy left in *copy_r for the caller to free.
 */
static const uint32_t *view_ascending(const uint32_t *uids, size_t n, uint32_t **copy_r)
{
	*copy_r = NULL;
	for (size_t i = 1; i < n; i++) {
		if (uids[i] < uids[i - 1]) {
			*copy_r = xmalloc(n * sizeof(*uids));
			memcpy(*copy_r, uids, n * sizeof(*uids));
			qsort(*copy_r, n, sizeof(*uids), view_uid_cmp);
			return *copy_r;
		}
	}
	return uids;
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

/* "* n EXPUNGE" for the old sequence numbers seqs[0..n) (ascending), highest first. */
static void view_write_expunges(const uint32_t *seqs, size_t n, struct buf *out)
{
	/* Highest first: each number is still valid when the client reads it. */
	for (size_t i = n; i-- > 0;) {
		buf_append_str(out, "* ");
		buf_append_u64(out, seqs[i]);
		buf_append_str(out, " EXPUNGE\r\n");
	}
}

void mailbox_view_expunge(struct mailbox_view *v, const uint32_t *uids_in, size_t n,
                          struct buf *out)
{
	uint32_t *copy;
	const uint32_t *uids = view_ascending(uids_in, n, &copy);
	/* Under QRESYNC the UIDs the client knows (in the view) are announced, else seqs. */
	uint32_t *gone = xmalloc((n + 1) * sizeof(*gone));
	size_t n_gone = n > 0 ? view_drop(v, uids, n, v->qresync, gone) : 0;
	if (v->qresync && n_gone > 0)
		mailbox_view_write_vanished(gone, n_gone, false, out);
	else if (!v->qresync)
		view_write_expunges(gone, n_gone, out);
	if (v->n_pending > 0)
		v->n_pending = view_uids_subtract(v->pending, v->n_pending, uids, n);
	free(gone);
	free(copy);
}

/*
 * Hold back the expunges of the (ascending) uids[0..n) that the view holds: merged
 * into the pending list, which stays ascending and without duplicates.
 */
static void view_pending_add(struct mailbox_view *v, const uint32_t *uids, size_t n)
{
	uint32_t *held = xmalloc((n + 1) * sizeof(*held));
	size_t n_held = 0, from = 0;
	for (size_t k = 0; k < n && from < v->count; k++) {
		from = view_index_ge(v, from, uids[k]);
		if (from < v->count && v->msgs[from].uid == uids[k])
			held[n_held++] = uids[k];
	}
	if (n_held == 0) {
		free(held);
		return;
	}
	if (v->n_pending == 0) {
		free(v->pending);
		v->pending = held;
		v->n_pending = n_held;
		return;
	}
	uint32_t *merged = xmalloc((v->n_pending + n_held) * sizeof(*merged));
	v->n_pending = view_uids_union(v->pending, v->n_pending, held, n_held, merged);
	free(held);
	free(v->pending);
	v->pending = merged;
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

/*
 * Apply d to the view: expunges held pending, new messages appended, changed ones
 * updated in one ascending walk.  The UIDs whose FETCH is due go to fetch[] (room
 * for d->n_changed, ascending, *n_fetch_r of them): their sequence numbers are
 * final only after the expunges.  Returns the number of new messages.
 */
static size_t view_sync_apply(struct mailbox_view *v, const struct mailbox_sync_delta *d,
                              uint32_t *fetch, size_t *n_fetch_r)
{
	uint32_t *copy;
	const uint32_t *expunged = view_ascending(d->expunged, d->n_expunged, &copy);
	if (d->n_expunged > 0)
		view_pending_add(v, expunged, d->n_expunged);
	free(copy);
	size_t before = v->count, from = 0, n_fetch = 0;
	for (size_t i = 0; i < d->n_changed; i++) {
		const struct mailbox_sync_msg *m = &d->changed[i];
		if (v->count == 0 || m->uid > v->msgs[v->count - 1].uid) {
			view_append(v, m, m->uid > d->recent_uid);
			continue;
		}
		from = view_index_ge(v, from, m->uid);
		struct mailbox_view_msg *vm = &v->msgs[from];
		if (vm->uid != m->uid || view_msg_equal(vm, m))
			continue;
		view_msg_set(vm, m);
		fetch[n_fetch++] = m->uid;
	}
	*n_fetch_r = n_fetch;
	return v->count - before;
}

/* Write "* seq FETCH (UID u FLAGS (...))" for the (ascending) uids[0..n) still in the view. */
static void view_write_fetches(const struct mailbox_view *v, const uint32_t *uids, size_t n,
                               struct buf *out)
{
	size_t from = 0;
	for (size_t k = 0; k < n && from < v->count; k++) {
		from = view_index_ge(v, from, uids[k]);
		if (from == v->count || v->msgs[from].uid != uids[k])
			continue;
		const struct mailbox_view_msg *vm = &v->msgs[from];
		buf_printf(out, "* %zu FETCH (UID %u FLAGS ", from + 1, vm->uid);
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
	/* The pending expunges are all in the view: the new list is the whole view. */
	v->gone = true;
	free(v->pending);
	v->pending = xmalloc((v->count + 1) * sizeof(*v->pending));
	for (size_t i = 0; i < v->count; i++)
		v->pending[i] = v->msgs[i].uid;
	v->n_pending = v->count;
}

/* Announce the pending expunges (the list is handed over, the view's is empty after). */
static void view_announce_pending(struct mailbox_view *v, struct buf *out)
{
	uint32_t *uids = v->pending;
	size_t n = v->n_pending;
	v->pending = NULL;
	v->n_pending = 0;
	mailbox_view_expunge(v, uids, n, out);
	free(uids);
}

int mailbox_view_sync_delta(struct mailbox_view *v, struct db *db,
                            const struct mailbox_sync_delta *d, struct arena *arena,
                            bool allow_expunge, struct buf *out, const char **error_r)
{
	if (d == NULL && !v->gone)
		view_set_gone(v);
	if (d != NULL && view_sync_keywords(v, db, d, arena, out, error_r) < 0)
		return -1;
	uint32_t *fetch = arena_alloc(arena, ((d ? d->n_changed : 0) + 1) * sizeof(*fetch));
	size_t n_fetch = 0;
	size_t added = d != NULL ? view_sync_apply(v, d, fetch, &n_fetch) : 0;
	if (allow_expunge && v->n_pending > 0)
		view_announce_pending(v, out);
	view_write_fetches(v, fetch, n_fetch, out);
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
