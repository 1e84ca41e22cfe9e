/*
 * mail_mime.c - the incremental MIME structure parser (see mail_mime.h).
 *
 * A line machine: bytes are absorbed into the current line (only its first
 * LINE_PREFIX bytes are kept, enough to recognise any boundary), and each complete
 * line is then classified: a delimiter of one of the open multiparts (innermost
 * first; an outer delimiter also closes the inner parts, RFC 2046 5.1.2), the blank
 * line ending a header, or plain content.  Open multiparts live on an explicit stack
 * bounded by MAIL_MAX_DEPTH, so no input can make this recurse.  Each byte is looked
 * at a constant number of times, and each line is compared with at most
 * MAIL_MAX_DEPTH boundaries and only when it starts with "--": linear time.
 */
#include "mail/mail_mime.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/xalloc.h"
#include "mail/mail_content.h"
#include "mail/mail_header.h"

#include <string.h>
#include <strings.h>

#define LINE_PREFIX (MAIL_MAX_BOUNDARY + 8)

struct mime_level {
	uint32_t part; /* the multipart */
	char *boundary; /* heap */
	size_t blen;
	bool overflow; /* past the part limit: later delimiters start no part */
};

/* Per-part state needed only while parsing. */
struct part_aux {
	uint64_t lf_at_body; /* LFs before body_start */
	uint32_t last_child;
};

struct mail_parser {
	struct arena *arena, *scratch;
	struct mail_part *parts; /* heap while parsing */
	struct part_aux *aux;
	uint32_t count, cap;
	struct mime_level levels[MAIL_MAX_DEPTH + 1];
	unsigned int nlevels;
	uint32_t cur; /* innermost open part */
	bool in_header;
	struct buf hdr; /* cur's header so far, up to MAIL_MAX_HEADER_SCAN */
	bool depth_limited, parts_limited;

	/* The line being read. */
	uint64_t line_start;
	size_t line_len;
	unsigned char prefix[LINE_PREFIX];
	size_t prefix_len;
	bool line_dash; /* starts with '-': track trailing whitespace */
	size_t last_nonws; /* 1 + offset of its last byte other than SP, HT, CR, LF */
	unsigned char last_byte, before_last;

	/* The line before it. */
	bool have_prev, prev_empty;
	uint64_t prev_term_start; /* where its CRLF / LF starts */
	uint64_t lf_count; /* LFs before line_start */
};

static uint32_t part_new(struct mail_parser *p, uint32_t parent, uint64_t header_start)
{
	if (p->count == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->parts = xrealloc(p->parts, sizeof(*p->parts) * p->cap);
		p->aux = xrealloc(p->aux, sizeof(*p->aux) * p->cap);
	}
	uint32_t i = p->count++;
	struct mail_part *part = &p->parts[i];
	memset(part, 0, sizeof(*part));
	part->header_start = part->body_start = part->body_end = header_start;
	part->parent = parent;
	part->first_child = part->next_sibling = MAIL_PART_NONE;
	p->aux[i].lf_at_body = 0;
	p->aux[i].last_child = MAIL_PART_NONE;
	if (parent != MAIL_PART_NONE) {
		struct mail_part *par = &p->parts[parent];
		part->depth = par->depth + 1;
		if (par->first_child == MAIL_PART_NONE)
			par->first_child = i;
		else
			p->parts[p->aux[parent].last_child].next_sibling = i;
		p->aux[parent].last_child = i;
		par->nchildren++;
	}
	p->cur = i;
	p->in_header = true;
	buf_reset(&p->hdr);
	return i;
}

struct mail_parser *mail_parser_new(struct arena *arena)
{
	struct mail_parser *p = xcalloc(1, sizeof(*p));
	p->arena = arena;
	p->scratch = arena_new(0);
	buf_init(&p->hdr);
	part_new(p, MAIL_PART_NONE, 0);
	return p;
}

static void absorb(struct mail_parser *p, const unsigned char *s, size_t n)
{
	if (p->in_header && p->hdr.len < MAIL_MAX_HEADER_SCAN) {
		size_t room = MAIL_MAX_HEADER_SCAN - p->hdr.len;
		buf_append(&p->hdr, s, n < room ? n : room);
	}
	if (p->prefix_len < LINE_PREFIX) {
		size_t k = LINE_PREFIX - p->prefix_len;
		k = n < k ? n : k;
		memcpy(p->prefix + p->prefix_len, s, k);
		p->prefix_len += k;
	}
	if (p->line_len == 0)
		p->line_dash = s[0] == '-';
	if (p->line_dash) {
		for (size_t j = n; j > 0; j--) {
			unsigned char c = s[j - 1];
			if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
				p->last_nonws = p->line_len + j;
				break;
			}
		}
	}
	p->before_last = n >= 2 ? s[n - 2] : p->last_byte;
	p->last_byte = s[n - 1];
	p->line_len += n;
}

