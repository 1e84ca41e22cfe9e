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

/* Number of parameters message_index_params() fills. */
#define MESSAGE_INDEX_PARAMS 17

/*
 * The index as text parameters, in the column order of the messages table from
 * header_size to search_text (header_size, body_lines, sent_date as Unix time or
 * NULL, envelope, bodystructure, body, parts as bytea hex, message_id, in_reply_to,
 * references, subject, from, to, cc, bcc, search_headers, search_text), cleaned to
 * valid UTF-8, allocated from arena, into p[0 .. MESSAGE_INDEX_PARAMS - 1].
 */
void message_index_params(struct arena *arena, const struct message_index *idx, const char **p);

/* s as valid UTF-8: s itself when it is, else an arena copy with bad bytes as '?'. */
const char *message_utf8_clean(struct arena *arena, const char *s);

/* blob's SHA-256 as a bytea hex literal ("\\x...") allocated from arena. */
char *message_sha_param(struct arena *arena, const struct blob_id *blob);

#endif
