/*
 * mail_charset.c - UTF-8 validation and charset conversion for the mail parser.
 *
 * Exports mail_utf8_append_sanitized, mail_utf8_is_clean, mail_charset_append_utf8
 * and mail_utf8_trim_partial (see mail_charset.h).  Conversion uses glibc iconv; the
 * last converter is cached because one message usually has one or two charsets.
 */
#include "mail/mail_charset.h"

#include "base/buf.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is invalid or NUL. */
static size_t utf8_seq_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp;
	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

void mail_utf8_append_sanitized(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0, run = 0;
	buf_reserve(out, len);
	while (i < len) {
		size_t n = p[i] >= 0x01 && p[i] < 0x80 ? 1 : utf8_seq_len(p + i, len - i);
		if (n > 0) {
			i += n;
			continue;
		}
		buf_append(out, p + run, i - run);
		buf_append(out, MAIL_UTF8_REPLACEMENT, 3);
		i++;
		run = i;
	}
	buf_append(out, p + run, len - run);
}

bool mail_utf8_is_clean(const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

size_t mail_utf8_trim_partial(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = len, back = 0;
	while (i > 0 && back < 4 && (p[i - 1] & 0xC0) == 0x80) {
		i--;
		back++;
	}
	if (i == 0 || p[i - 1] < 0x80)
		return len;
	/* p[i-1] is a lead byte: keep it only if its whole sequence is present. */
	return utf8_seq_len(p + i - 1, len - (i - 1)) == back + 1 ? len : i - 1;
}

static bool charset_is_utf8(const char *cs)
{
	return strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
	       strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0;
}

static iconv_t cached_cd = (iconv_t)-1;
static char cached_name[64];

static iconv_t charset_open(const char *charset)
{
	if (cached_cd != (iconv_t)-1 && strcasecmp(cached_name, charset) == 0) {
		iconv(cached_cd, NULL, NULL, NULL, NULL);
		return cached_cd;
	}
	if (strlen(charset) >= sizeof(cached_name))
		return (iconv_t)-1;
	iconv_t cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return cd;
	if (cached_cd != (iconv_t)-1)
		iconv_close(cached_cd);
	cached_cd = cd;
	snprintf(cached_name, sizeof(cached_name), "%s", charset);
	return cd;
}

int mail_charset_append_utf8(struct buf *out, const char *charset, const void *data, size_t len)
{
	if (charset_is_utf8(charset)) {
		mail_utf8_append_sanitized(out, data, len);
		return 0;
	}
	iconv_t cd = charset_open(charset);
	if (cd == (iconv_t)-1)
		return -1;
	struct buf tmp = BUF_INIT;
	char *in = (char *)data;
	size_t inleft = len;
	char chunk[4096];
	while (inleft > 0) {
		char *o = chunk;
		size_t oleft = sizeof(chunk);
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		buf_append(&tmp, chunk, sizeof(chunk) - oleft);
		if (r == (size_t)-1 && errno != E2BIG) {
			/* Invalid or truncated input: mark it and resynchronise one byte on. */
			buf_append(&tmp, MAIL_UTF8_REPLACEMENT, 3);
			in++;
			inleft--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	mail_utf8_append_sanitized(out, tmp.data, tmp.len);
	buf_free(&tmp);
	return 0;
}
