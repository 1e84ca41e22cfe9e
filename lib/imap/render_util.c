/*
 * render_util.c - IMAP quoted strings and literals for rendering (see render_util.h).
 */
#include "imap/render_util.h"

#include "base/buf.h"

#include <stdbool.h>
#include <string.h>

static bool needs_literal(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 || c == '\r' || c == '\n' || c == '\0')
			return true;
	}
	return false;
}

void render_string(struct buf *out, const char *s)
{
	size_t len = strlen(s);
	if (needs_literal(s, len)) {
		buf_printf(out, "{%zu}\r\n", len);
		buf_append(out, s, len);
		return;
	}
	buf_append_char(out, '"');
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '"' && s[i] != '\\')
			continue;
		buf_append(out, s + run, i - run);
		buf_append_char(out, '\\');
		run = i;
	}
	buf_append(out, s + run, len - run);
	buf_append_char(out, '"');
}

void render_nstring(struct buf *out, const char *s)
{
	if (s == NULL)
		buf_append_str(out, "NIL");
	else
		render_string(out, s);
}

void render_nstring_nonempty(struct buf *out, const char *s)
{
	render_nstring(out, s != NULL && *s != '\0' ? s : NULL);
}
