/*
 * mutf7.c - modified UTF-7 (RFC 3501 5.1.3) decode/encode and the mailbox-name
 * syntax check.  Exports mutf7_decode, mutf7_encode, imap_mailbox_name_check.
 */
#include "imap/mutf7.h"

#include "base/base64.h"
#include "base/buf.h"
#include "imap/imap_utf8.h"

#include <stdbool.h>
#include <stdint.h>

static const char mutf7_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* Modified BASE64 (RFC 3501 5.1.3) uses ',' where RFC 4648 uses '/'. */
static int mutf7_b64_value(unsigned char c)
{
	if (c == ',')
		return 63;
	return c == '/' ? -1 : base64_char_value(c);
}

struct mutf7_shift {
	uint32_t bits; /* only the low nbits are meaningful */
	unsigned nbits;
	uint32_t high; /* pending high surrogate, 0 when none */
};

/* Feed one UTF-16 unit; appends the completed code point to out. */
static int mutf7_unit(struct mutf7_shift *st, uint32_t unit, struct buf *out, const char **error_r)
{
	uint32_t cp;

	if (unit >= 0xd800 && unit <= 0xdbff) {
		if (st->high != 0)
			goto bad_surrogate;
		st->high = unit;
		return 0;
	}
	if (unit >= 0xdc00 && unit <= 0xdfff) {
		if (st->high == 0)
			goto bad_surrogate;
		cp = 0x10000 + ((st->high - 0xd800) << 10) + (unit - 0xdc00);
		st->high = 0;
	} else {
		if (st->high != 0)
			goto bad_surrogate;
		cp = unit;
	}
	if (cp == 0) {
		*error_r = "Mailbox name contains an encoded NUL (mUTF-7)";
		return -1;
	}
	if (cp >= 0x20 && cp <= 0x7e) {
		*error_r = "Mailbox name encodes printable ASCII in base64 (mUTF-7)";
		return -1;
	}
	imap_utf8_encode(cp, out);
	return 0;
bad_surrogate:
	*error_r = "Mailbox name has an invalid UTF-16 surrogate (mUTF-7)";
	return -1;
}

/* Decode the shift starting at in[*pos] == '&' (not "&-"); *pos ends after '-'. */
static int mutf7_decode_shift(const char *in, size_t len, size_t *pos, struct buf *out,
                              const char **error_r)
{
	struct mutf7_shift st = {0, 0, 0};
	size_t i = *pos + 1;

	for (; i < len && in[i] != '-'; i++) {
		int v = mutf7_b64_value((unsigned char)in[i]);
		if (v < 0) {
			*error_r = "Mailbox name has an invalid mUTF-7 base64 character";
			return -1;
		}
		st.bits = (st.bits << 6) | (uint32_t)v;
		st.nbits += 6;
		if (st.nbits >= 16) {
			st.nbits -= 16;
			if (mutf7_unit(&st, (st.bits >> st.nbits) & 0xffff, out, error_r) < 0)
				return -1;
		}
	}
	if (i == len) {
		*error_r = "Mailbox name has an unterminated mUTF-7 shift";
		return -1;
	}
	/* Minimal base64 leaves fewer than 6 unused bits, and they are zero. */
	if (st.nbits >= 6 || (st.bits & ((1u << st.nbits) - 1)) != 0) {
		*error_r = "Mailbox name has non-canonical mUTF-7 base64";
		return -1;
	}
	if (st.high != 0) {
		*error_r = "Mailbox name has an invalid UTF-16 surrogate (mUTF-7)";
		return -1;
	}
	*pos = i + 1;
	return 0;
}

int mutf7_decode(const char *in, size_t len, struct buf *out, const char **error_r)
{
	size_t i = 0;
	bool after_shift = false;

	while (i < len) {
		unsigned char c = (unsigned char)in[i];
		if (c != '&') {
			if (c < 0x20 || c > 0x7e) {
				*error_r = "Mailbox name has a control or 8-bit character (mUTF-7)";
				return -1;
			}
			buf_append_char(out, (char)c);
			after_shift = false;
			i++;
		} else if (i + 1 < len && in[i + 1] == '-') {
			buf_append_char(out, '&');
			after_shift = false;
			i += 2;
		} else {
			if (after_shift) {
				*error_r = "Mailbox name has adjacent mUTF-7 shifts";
				return -1;
			}
			if (mutf7_decode_shift(in, len, &i, out, error_r) < 0)
				return -1;
			after_shift = true;
		}
	}
	return 0;
}

static void mutf7_put_bits(struct mutf7_shift *st, uint32_t unit, struct buf *out)
{
	st->bits = (st->bits << 16) | unit;
	st->nbits += 16;
	while (st->nbits >= 6) {
		st->nbits -= 6;
		buf_append_char(out, mutf7_alphabet[(st->bits >> st->nbits) & 0x3f]);
	}
}

static void mutf7_end_shift(struct mutf7_shift *st, struct buf *out)
{
	if (st->nbits > 0)
		buf_append_char(out, mutf7_alphabet[(st->bits << (6 - st->nbits)) & 0x3f]);
	buf_append_char(out, '-');
	st->nbits = 0;
}

int mutf7_encode(const char *in, size_t len, struct buf *out, const char **error_r)
{
	const unsigned char *s = (const unsigned char *)in;
	struct mutf7_shift st = {0, 0, 0};
	bool shifted = false;
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = imap_utf8_decode(s + i, len - i, &cp);
		if (n == 0 || cp == 0) {
			*error_r = n == 0 ? "Mailbox name is not valid UTF-8"
			                  : "Mailbox name contains NUL";
			return -1;
		}
		i += n;
		if (cp >= 0x20 && cp <= 0x7e) {
			if (shifted)
				mutf7_end_shift(&st, out);
			shifted = false;
			if (cp == '&')
				buf_append_str(out, "&-");
			else
				buf_append_char(out, (char)cp);
			continue;
		}
		if (!shifted)
			buf_append_char(out, '&');
		shifted = true;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			mutf7_put_bits(&st, 0xd800 | (cp >> 10), out);
			mutf7_put_bits(&st, 0xdc00 | (cp & 0x3ff), out);
		} else {
			mutf7_put_bits(&st, cp, out);
		}
	}
	if (shifted)
		mutf7_end_shift(&st, out);
	return 0;
}

static int mailbox_name_chars_check(const char *name, size_t len, const char **error_r)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = imap_utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			*error_r = "Mailbox name is not valid UTF-8";
			return -1;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
			*error_r = "Mailbox name contains control characters";
			return -1;
		}
		i += n;
	}
	return 0;
}

int imap_mailbox_name_check(const char *name, size_t len, char sep, const char **error_r)
{
	unsigned levels = 1;

	if (len == 0) {
		*error_r = "Empty mailbox name";
		return -1;
	}
	if (len > IMAP_MAILBOX_NAME_MAX_LEN) {
		*error_r = "Mailbox name too long";
		return -1;
	}
	if (mailbox_name_chars_check(name, len, error_r) < 0)
		return -1;
	if (name[0] == sep || name[len - 1] == sep) {
		*error_r = "Mailbox name begins or ends with the hierarchy separator";
		return -1;
	}
	for (size_t i = 1; i < len; i++) {
		if (name[i] != sep)
			continue;
		if (name[i - 1] == sep) {
			*error_r = "Mailbox name has an empty hierarchy level";
			return -1;
		}
		levels++;
	}
	if (levels > IMAP_MAILBOX_MAX_LEVELS) {
		*error_r = "Mailbox name has too many hierarchy levels";
		return -1;
	}
	return 0;
}
