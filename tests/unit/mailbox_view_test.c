/*
 * mailbox_view_test.c - the selected-mailbox view of cairn-imapd without a database:
 * UID <-> sequence numbers, sequence sets to UID ranges (sequence numbers beyond the
 * mailbox refused, UIDs clamped, "n:*"), the session's own expunges (highest first,
 * numbers valid as sent), flags formatting and PERMANENTFLAGS by ACL rights, and
 * under QRESYNC one VANISHED with compressed UID ranges instead of EXPUNGEs, and
 * \Recent as the session sees it (FLAGS, the RECENT count, SEARCH ranges, hidden
 * under IMAP4rev2).  Mass expunges at 100k and 1M messages (own and other sessions',
 * held back and announced later) check every EXPUNGE number and the UIDs left; how
 * fast they are is cairn-bench view's business, never a timed test.
 */
#include "unit.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/flags.h"
#include "imap/seqset.h"
#include "imapd/mailbox-view.h"
#include "imapd/session.h"
#include "store/acl.h"
#include "store/mailbox.h"
#include "store/mailbox_msgs.h"
#include "store/mailbox_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A view of UIDs 2, 4, 6, ... (n messages); message 1 is \Seen; above recent_uid \Recent. */
static struct mailbox_view *view_recent(size_t n, unsigned rights, bool readonly,
                                        uint32_t recent_uid)
{
	struct mailbox_sync_msg msgs[64];
	struct mailbox_sync_state st = {.id = 7,
	                                .owner_id = 1,
	                                .uidvalidity = 99,
	                                .uidnext = (uint32_t)(2 * n + 2),
	                                .highestmodseq = 5,
	                                .recent_uid = recent_uid,
	                                .msgs = msgs,
	                                .count = n};
	memset(msgs, 0, sizeof(msgs));
	for (size_t i = 0; i < n; i++)
		msgs[i].uid = (uint32_t)(2 * i + 2);
	msgs[0].flags = MAILBOX_FLAG_SEEN;
	return mailbox_view_new(&st, "INBOX", 0, readonly, rights);
}

static struct mailbox_view *view_of(size_t n, unsigned rights, bool readonly)
{
	return view_recent(n, rights, readonly, 0);
}

static void test_seq_lookup(void)
{
	struct mailbox_view *v = view_of(5, ACL_ALL, false);
	CU_ASSERT_EQUAL(mailbox_view_seq(v, 2), 1);
	CU_ASSERT_EQUAL(mailbox_view_seq(v, 10), 5);
	CU_ASSERT_EQUAL(mailbox_view_seq(v, 3), 0);
	CU_ASSERT_EQUAL(mailbox_view_seq(v, 11), 0);
	CU_ASSERT_EQUAL(mailbox_view_seq_ge(v, 3), 2);
	CU_ASSERT_EQUAL(mailbox_view_seq_ge(v, 1), 1);
	CU_ASSERT_EQUAL(mailbox_view_seq_ge(v, 11), 6);
	CU_ASSERT_EQUAL(v->uidvalidity, 99);
	CU_ASSERT_EQUAL(v->msgs[0].flags, MAILBOX_FLAG_SEEN);
	mailbox_view_free(&v);
	CU_ASSERT_PTR_NULL(v);
	mailbox_view_free(&v); /* safe twice */
}

static int ranges_of(struct mailbox_view *v, const char *set_text, bool uid, struct arena *a,
                     struct mailbox_uid_ranges *r)
{
	struct seqset set;
	const char *error;
	seqset_init(&set, a);
	CU_ASSERT_EQUAL_FATAL(seqset_parse(&set, set_text, strlen(set_text), &error), 0);
	return mailbox_view_ranges(v, &set, uid, a, r, &error);
}

