/*
 * bodystructure_test.c - BODYSTRUCTURE / BODY rendering and the MIME limits:
 * a 10,000-deep multipart, a 10,000-deep message/rfc822 chain and a 100,000-part
 * message, each generated here, parsed whole and byte by byte, with the depth and
 * part limits holding.  (Linear time is a benchmark matter, not a timed unit test.)
 */
#include "unit.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/bodystructure.h"
#include "imap/message_index.h"
#include "imap/section.h"
#include "mail/mail_mime.h"

#include <stdio.h>
#include <string.h>

static void deep_multipart(struct buf *m, unsigned int depth)
{
	buf_append_str(m, "From: deep@example.com\r\nSubject: deep\r\n");
	for (unsigned int i = 0; i < depth; i++)
		buf_printf(m, "Content-Type: multipart/mixed; boundary=\"b%u\"\r\n\r\n--b%u\r\n", i,
		           i);
	buf_append_str(m, "Content-Type: text/plain\r\n\r\ninnermost\r\n");
	for (unsigned int i = depth; i-- > 0;)
		buf_printf(m, "--b%u--\r\n", i);
}

static void deep_rfc822(struct buf *m, unsigned int depth)
{
	for (unsigned int i = 0; i < depth; i++)
		buf_printf(m, "Subject: level %u\r\nContent-Type: message/rfc822\r\n\r\n", i);
	buf_append_str(m, "Subject: bottom\r\n\r\nbody\r\n");
}

static void many_parts(struct buf *m, unsigned int parts)
{
	buf_append_str(
	        m, "From: many@example.com\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n");
	for (unsigned int i = 0; i < parts; i++)
		buf_printf(m, "--X\r\nContent-Type: text/plain\r\n\r\npart %u\r\n", i);
	buf_append_str(m, "--X--\r\n");
}

static void tree_of(const struct buf *m, struct arena *a, size_t chunk, struct mail_tree *tree)
{
	struct mail_parser *p = mail_parser_new(a);
	for (size_t off = 0; off < m->len; off += chunk)
		mail_parser_feed(p, m->data + off, m->len - off < chunk ? m->len - off : chunk);
	mail_parser_finish(&p, tree);
}

static uint32_t max_depth(const struct mail_tree *t)
{
	uint32_t d = 0;
	for (uint32_t i = 0; i < t->count; i++)
		d = t->parts[i].depth > d ? t->parts[i].depth : d;
	return d;
}

static size_t count_str(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_deep_multipart(void)
{
	struct buf m = BUF_INIT, bs = BUF_INIT, bs1 = BUF_INIT;
	deep_multipart(&m, 10000);
	struct arena *a = arena_new(0);
	struct mail_tree whole, bytewise;
	tree_of(&m, a, m.len, &whole);
	tree_of(&m, a, 1, &bytewise);
	CU_ASSERT_EQUAL(whole.count, MAIL_MAX_DEPTH + 1);
	CU_ASSERT_EQUAL(max_depth(&whole), MAIL_MAX_DEPTH);
	CU_ASSERT(whole.depth_limited);
	CU_ASSERT_EQUAL(bytewise.count, whole.count);
	CU_ASSERT(memcmp(whole.parts, bytewise.parts, sizeof(*whole.parts) * whole.count) == 0);
	/* The part at depth 100 holds the rest, flat; every level closes properly. */
	const struct mail_part *last = &whole.parts[whole.count - 1];
	CU_ASSERT(last->flags & MAIL_PART_FLATTENED);
	CU_ASSERT_EQUAL(whole.parts[0].body_end, m.len);
	bodystructure_render(&bs, (const unsigned char *)m.data, &whole, 0, true);
	bodystructure_render(&bs1, (const unsigned char *)m.data, &bytewise, 0, true);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&bs), buf_cstr(&bs1));
	CU_ASSERT_EQUAL(count_str(bs.data, "\"mixed\""), MAIL_MAX_DEPTH);
	CU_ASSERT_EQUAL(count_str(bs.data, "\"application\" \"octet-stream\""), 1);
	CU_ASSERT(strncmp(bs.data, "((((", 4) == 0);
	arena_free(&a);
	buf_free(&m);
	buf_free(&bs);
	buf_free(&bs1);
}

static void test_deep_rfc822(void)
{
	struct buf m = BUF_INIT;
	deep_rfc822(&m, 10000);
	struct arena *a = arena_new(0);
	struct message_index idx;
	const char *error;
	CU_ASSERT_EQUAL_FATAL(
	        message_index_build((const unsigned char *)m.data, m.len, a, &idx, &error), 0);
	CU_ASSERT_EQUAL(count_str(idx.bodystructure, "\"message\" \"rfc822\""), MAIL_MAX_DEPTH);
	CU_ASSERT_EQUAL(count_str(idx.bodystructure, "\"Subject: level"), 0);
	CU_ASSERT_EQUAL(count_str(idx.bodystructure, "\"level 99\""), 1);
	CU_ASSERT_EQUAL(count_str(idx.bodystructure, "\"level 100\""),
	                1); /* envelope of the last */
	CU_ASSERT_EQUAL(count_str(idx.bodystructure, "\"level 101\""), 0);
	/* BODY[1.1.1...] 100 deep resolves; one more level does not exist. */
	struct buf spec = BUF_INIT;
	buf_append_str(&spec, "1");
	for (int i = 1; i < MAIL_MAX_DEPTH; i++)
		buf_append_str(&spec, ".1");
	struct section_range r;
	CU_ASSERT_EQUAL(section_lookup(idx.parts, idx.parts_len, buf_cstr(&spec), &r, &error), 0);
	buf_append_str(&spec, ".1.1");
	CU_ASSERT_EQUAL(section_lookup(idx.parts, idx.parts_len, buf_cstr(&spec), &r, &error), -1);
	buf_free(&spec);
	arena_free(&a);
	buf_free(&m);
}