/* Close part i at end (the start of the CRLF before a delimiter, or the end of the
   message); lf_end = LFs before end, last_lf = the byte before end is an LF. */
static void part_close(struct mail_parser *p, uint32_t i, uint64_t end, uint64_t lf_end,
                       bool last_lf)
{
	struct mail_part *part = &p->parts[i];
	if (part->type == MAIL_PART_MULTIPART && part->nchildren == 0) {
		part->type = MAIL_PART_LEAF;
		part->flags |= MAIL_PART_FLATTENED;
	}
	if (i == p->cur && p->in_header) {
		/* The header never ended: it runs to end, the body is empty. */
		part->body_start = end > part->header_start ? end : part->header_start;
		p->in_header = false;
	}
	part->body_end = end > part->body_start ? end : part->body_start;
	if (part->body_end == part->body_start)
		part->body_lines = 0;
	else
		part->body_lines = lf_end - p->aux[i].lf_at_body + (last_lf ? 0 : 1);
}

/* Which open multipart, if any, the complete current line is a delimiter of. */
static int match_boundary(const struct mail_parser *p, size_t content_len, bool *close_r)
{
	if (p->nlevels == 0 || content_len < 3 || p->prefix[0] != '-' || p->prefix[1] != '-')
		return -1;
	for (int l = (int)p->nlevels - 1; l >= 0; l--) {
		const struct mime_level *lv = &p->levels[l];
		if (content_len < 2 + lv->blen ||
		    memcmp(p->prefix + 2, lv->boundary, lv->blen) != 0)
			continue;
		size_t after = 2 + lv->blen;
		if (content_len >= after + 2 && p->prefix[after] == '-' &&
		    p->prefix[after + 1] == '-') {
			*close_r = true; /* anything may follow a close delimiter */
			return l;
		}
		if (p->last_nonws <= after) { /* only transport padding after it */
			*close_r = false;
			return l;
		}
	}
	return -1;
}

/* A delimiter of level l ends the line that ended at line_end. */
static void on_boundary(struct mail_parser *p, unsigned int l, bool close, uint64_t line_end)
{
	uint64_t end = p->have_prev ? p->prev_term_start : p->line_start;
	uint64_t lf_end = p->lf_count - (p->have_prev ? 1 : 0);
	bool last_lf = p->have_prev && p->prev_empty;
	struct mime_level *lv = &p->levels[l];
	while (p->cur != lv->part) {
		uint32_t parent = p->parts[p->cur].parent;
		part_close(p, p->cur, end, lf_end, last_lf);
		p->cur = parent;
	}
	for (unsigned int k = l + 1; k < p->nlevels; k++)
		XFREE(p->levels[k].boundary);
	p->nlevels = l + 1;
	p->in_header = false;
	if (close) {
		XFREE(lv->boundary);
		p->nlevels = l; /* what follows is the epilogue, part of the multipart */
	} else if (lv->overflow || p->count >= MAIL_MAX_PARTS) {
		lv->overflow = true;
		p->parts_limited = true;
	} else {
		part_new(p, lv->part, line_end);
	}
}

/* The effective Content-Type of the header in p->hdr: sets *multipart_r or
   *message_r, and returns the boundary (scratch arena) of a multipart. */
static const char *header_content_type(struct mail_parser *p, bool in_digest, bool *multipart_r,
                                       bool *digest_r, bool *message_r)
{
	*multipart_r = *digest_r = *message_r = false;
	char *value = mail_header_get(p->scratch, p->hdr.data ? p->hdr.data : "", p->hdr.len,
	                              "Content-Type");
	struct mail_content ct = {0};
	if (value != NULL)
		mail_content_type_parse(p->scratch, value, &ct);
	if (value == NULL || ct.type == NULL) {
		*message_r = in_digest; /* RFC 2046 5.1.5 */
		return NULL;
	}
	if (strcasecmp(ct.type, "message") == 0 && strcasecmp(ct.subtype, "rfc822") == 0) {
		*message_r = true;
		return NULL;
	}
	if (strcasecmp(ct.type, "multipart") != 0)
		return NULL;
	*multipart_r = true;
	*digest_r = strcasecmp(ct.subtype, "digest") == 0;
	return mail_param_get(p->scratch, &ct, "boundary");
}