static void test_ranges(void)
{
	struct arena *a = arena_new(0);
	struct mailbox_view *v = view_of(5, ACL_ALL, false);
	struct mailbox_uid_ranges r;
	CU_ASSERT_EQUAL(ranges_of(v, "2:3,5", false, a, &r), 0);
	CU_ASSERT_EQUAL(r.n, 2);
	CU_ASSERT_EQUAL(r.lo[0], 4);
	CU_ASSERT_EQUAL(r.hi[0], 6);
	CU_ASSERT_EQUAL(r.lo[1], 10);
	CU_ASSERT_EQUAL(r.hi[1], 10);
	CU_ASSERT_EQUAL(ranges_of(v, "*", false, a, &r), 0);
	CU_ASSERT_EQUAL(r.lo[0], 10);
	CU_ASSERT_EQUAL(ranges_of(v, "6", false, a, &r), -1); /* beyond the mailbox */
	CU_ASSERT_EQUAL(ranges_of(v, "3:100", true, a, &r), 0); /* UIDs clamp */
	CU_ASSERT_EQUAL(r.n, 1);
	CU_ASSERT_EQUAL(r.lo[0], 3);
	CU_ASSERT_EQUAL(r.hi[0], 10);
	CU_ASSERT_EQUAL(ranges_of(v, "50:60", true, a, &r), 0);
	CU_ASSERT_EQUAL(r.n, 0);
	CU_ASSERT_EQUAL(ranges_of(v, "50:*", true, a, &r), 0); /* n:* includes the last */
	CU_ASSERT_EQUAL(r.n, 1);
	CU_ASSERT_EQUAL(r.lo[0], 10);
	CU_ASSERT_EQUAL(r.hi[0], 10);
	mailbox_view_free(&v);
	v = view_of(0, ACL_ALL, false);
	CU_ASSERT_EQUAL(ranges_of(v, "1:*", true, a, &r), 0);
	CU_ASSERT_EQUAL(r.n, 0);
	CU_ASSERT_EQUAL(ranges_of(v, "1", false, a, &r), -1);
	mailbox_view_free(&v);
	arena_free(&a);
}

/* SEARCH's form: sequence numbers past the end match nothing instead of failing. */
static void test_search_ranges(void)
{
	struct arena *a = arena_new(0);
	struct mailbox_view *v = view_of(5, ACL_ALL, false);
	struct mailbox_uid_ranges r;
	static const struct {
		const char *set;
		size_t n;
		uint32_t lo, hi; /* of the last range */
	} cases[] = {{"1000", 0, 0, 0},  {"4:1000", 1, 8, 10},       {"1000:*", 1, 10, 10},
	             {"6,7,2", 1, 4, 4}, {"1:4294967295", 1, 2, 10}, {"*", 1, 10, 10}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seqset set;
		const char *error;
		seqset_init(&set, a);
		CU_ASSERT_EQUAL_FATAL(
		        seqset_parse(&set, cases[i].set, strlen(cases[i].set), &error), 0);
		mailbox_view_search_ranges(v, &set, false, a, &r);
		CU_ASSERT_EQUAL(r.n, cases[i].n);
		if (r.n == cases[i].n && r.n > 0) {
			CU_ASSERT_EQUAL(r.lo[r.n - 1], cases[i].lo);
			CU_ASSERT_EQUAL(r.hi[r.n - 1], cases[i].hi);
		}
	}
	mailbox_view_free(&v);
	v = view_of(0, ACL_ALL, false);
	struct seqset set;
	const char *error;
	seqset_init(&set, a);
	CU_ASSERT_EQUAL_FATAL(seqset_parse(&set, "1:*", 3, &error), 0);
	mailbox_view_search_ranges(v, &set, false, a, &r);
	CU_ASSERT_EQUAL(r.n, 0);
	mailbox_view_free(&v);
	arena_free(&a);
}

static void test_own_expunge(void)
{
	struct mailbox_view *v = view_of(5, ACL_ALL, false);
	struct buf out = BUF_INIT;
	const uint32_t uids[] = {2, 6, 7, 10};
	mailbox_view_expunge(v, uids, 4, &out);
	/* UID 7 is not in the view; the rest go highest sequence number first. */
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "* 5 EXPUNGE\r\n* 3 EXPUNGE\r\n* 1 EXPUNGE\r\n");
	CU_ASSERT_EQUAL(v->count, 2);
	CU_ASSERT_EQUAL(v->msgs[0].uid, 4);
	CU_ASSERT_EQUAL(v->msgs[1].uid, 8);
	buf_free(&out);
	mailbox_view_free(&v);
}

