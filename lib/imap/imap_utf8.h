/*
 * imap_utf8.h - strict UTF-8 decoding, validation and encoding for the IMAP
 * syntax library (quoted strings under UTF8=ACCEPT, mailbox names, mUTF-7).
 *
 * "Strict" means RFC 3629: no overlong forms, no UTF-16 surrogates (U+D800..DFFF),
 * nothing above U+10FFFF, no truncated sequences.
 */
#ifndef CAIRN_IMAP_UTF8_H
#define CAIRN_IMAP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/*
 * Decode the one sequence at the start of s (len > 0 bytes available).  Returns
 * the number of bytes it uses (1..4) and the code point in *cp_r, or 0 when the
 * bytes are not a complete, valid sequence.
 */
size_t imap_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp_r);

/* True when all len bytes of s are valid UTF-8 (an empty string is valid). */
bool imap_utf8_valid(const void *s, size_t len);

/* True when any byte of s has the high bit set. */
bool imap_utf8_has_8bit(const void *s, size_t len);

/* Append code point cp (must be a valid scalar value) as UTF-8. */
void imap_utf8_encode(uint32_t cp, struct buf *out);

#endif
