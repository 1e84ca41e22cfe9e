/*
 * mailbox_msgs.h - the message-level store API of cairn-imapd: read message
 * metadata for FETCH, change flags (STORE), expunge, copy and move.
 *
 * Messages are addressed by UID ranges (the session turns sequence numbers into
 * UIDs with its view).  Every writer follows DESIGN.md 3: one transaction that
 * first locks the mailbox rows in id order and takes a new MODSEQ there, stamps
 * every changed row with it, writes tombstones into `expunged` on expunge, keeps
 * the mailbox counters (messages, unseen, deleted_msgs, size), the quota usage and
 * the blob refcounts right, and commits before returning.  No transaction is ever
 * left open.
 *
 * seen_account: 0 for the owner's view (\Seen is the flags column), else the
 * account whose private \Seen (seen_private) applies, see mailbox_sync.h.
 *
 * Functions return 0 or a negative STORE_* code (store-result.h) with *error_r.
 * Results are allocated from the arena passed in.
 */
#ifndef CAIRN_STORE_MAILBOX_MSGS_H
#define CAIRN_STORE_MAILBOX_MSGS_H

#include "mailbox_sync.h"
#include "store-result.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

/* Inclusive UID ranges, ascending and disjoint. */
struct mailbox_uid_ranges {
	const uint32_t *lo, *hi;
	size_t n;
};

/* What mailbox_msgs_fetch reads besides UID, flags, keywords, MODSEQ, dates, size. */
#define MAILBOX_FETCH_ENVELOPE 1u
#define MAILBOX_FETCH_BODYSTRUCTURE 2u
#define MAILBOX_FETCH_BODY 4u /* non-extensible BODY */
#define MAILBOX_FETCH_PARTS 8u /* section map + blob id + header size: for BODY[...] */

struct mailbox_fetch_row {
	struct mailbox_sync_msg m;
	int64_t internaldate; /* Unix time */
	uint64_t size;
	uint64_t header_size;
	const char *envelope, *bodystructure, *body; /* NULL when not read or not parsed */
	const unsigned char *parts; /* serialised section map (lib/imap section.h) */
	size_t parts_len;
	unsigned char sha256[32]; /* the blob (with MAILBOX_FETCH_PARTS) */
};

/*
 * The messages of mailbox_id within uids, ascending by UID, with the columns
 * `what` asks for.  Never touches a blob.
 */
int mailbox_msgs_fetch(struct db *db, int64_t mailbox_id, int64_t seen_account,
                       const struct mailbox_uid_ranges *uids, unsigned what, struct arena *arena,
                       struct mailbox_fetch_row **rows_r, size_t *n_r, const char **error_r);

enum mailbox_store_mode {
	MAILBOX_STORE_REPLACE, /* FLAGS */
	MAILBOX_STORE_ADD, /* +FLAGS */
	MAILBOX_STORE_REMOVE, /* -FLAGS */
};

struct mailbox_store_req {
	enum mailbox_store_mode mode;
	unsigned flags; /* MAILBOX_FLAG_* bits */
	const int64_t *keywords; /* ids from keyword_ids(), sorted */
	size_t n_keywords;
	/*
	 * When set, only these system flag bits may change (the ACL rights the caller
	 * has: s for \Seen, t for \Deleted, w for the others and keywords); others are
	 * kept as they are.  keywords_ok = 0 leaves keywords untouched.
	 */
	unsigned allowed_flags;
	int keywords_ok;
	/*
	 * CONDSTORE (RFC 7162 3.1.3): when unchanged_test is set, only messages whose
	 * MODSEQ is <= unchangedsince are changed; the others are listed in
	 * *modified_r of mailbox_msgs_store_cond.  The test runs under the mailbox row
	 * lock, in the writing transaction, so it is atomic per row.
	 */
	int unchanged_test;
	uint64_t unchangedsince;
};

/*
 * Apply req to the messages within uids.  Rows that really change get the new
 * MODSEQ; *changed_r lists them (UID ascending) with their new state.  Nothing
 * changed: no MODSEQ is used.  STORE_ENOTFOUND when the mailbox is gone.
 */
int mailbox_msgs_store(struct db *db, int64_t mailbox_id, int64_t seen_account,
                       const struct mailbox_uid_ranges *uids, const struct mailbox_store_req *req,
                       struct arena *arena, struct mailbox_sync_msg **changed_r, size_t *n_r,
                       const char **error_r);

/*
 * mailbox_msgs_store with the UNCHANGEDSINCE test of req: *modified_r (ascending,
 * may be NULL when n_modified is 0) lists the messages of uids that failed it.
 */
int mailbox_msgs_store_cond(struct db *db, int64_t mailbox_id, int64_t seen_account,
                            const struct mailbox_uid_ranges *uids,
                            const struct mailbox_store_req *req, struct arena *arena,
                            struct mailbox_sync_msg **changed_r, size_t *n_r, uint32_t **modified_r,
                            size_t *n_modified_r, const char **error_r);

/*
 * QRESYNC: UIDs (ascending) of the tombstones of mailbox_id with MODSEQ > since and
 * within uids (all when uids is NULL).  Memory from arena.
 */
int mailbox_msgs_vanished(struct db *db, int64_t mailbox_id, uint64_t since,
                          const struct mailbox_uid_ranges *uids, struct arena *arena,
                          uint32_t **uids_r, size_t *n_r, const char **error_r);

/*
 * Expunge the messages flagged \Deleted (within uids, or all when uids is NULL):
 * rows removed, tombstones written at the new MODSEQ, counters, quota and blob
 * refcounts adjusted.  *uids_r lists the expunged UIDs, ascending.
 */
int mailbox_msgs_expunge(struct db *db, int64_t mailbox_id, const struct mailbox_uid_ranges *uids,
                         struct arena *arena, uint32_t **uids_r, size_t *n_r, const char **error_r);

struct mailbox_copy_result {
	uint32_t dst_uidvalidity;
	uint32_t *src_uids, *dst_uids; /* pairwise, ascending */
	size_t n;
};

/*
 * Copy (move = 0) or move the messages of src_id within uids into dst_id, keeping
 * flags, keywords and internal dates; new UIDs come from dst's row in one block.
 * A move also expunges the originals (tombstones in src).  STORE_ENOTFOUND when
 * either mailbox is gone; STORE_EREFUSED when dst's owner would exceed a quota.
 * An empty selection succeeds with n = 0.
 */
int mailbox_msgs_copy(struct db *db, int64_t src_id, int64_t dst_id,
                      const struct mailbox_uid_ranges *uids, int move, struct arena *arena,
                      struct mailbox_copy_result *res_r, const char **error_r);

/* Text of uids as two int8[] literals (lo, hi) for the SQL of lib/store. */
void mailbox_uid_ranges_params(const struct mailbox_uid_ranges *uids, struct arena *arena,
                               const char **lo_r, const char **hi_r);

/* SQL joining mailbox_messages mm to the ranges in parameters $lo and $hi. */
#define MAILBOX_UID_RANGES_JOIN(lo, hi)                                                            \
	" JOIN unnest($" lo "::int8[], $" hi "::int8[]) AS r(lo, hi) ON mm.uid BETWEEN r.lo AND "  \
	"r.hi "

#endif
