/*
 * cmd-expunged.c - `cairnctl expunged purge [--older-than SECONDS] [--dry-run]`:
 * remove expunge tombstones older than the cutoff, mailbox by mailbox, raising each
 * mailbox's deletedmodseq (store/purge.h) so QRESYNC answers stay exact; and
 * delivery_dedup rows older than the LMTP duplicate window.  Exports ctl_cmd_expunged.
 */
#include "cairnctl.h"

#include "base/arena.h"
#include "base/config.h"
#include "store/db.h"
#include "store/purge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define CTL_EXPUNGED_KEEP (30 * 86400)
#define CTL_DEDUP_WINDOW 86400 /* lmtpd's default [lmtp] dedup_window */

struct ctl_purge_result {
	int64_t mailboxes, tombstones, dedup_rows;
};

/* Defaults from the config: [expunged] keep, [lmtp] dedup_window. */
static int ctl_purge_config(struct ctl *ctl, int64_t *keep_r, int64_t *window_r)
{
	struct config_section *ex = NULL, *lmtp = NULL;
	const char *error;
	if (ctl->config) {
		ex = config_find(ctl->config, "expunged", NULL);
		lmtp = config_find(ctl->config, "lmtp", NULL);
	}
	if (config_get_int(ctl->config, ex, "keep", CTL_EXPUNGED_KEEP, 0, INT32_MAX, keep_r,
	                   &error) < 0 ||
	    config_get_int(ctl->config, lmtp, "dedup_window", CTL_DEDUP_WINDOW, 0, 365 * 86400,
	                   window_r, &error) < 0)
		return ctl_fail(CTL_USAGE, "%s", error);
	return 0;
}

static int ctl_purge_run(struct db *db, int64_t keep, int64_t window, int dry_run,
                         struct ctl_purge_result *res, const char **error_r)
{
	struct arena *a = arena_new(0);
	int64_t *ids;
	size_t n;
	int r = purge_expunged_mailboxes(db, keep, a, &ids, &n, error_r);
	for (size_t i = 0; r == 0 && i < n; i++) {
		int64_t rows, modseq;
		r = purge_expunged_one(db, ids[i], keep, dry_run, &rows, &modseq, error_r);
		res->mailboxes += r == 0 && rows > 0;
		res->tombstones += r == 0 ? rows : 0;
	}
	arena_free(&a);
	if (r == 0)
		r = purge_dedup(db, window, dry_run, &res->dedup_rows, error_r);
	return r;
}

static int ctl_expunged_purge(struct ctl *ctl, int argc, char **argv)
{
	const char *older_s = NULL;
	int dry_run = 0;
	const struct ctl_opt opts[] = {{"--older-than", NULL, &older_s},
	                               {"--dry-run", &dry_run, NULL},
	                               {NULL, NULL, NULL}};
	char **op;
	int n;
	if (ctl_args(argc, argv, opts, 0, 0, &op, &n) != 0)
		return CTL_USAGE;
	int64_t keep, window;
	if (ctl_purge_config(ctl, &keep, &window) != 0)
		return CTL_USAGE;
	if (older_s) {
		char *end = NULL;
		errno = 0;
		long long v = strtoll(older_s, &end, 10);
		if (errno || end == older_s || *end || v < 0 || v > INT32_MAX)
			return ctl_usage_error("--older-than takes seconds (0 .. %d)", INT32_MAX);
		keep = v;
	}
	struct db *db = ctl_db(ctl);
	struct ctl_purge_result res = {0, 0, 0};
	const char *error;
	int r = ctl_purge_run(db, keep, window, dry_run, &res, &error);
	db_close(&db);
	if (r < 0)
		return ctl_store_fail(r, error);
	if (ctl->json)
		printf("{\"older_than\":%lld,\"mailboxes\":%lld,\"tombstones\":%lld,"
		       "\"dedup_window\":%lld,\"dedup_rows\":%lld,\"dry_run\":%s}\n",
		       (long long)keep, (long long)res.mailboxes, (long long)res.tombstones,
		       (long long)window, (long long)res.dedup_rows, dry_run ? "true" : "false");
	else
		printf("expunged purge: %lld tombstones older than %lld s in %lld mailboxes, "
		       "%lld dedup rows older than %lld s %s\n",
		       (long long)res.tombstones, (long long)keep, (long long)res.mailboxes,
		       (long long)res.dedup_rows, (long long)window,
		       dry_run ? "would be removed (dry run)" : "removed");
	return CTL_OK;
}

static const struct ctl_subcommand ctl_expunged_subs[] = {
        {"purge", "[--older-than SECONDS] [--dry-run]",
         "remove expunge tombstones older than SECONDS (default [expunged] keep, 30 days), "
         "raising each mailbox's deletedmodseq for QRESYNC, and delivery_dedup rows older "
         "than [lmtp] dedup_window",
         ctl_expunged_purge},
        {NULL, NULL, NULL, NULL},
};

int ctl_cmd_expunged(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "expunged", ctl_expunged_subs, argc, argv);
}