static void test_qresync_vanished(void)
{
	struct mailbox_view *v = view_of(6, ACL_ALL, false);
	struct buf out = BUF_INIT;
	mailbox_view_set_modes(v, SESSION_ENABLED_CONDSTORE | SESSION_ENABLED_QRESYNC);
	CU_ASSERT(v->condstore && v->qresync);
	const uint32_t uids[] = {2, 4, 5, 6, 10, 12};
	mailbox_view_expunge(v, uids, 6, &out);
	/* UID 5 is not in the view; 2,4,6 are not adjacent UIDs, 10:12 are not either. */
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "* VANISHED 2,4,6,10,12\r\n");
	CU_ASSERT_EQUAL(v->count, 1);
	CU_ASSERT_EQUAL(v->msgs[0].uid, 8);
	buf_reset(&out);
	const uint32_t run[] = {1, 2, 3, 7, 9, 10};
	mailbox_view_write_vanished(run, 6, true, &out);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "* VANISHED (EARLIER) 1:3,7,9:10\r\n");
	buf_reset(&out);
	mailbox_view_set_modes(v, 0);
	const uint32_t last[] = {8};
	mailbox_view_expunge(v, last, 1, &out);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "* 1 EXPUNGE\r\n");
	buf_free(&out);
	mailbox_view_free(&v);
}

static void test_update_and_flags(void)
{
	struct mailbox_view *v = view_of(3, ACL_ALL, false);
	struct buf out = BUF_INIT;
	int64_t kw[] = {42};
	struct mailbox_sync_msg m = {.uid = 4,
	                             .flags = MAILBOX_FLAG_FLAGGED | MAILBOX_FLAG_DELETED,
	                             .keywords = kw,
	                             .n_keywords = 1};
	mailbox_view_update(v, &m);
	CU_ASSERT_EQUAL(v->msgs[1].flags, MAILBOX_FLAG_FLAGGED | MAILBOX_FLAG_DELETED);
	CU_ASSERT_EQUAL(v->msgs[1].n_keywords, 1);
	/* Keyword 42 is unknown to the view: not shown (the sync learns names first). */
	mailbox_view_format_flags(v, v->msgs[1].flags, v->msgs[1].keywords, 1, &out);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "(\\Flagged \\Deleted)");
	m.uid = 5; /* not in the view: ignored */
	mailbox_view_update(v, &m);
	buf_free(&out);
	mailbox_view_free(&v);
}

/* One STORE's rows: ascending, with UIDs the view lacks, and out of order too. */
static void test_update_all(void)
{
	struct mailbox_view *v = view_of(6, ACL_ALL, false); /* UIDs 2, 4, ... 12 */
	struct mailbox_sync_msg rows[] = {{.uid = 3, .flags = MAILBOX_FLAG_DRAFT},
	                                  {.uid = 4, .flags = MAILBOX_FLAG_FLAGGED, .modseq = 9},
	                                  {.uid = 10, .flags = MAILBOX_FLAG_ANSWERED},
	                                  {.uid = 2, .flags = MAILBOX_FLAG_DELETED},
	                                  {.uid = 12, .flags = MAILBOX_FLAG_SEEN},
	                                  {.uid = 13, .flags = MAILBOX_FLAG_DRAFT}};
	mailbox_view_update_all(v, rows, 6);
	static const unsigned want[] = {MAILBOX_FLAG_DELETED,  MAILBOX_FLAG_FLAGGED, 0, 0,
	                                MAILBOX_FLAG_ANSWERED, MAILBOX_FLAG_SEEN};
	for (size_t i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(v->msgs[i].flags, want[i]);
	CU_ASSERT_EQUAL(v->msgs[1].modseq, 9);
	CU_ASSERT_EQUAL(v->count, 6);
	mailbox_view_free(&v);
}

static void test_permanentflags_by_rights(void)
{
	struct buf out = BUF_INIT;
	struct mailbox_view *v = view_of(1, ACL_ALL, false);
	mailbox_view_write_flags(v, &out);
	CU_ASSERT_STRING_EQUAL(
	        buf_cstr(&out),
	        "* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)\r\n"
	        "* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft "
	        "\\*)] Flags permitted\r\n");
	mailbox_view_free(&v);
	buf_reset(&out);
	v = view_of(1, ACL_LOOKUP | ACL_READ | ACL_SEEN, false);
	mailbox_view_write_flags(v, &out);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf_cstr(&out), "[PERMANENTFLAGS (\\Seen)]"));
	mailbox_view_free(&v);
	buf_reset(&out);
	v = view_of(1, ACL_ALL, true);
	mailbox_view_write_flags(v, &out);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf_cstr(&out), "[PERMANENTFLAGS ()]"));
	mailbox_view_free(&v);
	buf_free(&out);
}

