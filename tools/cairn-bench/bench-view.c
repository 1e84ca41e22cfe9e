/*
 * bench-view.c - `cairn-bench view`: an in-process micro-benchmark of the selected-
 * mailbox view of cairn-imapd (imapd/mailbox-view.c, linked in; no server, no
 * database).  For views of N messages (UIDs 1..N) it times mass expunges:
 *
 *   own-half   the session's own EXPUNGE of every other message (mailbox_view_expunge)
 *   own-all    the same for every message
 *   sync-half  another session expunged every other message: a sync during FETCH
 *              holds them pending, the next sync announces them (mailbox_view_sync_delta)
 *   sync-all   the same for every message
 *   mixed      one sync: every other message expunged, half of the rest re-flagged
 *              (EXPUNGEs, then FETCHes with the new numbers)
 *
 * Only the view's work is timed (building the view and the change list is not).
 * Prints one `key=value` line per case and size with the best of R rounds and the
 * time per message of the view: a linear view keeps ns_per_msg flat across sizes.
 * Exports bench_view_run.
 */
#include "bench.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imapd/mailbox-view.h"
#include "store/mailbox.h"
#include "store/mailbox_sync.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Also declared next to the mode table in main.c. */
int bench_view_run(int argc, char **argv);

enum bench_view_case { VIEW_OWN_HALF, VIEW_OWN_ALL, VIEW_SYNC_HALF, VIEW_SYNC_ALL, VIEW_MIXED };

static const char *const bench_view_cases[] = {"own-half", "own-all", "sync-half", "sync-all",
                                               "mixed"};
#define BENCH_VIEW_NCASES (sizeof(bench_view_cases) / sizeof(bench_view_cases[0]))

/* A view of UIDs 1..n, none \Recent. */
static struct mailbox_view *bench_view_new(size_t n)
{
	struct mailbox_sync_msg *msgs = calloc(n + 1, sizeof(*msgs));
	for (size_t i = 0; i < n; i++)
		msgs[i].uid = (uint32_t)(i + 1);
	struct mailbox_sync_state st = {.id = 1,
	                                .owner_id = 1,
	                                .uidvalidity = 1,
	                                .uidnext = (uint32_t)(n + 1),
	                                .highestmodseq = 1,
	                                .recent_uid = (uint32_t)n,
	                                .msgs = msgs,
	                                .count = n};
	struct mailbox_view *v = mailbox_view_new(&st, "INBOX", 0, false, ~0u);
	free(msgs);
	return v;
}

/* UIDs step, 2*step, ... <= n (step 1: all, 2: every other); *n_r of them. */
static uint32_t *bench_view_uids(size_t n, size_t step, size_t *n_r)
{
	uint32_t *uids = malloc((n / step + 1) * sizeof(*uids));
	size_t k = 0;
	for (size_t uid = step; uid <= n; uid += step)
		uids[k++] = (uint32_t)uid;
	*n_r = k;
	return uids;
}

/* Every other survivor of a half expunge (UIDs 1, 5, 9, ...) gets \Flagged. */
static struct mailbox_sync_msg *bench_view_changed(size_t n, size_t *n_r)
{
	struct mailbox_sync_msg *m = calloc(n / 4 + 1, sizeof(*m));
	size_t k = 0;
	for (size_t uid = 1; uid <= n; uid += 4) {
		m[k].uid = (uint32_t)uid;
		m[k].flags = MAILBOX_FLAG_FLAGGED;
		m[k++].modseq = 2;
	}
	*n_r = k;
	return m;
}

