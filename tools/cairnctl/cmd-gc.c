/*
 * cmd-gc.c - `cairnctl gc [--grace SECONDS] [--dry-run]`: remove blobs no message
 * references any more, safely while deliveries run (protocol in store/maint.h);
 * and `cairnctl stats`: counts, bytes stored and the deduplication ratio.
 */
#include "cairnctl.h"
#include "ctl-progress.h"

#include "base/arena.h"
#include "store/blob.h"
#include "store/db.h"
#include "store/maint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_GC_BATCH 1000
#define CTL_GC_GRACE 3600

struct ctl_gc_walk {
	struct db *db;
	uint64_t adopted;
	const char *error;
	int failed;
};

/* Files without a row (a delivery died before commit) become GC candidates. */
static int ctl_gc_adopt(void *ctx, const struct blob_id *id, uint64_t size)
{
	struct ctl_gc_walk *w = ctx;
	int adopted;
	if (maint_adopt_orphan(w->db, id, size, &adopted, &w->error) < 0) {
		w->failed = 1;
		return -1;
	}
	w->adopted += (uint64_t)adopted;
	return 0;
}

static int ctl_gc_batches(struct db *db, struct blob_store *blobs, int64_t grace, int dry_run,
                          struct ctl_progress *p, uint64_t *freed_r, const char **error_r)
{
	struct arena *a = arena_new(0);
	struct blob_id *ids;
	size_t n;
	int r = 0;
	do {
		arena_clear(a);
		r = maint_gc_candidates(db, grace, CTL_GC_BATCH, a, &ids, &n, error_r);
		for (size_t i = 0; r == 0 && i < n; i++) {
			uint64_t freed = 0;
			if (!dry_run)
				r = maint_gc_one(db, blobs, &ids[i], grace, &freed, error_r);
			*freed_r += freed != 0;
			ctl_progress_add(p, 1, freed);
		}
	} while (r == 0 && n == CTL_GC_BATCH && !dry_run);
	arena_free(&a);
	return r;
}

static int ctl_gc(struct ctl *ctl, int argc, char **argv)
{
	const char *grace_s = NULL;
	int dry_run = 0;
	const struct ctl_opt opts[] = {
	        {"--grace", NULL, &grace_s}, {"--dry-run", &dry_run, NULL}, {NULL, NULL, NULL}};
	char **op;
	int n;
	if (ctl_args(argc, argv, opts, 0, 0, &op, &n) != 0)
		return CTL_USAGE;
	char *end = NULL;
	long long grace = grace_s ? strtoll(grace_s, &end, 10) : CTL_GC_GRACE;
	if (grace_s && (*end || grace < 0))
		return ctl_usage_error("--grace takes seconds");
	struct blob_store *blobs = ctl_blobs(ctl);
	if (blobs == NULL)
		return CTL_UNAVAIL;
	struct ctl_gc_walk w = {.db = ctl_db(ctl)};
	struct maint_stats st;
	const char *error;
	uint64_t removed = 0;
	int r = blob_list(blobs, ctl_gc_adopt, &w, &error);
	if (w.failed)
		r = STORE_EDB, error = w.error;
	if (r == 0)
		r = maint_stats(w.db, &st, &error);
	struct ctl_progress p;
	ctl_progress_start(&p, stderr, "gc", "candidates",
	                   r == 0 ? (uint64_t)st.unreferenced_blobs : 0);
	p.quiet = ctl->json;
	if (r == 0)
		r = ctl_gc_batches(w.db, blobs, grace, dry_run, &p, &removed, &error);
	ctl_progress_end(&p);
	db_close(&w.db);
	blob_store_close(&blobs);
	if (r < 0)
		return ctl_store_fail(r, error);
	if (ctl->json)
		printf("{\"candidates\":%llu,\"removed\":%llu,\"bytes_freed\":%llu,\"orphans_"
		       "adopted\":"
		       "%llu,\"dry_run\":%s}\n",
		       (unsigned long long)p.done, (unsigned long long)removed,
		       (unsigned long long)p.bytes, (unsigned long long)w.adopted,
		       dry_run ? "true" : "false");
	else
		printf("gc: %llu candidates, %llu removed, %llu bytes freed, %llu orphan files "
		       "adopted%s\n",
		       (unsigned long long)p.done, (unsigned long long)removed,
		       (unsigned long long)p.bytes, (unsigned long long)w.adopted,
		       dry_run ? " (dry run)" : "");
	return CTL_OK;
}

static int ctl_stats(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 0, 0, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	struct maint_stats s;
	const char *error;
	int r = maint_stats(db, &s, &error);
	db_close(&db);
	if (r < 0)
		return ctl_store_fail(r, error);
	double ratio = s.stored_bytes > 0 ? (double)s.logical_bytes / (double)s.stored_bytes : 1.0;
	if (ctl->json) {
		printf("{\"domains\":%lld,\"users\":%lld,\"groups\":%lld,\"mailboxes\":%lld,"
		       "\"messages\":%lld,\"blobs\":%lld,\"logical_bytes\":%lld,\"stored_bytes\":%"
		       "lld,"
		       "\"dedup_ratio\":%.3f,\"unreferenced_blobs\":%lld,\"unreferenced_bytes\":%"
		       "lld}\n",
		       (long long)s.domains, (long long)s.users, (long long)s.groups,
		       (long long)s.mailboxes, (long long)s.messages, (long long)s.blobs,
		       (long long)s.logical_bytes, (long long)s.stored_bytes, ratio,
		       (long long)s.unreferenced_blobs, (long long)s.unreferenced_bytes);
		return CTL_OK;
	}
	char b1[32], b2[32], b3[32];
	printf("domains %lld, users %lld, groups %lld, mailboxes %lld\n"
	       "messages %lld (%s), blobs %lld (%s stored), dedup ratio %.2f\n"
	       "unreferenced blobs %lld (%s, removed by gc after the grace period)\n",
	       (long long)s.domains, (long long)s.users, (long long)s.groups,
	       (long long)s.mailboxes, (long long)s.messages, ctl_format_size(s.logical_bytes, b1),
	       (long long)s.blobs, ctl_format_size(s.stored_bytes, b2), ratio,
	       (long long)s.unreferenced_blobs, ctl_format_size(s.unreferenced_bytes, b3));
	return CTL_OK;
}

static const struct ctl_subcommand ctl_gc_cmd = {
        NULL, "[--grace SECONDS] [--dry-run]",
        "remove blobs unreferenced for longer than the grace period (default 3600 s); safe "
        "while deliveries run",
        ctl_gc};
static const struct ctl_subcommand ctl_stats_cmd = {
        NULL, "", "counts, logical and stored bytes, dedup ratio (--json)", ctl_stats};

int ctl_cmd_gc(struct ctl *ctl, int argc, char **argv)
{
	return ctl_single(ctl, "gc", &ctl_gc_cmd, argc, argv);
}

int ctl_cmd_stats(struct ctl *ctl, int argc, char **argv)
{
	return ctl_single(ctl, "stats", &ctl_stats_cmd, argc, argv);
}