static void test_recent(void)
{
	struct arena *a = arena_new(0);
	struct buf out = BUF_INIT;
	struct mailbox_uid_ranges r;
	struct mailbox_view *v = view_recent(5, ACL_ALL, false, 6); /* UIDs 8, 10 recent */
	CU_ASSERT(mailbox_view_claims_recent(v));
	CU_ASSERT_EQUAL(mailbox_view_recent_count(v), 2);
	CU_ASSERT_EQUAL(mailbox_view_recent_flag(v, 8), IMAP_FLAG_RECENT);
	CU_ASSERT_EQUAL(mailbox_view_recent_flag(v, 6), 0);
	CU_ASSERT_EQUAL(mailbox_view_recent_flag(v, 9), 0); /* not in the view */
	mailbox_view_format_flags(v, mailbox_view_msg_flags(v, &v->msgs[4]), NULL, 0, &out);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "(\\Recent)");
	mailbox_view_recent_ranges(v, a, &r);
	CU_ASSERT_EQUAL(r.n, 1); /* 8 and 10 are neighbours in the view: one range */
	CU_ASSERT_EQUAL(r.lo[0], 8);
	CU_ASSERT_EQUAL(r.hi[0], 10);
	const uint32_t gone[] = {8};
	mailbox_view_expunge(v, gone, 1, &out);
	CU_ASSERT_EQUAL(mailbox_view_recent_count(v), 1);
	/* IMAP4rev2: never \Recent, no claim, nothing for SEARCH RECENT. */
	mailbox_view_set_modes(v, SESSION_ENABLED_IMAP4REV2);
	CU_ASSERT(!mailbox_view_claims_recent(v));
	CU_ASSERT_EQUAL(mailbox_view_msg_flags(v, &v->msgs[3]), 0);
	CU_ASSERT_EQUAL(mailbox_view_recent_flag(v, 10), 0);
	mailbox_view_recent_ranges(v, a, &r);
	CU_ASSERT_EQUAL(r.n, 0);
	mailbox_view_free(&v);
	/* Every message recent but the \Seen first one shows both; EXAMINE does not claim. */
	v = view_recent(2, ACL_ALL, true, 0);
	CU_ASSERT(!mailbox_view_claims_recent(v));
	buf_reset(&out);
	mailbox_view_format_flags(v, mailbox_view_msg_flags(v, &v->msgs[0]), NULL, 0, &out);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "(\\Seen \\Recent)");
	mailbox_view_free(&v);
	buf_free(&out);
	arena_free(&a);
}

/* ---- mass expunges ---- */

