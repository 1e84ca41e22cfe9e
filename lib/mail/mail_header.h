/*
 * mail_header.h - RFC 5322 header blocks: iterate fields, unfold values.
 *
 * A header block is the bytes of a message's (or MIME part's) header, up to and
 * including the blank line.  The iterator is tolerant: bare LF ends lines as well as
 * CRLF, a line without a colon is skipped, a continuation line with no field before
 * it is skipped, and "Name :" (obsolete space before the colon) is accepted.
 */
#ifndef CAIRN_MAIL_HEADER_H
#define CAIRN_MAIL_HEADER_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct buf;

struct mail_header_field {
	const char *name; /* not NUL-terminated */
	size_t name_len;
	const unsigned char *value; /* raw: after the colon, folding and all */
	size_t value_len;
	const unsigned char *start; /* the whole field, name to final line end */
	size_t len;
};

struct mail_header_iter {
	const unsigned char *p, *end;
};

void mail_header_iter_init(struct mail_header_iter *it, const void *hdr, size_t len);
/* Fill *field_r with the next field; false at the end of the block. */
bool mail_header_iter_next(struct mail_header_iter *it, struct mail_header_field *field_r);

/* True when the field's name is name (ASCII case-insensitive). */
bool mail_header_name_is(const struct mail_header_field *field, const char *name);

/* Append the value unfolded (CR and LF removed), leading and trailing whitespace
   trimmed, as valid UTF-8 without NUL (mail_charset.h). */
void mail_header_value_append(struct buf *out, const unsigned char *value, size_t len);

/* The unfolded clean value of the first field called name, from the arena; NULL
   when there is none. */
char *mail_header_get(struct arena *arena, const void *hdr, size_t len, const char *name);

#endif
