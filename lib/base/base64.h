/*
 * base64.h - RFC 4648 base64 (standard alphabet, with padding).
 *
 * Used by SASL (IMAP AUTHENTICATE, SCRAM attributes) and by the text form of
 * password records.  Decoding is strict, as SASL requires: no whitespace, no
 * characters outside the alphabet, correct padding and zero pad bits, so one
 * value has exactly one encoding.
 */
#ifndef CAIRN_BASE64_H
#define CAIRN_BASE64_H

#include <stddef.h>

struct buf;

/* Number of characters base64_encode() produces for len input bytes. */
/* Value 0..63 of one character of the RFC 4648 alphabet ("+/"), or -1. */
int base64_char_value(unsigned char c);

size_t base64_encoded_len(size_t len);

/* Append the encoding of len bytes at data to out (no NUL counted in out->len). */
void base64_encode(const void *data, size_t len, struct buf *out);

/*
 * Decode len characters of text and append the bytes to out.  Returns 0, or -1 with
 * *error_r set (out may then hold a partial result; the caller discards it).
 */
int base64_decode(const char *text, size_t len, struct buf *out, const char **error_r);

/*
 * Decode into a fixed buffer of dst_size bytes; *len_r gets the decoded length.
 * Returns -1 if the text is invalid or decodes to more than dst_size bytes.
 */
int base64_decode_to(const char *text, size_t len, void *dst, size_t dst_size, size_t *len_r,
                     const char **error_r);

#endif
