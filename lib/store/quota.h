/*
 * quota.h - storage and message-count quotas per account and per domain.
 *
 * A message counts toward its owner's quota root and toward the owner's domain's
 * root, when those exist.  Usage lives in quota_roots and must change in the same
 * transaction as the messages it counts: delivery, APPEND, COPY and EXPUNGE call
 * quota_charge() inside their transaction; mailbox/account deletion already does.
 * Setting a limit recounts the usage, which also repairs any drift.  Limits are
 * bytes and messages; -1 means unlimited.
 */
#ifndef CAIRN_STORE_QUOTA_H
#define CAIRN_STORE_QUOTA_H

#include "store-result.h"

#include <stdint.h>

struct arena;
struct db;

#define QUOTA_UNLIMITED (-1)

struct quota_info {
	int defined; /* 0: no root, no limits (usage is then computed live) */
	int64_t storage_limit; /* bytes, or QUOTA_UNLIMITED */
	int64_t message_limit; /* or QUOTA_UNLIMITED */
	int64_t storage_used; /* bytes */
	int64_t messages_used;
};

/* Quota of an account / a domain (usage counted live when no root is defined). */
int quota_get_account(struct db *db, int64_t account_id, struct quota_info *info_r,
                      const char **error_r);
int quota_get_domain(struct db *db, int64_t domain_id, struct quota_info *info_r,
                     const char **error_r);
/*
 * Set limits (QUOTA_UNLIMITED for none; both unlimited removes the root), creating
 * the root on first use and recounting its usage under the root's row lock.
 */
int quota_set_account(struct db *db, int64_t account_id, int64_t storage_limit,
                      int64_t message_limit, const char **error_r);
int quota_set_domain(struct db *db, int64_t domain_id, int64_t storage_limit, int64_t message_limit,
                     const char **error_r);

/*
 * Inside the caller's transaction: add bytes and messages (negative to release) to
 * the roots of account and its domain, locking them in id order.
 */
int quota_charge(struct db *db, int64_t account_id, int64_t bytes, int64_t messages,
                 const char **error_r);
/*
 * *over_r = 1 when adding bytes/messages to account would exceed a limit of its own
 * or its domain's root (the caller refuses with [OVERQUOTA] / 552 5.2.2).
 */
int quota_check(struct db *db, int64_t account_id, int64_t bytes, int64_t messages, int *over_r,
                const char **error_r);

/* One defined quota root that counts an account's messages (quota_roots_of_account). */
struct quota_root {
	char scope; /* 'a': the account's own root, 'd': its domain's */
	const char *owner; /* 'a': "localpart@domain"; 'd': "domain" */
	struct quota_info info; /* defined = 1 */
};

/*
 * The roots that exist for account's messages, its own first, then its domain's:
 * *count_r is 0, 1 or 2.  Unlike quota_get_account(), nothing is counted live when
 * a root is missing (IMAP GETQUOTAROOT lists only roots with limits).  Strings are
 * allocated in pool.
 */
int quota_roots_of_account(struct db *db, int64_t account_id, struct arena *pool,
                           struct quota_root roots_r[2], unsigned *count_r, const char **error_r);

/*
 * Bytes of the messages of mailbox_id that carry \Deleted (IMAP STATUS
 * DELETED-STORAGE, RFC 9208 4.2: what an EXPUNGE would give back).  A scan of the
 * mailbox's rows.
 */
int quota_deleted_storage(struct db *db, int64_t mailbox_id, int64_t *bytes_r,
                          const char **error_r);

#endif
