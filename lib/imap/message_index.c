/*
 * message_index.c - the parse-once entry point (see message_index.h).
 *
 * One structure parse (mail_mime.c), then each product from the tree and the bytes:
 * ENVELOPE and the header fields from the root header, BODYSTRUCTURE / BODY and the
 * part map from the tree, search text by decoding the text parts' bodies.
 */
#include "imap/message_index.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/bodystructure.h"
#include "imap/envelope.h"
#include "imap/section.h"
#include "mail/mail_address.h"
#include "mail/mail_charset.h"
#include "mail/mail_content.h"
#include "mail/mail_date.h"
#include "mail/mail_decode.h"
#include "mail/mail_header.h"
#include "mail/mail_mime.h"
#include "mail/mail_rfc2047.h"

#include <string.h>
#include <strings.h>

/* Copy a heap buf into the arena as a C string and free it. */
static char *buf_to_arena(struct arena *arena, struct buf *b)
{
	char *s = arena_strndup(arena, b->data ? b->data : "", b->len);
	buf_free(b);
	return s;
}

/* Cut b to at most max bytes, at a UTF-8 boundary. */
static void buf_cap_utf8(struct buf *b, size_t max)
{
	if (b->len > max)
		buf_truncate(b, mail_utf8_trim_partial(b->data, max));
}

static char *decoded_value(struct arena *arena, const char *raw)
{
	struct buf b = BUF_INIT;
	mail_rfc2047_decode(&b, raw, strlen(raw));
	return buf_to_arena(arena, &b);
}

static char *decoded_addresses(struct arena *arena, const char *raw)
{
	struct buf b = BUF_INIT;
	mail_address_format_decoded(&b, mail_address_parse(arena, raw));
	return buf_to_arena(arena, &b);
}

/* The header fields SEARCH / SORT / THREAD use, and the decoded header text. */
static void index_header(struct arena *arena, const unsigned char *hdr, size_t len,
                         struct message_index *idx)
{
	struct buf all = BUF_INIT, v = BUF_INIT;
	struct mail_header_iter it;
	struct mail_header_field f;
	mail_header_iter_init(&it, hdr, len);
	while (mail_header_iter_next(&it, &f) && all.len < MESSAGE_INDEX_SEARCH_MAX) {
		buf_reset(&v);
		mail_header_value_append(&v, f.value, f.value_len);
		const char *raw = buf_cstr(&v);
		mail_utf8_append_sanitized(&all, f.name, f.name_len);
		buf_append_str(&all, ": ");
		mail_rfc2047_decode(&all, raw, v.len);
		buf_append_char(&all, '\n');
		if (mail_header_name_is(&f, "Subject") && idx->subject == NULL)
			idx->subject = decoded_value(arena, raw);
		else if (mail_header_name_is(&f, "Message-ID") && idx->message_id == NULL)
			idx->message_id = arena_strdup(arena, raw);
		else if (mail_header_name_is(&f, "In-Reply-To") && idx->in_reply_to == NULL)
			idx->in_reply_to = arena_strdup(arena, raw);
		else if (mail_header_name_is(&f, "References") && idx->references == NULL)
			idx->references = arena_strdup(arena, raw);
		else if (mail_header_name_is(&f, "From") && idx->from == NULL)
			idx->from = decoded_addresses(arena, raw);
		else if (mail_header_name_is(&f, "To") && idx->to == NULL)
			idx->to = decoded_addresses(arena, raw);
		else if (mail_header_name_is(&f, "Cc") && idx->cc == NULL)
			idx->cc = decoded_addresses(arena, raw);
		else if (mail_header_name_is(&f, "Bcc") && idx->bcc == NULL)
			idx->bcc = decoded_addresses(arena, raw);
		else if (mail_header_name_is(&f, "Date") && idx->sent_date == INT64_MIN)
			idx->sent_date = mail_date_parse(raw);
	}
	buf_free(&v);
	buf_cap_utf8(&all, MESSAGE_INDEX_SEARCH_MAX);
	idx->search_headers = buf_to_arena(arena, &all);
}

/* Replace HTML tags by a space: good enough to find words; entities and the
   contents of <style> stay (a full HTML renderer is not worth it for SEARCH). */
static void strip_html(struct buf *b)
{
	size_t o = 0;
	bool in_tag = false;
	for (size_t i = 0; i < b->len; i++) {
		char c = b->data[i];
		if (in_tag) {
			if (c == '>') {
				in_tag = false;
				b->data[o++] = ' ';
			}
		} else if (c == '<') {
			in_tag = true;
		} else {
			b->data[o++] = c;
		}
	}
	buf_truncate(b, o);
}

/* Append the decoded text of leaf part p (if it is text/x) to out.  Only as much
   input is decoded as can fill the rest of the cap, so a huge part costs no more
   than what is kept. */