/* A view of UIDs 1..n, none \Recent. */
static struct mailbox_view *view_big(size_t n)
{
	struct mailbox_sync_msg *msgs = calloc(n + 1, sizeof(*msgs));
	for (size_t i = 0; i < n; i++)
		msgs[i].uid = (uint32_t)(i + 1);
	struct mailbox_sync_state st = {.id = 7,
	                                .uidvalidity = 99,
	                                .uidnext = (uint32_t)(n + 1),
	                                .highestmodseq = 5,
	                                .recent_uid = (uint32_t)n,
	                                .msgs = msgs,
	                                .count = n};
	struct mailbox_view *v = mailbox_view_new(&st, "INBOX", 0, false, ACL_ALL);
	free(msgs);
	return v;
}

/* UIDs first, first + step, ... <= last (heap); *n_r of them. */
static uint32_t *uids_every(uint32_t first, uint32_t step, uint32_t last, size_t *n_r)
{
	uint32_t *uids = malloc(((last - first) / step + 2) * sizeof(*uids));
	size_t n = 0;
	for (uint32_t uid = first; uid <= last; uid += step)
		uids[n++] = uid;
	*n_r = n;
	return uids;
}

/*
 * Read count "* seq EXPUNGE" lines at *pp with seq = first, first - step, ...;
 * *pp moves past them.  True when every line is exactly that.
 */
static bool read_expunges(const char **pp, size_t first, size_t step, size_t count)
{
	const char *p = *pp;
	for (size_t k = 0; k < count; k++) {
		char *end;
		if (strncmp(p, "* ", 2) != 0)
			return false;
		unsigned long seq = strtoul(p + 2, &end, 10);
		if (seq != first - k * step || strncmp(end, " EXPUNGE\r\n", 10) != 0)
			return false;
		p = end + 10;
	}
	*pp = p;
	return true;
}

/* True when the view holds exactly the UIDs first, first + step, ... (count of them). */
static bool view_holds(const struct mailbox_view *v, uint32_t first, uint32_t step, size_t count)
{
	if (v->count != count)
		return false;
	for (size_t i = 0; i < count; i++)
		if (v->msgs[i].uid != first + i * step)
			return false;
	return true;
}

/* The session's own EXPUNGE of every other message, then of all the rest. */
static void mass_own(size_t n)
{
	struct mailbox_view *v = view_big(n);
	struct buf out = BUF_INIT;
	size_t k;
	uint32_t *even = uids_every(2, 2, (uint32_t)n, &k);
	mailbox_view_expunge(v, even, k, &out);
	const char *p = buf_cstr(&out);
	CU_ASSERT_EQUAL(k, n / 2);
	CU_ASSERT(read_expunges(&p, n, 2, n / 2)); /* n, n-2, ... 2: old numbers, highest first */
	CU_ASSERT_EQUAL(*p, '\0');
	CU_ASSERT(view_holds(v, 1, 2, n / 2));
	buf_reset(&out);
	uint32_t *all = uids_every(1, 1, (uint32_t)n, &k); /* half of them are gone already */
	mailbox_view_expunge(v, all, k, &out);
	p = buf_cstr(&out);
	CU_ASSERT(read_expunges(&p, n / 2, 1, n / 2));
	CU_ASSERT_EQUAL(*p, '\0');
	CU_ASSERT_EQUAL(v->count, 0);
	free(all);
	free(even);
	buf_free(&out);
	mailbox_view_free(&v);
}

/* Read the "* s FETCH (UID u FLAGS (\Flagged))" lines for u = 4, 8, ... <= n, s = u / 2. */
static bool read_flag_fetches(const char **pp, size_t n)
{
	char line[80];
	for (size_t uid = 4; uid <= n; uid += 4) {
		int len = snprintf(line, sizeof(line),
		                   "* %zu FETCH (UID %zu FLAGS (\\Flagged))\r\n", uid / 2, uid);
		if (strncmp(*pp, line, (size_t)len) != 0)
			return false;
		*pp += len;
	}
	return true;
}

/*
 * Another session expunged the odd UIDs and flagged 4, 8, ...: one sync sends the
 * EXPUNGEs (n-1, n-3, ... 1), then FETCH with the numbers after them.
 */