/* The blank line ending cur's header ended at line_end. */
static void on_header_end(struct mail_parser *p, uint64_t line_end, bool had_lf)
{
	uint32_t i = p->cur;
	struct mail_part *part = &p->parts[i];
	part->body_start = line_end;
	p->aux[i].lf_at_body = p->lf_count + (had_lf ? 1 : 0);
	p->in_header = false;
	bool in_digest = part->parent != MAIL_PART_NONE &&
	                 (p->parts[part->parent].flags & MAIL_PART_DIGEST) != 0;
	bool multipart, digest, message;
	const char *boundary = header_content_type(p, in_digest, &multipart, &digest, &message);
	size_t blen = boundary ? strlen(boundary) : 0;
	bool deep = part->depth >= MAIL_MAX_DEPTH;
	if (multipart && blen > 0 && blen <= MAIL_MAX_BOUNDARY && !deep) {
		part->type = MAIL_PART_MULTIPART;
		part->flags |= digest ? MAIL_PART_DIGEST : 0;
		struct mime_level *lv = &p->levels[p->nlevels++];
		lv->part = i;
		lv->boundary = xstrndup(boundary, blen);
		lv->blen = blen;
		lv->overflow = false;
	} else if (message && !deep && p->count < MAIL_MAX_PARTS) {
		part->type = MAIL_PART_MESSAGE;
		part_new(p, i, line_end);
	} else if (multipart || message) {
		part->flags |= MAIL_PART_FLATTENED;
		p->depth_limited = p->depth_limited || deep;
		p->parts_limited = p->parts_limited || (message && !deep);
	}
	buf_reset(&p->hdr);
	arena_clear(p->scratch);
}

/* The current line is complete; term_len = 2 (CRLF), 1 (LF) or 0 (end of input). */
static void on_line(struct mail_parser *p, size_t term_len)
{
	size_t content_len = p->line_len - term_len;
	uint64_t line_end = p->line_start + p->line_len;
	bool close;
	int l = match_boundary(p, content_len, &close);
	if (l >= 0)
		on_boundary(p, (unsigned int)l, close, line_end);
	else if (p->in_header && (content_len == 0 || (content_len == 1 && p->prefix[0] == '\r')))
		on_header_end(p, line_end, term_len > 0);
	if (term_len > 0) {
		p->have_prev = true;
		p->prev_empty = content_len == 0;
		p->prev_term_start = p->line_start + content_len;
		p->lf_count++;
	}
	p->line_start = line_end;
	p->line_len = p->prefix_len = p->last_nonws = 0;
	p->line_dash = false;
}

void mail_parser_feed(struct mail_parser *p, const void *data, size_t len)
{
	const unsigned char *d = data;
	size_t i = 0;
	while (i < len) {
		const unsigned char *nl = memchr(d + i, '\n', len - i);
		size_t seg = nl ? (size_t)(nl - (d + i)) + 1 : len - i;
		absorb(p, d + i, seg);
		i += seg;
		if (nl != NULL)
			on_line(p, p->line_len >= 2 && p->before_last == '\r' ? 2 : 1);
	}
}

void mail_parser_finish(struct mail_parser **pp, struct mail_tree *tree_r)
{
	struct mail_parser *p = *pp;
	bool last_lf = p->line_len == 0 && p->have_prev;
	if (p->line_len > 0)
		on_line(p, 0);
	uint64_t end = p->line_start;
	while (p->cur != MAIL_PART_NONE) {
		uint32_t parent = p->parts[p->cur].parent;
		part_close(p, p->cur, end, p->lf_count, last_lf);
		p->cur = parent;
	}
	tree_r->count = p->count;
	tree_r->parts = arena_alloc(p->arena, sizeof(*p->parts) * p->count);
	memcpy(tree_r->parts, p->parts, sizeof(*p->parts) * p->count);
	tree_r->size = end;
	tree_r->depth_limited = p->depth_limited;
	tree_r->parts_limited = p->parts_limited;
	for (unsigned int k = 0; k < p->nlevels; k++)
		XFREE(p->levels[k].boundary);
	XFREE(p->parts);
	XFREE(p->aux);
	buf_free(&p->hdr);
	arena_free(&p->scratch);
	XFREE(*pp);
}

void mail_parse(struct arena *arena, const void *msg, size_t len, struct mail_tree *tree_r)
{
	struct mail_parser *p = mail_parser_new(arena);
	mail_parser_feed(p, msg, len);
	mail_parser_finish(&p, tree_r);
}
