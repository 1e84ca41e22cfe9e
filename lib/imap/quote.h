/*
 * quote.h - writing IMAP strings in server output: the choice between atom,
 * quoted string, literal and literal8, plus astring / nstring / mailbox forms.
 *
 * Rules (RFC 9051 section 4.3 and RFC 3501 section 4.3):
 *  - an atom only where the grammar allows one (astring) and only if every byte
 *    is an ASTRING-CHAR and the text is not "NIL" (which a client would read as
 *    NIL);
 *  - a quoted string for short text without CR, LF or NUL, with '"' and '\'
 *    escaped; 8-bit bytes only when the client enabled UTF8=ACCEPT / IMAP4rev2
 *    (IMAP_QUOTE_UTF8) and the text is valid UTF-8;
 *  - otherwise a literal "{n}\r\n" + bytes; data containing NUL becomes a literal8
 *    "~{n}\r\n" when the client may receive one (IMAP_QUOTE_BINARY, a BINARY
 *    fetch), else a literal with each NUL replaced by 0x80 (RFC 3501 forbids NUL
 *    in a literal and the client asked for no binary).
 * Everything is appended to a struct buf; nothing here does I/O.
 */
#ifndef CAIRN_IMAP_QUOTE_H
#define CAIRN_IMAP_QUOTE_H

#include <stddef.h>

struct buf;

/* UTF-8 may go into quoted strings (UTF8=ACCEPT or IMAP4rev2 enabled). */
#define IMAP_QUOTE_UTF8 1u
/* NUL-bearing data may be sent as literal8 ~{n} (BINARY[] responses). */
#define IMAP_QUOTE_BINARY 2u

/* Quoted strings longer than this become literals (easier on clients). */
#define IMAP_QUOTE_MAX_QUOTED 1024

/* Append s as an IMAP string (quoted or literal, never an atom). */
void imap_quote_string(struct buf *out, const char *s, size_t len, unsigned flags);
/* Append s as an astring: an atom when possible, else as imap_quote_string. */
void imap_quote_astring(struct buf *out, const char *s, size_t len, unsigned flags);
/* Append s as an nstring: NIL when s is NULL, else as imap_quote_string. */
void imap_quote_nstring(struct buf *out, const char *s, size_t len, unsigned flags);

/*
 * Append a UTF-8 mailbox name as a mailbox astring: encoded to modified UTF-7
 * unless flags has IMAP_QUOTE_UTF8.  Returns -1 (with *error_r, nothing
 * appended) if the name is not valid UTF-8.
 */
int imap_quote_mailbox(struct buf *out, const char *name, size_t len, unsigned flags,
                       const char **error_r);

#endif
