/*
 * message.h - the `messages` table: the parse-once index of each stored blob
 * (DESIGN.md section 3).  One row per distinct blob, keyed by its SHA-256; IMAP
 * FETCH of metadata reads this row and never the blob.
 */
#ifndef CAIRN_STORE_MESSAGE_H
#define CAIRN_STORE_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct blob_id;
struct db;
struct message_index;

/*
 * Look up the row of blob.  1 = found (*id_r, and *message_id_r = its Message-ID
 * from arena or NULL), 0 = not indexed yet, -1 = database error (*error_r).
 */
int message_find(struct db *db, const struct blob_id *blob, struct arena *arena, int64_t *id_r,
                 char **message_id_r, const char **error_r);

/*
 * Insert the index of blob (size bytes; idx from message_index_build) and return
 * its id; when a concurrent writer inserted the same blob first, its row is used.
 * Text fields are stored as valid UTF-8 (invalid bytes become '?', one for one, so
 * literal lengths in ENVELOPE/BODYSTRUCTURE stay right).  0 or -1 with *error_r.
 */
int message_insert(struct db *db, const struct blob_id *blob, uint64_t size,
                   const struct message_index *idx, struct arena *arena, int64_t *id_r,
                   const char **error_r);

/* s as valid UTF-8: s itself when it is, else an arena copy with bad bytes as '?'. */
const char *message_utf8_clean(struct arena *arena, const char *s);

/* blob's SHA-256 as a bytea hex literal ("\\x...") allocated from arena. */
char *message_sha_param(struct arena *arena, const struct blob_id *blob);

#endif
