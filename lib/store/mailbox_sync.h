/*
 * mailbox_sync.h - what an IMAP session needs to follow a mailbox (DESIGN.md 4):
 * a consistent snapshot when it selects the mailbox, and afterwards everything
 * that changed since the highest MODSEQ it knows.
 *
 * Every writer allocates a MODSEQ from the mailbox row and stamps the rows it
 * changes with it (mailbox_messages.modseq; expunged.modseq for tombstones), so
 * "rows and tombstones with modseq > known" is the complete list of changes, no
 * matter which session, worker or node made them.
 *
 * \Seen: with seen_account = 0 a message's \Seen is the flags column (the owner's
 * view); otherwise it comes from seen_private for that account (shared and public
 * folders), and writers of seen_private also restamp the message row's modseq so
 * that the change is found here.
 *
 * \Recent (RFC 3501 2.3.2; schema/0052_recent.sql): mailboxes.recent_uid is the
 * highest UID some session has already taken as recent, cluster-wide.  A session
 * that claims (SELECT read-write under IMAP4rev1) moves it up to the highest UID of
 * its snapshot, at SELECT and whenever a sync finds new messages; a session that
 * does not claim just reads it.  Either way the result carries recent_uid: the
 * messages of that snapshot with a greater UID are \Recent in this session.
 */
#ifndef CAIRN_STORE_MAILBOX_SYNC_H
#define CAIRN_STORE_MAILBOX_SYNC_H

#include "store-result.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

/* One message's state: UID, system flags (mailbox.h bits), keyword ids, MODSEQ. */
struct mailbox_sync_msg {
	uint32_t uid;
	unsigned flags;
	uint64_t modseq;
	int64_t *keywords; /* sorted ascending */
	size_t n_keywords;
};

struct mailbox_sync_state {
	int64_t id, owner_id;
	uint32_t uidvalidity;
	uint32_t uidnext; /* 0 when exhausted */
	uint64_t highestmodseq;
	uint64_t deletedmodseq; /* tombstones at or below this MODSEQ may have been purged */
	uint32_t recent_uid; /* msgs with a greater UID are \Recent in this session */
	struct mailbox_sync_msg *msgs; /* ascending by UID */
	size_t count;
};

/*
 * Snapshot of a live mailbox: its row and every message, read in one REPEATABLE
 * READ transaction so that highestmodseq matches the messages exactly.  With
 * claim_recent, the unclaimed messages of the snapshot are then claimed as this
 * session's recent ones (one more statement, only when there are any).  Memory
 * from arena.  STORE_ENOTFOUND when the mailbox does not exist (or was deleted).
 */
int mailbox_sync_open(struct db *db, int64_t mailbox_id, int64_t seen_account, bool claim_recent,
                      struct arena *arena, struct mailbox_sync_state *st_r, const char **error_r);

struct mailbox_sync_delta {
	uint64_t highestmodseq; /* the mailbox's, as of this read */
	uint32_t uidnext;
	uint32_t recent_uid; /* new rows with a greater UID are \Recent in this session */
	struct mailbox_sync_msg *changed; /* rows with modseq > since, ascending by UID */
	size_t n_changed;
	uint32_t *expunged; /* tombstones with modseq > since, ascending */
	size_t n_expunged;
};

/*
 * Changes since MODSEQ since, in one statement (one snapshot).  With claim_recent
 * the same statement claims the new messages as recent (mailbox_sync_open).
 * STORE_ENOTFOUND when the mailbox was deleted meanwhile.  Memory from arena.
 */
int mailbox_sync_changes(struct db *db, int64_t mailbox_id, int64_t seen_account, uint64_t since,
                         bool claim_recent, struct arena *arena, struct mailbox_sync_delta *d_r,
                         const char **error_r);

/*
 * STATUS (RECENT): the messages of mailbox_id nobody has claimed as recent yet
 * (uid > recent_uid).  One index range count.
 */
int mailbox_recent_unclaimed(struct db *db, int64_t mailbox_id, int64_t *n_r, const char **error_r);

/*
 * The SQL expression of a message's flags for seen_account in parameter $n (for
 * the other lib/store message queries): mm is the mailbox_messages alias.
 */
#define MAILBOX_SYNC_FLAGS_SQL(n)                                                                  \
	"(CASE WHEN $" n "::int8 = 0 THEN mm.flags ELSE (mm.flags & ~1) | (EXISTS (SELECT 1 "      \
	"FROM seen_private sp WHERE sp.account_id = $" n "::int8 AND sp.mailbox_id = "             \
	"mm.mailbox_id AND sp.uid = mm.uid))::int END)"

#endif
