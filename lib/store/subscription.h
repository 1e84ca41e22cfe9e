/*
 * subscription.h - IMAP subscriptions (RFC 9051 6.3.7/6.3.8): a set of mailbox
 * names per account, kept by name so that a subscription survives the deletion of
 * its mailbox (RFC 3501 6.3.6).  Names are stored as the client sees them (UTF-8,
 * with namespace prefixes such as "Other Users/bob/x").  Functions return 0 or a
 * negative STORE_* code with *error_r.
 */
#ifndef CAIRN_STORE_SUBSCRIPTION_H
#define CAIRN_STORE_SUBSCRIPTION_H

#include "store-result.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

/* Most subscriptions one account may have (bounds LSUB and the table). */
#define SUBSCRIPTION_MAX 10000

/* Subscribe; already subscribed is success.  STORE_EREFUSED past SUBSCRIPTION_MAX. */
int subscription_add(struct db *db, int64_t account_id, const char *name, const char **error_r);
/* Unsubscribe; STORE_ENOTFOUND when the name was not subscribed. */
int subscription_remove(struct db *db, int64_t account_id, const char *name, const char **error_r);
/* Every subscribed name of an account, sorted (bytewise), into an array from arena. */
int subscription_list(struct db *db, int64_t account_id, struct arena *arena, const char ***names_r,
                      size_t *n_r, const char **error_r);

#endif
