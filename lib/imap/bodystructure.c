/*
 * bodystructure.c - BODYSTRUCTURE / BODY rendering (see bodystructure.h).
 *
 * The tree is walked without recursion: entering a part writes everything up to its
 * children (a multipart's "(", a message/rfc822 part's fields and envelope), leaving
 * it writes the rest (subtype and extension data, or line count and extension
 * data).  A leaf is written whole on entry.  Each part's header is read from the
 * message on entry and again on leave, into a scratch arena cleared in between, so
 * memory does not grow with the number of parts.
 */
#include "imap/bodystructure.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/envelope.h"
#include "imap/render_util.h"
#include "mail/mail_content.h"
#include "mail/mail_header.h"
#include "mail/mail_mime.h"

#include <string.h>
#include <strings.h>

struct part_fields {
	const char *type, *subtype;
	const struct mail_param *params;
	unsigned int nparams;
	bool default_charset; /* no Content-Type: ("charset" "us-ascii") */
	char *id, *desc, *enc, *md5, *loc;
	struct mail_content dsp; /* type NULL when absent */
	char **lang;
	unsigned int nlang;
};

enum mime_field { F_TYPE, F_ID, F_DESC, F_ENC, F_MD5, F_DSP, F_LANG, F_LOC, F_COUNT };
static const char *const field_names[F_COUNT] = {
        "Content-Type", "Content-ID",          "Content-Description", "Content-Transfer-Encoding",
        "Content-MD5",  "Content-Disposition", "Content-Language",    "Content-Location",
};

static void header_values(struct arena *a, const unsigned char *hdr, size_t len, char **values)
{
	struct mail_header_iter it;
	struct mail_header_field f;
	memset(values, 0, sizeof(char *) * F_COUNT);
	mail_header_iter_init(&it, hdr, len);
	while (mail_header_iter_next(&it, &f)) {
		if (f.name_len < 8 || strncasecmp(f.name, "Content-", 8) != 0)
			continue;
		for (int i = 0; i < F_COUNT; i++) {
			if (values[i] != NULL || !mail_header_name_is(&f, field_names[i]))
				continue;
			struct buf b;
			buf_init_arena(&b, a);
			mail_header_value_append(&b, f.value, f.value_len);
			values[i] = b.data != NULL ? b.data : arena_strdup(a, "");
		}
	}
}

/* The first token of a Content-Transfer-Encoding value, or "7bit". */
static char *encoding_token(struct arena *a, const char *v)
{
	size_t n = 0;
	if (v != NULL)
		while (v[n] != '\0' && v[n] != ' ' && v[n] != '\t' && v[n] != '(' && v[n] != ';')
			n++;
	return n > 0 ? arena_strndup(a, v, n) : arena_strdup(a, "7bit");
}

static void part_fields_read(struct arena *a, const unsigned char *msg, const struct mail_tree *t,
                             uint32_t i, struct part_fields *f)
{
	const struct mail_part *p = &t->parts[i];
	char *v[F_COUNT];
	header_values(a, msg + p->header_start, p->body_start - p->header_start, v);
	memset(f, 0, sizeof(*f));
	struct mail_content ct = {0};
	if (v[F_TYPE] != NULL)
		mail_content_type_parse(a, v[F_TYPE], &ct);
	if (p->flags & MAIL_PART_FLATTENED) {
		f->type = "application";
		f->subtype = "octet-stream";
	} else if (ct.type != NULL) {
		f->type = ct.type;
		f->subtype = ct.subtype;
		f->params = ct.params;
		f->nparams = ct.nparams;
	} else if (p->type == MAIL_PART_MESSAGE) { /* multipart/digest default */
		f->type = "message";
		f->subtype = "rfc822";
	} else {
		f->type = "text";
		f->subtype = "plain";
		f->default_charset = true;
	}
	f->id = v[F_ID];
	f->desc = v[F_DESC];
	f->enc = encoding_token(a, v[F_ENC]);
	f->md5 = v[F_MD5];
	f->loc = v[F_LOC];
	if (v[F_DSP] != NULL)
		mail_content_disposition_parse(a, v[F_DSP], &f->dsp);
	if (v[F_LANG] != NULL)
		f->nlang = mail_content_language_parse(a, v[F_LANG], &f->lang);
}

static void render_params(struct buf *out, const struct mail_param *params, unsigned int n)
{
	if (n == 0) {
		buf_append_str(out, "NIL");
		return;
	}
	buf_append_char(out, '(');
	for (unsigned int i = 0; i < n; i++) {
		if (i > 0)
			buf_append_char(out, ' ');
		render_string(out, params[i].name);
		buf_append_char(out, ' ');
		render_string(out, params[i].value);
	}
	buf_append_char(out, ')');
}

