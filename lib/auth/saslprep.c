/*
 * saslprep.c - the SASLprep subset described in saslprep.h.
 *
 * Exports saslprep and saslprep_utf8_valid.  The tables are the ranges of RFC 3454
 * that SASLprep (RFC 4013 section 2) uses for mapping and prohibition.
 */
#include "saslprep.h"

#include "base/buf.h"

#include <stdint.h>

struct saslprep_range {
	uint32_t lo, hi;
};

/* RFC 3454 B.1: commonly mapped to nothing. */
static const struct saslprep_range saslprep_nothing[] = {
        {0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x1806, 0x1806}, {0x180B, 0x180D},
        {0x200B, 0x200D}, {0x2060, 0x2060}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF},
};

/* RFC 3454 C.1.2: non-ASCII space characters (mapped to SPACE by SASLprep). */
static const struct saslprep_range saslprep_space[] = {
        {0x00A0, 0x00A0}, {0x1680, 0x1680}, {0x2000, 0x200B},
        {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
};

/* RFC 3454 C.2.1-C.9 (ASCII controls included): prohibited output. */
static const struct saslprep_range saslprep_prohibited[] = {
        {0x0000, 0x001F},   {0x007F, 0x009F},   {0x0340, 0x0341},   {0x06DD, 0x06DD},
        {0x070F, 0x070F},   {0x180E, 0x180E},   {0x200C, 0x200F},   {0x2028, 0x202E},
        {0x2060, 0x2063},   {0x206A, 0x206F},   {0x2FF0, 0x2FFB},   {0xD800, 0xDFFF},
        {0xE000, 0xF8FF},   {0xFDD0, 0xFDEF},   {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFF},
        {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xF0000, 0x10FFFF},
};

static int saslprep_in(const struct saslprep_range *t, size_t n, uint32_t cp)
{
	for (size_t i = 0; i < n; i++)
		if (cp >= t[i].lo && cp <= t[i].hi)
			return 1;
	return 0;
}

#define SASLPREP_IN(table, cp) saslprep_in(table, sizeof(table) / sizeof(table[0]), cp)

/* Decode one code point at s (len bytes left); returns its length or 0 if invalid. */
static size_t saslprep_utf8_next(const unsigned char *s, size_t len, uint32_t *cp_r)
{
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t n;
	uint32_t cp;
	if (s[0] < 0x80) {
		*cp_r = s[0];
		return 1;
	} else if ((s[0] & 0xE0) == 0xC0) {
		n = 2;
		cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3;
		cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	*cp_r = cp;
	return n;
}

int saslprep_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	while (len > 0) {
		uint32_t cp;
		size_t n = saslprep_utf8_next(p, len, &cp);
		if (n == 0)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

int saslprep(const char *in, struct buf *out, const char **error_r)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t len = 0, start = out->len;
	while (p[len] != '\0')
		len++;
	while (len > 0) {
		uint32_t cp;
		size_t n = saslprep_utf8_next(p, len, &cp);
		if (n == 0) {
			*error_r = "SASLprep: invalid UTF-8";
			return -1;
		}
		if (SASLPREP_IN(saslprep_nothing, cp)) {
			/* mapped to nothing */
		} else if (SASLPREP_IN(saslprep_space, cp)) {
			buf_append_char(out, ' ');
		} else if (SASLPREP_IN(saslprep_prohibited, cp) || (cp & 0xFFFE) == 0xFFFE) {
			*error_r = "SASLprep: prohibited character";
			return -1;
		} else {
			buf_append(out, p, n);
		}
		p += n;
		len -= n;
	}
	if (out->len == start) {
		*error_r = "SASLprep: empty string";
		return -1;
	}
	return 0;
}
