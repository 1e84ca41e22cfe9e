/*
 * mail_charset.h - bytes in some charset to valid UTF-8 (iconv underneath).
 *
 * Everything cairn stores as text in PostgreSQL passes through here: the result is
 * always valid UTF-8 without NUL bytes, because PostgreSQL text rejects both.
 */
#ifndef CAIRN_MAIL_CHARSET_H
#define CAIRN_MAIL_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/* The replacement for invalid sequences and NUL bytes: U+FFFD. */
#define MAIL_UTF8_REPLACEMENT "\xEF\xBF\xBD"

/* Append data to out as valid UTF-8: every invalid sequence and every NUL byte
   becomes U+FFFD. */
void mail_utf8_append_sanitized(struct buf *out, const void *data, size_t len);

/* True when data is valid UTF-8 and contains no NUL. */
bool mail_utf8_is_clean(const void *data, size_t len);

/* Append data, which is in charset, to out converted to UTF-8 (sanitized as above).
   Returns 0, or -1 when the charset is unknown to iconv (out is then unchanged). */
int mail_charset_append_utf8(struct buf *out, const char *charset, const void *data, size_t len);

/* Cut len back so that data[0..len) does not end inside a UTF-8 sequence. */
size_t mail_utf8_trim_partial(const void *data, size_t len);

#endif