static void mass_sync_half(size_t n)
{
	struct mailbox_view *v = view_big(n);
	struct arena *a = arena_new(0);
	struct buf out = BUF_INIT;
	struct mailbox_sync_delta d = {.highestmodseq = 6, .uidnext = (uint32_t)(n + 1)};
	uint32_t *odd = uids_every(1, 2, (uint32_t)n, &d.n_expunged);
	d.expunged = odd;
	d.changed = calloc(n / 4 + 1, sizeof(*d.changed));
	for (size_t uid = 4; uid <= n; uid += 4)
		d.changed[d.n_changed++] = (struct mailbox_sync_msg){.uid = (uint32_t)uid,
		                                                     .flags = MAILBOX_FLAG_FLAGGED};
	const char *error;
	CU_ASSERT_EQUAL(mailbox_view_sync_delta(v, NULL, &d, a, true, &out, &error), 0);
	const char *p = buf_cstr(&out);
	CU_ASSERT(read_expunges(&p, n - 1, 2, n / 2));
	CU_ASSERT(read_flag_fetches(&p, n));
	CU_ASSERT_EQUAL(*p, '\0');
	CU_ASSERT(view_holds(v, 2, 2, n / 2));
	CU_ASSERT_EQUAL(v->n_pending, 0);
	CU_ASSERT_EQUAL(v->highestmodseq, 6);
	free(d.changed);
	free(odd);
	buf_free(&out);
	arena_free(&a);
	mailbox_view_free(&v);
}

/*
 * Every message expunged elsewhere, found by two syncs during FETCH (the even UIDs,
 * then the odd ones: lower UIDs after higher), held back with the numbers kept,
 * then announced at once: n, n-1, ... 1, or one VANISHED 1:n under QRESYNC.
 */
static void mass_sync_held_all(size_t n, bool qresync)
{
	struct mailbox_view *v = view_big(n);
	struct arena *a = arena_new(0);
	struct buf out = BUF_INIT;
	const char *error;
	mailbox_view_set_modes(v,
	                       qresync ? SESSION_ENABLED_CONDSTORE | SESSION_ENABLED_QRESYNC : 0);
	struct mailbox_sync_delta d = {.highestmodseq = 6, .uidnext = (uint32_t)(n + 1)};
	uint32_t *even = uids_every(2, 2, (uint32_t)n, &d.n_expunged);
	d.expunged = even;
	CU_ASSERT_EQUAL(mailbox_view_sync_delta(v, NULL, &d, a, false, &out, &error), 0);
	uint32_t *odd = uids_every(1, 2, (uint32_t)n, &d.n_expunged);
	d.expunged = odd;
	d.highestmodseq = 7;
	CU_ASSERT_EQUAL(mailbox_view_sync_delta(v, NULL, &d, a, false, &out, &error), 0);
	CU_ASSERT_EQUAL(out.len, 0);
	CU_ASSERT_EQUAL(v->n_pending, n);
	CU_ASSERT(view_holds(v, 1, 1, n)); /* numbers unchanged while held back */
	struct mailbox_sync_delta none = {.highestmodseq = 7, .uidnext = (uint32_t)(n + 1)};
	CU_ASSERT_EQUAL(mailbox_view_sync_delta(v, NULL, &none, a, true, &out, &error), 0);
	const char *p = buf_cstr(&out);
	if (qresync) {
		char line[64];
		snprintf(line, sizeof(line), "* VANISHED 1:%zu\r\n", n);
		CU_ASSERT_STRING_EQUAL(p, line);
	} else {
		CU_ASSERT(read_expunges(&p, n, 1, n));
		CU_ASSERT_EQUAL(*p, '\0');
	}
	CU_ASSERT_EQUAL(v->count, 0);
	CU_ASSERT_EQUAL(v->n_pending, 0);
	free(odd);
	free(even);
	buf_free(&out);
	arena_free(&a);
	mailbox_view_free(&v);
}

/*
 * Even UIDs held back, then the session's own EXPUNGE of UIDs 1..n/2 (some held):
 * its own are announced at once, later only the held ones it did not take.
 */
