/*
 * purge.h - purging old bookkeeping rows for `cairnctl expunged purge`: expunge
 * tombstones (table expunged, kept for QRESYNC VANISHED) and delivery_dedup rows
 * older than the duplicate-suppression window.
 *
 * Tombstones are purged per mailbox in one transaction that first locks the
 * mailbox row (FOR UPDATE, like every writer), deletes every tombstone at or below
 * the highest MODSEQ among those older than the cutoff, and raises
 * mailboxes.deletedmodseq to that MODSEQ.  cairn-imapd then answers a QRESYNC
 * client whose MODSEQ is below deletedmodseq with every known UID missing from the
 * mailbox instead of the (now incomplete) tombstones.
 */
#ifndef CAIRN_STORE_PURGE_H
#define CAIRN_STORE_PURGE_H

#include "store-result.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

/* Ids (ascending) of mailboxes with tombstones older than older_than seconds. */
int purge_expunged_mailboxes(struct db *db, int64_t older_than, struct arena *arena,
                             int64_t **ids_r, size_t *n_r, const char **error_r);

/*
 * Purge one mailbox's tombstones older than older_than seconds (and any with a
 * lower MODSEQ) as described above.  *rows_r = tombstones removed, *modseq_r = the
 * highest removed MODSEQ (0 when none).  dry_run counts without changing anything.
 */
int purge_expunged_one(struct db *db, int64_t mailbox_id, int64_t older_than, int dry_run,
                       int64_t *rows_r, int64_t *modseq_r, const char **error_r);

/*
 * Remove delivery_dedup rows older than window seconds (they no longer suppress
 * anything: delivery treats an expired row like a missing one), in batches.
 * dry_run only counts.  *rows_r = rows removed (or that would be).
 */
int purge_dedup(struct db *db, int64_t window, int dry_run, int64_t *rows_r, const char **error_r);

#endif
