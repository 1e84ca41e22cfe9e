/*
 * section.c - the serialised MIME part map and IMAP section lookup (see section.h).
 *
 * Lookup reads the map forwards only: a part's children follow it, a later sibling
 * follows the earlier sibling's descendants (whose count each record carries), so
 * resolving any section is one pass over at most the whole map.
 */
#include "imap/section.h"

#include "base/buf.h"
#include "base/xalloc.h"
#include "mail/mail_header.h"
#include "mail/mail_mime.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SECTION_MAP_VERSION 1

static void put_varint(struct buf *out, uint64_t v)
{
	while (v >= 0x80) {
		buf_append_char(out, (char)(0x80 | (v & 0x7f)));
		v >>= 7;
	}
	buf_append_char(out, (char)v);
}

void section_map_build(const struct mail_tree *tree, struct buf *out)
{
	uint32_t *desc = xcalloc(tree->count ? tree->count : 1, sizeof(*desc));
	/* Parents precede their children, so one backward pass sums subtree sizes. */
	for (uint32_t i = tree->count; i-- > 1;)
		desc[tree->parts[i].parent] += 1 + desc[i];
	buf_append_char(out, SECTION_MAP_VERSION);
	put_varint(out, tree->count);
	for (uint32_t i = 0; i < tree->count; i++) {
		const struct mail_part *p = &tree->parts[i];
		buf_append_char(out, (char)p->type);
		put_varint(out, p->type == MAIL_PART_LEAF ? 0 : p->nchildren);
		put_varint(out, desc[i]);
		put_varint(out, p->header_start);
		put_varint(out, p->body_start - p->header_start);
		put_varint(out, p->body_end - p->body_start);
	}
	free(desc);
}

struct map_reader {
	const unsigned char *p, *end;
	uint64_t left; /* records not yet read */
};

struct map_rec {
	unsigned int type;
	uint64_t nchildren, ndesc, header_start, header_len, body_len;
};

static int get_varint(struct map_reader *r, uint64_t *v_r)
{
	uint64_t v = 0;
	for (unsigned int shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end)
			return -1;
		unsigned char c = *r->p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if ((c & 0x80) == 0) {
			*v_r = v;
			return 0;
		}
	}
	return -1;
}

static int read_rec(struct map_reader *r, struct map_rec *rec)
{
	if (r->left == 0 || r->p >= r->end)
		return -1;
	r->left--;
	rec->type = *r->p++;
	if (rec->type > MAIL_PART_MESSAGE || get_varint(r, &rec->nchildren) < 0 ||
	    get_varint(r, &rec->ndesc) < 0 || get_varint(r, &rec->header_start) < 0 ||
	    get_varint(r, &rec->header_len) < 0 || get_varint(r, &rec->body_len) < 0)
		return -1;
	if (rec->ndesc > r->left || (rec->type != MAIL_PART_LEAF && rec->nchildren == 0))
		return -1;
	return 0;
}

/* The n-th (1-based) child of rec, which was just read; reads it into rec. */
static int read_child(struct map_reader *r, struct map_rec *rec, uint64_t n)
{
	if (rec->type == MAIL_PART_LEAF || n == 0 || n > rec->nchildren)
		return 1;
	if (read_rec(r, rec) < 0)
		return -1;
	for (uint64_t k = 1; k < n; k++) {
		for (uint64_t d = rec->ndesc; d > 0; d--) {
			struct map_rec skip;
			if (read_rec(r, &skip) < 0)
				return -1;
		}
		if (read_rec(r, rec) < 0)
			return -1;
	}
	return 0;
}

/* Step from node into its part number n (RFC 3501 6.4.5 numbering): in a message,
   numbers count the parts of its multipart body, or "1" is a single-part body; in
   a message/rfc822 part they count the parts of the encapsulated message.
   *in_msg: node is a message (the root or an encapsulated one). */
