/*
 * flags.h - IMAP message flags: system flag names <-> bitmask, keyword syntax,
 * and the "(\Seen kw)" list output.
 *
 * The bitmask values are the ones stored in mailbox_messages.system_flags, so they
 * must never change.  \Recent is a session property in RFC 3501 (gone in RFC
 * 9051): it has a bit here so a parser can recognise it, but is never stored.
 */
#ifndef CAIRN_IMAP_FLAGS_H
#define CAIRN_IMAP_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

#define IMAP_FLAG_SEEN 1u
#define IMAP_FLAG_ANSWERED 2u
#define IMAP_FLAG_FLAGGED 4u
#define IMAP_FLAG_DELETED 8u
#define IMAP_FLAG_DRAFT 16u
/* Every storable system flag. */
#define IMAP_FLAGS_STORED 31u
/* Not storable: only recognised so that STORE/APPEND can refuse or ignore it. */
#define IMAP_FLAG_RECENT 32u

/* The one definition of the bits: lib/store's MAILBOX_FLAG_* are these, and SQL that
 * tests a bit by value (mailbox_expunge.c, schema functions) asserts it next to it. */
_Static_assert(IMAP_FLAGS_STORED == (IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED | IMAP_FLAG_FLAGGED |
                                     IMAP_FLAG_DELETED | IMAP_FLAG_DRAFT),
               "IMAP_FLAGS_STORED is every storable system flag");
_Static_assert((IMAP_FLAG_RECENT & IMAP_FLAGS_STORED) == 0, "\\Recent is never stored");

/* Longest keyword accepted, in bytes (RFC 9051 sets no limit; this bounds rows). */
#define IMAP_KEYWORD_MAX_LEN 100

/*
 * Look up a system flag name such as "\Seen" (case-insensitive, backslash
 * included).  Returns its bit, or 0 when name is not a system flag.
 */
unsigned imap_flag_from_name(const char *name, size_t len);

/* The canonical name ("\Seen") of one bit, or NULL if bit is not exactly one flag. */
const char *imap_flag_name(unsigned bit);

/*
 * True when s is a valid keyword: an atom (RFC 9051 ATOM-CHARs: printable
 * US-ASCII except "(){ %*\"\\]"), 1..IMAP_KEYWORD_MAX_LEN bytes, so in particular
 * not starting with "\" (that is a system flag).
 */
bool imap_keyword_valid(const char *s, size_t len);

/*
 * Append "(" + the system flags in mask (bit order) + the keywords + ")",
 * separated by single spaces, e.g. "(\Seen \Flagged $Forwarded)".
 * Keywords are written as given (they were validated on the way in).
 */
void imap_flags_format(unsigned mask, const char *const *keywords, unsigned keyword_count,
                       struct buf *out);

#endif