static void test_many_parts(void)
{
	struct buf m = BUF_INIT;
	many_parts(&m, 100000);
	struct arena *a = arena_new(0);
	struct mail_tree whole, bytewise;
	tree_of(&m, a, m.len, &whole);
	tree_of(&m, a, 1, &bytewise);
	CU_ASSERT_EQUAL(whole.count, MAIL_MAX_PARTS);
	CU_ASSERT(whole.parts_limited);
	CU_ASSERT_EQUAL(whole.parts[0].nchildren, MAIL_MAX_PARTS - 1);
	CU_ASSERT(memcmp(whole.parts, bytewise.parts, sizeof(*whole.parts) * whole.count) == 0);
	/* The last recorded part stops at the next delimiter; the rest is the root's. */
	const struct mail_part *last = &whole.parts[whole.count - 1];
	CU_ASSERT_EQUAL(last->body_end - last->body_start, strlen("part 9998"));
	CU_ASSERT_EQUAL(whole.parts[0].body_end, m.len);
	struct message_index idx;
	const char *error;
	CU_ASSERT_EQUAL_FATAL(
	        message_index_build((const unsigned char *)m.data, m.len, a, &idx, &error), 0);
	CU_ASSERT_EQUAL(count_str(idx.body, "(\"text\""), MAIL_MAX_PARTS - 1);
	struct section_range r;
	CU_ASSERT_EQUAL(section_lookup(idx.parts, idx.parts_len, "9999", &r, &error), 0);
	CU_ASSERT(r.length == 9 && memcmp(m.data + r.offset, "part 9998", 9) == 0);
	CU_ASSERT_EQUAL(section_lookup(idx.parts, idx.parts_len, "10000", &r, &error), -1);
	arena_free(&a);
	buf_free(&m);
}

static void test_render_basic(void)
{
	const char *msg = "Content-Type: multipart/mixed; boundary=q\r\n\r\n"
	                  "--q\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nab\r\ncd\r\n"
	                  "--q\r\nContent-Type: message/rfc822\r\n\r\nSubject: hi\r\n\r\nx\r\n"
	                  "--q--\r\n";
	struct arena *a = arena_new(0);
	struct mail_tree t;
	struct buf b = BUF_INIT;
	mail_parse(a, msg, strlen(msg), &t);
	bodystructure_render(&b, (const unsigned char *)msg, &t, 0, false);
	CU_ASSERT_STRING_EQUAL(
	        buf_cstr(&b),
	        "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 6 2)"
	        "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 16 (NIL \"hi\" NIL NIL NIL NIL NIL "
	        "NIL "
	        "NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 1) 3) "
	        "\"mixed\")");
	/* A sub-tree renders on its own: part 2's encapsulated message. */
	buf_reset(&b);
	bodystructure_render(&b, (const unsigned char *)msg, &t, t.parts[0].first_child, true);
	CU_ASSERT_STRING_EQUAL(
	        buf_cstr(&b),
	        "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 6 2 NIL "
	        "NIL NIL NIL)");
	buf_free(&b);
	arena_free(&a);
}

static void test_huge_header(void)
{
	/* A 1 MB header line and a 2 MB Content-Type: bounded work, still a byte range. */
	struct buf m = BUF_INIT;
	buf_append_str(&m, "Subject: ");
	for (int i = 0; i < 1024 * 1024; i++)
		buf_append_char(&m, (char)('a' + i % 26));
	buf_append_str(&m, "\r\nContent-Type: text/plain; x=\"");
	for (int i = 0; i < 2 * 1024 * 1024; i++)
		buf_append_char(&m, 'y');
	buf_append_str(&m, "\"; charset=utf-8\r\n\r\nbody\r\n");
	struct arena *a = arena_new(0);
	struct message_index idx;
	const char *error;
	CU_ASSERT_EQUAL_FATAL(
	        message_index_build((const unsigned char *)m.data, m.len, a, &idx, &error), 0);
	CU_ASSERT_EQUAL(idx.header_size, m.len - 6);
	CU_ASSERT_EQUAL(strlen(idx.subject), 1024 * 1024);
	CU_ASSERT(strlen(idx.search_headers) <= MESSAGE_INDEX_SEARCH_MAX);
	CU_ASSERT_STRING_EQUAL(idx.search_text, "body\r\n");
	/* The Content-Type past the scan limit is not seen by the structure parser, but
	   the renderer reads the whole header: the part is still a single text part. */
	CU_ASSERT(strncmp(idx.bodystructure, "(\"text\" \"plain\" (\"x\" ", 21) == 0);
	arena_free(&a);
	buf_free(&m);
}

static const struct unit_test tests[] = {
        {"render basic and sub-tree", test_render_basic},
        {"10,000-deep multipart", test_deep_multipart},
        {"10,000-deep message/rfc822", test_deep_rfc822},
        {"100,000 parts", test_many_parts},
        {"huge header", test_huge_header},
        {NULL, NULL},
};
UNIT_SUITE("bodystructure", tests)