static int step(struct map_reader *r, struct map_rec *node, bool *in_msg, uint64_t n)
{
	if (!*in_msg && node->type == MAIL_PART_MESSAGE) {
		int ret = read_child(r, node, 1);
		if (ret != 0)
			return -1; /* a message part always has its child */
		*in_msg = true;
	}
	int ret;
	if (node->type == MAIL_PART_MULTIPART)
		ret = read_child(r, node, n);
	else if (*in_msg)
		ret = n == 1 ? 0 : 1;
	else
		ret = 1;
	*in_msg = false;
	return ret;
}

static int lookup_text(struct map_reader *r, struct map_rec *node, bool numbered, const char *s,
                       struct section_range *range_r, const char **error_r)
{
	enum section_text t;
	if (*s == '\0')
		t = SECTION_BODY;
	else if (strcasecmp(s, "HEADER") == 0)
		t = SECTION_HEADER;
	else if (strncasecmp(s, "HEADER.FIELDS.NOT", 17) == 0 && (s[17] == ' ' || s[17] == '\0'))
		t = SECTION_HEADER_FIELDS_NOT;
	else if (strncasecmp(s, "HEADER.FIELDS", 13) == 0 && (s[13] == ' ' || s[13] == '\0'))
		t = SECTION_HEADER_FIELDS;
	else if (strcasecmp(s, "TEXT") == 0)
		t = SECTION_TEXT;
	else if (strcasecmp(s, "MIME") == 0 && numbered)
		t = SECTION_MIME;
	else
		return *error_r = "invalid section text", -1;
	if (numbered && t != SECTION_BODY && t != SECTION_MIME) {
		if (node->type != MAIL_PART_MESSAGE)
			return *error_r = "not a message/rfc822 part", -1;
		if (read_child(r, node, 1) != 0)
			return *error_r = "corrupt part map", -1;
	}
	range_r->text = t;
	if (t == SECTION_BODY && !numbered) {
		range_r->offset = node->header_start;
		range_r->length = node->header_len + node->body_len;
	} else if (t == SECTION_TEXT || t == SECTION_BODY) {
		range_r->offset = node->header_start + node->header_len;
		range_r->length = node->body_len;
	} else {
		range_r->offset = node->header_start;
		range_r->length = node->header_len;
	}
	return 0;
}

int section_lookup(const unsigned char *map, size_t map_len, const char *spec,
                   struct section_range *range_r, const char **error_r)
{
	struct map_reader r = {map, map + map_len, 0};
	struct map_rec node;
	if (map_len < 2 || map[0] != SECTION_MAP_VERSION)
		return *error_r = "corrupt part map", -1;
	r.p++;
	r.left = 1; /* for the count itself to be read below */
	if (get_varint(&r, &r.left) < 0 || read_rec(&r, &node) < 0)
		return *error_r = "corrupt part map", -1;
	bool in_msg = true, numbered = false;
	const char *s = spec;
	while (isdigit((unsigned char)*s)) {
		char *end;
		unsigned long long n = strtoull(s, &end, 10);
		if (*s == '0' || end - s > 10)
			return *error_r = "invalid part number", -1;
		int ret = step(&r, &node, &in_msg, n);
		if (ret < 0)
			return *error_r = "corrupt part map", -1;
		if (ret > 0)
			return *error_r = "no such part", -1;
		numbered = true;
		s = end;
		if (*s == '\0')
			break;
		if (*s != '.' || s[1] == '\0')
			return *error_r = "invalid section", -1;
		s++;
	}
	return lookup_text(&r, &node, numbered, s, range_r, error_r);
}

static bool name_listed(const struct mail_header_field *f, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == f->name_len &&
		    strncasecmp(names[i], f->name, f->name_len) == 0)
			return true;
	return false;
}

void section_header_filter(const void *hdr, size_t len, const char *const *names, size_t n,
                           bool not, struct buf *out)
{
	struct mail_header_iter it;
	struct mail_header_field f;
	mail_header_iter_init(&it, hdr, len);
	while (mail_header_iter_next(&it, &f)) {
		if (name_listed(&f, names, n) == not )
			continue;
		buf_append(out, f.start, f.len);
		if (f.start[f.len - 1] != '\n')
			buf_append_str(out, "\r\n");
	}
	buf_append_str(out, "\r\n");
}
