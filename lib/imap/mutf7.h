/*
 * mutf7.h - modified UTF-7 mailbox names (RFC 3501 section 5.1.3) and the
 * syntactic mailbox-name rules cairn enforces.
 *
 * IMAP4rev1 clients that have not enabled UTF8=ACCEPT send and expect mailbox
 * names in modified UTF-7; cairn stores names as UTF-8.  Decoding is strict so
 * that every UTF-8 name has exactly one mUTF-7 spelling: otherwise two different
 * client spellings could name the same folder (or sneak past a policy check).
 */
#ifndef CAIRN_IMAP_MUTF7_H
#define CAIRN_IMAP_MUTF7_H

#include <stddef.h>

struct buf;

/* Longest mailbox name accepted, in bytes of UTF-8. */
#define IMAP_MAILBOX_NAME_MAX_LEN 1000
/* Most hierarchy levels (components separated by the separator) in one name. */
#define IMAP_MAILBOX_MAX_LEVELS 32

/*
 * Decode len bytes of modified UTF-7 and append the UTF-8 result to out.
 * Rejected (returns -1, *error_r is a short text for a BAD/NO reply, out may hold
 * a partial result):
 *  - bytes outside printable US-ASCII (controls, 8-bit) in the direct part;
 *  - a shift "&..." without its closing "-", or a character outside the
 *    modified base64 alphabet (A-Z a-z 0-9 + ,) inside it;
 *  - non-minimal base64: a full unused sextet, or non-zero padding bits;
 *  - an encoded printable US-ASCII character (it must be written directly),
 *    or an encoded U+0000;
 *  - a lone or reversed UTF-16 surrogate;
 *  - two shifts back to back ("&AOk-&AOk-": the canonical form is one shift).
 * "&-" decodes to "&".  Returns 0 on success.
 */
int mutf7_decode(const char *in, size_t len, struct buf *out, const char **error_r);

/*
 * Encode len bytes of UTF-8 as modified UTF-7, appended to out.  Returns -1
 * (with *error_r) when the input is not valid UTF-8 or contains U+0000.
 * mutf7_decode(mutf7_encode(x)) == x for every accepted x, and the reverse holds
 * for every string mutf7_decode accepts.
 */
int mutf7_encode(const char *in, size_t len, struct buf *out, const char **error_r);

/*
 * Check a (decoded, UTF-8) mailbox name against the syntactic rules, with
 * hierarchy separator sep.  Returns 0, or -1 with *error_r.  The rules:
 *  1. not empty;
 *  2. at most IMAP_MAILBOX_NAME_MAX_LEN bytes;
 *  3. valid UTF-8;
 *  4. no control characters: C0 (U+0000..U+001F, so no NUL, CR, LF, TAB), DEL
 *     and C1 (U+0080..U+009F);
 *  5. no empty component: no leading separator, no trailing separator, no two
 *     separators in a row (a CREATE of "foo/" must strip the one trailing
 *     separator RFC 3501 allows before calling this);
 *  6. at most IMAP_MAILBOX_MAX_LEVELS components.
 * Deliberately NOT checked here, because they are policy for the daemon: "." or
 * ".." components, the list wildcards "%" and "*", reserved names.
 */
int imap_mailbox_name_check(const char *name, size_t len, char sep, const char **error_r);

#endif