/* One timed run of case c on a fresh view of n messages; seconds, or -1 on error. */
static double bench_view_once(enum bench_view_case c, size_t n, struct buf *out)
{
	struct mailbox_view *v = bench_view_new(n);
	struct arena *arena = arena_new(0);
	struct mailbox_sync_delta d = {.highestmodseq = 2, .uidnext = (uint32_t)(n + 1)};
	struct mailbox_sync_delta none = {.highestmodseq = 2, .uidnext = (uint32_t)(n + 1)};
	size_t step = c == VIEW_OWN_ALL || c == VIEW_SYNC_ALL ? 1 : 2;
	uint32_t *uids = bench_view_uids(n, step, &d.n_expunged);
	d.expunged = uids;
	if (c == VIEW_MIXED)
		d.changed = bench_view_changed(n, &d.n_changed);
	const char *error = NULL;
	int r = 0;
	buf_reset(out);
	double t0 = bench_now();
	if (c == VIEW_OWN_HALF || c == VIEW_OWN_ALL) {
		mailbox_view_expunge(v, uids, d.n_expunged, out);
	} else if (c == VIEW_MIXED) {
		r = mailbox_view_sync_delta(v, NULL, &d, arena, true, out, &error);
	} else {
		r = mailbox_view_sync_delta(v, NULL, &d, arena, false, out, &error);
		if (r == 0)
			r = mailbox_view_sync_delta(v, NULL, &none, arena, true, out, &error);
	}
	double secs = bench_now() - t0;
	bool ok = r == 0 && v->count == n - d.n_expunged;
	free(d.changed);
	free(uids);
	arena_free(&arena);
	mailbox_view_free(&v);
	return ok ? secs : -1;
}

/* Best of rounds runs of case c at size n, printed as one line; -1 on error. */
static int bench_view_case(enum bench_view_case c, size_t n, int rounds, struct buf *out)
{
	double best = -1;
	for (int i = 0; i < rounds; i++) {
		double secs = bench_view_once(c, n, out);
		if (secs < 0) {
			fprintf(stderr, "cairn-bench view: %s n=%zu: wrong result\n",
			        bench_view_cases[c], n);
			return -1;
		}
		if (best < 0 || secs < best)
			best = secs;
	}
	printf("mode=view case=%s n=%zu rounds=%d best_s=%.6f ns_per_msg=%.1f out_bytes=%zu\n",
	       bench_view_cases[c], n, rounds, best, best * 1e9 / (double)n, out->len);
	fflush(stdout);
	return 0;
}

static int bench_view_usage(void)
{
	fprintf(stderr, "usage: cairn-bench view [-n N[,N...]] [-r ROUNDS] [-c CASE]\n"
	                "  -n N,...  view sizes in messages (default 10000,100000,1000000)\n"
	                "  -r ROUNDS runs per case and size, the best is printed (default 3)\n"
	                "  -c CASE   only this case: own-half own-all sync-half sync-all mixed\n");
	return 2;
}

/* Parse "10000,100000" into sizes[]; the number of sizes, or 0 when invalid. */
static size_t bench_view_sizes(const char *arg, size_t *sizes, size_t max)
{
	size_t k = 0;
	for (const char *p = arg; *p != '\0' && k < max;) {
		char *end;
		long long v = strtoll(p, &end, 10);
		if (end == p || v < 1 || v > 100000000 || (*end != ',' && *end != '\0'))
			return 0;
		sizes[k++] = (size_t)v;
		p = *end == ',' ? end + 1 : end;
	}
	return k;
}

int bench_view_run(int argc, char **argv)
{
	size_t sizes[16] = {10000, 100000, 1000000}, n_sizes = 3;
	int rounds = 3, only = -1, c;
	while ((c = getopt(argc, argv, "n:r:c:")) != -1) {
		if (c == 'n' && (n_sizes = bench_view_sizes(optarg, sizes, 16)) == 0)
			return bench_view_usage();
		if (c == 'r' && (rounds = atoi(optarg)) < 1)
			return bench_view_usage();
		for (size_t k = 0; c == 'c' && k < BENCH_VIEW_NCASES; k++)
			only = strcmp(optarg, bench_view_cases[k]) == 0 ? (int)k : only;
		if ((c == 'c' && only < 0) || c == '?')
			return bench_view_usage();
	}
	if (optind != argc)
		return bench_view_usage();
	struct buf out = BUF_INIT;
	int code = 0;
	for (size_t k = 0; k < BENCH_VIEW_NCASES && code == 0; k++)
		for (size_t i = 0; i < n_sizes && code == 0 && (only < 0 || only == (int)k); i++)
			code = bench_view_case((enum bench_view_case)k, sizes[i], rounds, &out) < 0;
	buf_free(&out);
	return code;
}
