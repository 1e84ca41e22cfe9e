/*
 * render_util.h - IMAP string output for the ENVELOPE / BODYSTRUCTURE renderers.
 *
 * The choice between quoted string and literal follows RFC 3501 / RFC 9051 formal
 * syntax: a quoted string holds TEXT-CHARs (7-bit, no CR, LF or NUL) with '"' and
 * '\' escaped; anything else (8-bit UTF-8 in particular) goes out as a literal
 * "{n}\r\n" followed by the n bytes, which both IMAP4rev1 and IMAP4rev2 accept.
 */
#ifndef CAIRN_IMAP_RENDER_UTIL_H
#define CAIRN_IMAP_RENDER_UTIL_H

#include <stddef.h>

struct buf;

/* Append s as an IMAP string (quoted or literal). */
void render_string(struct buf *out, const char *s);
/* Append s as an nstring: NIL when s is NULL. */
void render_nstring(struct buf *out, const char *s);
/* Append s as a string, or NIL when s is NULL or empty. */
void render_nstring_nonempty(struct buf *out, const char *s);

#endif
