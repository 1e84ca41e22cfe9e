/*
 * maint.h - store maintenance for `cairnctl gc|verify|stats`: blob garbage
 * collection safe against concurrent delivery (DESIGN 3), consistency checks of the
 * blob store against the database, and usage statistics.
 *
 * GC protocol: a blob is a candidate when its blobs row has refcount 0 and
 * last_ref_at older than the grace period.  It is removed in one transaction that
 * locks the row (SKIP LOCKED: a delivery holding it wins), re-checks refcount, age
 * and that no mailbox_messages row references it, deletes the messages and blobs
 * rows, removes the file while still holding the lock, then commits.  A delivery of
 * the same bytes waits on the row lock, finds the row gone and re-uploads.
 */
#ifndef CAIRN_STORE_MAINT_H
#define CAIRN_STORE_MAINT_H

#include "store-result.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct blob_id;
struct blob_store;
struct db;

struct maint_stats {
	int64_t domains, users, groups, mailboxes;
	int64_t messages; /* mailbox_messages rows */
	int64_t blobs; /* blobs rows */
	int64_t logical_bytes; /* sum of message sizes over all mailboxes */
	int64_t stored_bytes; /* sum of blob sizes */
	int64_t unreferenced_blobs, unreferenced_bytes; /* refcount 0: GC candidates */
};

int maint_stats(struct db *db, struct maint_stats *stats_r, const char **error_r);

/* Up to max GC candidates (refcount 0, older than grace_seconds) after *after (or all). */
int maint_gc_candidates(struct db *db, int64_t grace_seconds, size_t max, struct arena *arena,
                        struct blob_id **ids_r, size_t *n_r, const char **error_r);
/*
 * Collect one candidate with the protocol above: *freed_r = its size when removed,
 * 0 when it was busy, referenced again or already gone.
 */
int maint_gc_one(struct db *db, struct blob_store *blobs, const struct blob_id *id,
                 int64_t grace_seconds, uint64_t *freed_r, const char **error_r);

struct maint_blob {
	unsigned char sha256[32];
	int64_t size;
	int64_t refcount; /* as recorded */
	int64_t actual_refs; /* mailbox_messages rows referencing it */
};

/* Next page of blobs rows (by sha256, after the given one or from the start). */
int maint_blob_page(struct db *db, const unsigned char *after, size_t max, struct arena *arena,
                    struct maint_blob **list_r, size_t *n_r, const char **error_r);
/* Set a blob's refcount to what mailbox_messages say, under its row lock. */
int maint_fix_refcount(struct db *db, const unsigned char *sha256, const char **error_r);
/* messages rows without a blobs row: count, and (repair) create the rows. */
int maint_messages_without_blob(struct db *db, int repair, int64_t *count_r, const char **error_r);
/* 1 when a blobs row exists for sha256, 0 when not. */
int maint_blob_known(struct db *db, const unsigned char *sha256, int *known_r,
                     const char **error_r);

/*
 * Give a file without a blobs row (a delivery that died before its commit) a row
 * with refcount 0: normal GC then removes it after the grace period, under the row
 * lock, so a delivery that reuses the file in between is safe.  *adopted_r = 1 when
 * a row was created.
 */
int maint_adopt_orphan(struct db *db, const struct blob_id *id, uint64_t size, int *adopted_r,
                       const char **error_r);

#endif
