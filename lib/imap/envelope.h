/*
 * envelope.h - the IMAP ENVELOPE of a message header (RFC 3501 7.4.2, RFC 9051 7.5.2).
 */
#ifndef CAIRN_IMAP_ENVELOPE_H
#define CAIRN_IMAP_ENVELOPE_H

#include <stddef.h>

struct arena;
struct buf;

/* Append the parenthesised ENVELOPE of the header block hdr[0..len) to out.
   Values are raw (RFC 2047 words stay encoded, as the RFC wants), unfolded, and
   made valid UTF-8 without NUL; the first of duplicate fields counts; a missing or
   empty Sender or Reply-To takes From's value.  Scratch memory comes from arena. */
void envelope_render(struct buf *out, struct arena *arena, const void *hdr, size_t len);

#endif
