/*
 * mail_content.c - Content-Type / Content-Disposition / Content-Language parsing with
 * RFC 2231 parameter continuations (see mail_content.h).
 *
 * Lenient the way readers are: unquoted values may hold '=', '/', '?' (Outlook's
 * "boundary=----=_NextPart" is everywhere), an unterminated quoted string runs to the
 * end, garbage between parameters is skipped.  Continuations are merged after a sort,
 * so the work stays O(n log n) in the number of parameters.
 */
#include "mail/mail_content.h"

#include "base/arena.h"
#include "base/buf.h"
#include "mail/mail_charset.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct lex {
	const char *p, *end;
};

static bool is_tspecial(unsigned char c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static void lex_skip_cfws(struct lex *l)
{
	int depth = 0;
	while (l->p < l->end) {
		char c = *l->p;
		if (depth > 0 && c == '\\' && l->p + 1 < l->end) {
			l->p += 2;
			continue;
		}
		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (depth == 0 && c != ' ' && c != '\t')
			return;
		l->p++;
	}
}

/* A token (RFC 2045); 8-bit bytes are accepted.  Empty when none. */
static char *lex_token(struct arena *arena, struct lex *l)
{
	const char *s = l->p;
	while (l->p < l->end && (unsigned char)*l->p > ' ' && *l->p != 0x7f &&
	       !is_tspecial((unsigned char)*l->p))
		l->p++;
	return arena_strndup(arena, s, (size_t)(l->p - s));
}

static char *lex_quoted(struct arena *arena, struct lex *l)
{
	struct buf b;
	buf_init_arena(&b, arena);
	l->p++; /* opening quote */
	while (l->p < l->end && *l->p != '"') {
		if (*l->p == '\\' && l->p + 1 < l->end)
			l->p++;
		buf_append_char(&b, *l->p++);
	}
	if (l->p < l->end)
		l->p++;
	return b.data ? b.data : arena_strdup(arena, "");
}

/* A parameter value: quoted string, or a lenient run up to ';' or whitespace. */
static char *lex_value(struct arena *arena, struct lex *l)
{
	if (l->p < l->end && *l->p == '"')
		return lex_quoted(arena, l);
	const char *s = l->p;
	while (l->p < l->end && *l->p != ';' && *l->p != ' ' && *l->p != '\t' && *l->p != '"' &&
	       *l->p != '(')
		l->p++;
	return arena_strndup(arena, s, (size_t)(l->p - s));
}

struct raw_param {
	char *name, *value;
	size_t base_len; /* length of the name before any '*' section */
	long idx; /* continuation number, -1 when none */
	bool ext; /* value is charset'lang'%XX encoded */
	unsigned int pos;
};

/* Split name into base, continuation number and extended flag (RFC 2231 3-4). */
static void raw_param_classify(struct raw_param *r)
{
	size_t n = strlen(r->name);
	r->base_len = n;
	r->idx = -1;
	r->ext = false;
	if (n > 1 && r->name[n - 1] == '*') {
		r->ext = true;
		n--;
	}
	size_t d = n;
	while (d > 0 && r->name[d - 1] >= '0' && r->name[d - 1] <= '9')
		d--;
	if (d < n && d > 1 && r->name[d - 1] == '*' && n - d <= 4) {
		r->idx = strtol(r->name + d, NULL, 10);
		r->base_len = d - 1;
	} else {
		r->base_len = n;
	}
}

static int raw_param_cmp(const void *a, const void *b)
{
	const struct raw_param *x = a, *y = b;
	size_t n = x->base_len < y->base_len ? x->base_len : y->base_len;
	int c = strncasecmp(x->name, y->name, n);
	if (c == 0 && x->base_len != y->base_len)
		c = x->base_len < y->base_len ? -1 : 1;
	if (c == 0 && x->idx != y->idx)
		c = x->idx < y->idx ? -1 : 1;
	if (c == 0)
		c = x->pos < y->pos ? -1 : (x->pos > y->pos);
	return c;
}

static int param_pos_cmp(const void *a, const void *b)
{
	const struct raw_param *x = a, *y = b;
	return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

static bool is_attr_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && strchr("*'%()<>@,;:\\\"/[]?=", c) == NULL;
}

/* Merge the continuation segments group[0..n) (sorted by index) into one. */
static void merge_group(struct arena *arena, struct raw_param *group, size_t n,
                        struct raw_param *out)
{
	bool ext = false;
	for (size_t i = 0; i < n; i++)
		ext = ext || group[i].ext;
	struct buf b;
	buf_init_arena(&b, arena);
	if (ext && !group[0].ext)
		buf_append_str(&b, "''");
	long last = -2;
	for (size_t i = 0; i < n; i++) {
		if (group[i].idx == last)
			continue; /* duplicate segment number: first one wins */
		last = group[i].idx;
		const char *v = group[i].value;
		if (!ext || group[i].ext) {
			buf_append_str(&b, v);
			continue;
		}
		for (; *v; v++) {
			if (is_attr_char((unsigned char)*v))
				buf_append_char(&b, *v);
			else
				buf_printf(&b, "%%%02X", (unsigned char)*v);
		}
	}
	*out = group[0];
	out->name = arena_printf(arena, "%.*s%s", (int)group[0].base_len, group[0].name,
	                         ext ? "*" : "");
	out->value = b.data ? b.data : arena_strdup(arena, "");
	out->ext = ext;
	out->idx = -1;
}

/* Merge continuations of raw[0..n) in place; returns the new count, in input order. */
static size_t params_merge(struct arena *arena, struct raw_param *raw, size_t n)
{
	qsort(raw, n, sizeof(*raw), raw_param_cmp);
	size_t out = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		if (raw[i].idx >= 0) {
			while (j < n && raw[j].idx >= 0 && raw[j].base_len == raw[i].base_len &&
			       strncasecmp(raw[j].name, raw[i].name, raw[i].base_len) == 0)
				j++;
			struct raw_param merged;
			merge_group(arena, raw + i, j - i, &merged);
			raw[out++] = merged;
		} else {
			raw[out++] = raw[i];
		}
		i = j;
	}
	qsort(raw, out, sizeof(*raw), param_pos_cmp);
	return out;
}