static void search_text_part(struct arena *scratch, const unsigned char *msg,
                             const struct mail_part *p, struct buf *out)
{
	const unsigned char *hdr = msg + p->header_start;
	size_t hlen = p->body_start - p->header_start;
	char *ctv = mail_header_get(scratch, hdr, hlen, "Content-Type");
	struct mail_content ct = {0};
	if (ctv != NULL)
		mail_content_type_parse(scratch, ctv, &ct);
	if (ct.type != NULL && strcasecmp(ct.type, "text") != 0)
		return;
	const char *charset = ct.type != NULL ? mail_param_get(scratch, &ct, "charset") : NULL;
	char *cte = mail_header_get(scratch, hdr, hlen, "Content-Transfer-Encoding");
	size_t room = MESSAGE_INDEX_SEARCH_MAX - out->len;
	size_t in_len = p->body_end - p->body_start;
	if (in_len / 4 > room && room * 4 + 16 < in_len)
		in_len = room * 4 + 16; /* no decoding shrinks by more than 4 */
	const unsigned char *body = msg + p->body_start;
	struct buf raw = BUF_INIT, text = BUF_INIT;
	if (cte != NULL && strncasecmp(cte, "base64", 6) == 0)
		mail_base64_decode(&raw, body, in_len);
	else if (cte != NULL && strncasecmp(cte, "quoted-printable", 16) == 0)
		mail_qp_decode(&raw, body, in_len, false);
	else
		buf_append(&raw, body, in_len);
	if (charset == NULL || *charset == '\0' ||
	    mail_charset_append_utf8(&text, charset, raw.data ? raw.data : "", raw.len) < 0)
		mail_utf8_append_sanitized(&text, raw.data ? raw.data : "", raw.len);
	if (ct.subtype != NULL && strcasecmp(ct.subtype, "html") == 0)
		strip_html(&text);
	if (out->len > 0)
		buf_append_char(out, '\n');
	buf_append(out, text.data ? text.data : "", text.len);
	buf_free(&raw);
	buf_free(&text);
}

static char *index_search_text(struct arena *arena, const unsigned char *msg,
                               const struct mail_tree *tree)
{
	struct buf out = BUF_INIT;
	struct arena *scratch = arena_new(0);
	for (uint32_t i = 0; i < tree->count && out.len < MESSAGE_INDEX_SEARCH_MAX; i++) {
		const struct mail_part *p = &tree->parts[i];
		if (p->type != MAIL_PART_LEAF || (p->flags & MAIL_PART_FLATTENED) != 0)
			continue;
		search_text_part(scratch, msg, p, &out);
		arena_clear(scratch);
	}
	arena_free(&scratch);
	buf_cap_utf8(&out, MESSAGE_INDEX_SEARCH_MAX);
	return buf_to_arena(arena, &out);
}

int message_index_from_tree(const unsigned char *msg, size_t len, const struct mail_tree *tree,
                            struct arena *arena, struct message_index *idx_r, const char **error_r)
{
	if (tree->count == 0 || tree->size != len) {
		*error_r = "part tree does not match the message";
		return -1;
	}
	memset(idx_r, 0, sizeof(*idx_r));
	const struct mail_part *root = &tree->parts[0];
	idx_r->size = len;
	idx_r->header_size = root->body_start;
	idx_r->body_lines = root->body_lines;
	idx_r->sent_date = INT64_MIN;
	index_header(arena, msg, root->body_start, idx_r);

	struct buf b = BUF_INIT;
	struct arena *scratch = arena_new(0);
	envelope_render(&b, scratch, msg, root->body_start);
	arena_free(&scratch);
	idx_r->envelope = buf_to_arena(arena, &b);
	bodystructure_render(&b, msg, tree, 0, true);
	idx_r->bodystructure = buf_to_arena(arena, &b);
	bodystructure_render(&b, msg, tree, 0, false);
	idx_r->body = buf_to_arena(arena, &b);
	section_map_build(tree, &b);
	idx_r->parts_len = b.len;
	idx_r->parts = arena_alloc(arena, b.len);
	memcpy(idx_r->parts, b.data, b.len);
	buf_free(&b);
	idx_r->search_text = index_search_text(arena, msg, tree);
	return 0;
}

int message_index_build(const unsigned char *msg, size_t len, struct arena *arena,
                        struct message_index *idx_r, const char **error_r)
{
	if (msg == NULL && len > 0) {
		*error_r = "no message bytes";
		return -1;
	}
	struct mail_tree tree;
	mail_parse(arena, msg != NULL ? msg : (const unsigned char *)"", len, &tree);
	return message_index_from_tree(msg != NULL ? msg : (const unsigned char *)"", len, &tree,
	                               arena, idx_r, error_r);
}
