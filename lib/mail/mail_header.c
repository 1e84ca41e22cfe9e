/*
 * mail_header.c - header field iteration and unfolding (see mail_header.h).
 */
#include "mail/mail_header.h"

#include "base/arena.h"
#include "base/buf.h"
#include "mail/mail_charset.h"

#include <string.h>
#include <strings.h>

void mail_header_iter_init(struct mail_header_iter *it, const void *hdr, size_t len)
{
	it->p = hdr;
	it->end = it->p + len;
}

/* End of the line starting at p: just past its LF, or end. */
static const unsigned char *line_end(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl + 1 : end;
}

static bool line_is_blank(const unsigned char *p, const unsigned char *e)
{
	return e - p == 0 || (p[0] == '\n') || (e - p == 2 && p[0] == '\r' && p[1] == '\n');
}

bool mail_header_iter_next(struct mail_header_iter *it, struct mail_header_field *field_r)
{
	while (it->p < it->end) {
		const unsigned char *start = it->p, *e = line_end(start, it->end);
		if (line_is_blank(start, e)) {
			it->p = it->end; /* the blank line ends the header */
			return false;
		}
		it->p = e;
		if (start[0] == ' ' || start[0] == '\t')
			continue; /* continuation without a field: malformed, skip */
		const unsigned char *colon = memchr(start, ':', (size_t)(e - start));
		if (colon == NULL)
			continue; /* not a field at all: skip */
		/* Swallow the continuation lines. */
		while (it->p < it->end && (it->p[0] == ' ' || it->p[0] == '\t'))
			it->p = line_end(it->p, it->end);
		size_t nlen = (size_t)(colon - start);
		while (nlen > 0 && (start[nlen - 1] == ' ' || start[nlen - 1] == '\t'))
			nlen--;
		field_r->name = (const char *)start;
		field_r->name_len = nlen;
		field_r->value = colon + 1;
		field_r->value_len = (size_t)(it->p - (colon + 1));
		field_r->start = start;
		field_r->len = (size_t)(it->p - start);
		return true;
	}
	return false;
}

bool mail_header_name_is(const struct mail_header_field *field, const char *name)
{
	size_t n = strlen(name);
	return field->name_len == n && strncasecmp(field->name, name, n) == 0;
}

void mail_header_value_append(struct buf *out, const unsigned char *value, size_t len)
{
	size_t i = 0;
	while (i < len &&
	       (value[i] == ' ' || value[i] == '\t' || value[i] == '\r' || value[i] == '\n'))
		i++;
	while (len > i && (value[len - 1] == ' ' || value[len - 1] == '\t' ||
	                   value[len - 1] == '\r' || value[len - 1] == '\n'))
		len--;
	size_t run = i;
	for (; i < len; i++) {
		if (value[i] != '\r' && value[i] != '\n')
			continue;
		mail_utf8_append_sanitized(out, value + run, i - run);
		run = i + 1;
	}
	mail_utf8_append_sanitized(out, value + run, len - run);
}

char *mail_header_get(struct arena *arena, const void *hdr, size_t len, const char *name)
{
	struct mail_header_iter it;
	struct mail_header_field f;
	mail_header_iter_init(&it, hdr, len);
	while (mail_header_iter_next(&it, &f)) {
		if (!mail_header_name_is(&f, name))
			continue;
		struct buf b;
		buf_init_arena(&b, arena);
		mail_header_value_append(&b, f.value, f.value_len);
		return b.data != NULL ? b.data : arena_strdup(arena, "");
	}
	return NULL;
}
