/*
 * keyword.h - IMAP keywords ($Forwarded, Junk, ...) as small integer ids.
 *
 * mailbox_messages.keywords holds sorted arrays of ids into the global keywords
 * table; names are case-insensitive (one row per lower(name), the first spelling
 * stored is the one clients see).  Rows are never deleted, so an id once seen
 * stays valid and callers may cache id -> name freely.
 */
#ifndef CAIRN_STORE_KEYWORD_H
#define CAIRN_STORE_KEYWORD_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

/* Keywords a single message may carry (more are refused with STORE_EINVAL). */
#define KEYWORD_MAX_PER_MESSAGE 128

/*
 * Ids of names[0..n) (created when missing, outside any transaction of the
 * caller's), into *ids_r from arena, sorted ascending and without duplicates
 * (*n_ids_r <= n).  0 or STORE_EDB / STORE_EINVAL with *error_r.
 */
int keyword_ids(struct db *db, const char *const *names, size_t n, struct arena *arena,
                int64_t **ids_r, size_t *n_ids_r, const char **error_r);

/* The id of name (any case) without creating it: *id_r = 0 when there is none. */
int keyword_lookup(struct db *db, const char *name, int64_t *id_r, const char **error_r);

/*
 * Names of ids[0..n): names_r[i] (from arena) is the name of ids[i], or NULL when
 * the id is unknown.  0 or STORE_EDB.
 */
int keyword_names(struct db *db, const int64_t *ids, size_t n, struct arena *arena,
                  const char ***names_r, const char **error_r);

/* Parse a PostgreSQL int8[] text ("{1,2,3}") into ids from arena; -1 if malformed. */
int keyword_parse_array(const char *text, struct arena *arena, int64_t **ids_r, size_t *n_r);

/* Format ids[0..n) as an int8[] literal from arena ("{1,2}"). */
const char *keyword_format_array(const int64_t *ids, size_t n, struct arena *arena);

#endif