static void params_parse(struct arena *arena, struct lex *l, struct mail_content *c)
{
	/* Every parameter needs an '=': that bounds the array without a second pass. */
	size_t max = 0;
	for (const char *q = l->p; q < l->end && max < MAIL_MAX_PARAMS; q++)
		max += *q == '=';
	struct raw_param *raw = arena_alloc(arena, sizeof(*raw) * (max ? max : 1));
	size_t n = 0;
	while (l->p < l->end && n < max) {
		lex_skip_cfws(l);
		if (l->p >= l->end)
			break;
		char *name = lex_token(arena, l);
		if (*name == '\0') {
			l->p++; /* ';' or garbage */
			continue;
		}
		lex_skip_cfws(l);
		if (l->p >= l->end || *l->p != '=')
			continue; /* a parameter without value carries nothing */
		l->p++;
		lex_skip_cfws(l);
		raw[n].name = name;
		raw[n].value = lex_value(arena, l);
		raw[n].pos = (unsigned int)n;
		raw_param_classify(&raw[n]);
		n++;
	}
	n = params_merge(arena, raw, n);
	c->params = arena_alloc(arena, sizeof(*c->params) * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		c->params[i].name = raw[i].name;
		c->params[i].value = raw[i].value;
		c->params[i].extended = raw[i].ext;
	}
	c->nparams = (unsigned int)n;
}

void mail_content_type_parse(struct arena *arena, const char *value, struct mail_content *ct_r)
{
	struct lex l = {value, value + strlen(value)};
	memset(ct_r, 0, sizeof(*ct_r));
	lex_skip_cfws(&l);
	char *type = lex_token(arena, &l);
	lex_skip_cfws(&l);
	if (*type != '\0' && l.p < l.end && *l.p == '/') {
		l.p++;
		lex_skip_cfws(&l);
		char *subtype = lex_token(arena, &l);
		if (*subtype != '\0') {
			ct_r->type = type;
			ct_r->subtype = subtype;
		}
	}
	params_parse(arena, &l, ct_r);
}

void mail_content_disposition_parse(struct arena *arena, const char *value,
                                    struct mail_content *cd_r)
{
	struct lex l = {value, value + strlen(value)};
	memset(cd_r, 0, sizeof(*cd_r));
	lex_skip_cfws(&l);
	char *type = lex_token(arena, &l);
	if (*type != '\0')
		cd_r->type = type;
	params_parse(arena, &l, cd_r);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode charset'lang'%XX... to UTF-8. */
static const char *param_decode_ext(struct arena *arena, const char *v)
{
	const char *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
	if (q2 == NULL)
		return v;
	char *charset = arena_strndup(arena, v, (size_t)(q1 - v));
	struct buf raw = BUF_INIT, out;
	for (const char *p = q2 + 1; *p; p++) {
		if (*p == '%' && hex_digit(p[1]) >= 0 && hex_digit(p[2]) >= 0) {
			buf_append_char(&raw, (char)(hex_digit(p[1]) * 16 + hex_digit(p[2])));
			p += 2;
		} else {
			buf_append_char(&raw, *p);
		}
	}
	buf_init_arena(&out, arena);
	if (*charset == '\0' ||
	    mail_charset_append_utf8(&out, charset, raw.data ? raw.data : "", raw.len) < 0)
		mail_utf8_append_sanitized(&out, raw.data ? raw.data : "", raw.len);
	buf_free(&raw);
	return out.data ? out.data : "";
}

const char *mail_param_get(struct arena *arena, const struct mail_content *c, const char *name)
{
	size_t n = strlen(name);
	for (unsigned int i = 0; i < c->nparams; i++) {
		const struct mail_param *p = &c->params[i];
		if (strncasecmp(p->name, name, n) != 0)
			continue;
		if (p->name[n] == '\0' && !p->extended)
			return p->value;
		if (p->name[n] == '*' && p->name[n + 1] == '\0' && p->extended)
			return param_decode_ext(arena, p->value);
	}
	return NULL;
}

unsigned int mail_content_language_parse(struct arena *arena, const char *value, char ***tags_r)
{
	struct lex l = {value, value + strlen(value)};
	size_t max = strlen(value) / 2 + 1;
	char **tags =
	        arena_alloc(arena, sizeof(*tags) * (max < MAIL_MAX_PARAMS ? max : MAIL_MAX_PARAMS));
	unsigned int n = 0;
	while (l.p < l.end && n < MAIL_MAX_PARAMS && n < max) {
		lex_skip_cfws(&l);
		const char *s = l.p;
		while (l.p < l.end && *l.p != ',' && *l.p != ' ' && *l.p != '\t' && *l.p != '(')
			l.p++;
		if (l.p > s)
			tags[n++] = arena_strndup(arena, s, (size_t)(l.p - s));
		else if (l.p < l.end)
			l.p++;
	}
	*tags_r = tags;
	return n;
}