static void mass_pending_then_own(size_t n)
{
	struct mailbox_view *v = view_big(n);
	struct arena *a = arena_new(0);
	struct buf out = BUF_INIT;
	const char *error;
	struct mailbox_sync_delta d = {.highestmodseq = 6, .uidnext = (uint32_t)(n + 1)};
	uint32_t *even = uids_every(2, 2, (uint32_t)n, &d.n_expunged);
	d.expunged = even;
	CU_ASSERT_EQUAL(mailbox_view_sync_delta(v, NULL, &d, a, false, &out, &error), 0);
	size_t k;
	uint32_t *low = uids_every(1, 1, (uint32_t)(n / 2), &k);
	mailbox_view_expunge(v, low, k, &out);
	const char *p = buf_cstr(&out);
	CU_ASSERT(read_expunges(&p, n / 2, 1, n / 2));
	CU_ASSERT_EQUAL(v->n_pending, n / 4);
	buf_reset(&out);
	struct mailbox_sync_delta none = {.highestmodseq = 6, .uidnext = (uint32_t)(n + 1)};
	CU_ASSERT_EQUAL(mailbox_view_sync_delta(v, NULL, &none, a, true, &out, &error), 0);
	/* The view is n/2+1..n at 1..n/2: even UID u is at u - n/2, highest first. */
	p = buf_cstr(&out);
	CU_ASSERT(read_expunges(&p, n / 2, 2, n / 4));
	CU_ASSERT_EQUAL(*p, '\0');
	CU_ASSERT(view_holds(v, (uint32_t)(n / 2 + 1), 2, n / 4));
	free(low);
	free(even);
	buf_free(&out);
	arena_free(&a);
	mailbox_view_free(&v);
}

static void test_mass_expunge_100k(void)
{
	mass_own(100000);
	mass_sync_half(100000);
	mass_sync_held_all(100000, false);
	mass_sync_held_all(100000, true);
	mass_pending_then_own(100000);
}

static void test_mass_expunge_1m(void)
{
	mass_own(1000000);
	mass_sync_half(1000000);
	mass_sync_held_all(1000000, false);
	mass_sync_held_all(1000000, true);
	mass_pending_then_own(1000000);
}

/* A mailbox deleted under a big view: every message goes, once expunges may be sent. */
static void test_mass_gone(void)
{
	struct mailbox_view *v = view_big(100000);
	struct arena *a = arena_new(0);
	struct buf out = BUF_INIT;
	const char *error;
	CU_ASSERT_EQUAL(mailbox_view_sync_delta(v, NULL, NULL, a, false, &out, &error), 0);
	CU_ASSERT(v->gone);
	CU_ASSERT_EQUAL(out.len, 0);
	CU_ASSERT_EQUAL(v->count, 100000);
	CU_ASSERT_EQUAL(mailbox_view_sync_delta(v, NULL, NULL, a, true, &out, &error), 0);
	const char *p = buf_cstr(&out);
	CU_ASSERT(read_expunges(&p, 100000, 1, 100000));
	CU_ASSERT_EQUAL(*p, '\0');
	CU_ASSERT_EQUAL(v->count, 0);
	buf_free(&out);
	arena_free(&a);
	mailbox_view_free(&v);
}

static const struct unit_test mailbox_view_tests[] = {
        {"seq_lookup", test_seq_lookup},
        {"ranges", test_ranges},
        {"search_ranges", test_search_ranges},
        {"own_expunge", test_own_expunge},
        {"qresync_vanished", test_qresync_vanished},
        {"update_and_flags", test_update_and_flags},
        {"update_all", test_update_all},
        {"permanentflags_by_rights", test_permanentflags_by_rights},
        {"recent", test_recent},
        {"mass_expunge_100k", test_mass_expunge_100k},
        {"mass_expunge_1m", test_mass_expunge_1m},
        {"mass_gone", test_mass_gone},
        {NULL, NULL},
};
UNIT_SUITE("mailbox_view", mailbox_view_tests)
