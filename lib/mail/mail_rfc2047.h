/*
 * mail_rfc2047.h - decoding of RFC 2047 encoded words to UTF-8.
 */
#ifndef CAIRN_MAIL_RFC2047_H
#define CAIRN_MAIL_RFC2047_H

#include <stddef.h>

struct buf;

/* Append text (an unfolded header value, or a phrase) to out with every encoded word
   =?charset[*lang]?B|Q?text?= decoded to UTF-8.  Whitespace between two adjacent
   encoded words is dropped (RFC 2047 6.2).  A word in an unknown charset, or
   malformed, is kept as it stands.  The output is valid UTF-8 without NUL. */
void mail_rfc2047_decode(struct buf *out, const char *text, size_t len);

#endif
