/*
 * message.c - rows of the `messages` table: the parse-once index of a blob.
 *
 * Exports message_index_params, message_utf8_clean, message_sha_param.
 * The SQL of each statement sits next to the C that runs it.
 */
#include "message.h"

#include "blob.h"
#include "store-private.h"

#include "base/arena.h"
#include "base/buf.h"

#include "imap/message_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest valid UTF-8 sequence at s (1..4), or 0 when the bytes there are invalid. */
static size_t message_utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
	if (n == 0 || c > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong 3/4-byte forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

const char *message_utf8_clean(struct arena *arena, const char *s)
{
	if (s == NULL)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = message_utf8_seq(p);
		if (n == 0)
			break;
		p += n;
	}
	if (*p == '\0')
		return s;
	char *copy = arena_strdup(arena, s);
	unsigned char *q = (unsigned char *)copy + (p - (const unsigned char *)s);
	while (*q) {
		size_t n = message_utf8_seq(q);
		if (n == 0) {
			*q++ = '?';
			continue;
		}
		q += n;
	}
	return copy;
}

static char *message_hex_param(struct arena *arena, const unsigned char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *out = arena_alloc(arena, 2 * len + 3), *p = out;
	*p++ = '\\';
	*p++ = 'x';
	for (size_t i = 0; i < len; i++) {
		*p++ = digits[data[i] >> 4];
		*p++ = digits[data[i] & 15];
	}
	*p = '\0';
	return out;
}

char *message_sha_param(struct arena *arena, const struct blob_id *blob)
{
	return message_hex_param(arena, blob->sha256, BLOB_ID_LEN);
}

/* PostgreSQL's timestamptz ends in year 294276; beyond (or INT64_MIN = no Date:) is NULL. */
#define MESSAGE_DATE_MAX 9000000000000LL

void message_index_params(struct arena *arena, const struct message_index *idx, const char **p)
{
	p[0] = arena_printf(arena, "%zu", idx->header_size);
	p[1] = arena_printf(arena, "%zu", idx->body_lines);
	p[2] = idx->sent_date > -MESSAGE_DATE_MAX && idx->sent_date < MESSAGE_DATE_MAX
	               ? arena_printf(arena, "%lld", (long long)idx->sent_date)
	               : NULL;
	const char *text[] = {idx->envelope,
	                      idx->bodystructure,
	                      idx->body,
	                      NULL,
	                      idx->message_id,
	                      idx->in_reply_to,
	                      idx->references,
	                      idx->subject,
	                      idx->from,
	                      idx->to,
	                      idx->cc,
	                      idx->bcc,
	                      idx->search_headers,
	                      idx->search_text};
	for (int i = 0; i < 14; i++)
		p[3 + i] = message_utf8_clean(arena, text[i]);
	p[6] = idx->parts ? message_hex_param(arena, idx->parts, idx->parts_len) : NULL;
}
