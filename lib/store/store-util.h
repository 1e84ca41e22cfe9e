/*
 * store-util.h - helpers private to the account, mailbox, ACL and quota stores:
 * formatted error text, transactions, integer and bytea parameters.
 */
#ifndef CAIRN_STORE_UTIL_H
#define CAIRN_STORE_UTIL_H

#include "store-private.h"
#include "store-result.h"

#include <stddef.h>
#include <stdint.h>

/* Text for *error_r: formatted into a static buffer valid until the next call. */
const char *store_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Set *error_r and return code (for one-line failure paths). */
int store_fail(int code, const char **error_r, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* BEGIN / COMMIT; rollback ignores errors (the connection may be gone).  A commit
 * announces the changes recorded with store_changed; a rollback forgets them. */
int store_begin(struct db *db, const char **error_r);
int store_commit(struct db *db, const char **error_r);
void store_rollback(struct db *db);

/* Mailbox mailbox_id changed (up to modseq, 0: unknown): announced to the hook of
 * store_on_change at the commit of the open transaction, or at once outside one (the
 * statement that changed it has committed). */
void store_changed(struct db *db, int64_t mailbox_id, uint64_t modseq);

/* Decimal text of v in buf (at least 24 bytes); returns buf. */
char *store_i64(char *buf, int64_t v);
/* Integer of a result field (0 for NULL). */
int64_t store_get_i64(const PGresult *res, int row, int col);

/* bytea text parameter "\x<hex>" of len bytes into out (2*len + 3 bytes). */
char *store_bytea_param(char *out, const unsigned char *data, size_t len);
/* Decode hex text (from encode(col, 'hex')) into at most max bytes; -1 if bad. */
int store_hex_decode(const char *hex, unsigned char *out, size_t max, size_t *len_r);

#endif
