/*
 * flags.c - system flag names and bits, keyword validation, flag-list output
 * (see flags.h).  Exports imap_flag_from_name, imap_flag_name, imap_keyword_valid,
 * imap_flags_format.
 */
#include "imap/flags.h"

#include "base/buf.h"

#include <strings.h>

static const struct {
	unsigned bit;
	const char *name;
} imap_flag_names[] = {
        {IMAP_FLAG_SEEN, "\\Seen"},       {IMAP_FLAG_ANSWERED, "\\Answered"},
        {IMAP_FLAG_FLAGGED, "\\Flagged"}, {IMAP_FLAG_DELETED, "\\Deleted"},
        {IMAP_FLAG_DRAFT, "\\Draft"},     {IMAP_FLAG_RECENT, "\\Recent"},
};

#define IMAP_FLAG_COUNT (sizeof(imap_flag_names) / sizeof(imap_flag_names[0]))

unsigned imap_flag_from_name(const char *name, size_t len)
{
	for (size_t i = 0; i < IMAP_FLAG_COUNT; i++) {
		const char *n = imap_flag_names[i].name;
		size_t nlen = 0;
		while (n[nlen] != '\0')
			nlen++;
		if (nlen == len && strncasecmp(n, name, len) == 0)
			return imap_flag_names[i].bit;
	}
	return 0;
}

const char *imap_flag_name(unsigned bit)
{
	for (size_t i = 0; i < IMAP_FLAG_COUNT; i++)
		if (imap_flag_names[i].bit == bit)
			return imap_flag_names[i].name;
	return NULL;
}

bool imap_keyword_valid(const char *s, size_t len)
{
	if (len == 0 || len > IMAP_KEYWORD_MAX_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f)
			return false;
		switch (c) {
		case '(':
		case ')':
		case '{':
		case '%':
		case '*':
		case '"':
		case '\\':
		case ']':
			return false;
		default:
			break;
		}
	}
	return true;
}

void imap_flags_format(unsigned mask, const char *const *keywords, unsigned keyword_count,
                       struct buf *out)
{
	bool first = true;

	buf_append_char(out, '(');
	for (size_t i = 0; i < IMAP_FLAG_COUNT; i++) {
		if ((mask & imap_flag_names[i].bit) == 0)
			continue;
		if (!first)
			buf_append_char(out, ' ');
		buf_append_str(out, imap_flag_names[i].name);
		first = false;
	}
	for (unsigned i = 0; i < keyword_count; i++) {
		if (!first)
			buf_append_char(out, ' ');
		buf_append_str(out, keywords[i]);
		first = false;
	}
	buf_append_char(out, ')');
}
