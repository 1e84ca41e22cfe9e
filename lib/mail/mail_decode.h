/*
 * mail_decode.h - Content-Transfer-Encoding decoders (base64, quoted-printable).
 *
 * Both are forgiving, as mail readers are: characters that cannot belong to the
 * encoding are skipped, a broken escape is copied as it stands.  Output is appended.
 */
#ifndef CAIRN_MAIL_DECODE_H
#define CAIRN_MAIL_DECODE_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/* Decode base64 (RFC 2045 6.8), ignoring whitespace and garbage, stopping at '='. */
void mail_base64_decode(struct buf *out, const void *data, size_t len);

/* Decode quoted-printable (RFC 2045 6.7).  rfc2047_q: the RFC 2047 "Q" variant in
   which '_' means a space and there are no soft line breaks. */
void mail_qp_decode(struct buf *out, const void *data, size_t len, bool rfc2047_q);

#endif
