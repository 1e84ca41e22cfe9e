/*
 * mail_rfc2047.c - RFC 2047 encoded-word decoder (see mail_rfc2047.h).
 *
 * Words are recognised anywhere, not only between whitespace, because real mail puts
 * them inside quoted strings and next to punctuation and every reader decodes them
 * there too.  Linear: each byte is looked at a bounded number of times.
 */
#include "mail/mail_rfc2047.h"

#include "base/buf.h"
#include "mail/mail_charset.h"
#include "mail/mail_decode.h"

#include <stdbool.h>
#include <string.h>

/* RFC 2047 limits a word to 75 characters; be lenient but bounded. */
#define RFC2047_MAX_CHARSET 60

struct encoded_word {
	size_t len; /* the whole =?...?= */
	char charset[RFC2047_MAX_CHARSET + 1];
	char enc; /* 'B' or 'Q' */
	const char *text;
	size_t text_len;
};

/* Recognise an encoded word at s; false when s does not start one.  *no_end_r is
   where a scan for the closing "?=" last ran out: the stop condition does not depend
   on where the scan starts, so a later word starting before it fails at once.  That
   keeps "=?a?q?x=?a?q?x=?a?q?x..." linear. */
static bool word_parse(const char *s, size_t len, struct encoded_word *w, const char **no_end_r)
{
	if (len < 8 || s[0] != '=' || s[1] != '?')
		return false;
	size_t i = 2, cs_len = 0;
	while (i < len && i < 130 && s[i] != '?' && s[i] != ' ' && s[i] != '\t') {
		if (s[i] == '*' && cs_len == 0)
			cs_len = i - 2; /* RFC 2231 language suffix: charset*lang */
		i++;
	}
	if (cs_len == 0)
		cs_len = i - 2;
	if (i + 3 >= len || s[i] != '?' || cs_len == 0 || cs_len > RFC2047_MAX_CHARSET)
		return false;
	char enc = s[i + 1] & ~0x20;
	if ((enc != 'B' && enc != 'Q') || s[i + 2] != '?')
		return false;
	size_t t = i + 3, j = t;
	if (s + t < *no_end_r)
		return false;
	while (j + 1 < len && !(s[j] == '?' && s[j + 1] == '=') && s[j] != ' ' && s[j] != '\t')
		j++;
	if (j + 1 >= len || s[j] != '?' || s[j + 1] != '=') {
		*no_end_r = s + j;
		return false;
	}
	memcpy(w->charset, s + 2, cs_len);
	w->charset[cs_len] = '\0';
	w->enc = enc;
	w->text = s + t;
	w->text_len = j - t;
	w->len = j + 2;
	return true;
}

static int word_decode(struct buf *out, const struct encoded_word *w)
{
	struct buf raw = BUF_INIT;
	if (w->enc == 'B')
		mail_base64_decode(&raw, w->text, w->text_len);
	else
		mail_qp_decode(&raw, w->text, w->text_len, true);
	int ret = mail_charset_append_utf8(out, w->charset, raw.data ? raw.data : "", raw.len);
	buf_free(&raw);
	return ret;
}

void mail_rfc2047_decode(struct buf *out, const char *text, size_t len)
{
	size_t i = 0, run = 0;
	/* Where pending whitespace after a decoded word starts, or SIZE_MAX. */
	size_t ws_after_word = (size_t)-1;
	struct encoded_word w;
	const char *no_end = text;
	while (i < len) {
		if (text[i] == '=' && i + 1 < len && text[i + 1] == '?' &&
		    word_parse(text + i, len - i, &w, &no_end)) {
			size_t flush_to = ws_after_word != (size_t)-1 ? ws_after_word : i;
			mail_utf8_append_sanitized(out, text + run, flush_to - run);
			size_t mark = out->len;
			if (word_decode(out, &w) < 0) {
				buf_truncate(out, mark);
				mail_utf8_append_sanitized(out, text + i, w.len);
				ws_after_word = (size_t)-1;
			} else {
				ws_after_word = i + w.len;
			}
			i += w.len;
			run = i;
			continue;
		}
		if (text[i] != ' ' && text[i] != '\t')
			ws_after_word = (size_t)-1;
		i++;
	}
	mail_utf8_append_sanitized(out, text + run, len - run);
}
