/*
 * quote.c - IMAP string output: atom / quoted / literal / literal8 choice (see
 * quote.h).  Exports imap_quote_string, imap_quote_astring, imap_quote_nstring,
 * imap_quote_mailbox.
 */
#include "imap/quote.h"

#include "base/buf.h"
#include "imap/imap_utf8.h"
#include "imap/mutf7.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* ASTRING-CHAR: ATOM-CHAR or "]" (resp-specials). */
static bool imap_astring_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return strchr("(){%*\"\\", c) == NULL;
}

static bool imap_quotable(const char *s, size_t len, unsigned flags)
{
	bool eightbit = false;

	if (len > IMAP_QUOTE_MAX_QUOTED)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\0' || c == '\r' || c == '\n')
			return false;
		if (c & 0x80)
			eightbit = true;
	}
	if (!eightbit)
		return true;
	return (flags & IMAP_QUOTE_UTF8) != 0 && imap_utf8_valid(s, len);
}

static void imap_quote_literal(struct buf *out, const char *s, size_t len, unsigned flags)
{
	bool has_nul = memchr(s, '\0', len) != NULL;

	if (has_nul && (flags & IMAP_QUOTE_BINARY) != 0)
		buf_append_char(out, '~');
	buf_append_char(out, '{');
	buf_append_u64(out, len);
	buf_append_str(out, "}\r\n");
	if (!has_nul || (flags & IMAP_QUOTE_BINARY) != 0) {
		buf_append(out, s, len);
		return;
	}
	size_t start = out->len;
	buf_append(out, s, len);
	for (size_t i = start; i < out->len; i++)
		if (out->data[i] == '\0')
			out->data[i] = (char)0x80;
}

void imap_quote_string(struct buf *out, const char *s, size_t len, unsigned flags)
{
	if (!imap_quotable(s, len, flags)) {
		imap_quote_literal(out, s, len, flags);
		return;
	}
	buf_reserve(out, len + 2);
	buf_append_char(out, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_append_char(out, '\\');
		buf_append_char(out, s[i]);
	}
	buf_append_char(out, '"');
}

void imap_quote_astring(struct buf *out, const char *s, size_t len, unsigned flags)
{
	bool atom = len > 0 && !(len == 3 && strncasecmp(s, "NIL", 3) == 0);

	for (size_t i = 0; atom && i < len; i++)
		atom = imap_astring_char((unsigned char)s[i]);
	if (atom)
		buf_append(out, s, len);
	else
		imap_quote_string(out, s, len, flags);
}

void imap_quote_nstring(struct buf *out, const char *s, size_t len, unsigned flags)
{
	if (s == NULL)
		buf_append_str(out, "NIL");
	else
		imap_quote_string(out, s, len, flags);
}

int imap_quote_mailbox(struct buf *out, const char *name, size_t len, unsigned flags,
                       const char **error_r)
{
	if ((flags & IMAP_QUOTE_UTF8) != 0) {
		if (!imap_utf8_valid(name, len)) {
			*error_r = "Mailbox name is not valid UTF-8";
			return -1;
		}
		imap_quote_astring(out, name, len, flags);
		return 0;
	}
	struct buf enc = BUF_INIT;
	if (mutf7_encode(name, len, &enc, error_r) < 0) {
		buf_free(&enc);
		return -1;
	}
	imap_quote_astring(out, enc.data ? enc.data : "", enc.len, flags);
	buf_free(&enc);
	return 0;
}
