/*
 * args.h - typed access to a parsed command's arguments (parser.h).
 *
 * The parser is deliberately lax about atoms; these getters apply the exact RFC
 * 9051 grammar of each argument kind.  Simple getters return true/false (the
 * daemon answers "BAD Invalid arguments"); those that can say more return 0 / -1
 * with *error_r.  Nothing here allocates except where an arena is passed, and
 * results point into the parser's memory or that arena.
 *
 * Mailbox names: cairn's hierarchy separator is IMAP_HIERARCHY_SEP ("/").
 */
#ifndef CAIRN_IMAP_ARGS_H
#define CAIRN_IMAP_ARGS_H

#include "imap/parser.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;
struct seqset;

#define IMAP_HIERARCHY_SEP '/'

/* True when a is an atom equal to word, ignoring ASCII case. */
bool imap_arg_is_atom(const struct imap_arg *a, const char *word);

/* An atom of any content (command keywords, fetch attributes...). */
bool imap_arg_get_atom(const struct imap_arg *a, const char **str_r);

/*
 * astring: an atom of ASTRING-CHARs (so no % * \), NIL (as the text "NIL"), a
 * quoted string or a literal (not a literal8).  *str_r is NUL-terminated and,
 * since the parser refuses NUL outside literal8, holds no other NUL.
 */
bool imap_arg_get_astring(const struct imap_arg *a, const char **str_r, size_t *len_r);
/* string: a quoted string or a literal (not literal8). */
bool imap_arg_get_string(const struct imap_arg *a, const char **str_r, size_t *len_r);
/* nstring: NIL (then *str_r = NULL, *len_r = 0) or a string. */
bool imap_arg_get_nstring(const struct imap_arg *a, const char **str_r, size_t *len_r);

/* number (0..4294967295, 1*DIGIT). */
bool imap_arg_get_number(const struct imap_arg *a, uint32_t *n_r);
/* nz-number (1..4294967295, no leading zero). */
bool imap_arg_get_nz_number(const struct imap_arg *a, uint32_t *n_r);
/* number64 / mod-sequence-value (0..2^63-1). */
bool imap_arg_get_number64(const struct imap_arg *a, uint64_t *n_r);

/* A parenthesised list: its first element (NULL if empty) and element count. */
bool imap_arg_get_list(const struct imap_arg *a, const struct imap_arg **first_r,
                       unsigned *count_r);

/* A sequence-set atom (or "$"), parsed into set (seqset.h; not yet resolved). */
int imap_arg_get_seqset(const struct imap_arg *a, struct seqset *set, const char **error_r);

/*
 * A mailbox name: an astring, decoded from modified UTF-7 unless utf8 (the
 * client enabled UTF8=ACCEPT / IMAP4rev2: then it must be valid UTF-8 and "&" is
 * just "&"), "INBOX" in any case normalised to "INBOX", then checked with
 * imap_mailbox_name_check() (mutf7.h).  The UTF-8 result is in arena.
 */
int imap_arg_get_mailbox(const struct imap_arg *a, bool utf8, struct arena *arena,
                         const char **name_r, size_t *len_r, const char **error_r);

/*
 * A LIST/LSUB pattern (list-mailbox): an astring that may also be an atom with
 * the wildcards % and *, decoded like a mailbox name; may be empty; only the
 * character rules of the name check apply (no control characters, valid UTF-8).
 * 0 when decoded; 1 when the pattern is well-framed but not valid modified UTF-7
 * (or UTF-8): it names no mailbox, so LIST matches nothing (RFC 3501 6.3.8 leaves
 * it to the server; a BAD would break clients that probe odd names); -1 with
 * *error_r when it is not a pattern at all.
 */
int imap_arg_get_list_pattern(const struct imap_arg *a, bool utf8, struct arena *arena,
                              const char **pattern_r, size_t *len_r, const char **error_r);

struct imap_flag_set {
	unsigned system; /* IMAP_FLAG_* bits (flags.h), IMAP_FLAG_RECENT included if sent */
	const char **keywords; /* distinct (ASCII case-insensitively), in order sent */
	unsigned keyword_count;
};

/*
 * Flags for STORE/APPEND: a is either a parenthesised flag-list, or the first of
 * a run of flag atoms running to the end of its list (RFC 3501's
 * "FLAGS \Seen \Deleted" form; the caller passes the first one).  Each must be a
 * known system flag (\Seen \Answered \Flagged \Deleted \Draft, or \Recent,
 * reported so the caller can refuse it) or a valid keyword (flags.h).
 * Refused: \* and any other "\name", malformed keywords, non-atoms.
 */
int imap_arg_get_flags(const struct imap_arg *a, struct arena *arena, struct imap_flag_set *flags_r,
                       const char **error_r);

/* An APPEND date-time (a quoted string, imap_date.h). */
int imap_arg_get_datetime(const struct imap_arg *a, time_t *t_r, int *tz_min_r,
                          const char **error_r);
/* A SEARCH date (atom or quoted string): 00:00 UTC of that day. */
int imap_arg_get_date(const struct imap_arg *a, time_t *t_r, const char **error_r);

#endif
