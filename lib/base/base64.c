/*
 * base64.c - strict RFC 4648 base64 encoder and decoder.
 *
 * Exports base64_encoded_len, base64_encode, base64_decode, base64_decode_to.
 * Written for SASL, where a lenient decoder would let two different encodings
 * stand for one message: anything but the canonical form is refused.
 */
#include "base64.h"

#include "buf.h"

#include <stdint.h>
#include <string.h>

static const char base64_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t len)
{
	return (len + 2) / 3 * 4;
}

void base64_encode(const void *data, size_t len, struct buf *out)
{
	const unsigned char *p = data;
	buf_reserve(out, base64_encoded_len(len));
	char *o = out->data + out->len;
	size_t i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = base64_alphabet[v >> 18];
		*o++ = base64_alphabet[(v >> 12) & 63];
		*o++ = base64_alphabet[(v >> 6) & 63];
		*o++ = base64_alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		*o++ = base64_alphabet[v >> 18];
		*o++ = base64_alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? base64_alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
}

int base64_char_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode one 4-character group into out[0..2]; returns the byte count or -1. */
static int base64_group(const unsigned char *g, int last, unsigned char *out)
{
	int pad = 0;
	if (last && g[3] == '=')
		pad = g[2] == '=' ? 2 : 1;
	uint32_t v = 0;
	for (int k = 0; k < 4 - pad; k++) {
		int d = base64_char_value(g[k]);
		if (d < 0)
			return -1;
		v = v << 6 | (uint32_t)d;
	}
	v <<= 6 * pad;
	/* The bits below the last full byte must be zero (canonical form). */
	if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
		return -1;
	out[0] = (unsigned char)(v >> 16);
	out[1] = (unsigned char)(v >> 8);
	out[2] = (unsigned char)v;
	return 3 - pad;
}

int base64_decode(const char *text, size_t len, struct buf *out, const char **error_r)
{
	const unsigned char *t = (const unsigned char *)text;
	if (len % 4 != 0) {
		*error_r = "base64: length is not a multiple of 4";
		return -1;
	}
	buf_reserve(out, len / 4 * 3);
	for (size_t i = 0; i < len; i += 4) {
		unsigned char bytes[3];
		int n = base64_group(t + i, i + 4 == len, bytes);
		if (n < 0) {
			*error_r = "base64: invalid character or padding";
			return -1;
		}
		buf_append(out, bytes, (size_t)n);
	}
	return 0;
}

int base64_decode_to(const char *text, size_t len, void *dst, size_t dst_size, size_t *len_r,
                     const char **error_r)
{
	/* Decodes in place (no heap copy): the values are often key material. */
	const unsigned char *t = (const unsigned char *)text;
	unsigned char *d = dst;
	size_t n = 0;
	if (len % 4 != 0) {
		*error_r = "base64: length is not a multiple of 4";
		return -1;
	}
	for (size_t i = 0; i < len; i += 4) {
		unsigned char bytes[3];
		int k = base64_group(t + i, i + 4 == len, bytes);
		if (k < 0) {
			*error_r = "base64: invalid character or padding";
			return -1;
		}
		if ((size_t)k > dst_size - n) {
			*error_r = "base64: value too long";
			return -1;
		}
		memcpy(d + n, bytes, (size_t)k);
		n += (size_t)k;
	}
	*len_r = n;
	return 0;
}