/* body-fld-dsp SP body-fld-lang SP body-fld-loc */
static void render_ext_common(struct buf *out, const struct part_fields *f)
{
	if (f->dsp.type != NULL) {
		buf_append_char(out, '(');
		render_string(out, f->dsp.type);
		buf_append_char(out, ' ');
		render_params(out, f->dsp.params, f->dsp.nparams);
		buf_append_str(out, ") ");
	} else {
		buf_append_str(out, "NIL ");
	}
	if (f->nlang == 0) {
		buf_append_str(out, "NIL");
	} else {
		buf_append_char(out, '(');
		for (unsigned int i = 0; i < f->nlang; i++) {
			if (i > 0)
				buf_append_char(out, ' ');
			render_string(out, f->lang[i]);
		}
		buf_append_char(out, ')');
	}
	buf_append_char(out, ' ');
	render_nstring_nonempty(out, f->loc);
}

/* media type SP body-fields, of a non-multipart part */
static void render_body_fields(struct buf *out, const struct part_fields *f, uint64_t octets)
{
	render_string(out, f->type);
	buf_append_char(out, ' ');
	render_string(out, f->subtype);
	buf_append_char(out, ' ');
	if (f->default_charset)
		buf_append_str(out, "(\"charset\" \"us-ascii\")");
	else
		render_params(out, f->params, f->nparams);
	buf_append_char(out, ' ');
	render_nstring_nonempty(out, f->id);
	buf_append_char(out, ' ');
	render_nstring_nonempty(out, f->desc);
	buf_append_char(out, ' ');
	render_string(out, f->enc);
	buf_append_char(out, ' ');
	buf_append_u64(out, octets);
}

static void render_ext_1part(struct buf *out, const struct part_fields *f)
{
	buf_append_char(out, ' ');
	render_nstring_nonempty(out, f->md5);
	buf_append_char(out, ' ');
	render_ext_common(out, f);
}

struct render_ctx {
	struct buf *out;
	struct arena *scratch;
	const unsigned char *msg;
	const struct mail_tree *tree;
	bool extended;
};

static void part_enter(struct render_ctx *c, uint32_t i)
{
	const struct mail_part *p = &c->tree->parts[i];
	struct part_fields f;
	part_fields_read(c->scratch, c->msg, c->tree, i, &f);
	buf_append_char(c->out, '(');
	if (p->type == MAIL_PART_MULTIPART)
		return;
	render_body_fields(c->out, &f, p->body_end - p->body_start);
	if (p->type == MAIL_PART_MESSAGE) {
		const struct mail_part *child = &c->tree->parts[p->first_child];
		buf_append_char(c->out, ' ');
		envelope_render(c->out, c->scratch, c->msg + child->header_start,
		                child->body_start - child->header_start);
		buf_append_char(c->out, ' ');
		return;
	}
	if (strcasecmp(f.type, "text") == 0) {
		buf_append_char(c->out, ' ');
		buf_append_u64(c->out, p->body_lines);
	}
	if (c->extended)
		render_ext_1part(c->out, &f);
	buf_append_char(c->out, ')');
}

static void part_leave(struct render_ctx *c, uint32_t i)
{
	const struct mail_part *p = &c->tree->parts[i];
	struct part_fields f;
	part_fields_read(c->scratch, c->msg, c->tree, i, &f);
	buf_append_char(c->out, ' ');
	if (p->type == MAIL_PART_MESSAGE) {
		buf_append_u64(c->out, p->body_lines);
		if (c->extended)
			render_ext_1part(c->out, &f);
	} else {
		render_string(c->out, f.subtype);
		if (c->extended) {
			buf_append_char(c->out, ' ');
			render_params(c->out, f.params, f.nparams);
			buf_append_char(c->out, ' ');
			render_ext_common(c->out, &f);
		}
	}
	buf_append_char(c->out, ')');
}

void bodystructure_render(struct buf *out, const unsigned char *msg, const struct mail_tree *tree,
                          uint32_t root, bool extended)
{
	struct render_ctx c = {out, arena_new(0), msg, tree, extended};
	const struct mail_part *parts = tree->parts;
	uint32_t i = root;
	for (;;) {
		part_enter(&c, i);
		arena_clear(c.scratch);
		if (parts[i].type != MAIL_PART_LEAF && parts[i].first_child != MAIL_PART_NONE) {
			i = parts[i].first_child;
			continue;
		}
		while (i != root && parts[i].next_sibling == MAIL_PART_NONE) {
			i = parts[i].parent;
			part_leave(&c, i);
			arena_clear(c.scratch);
		}
		if (i == root)
			break;
		i = parts[i].next_sibling;
	}
	arena_free(&c.scratch);
}
