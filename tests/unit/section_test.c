/*
 * section_test.c - the serialised part map: size, lookups (numbering rules for
 * multipart, message/rfc822 and single-part messages), corrupt maps, and the
 * HEADER.FIELDS filter.
 */
#include "unit.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/section.h"
#include "mail/mail_mime.h"

#include <string.h>

static const char msg[] =
        "Subject: top\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
        "--o\r\n\r\none\r\n"
        "--o\r\nContent-Type: message/rfc822\r\n\r\n"
        "Subject: in\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"
        "--i\r\n\r\ntwo-one\r\n--i\r\n\r\ntwo-two\r\n--i--\r\n"
        "--o\r\nContent-Type: message/rfc822\r\n\r\nSubject: leaf\r\n\r\nthree\r\n"
        "--o--\r\n";

static void map_of(const char *m, struct buf *map)
{
	struct arena *a = arena_new(0);
	struct mail_tree t;
	mail_parse(a, m, strlen(m), &t);
	section_map_build(&t, map);
	arena_free(&a);
}

static void expect(const struct buf *map, const char *spec, const char *want)
{
	struct section_range r;
	const char *error = NULL;
	int ret = section_lookup((const unsigned char *)map->data, map->len, spec, &r, &error);
	if (want == NULL) {
		CU_ASSERT_EQUAL(ret, -1);
		CU_ASSERT_PTR_NOT_NULL(error);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT(r.length == strlen(want) && memcmp(msg + r.offset, want, r.length) == 0);
	if (r.length != strlen(want) || memcmp(msg + r.offset, want, r.length) != 0)
		fprintf(stderr, "section %s: got %.*s\n", spec, (int)r.length, msg + r.offset);
}

static void test_lookup(void)
{
	struct buf map = BUF_INIT;
	map_of(msg, &map);
	expect(&map, "", msg);
	expect(&map, "1", "one");
	expect(&map, "1.MIME", "\r\n");
	expect(&map, "2.HEADER",
	       "Subject: in\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n");
	expect(&map, "2.1", "two-one");
	expect(&map, "2.2", "two-two");
	expect(&map, "2.2.MIME", "\r\n");
	expect(&map, "3.1", "three");
	expect(&map, "3.TEXT", "three");
	expect(&map, "3.HEADER", "Subject: leaf\r\n\r\n");
	expect(&map, "3.HEADER.FIELDS (Subject)", "Subject: leaf\r\n\r\n");
	expect(&map, "header.fields.not (X)",
	       "Subject: top\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n");
	expect(&map, "3", "Subject: leaf\r\n\r\nthree");
	expect(&map, "2.3", NULL);
	expect(&map, "3.2", NULL);
	expect(&map, "3.1.1", NULL);
	expect(&map, "1.HEADER", NULL);
	expect(&map, "4", NULL);
	expect(&map, "01", NULL);
	expect(&map, "1.", NULL);
	expect(&map, ".1", NULL);
	expect(&map, "99999999999", NULL);
	expect(&map, "TEXT.MIME", NULL);
	expect(&map, "HEADER.FIELDSX", NULL);
	buf_free(&map);
}

static void test_single_part(void)
{
	struct buf map = BUF_INIT;
	map_of("Subject: x\r\n\r\nbody", &map);
	/* Version byte, count, then one 6-field record: compact. */
	CU_ASSERT(map.len <= 10);
	struct section_range r;
	const char *error;
	CU_ASSERT_EQUAL(section_lookup((const unsigned char *)map.data, map.len, "1", &r, &error),
	                0);
	CU_ASSERT(r.offset == 14 && r.length == 4 && r.text == SECTION_BODY);
	CU_ASSERT_EQUAL(
	        section_lookup((const unsigned char *)map.data, map.len, "1.MIME", &r, &error), 0);
	CU_ASSERT(r.offset == 0 && r.length == 14);
	CU_ASSERT_EQUAL(section_lookup((const unsigned char *)map.data, map.len, "HEADER.FIELDS",
	                               &r, &error),
	                0);
	CU_ASSERT_EQUAL(r.text, SECTION_HEADER_FIELDS);
	CU_ASSERT_EQUAL(section_lookup((const unsigned char *)map.data, map.len, "2", &r, &error),
	                -1);
	buf_free(&map);
}

static void test_corrupt(void)
{
	struct buf map = BUF_INIT;
	map_of(msg, &map);
	static const char *const specs[] = {"", "1", "2.2", "3.HEADER", "3.1", "2.TEXT"};
	struct section_range r;
	const char *error;
	/* Every truncation and every single-byte corruption: an answer or -1, no crash. */
	for (size_t cut = 0; cut < map.len; cut++)
		for (size_t s = 0; s < sizeof(specs) / sizeof(specs[0]); s++)
			CU_ASSERT(section_lookup((const unsigned char *)map.data, cut, specs[s], &r,
			                         &error) <= 0);
	for (size_t i = 0; i < map.len; i++) {
		for (int v = 0; v < 256; v += 17) {
			struct buf bad = BUF_INIT;
			buf_append(&bad, map.data, map.len);
			bad.data[i] = (char)v;
			for (size_t s = 0; s < sizeof(specs) / sizeof(specs[0]); s++)
				(void)section_lookup((const unsigned char *)bad.data, bad.len,
				                     specs[s], &r, &error);
			buf_free(&bad);
		}
	}
	CU_ASSERT_EQUAL(section_lookup((const unsigned char *)"\x02\x01", 2, "", &r, &error), -1);
	buf_free(&map);
}

static void test_filter(void)
{
	const char *h = "From: a\r\nTo: b\r\n c\r\nX-To: d\r\nbroken line\r\nto: e\r\n\r\n";
	const char *names[] = {"TO", "cc"};
	struct buf b = BUF_INIT;
	section_header_filter(h, strlen(h), names, 2, false, &b);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "To: b\r\n c\r\nto: e\r\n\r\n");
	buf_reset(&b);
	section_header_filter(h, strlen(h), names, 2, true, &b);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "From: a\r\nX-To: d\r\n\r\n");
	buf_reset(&b);
	section_header_filter("", 0, names, 2, false, &b);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "\r\n");
	buf_free(&b);
}

static const struct unit_test tests[] = {
        {"lookup", test_lookup},
        {"single-part message", test_single_part},
        {"corrupt maps", test_corrupt},
        {"HEADER.FIELDS filter", test_filter},
        {NULL, NULL},
};
UNIT_SUITE("section", tests)
