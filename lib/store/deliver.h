/*
 * deliver.h - the delivery API: put one message into one or more mailboxes.
 *
 * One call stores the bytes once (blob store), parses them once (the `messages`
 * row, skipped when the blob is already indexed) and, in one PostgreSQL
 * transaction, adds a `mailbox_messages` row per target mailbox with its UID and
 * MODSEQ allocated from the mailbox row, checks and charges quota, suppresses
 * duplicates by Message-ID and references the blob.  It reports success only after
 * the blob is fsynced and the transaction committed; a database or disk failure
 * reports a temporary failure and leaves no half state (at most an unreferenced
 * blob, which garbage collection removes).
 *
 * The database connection is opened lazily and re-opened on the first call after
 * PostgreSQL comes back, so a daemon never has to restart.  No transaction is ever
 * left open between calls.
 */
#ifndef CAIRN_STORE_DELIVER_H
#define CAIRN_STORE_DELIVER_H

#include <stddef.h>
#include <stdint.h>

struct blob_store;
struct db;
struct deliver;

enum deliver_status {
	DELIVER_OK,
	DELIVER_DUPLICATE, /* same Message-ID already delivered there within the window */
	DELIVER_UNKNOWN, /* no such user, domain or mailbox */
	DELIVER_OVER_QUOTA,
	DELIVER_TEMPFAIL, /* database or blob store unavailable: try again later */
};

struct deliver_settings {
	int dedup_window; /* seconds; 0 disables duplicate suppression */
};

struct deliver_target {
	int64_t mailbox_id; /* in: from deliver_lookup() */
	enum deliver_status status; /* out */
	uint32_t uid; /* out, when DELIVER_OK */
	int64_t modseq; /* out, when DELIVER_OK */
};

/* A delivery context for conninfo (libpq) and blobs (not owned). */
struct deliver *deliver_new(const char *conninfo, struct blob_store *blobs,
                            const struct deliver_settings *set);
/*
 * The same on a connection the caller owns (cairn-imapd's worker connection, for
 * APPEND): deliver_free() leaves it open.  The caller must not be inside a
 * transaction when calling deliver_message().
 */
struct deliver *deliver_new_db(struct db *db, struct blob_store *blobs,
                               const struct deliver_settings *set);
/* Close the connection (unless borrowed) and free; sets *d to NULL. */
void deliver_free(struct deliver **d);

/* Open the database connection now (0), or -1 with *error_r; later calls retry. */
int deliver_connect(struct deliver *d, const char **error_r);

/*
 * Resolve a recipient "local@domain" (case-insensitive; "user+detail@domain"
 * selects the user's folder "detail" when it exists, else INBOX) to a mailbox,
 * and check that a message of size bytes fits its quota.  DELIVER_OK sets
 * *mailbox_id_r.  On DELIVER_TEMPFAIL, *error_r says why.
 */
enum deliver_status deliver_lookup(struct deliver *d, const char *address, uint64_t size,
                                   int64_t *mailbox_id_r, const char **error_r);

/*
 * deliver_lookup for n addresses in one database round trip (an MTA pipelines the
 * RCPTs of a transaction): status_r[i] and, when DELIVER_OK, mailbox_id_r[i].  When
 * the database fails, every status is DELIVER_TEMPFAIL and *error_r says why.
 */
void deliver_lookup_many(struct deliver *d, const char *const *addresses, size_t n, uint64_t size,
                         enum deliver_status *status_r, int64_t *mailbox_id_r,
                         const char **error_r);

/*
 * Deliver msg (len bytes, exactly as to be stored) to n targets, setting each
 * target's status.  Returns 0 when the transaction ran (statuses say per target),
 * -1 with *error_r when nothing was delivered (every status DELIVER_TEMPFAIL).
 */
int deliver_message(struct deliver *d, const void *msg, size_t len, struct deliver_target *targets,
                    size_t n, const char **error_r);

/* What the new rows start with (APPEND); deliver_message uses all zero. */
struct deliver_options {
	unsigned flags; /* system flags (mailbox.h MAILBOX_FLAG_*) */
	const int64_t *keywords; /* keyword ids (keyword.h), sorted */
	size_t n_keywords;
	int64_t internaldate; /* Unix time; 0 = now */
};

/* deliver_message with initial flags, keywords and internal date (opts may be NULL). */
int deliver_message_opts(struct deliver *d, const void *msg, size_t len,
                         struct deliver_target *targets, size_t n,
                         const struct deliver_options *opts, const char **error_r);

/* fsync(2) calls of the blob store so far, for benchmarks. */
uint64_t deliver_fsync_count(const struct deliver *d);

#endif
