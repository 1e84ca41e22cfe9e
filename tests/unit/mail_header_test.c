/*
 * mail_header_test.c - header iteration and unfolding, RFC 2047 words, dates.
 */
#include "unit.h"

#include "base/arena.h"
#include "base/buf.h"
#include "mail/mail_date.h"
#include "mail/mail_header.h"
#include "mail/mail_rfc2047.h"

#include <stdint.h>
#include <string.h>

static void test_iterate(void)
{
	const char *h = " orphan continuation\r\nA: 1\r\n  more\r\nno colon here\r\nB : 2\nC:3\r\n"
	                "\r\nBody: not a header\r\n";
	struct mail_header_iter it;
	struct mail_header_field f;
	mail_header_iter_init(&it, h, strlen(h));
	CU_ASSERT_FATAL(mail_header_iter_next(&it, &f));
	CU_ASSERT(f.name_len == 1 && f.name[0] == 'A');
	CU_ASSERT_EQUAL(f.value_len, strlen(" 1\r\n  more\r\n"));
	CU_ASSERT_FATAL(mail_header_iter_next(&it, &f));
	CU_ASSERT(mail_header_name_is(&f, "b"));
	CU_ASSERT_FATAL(mail_header_iter_next(&it, &f));
	CU_ASSERT(mail_header_name_is(&f, "C"));
	CU_ASSERT_FALSE(mail_header_iter_next(&it, &f)); /* the blank line ends it */
}

static void test_get_unfold(void)
{
	struct arena *a = arena_new(0);
	const char *h = "Subject:  one\r\n\ttwo  \r\n three\r\nSubject: dup\r\nX: a\0b\xff\r\n";
	size_t len = strlen("Subject:  one\r\n\ttwo  \r\n three\r\nSubject: dup\r\nX: a") + 6;
	CU_ASSERT_STRING_EQUAL(mail_header_get(a, h, len, "subject"), "one\ttwo   three");
	CU_ASSERT_STRING_EQUAL(mail_header_get(a, h, len, "X"), "a\xEF\xBF\xBD"
	                                                        "b\xEF\xBF\xBD");
	CU_ASSERT_PTR_NULL(mail_header_get(a, h, len, "Y"));
	arena_free(&a);
}

static void check_2047(const char *in, const char *want)
{
	struct buf b = BUF_INIT;
	mail_rfc2047_decode(&b, in, strlen(in));
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), want);
	buf_free(&b);
}

static void test_rfc2047(void)
{
	check_2047("=?ISO-8859-1?Q?a?=", "a");
	check_2047("=?ISO-8859-1?Q?a?= b", "a b");
	check_2047("=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=", "a b");
	check_2047("=?ISO-8859-1?Q?a?=  \t =?ISO-8859-1?Q?b?=", "ab");
	check_2047("=?UTF-8?B?w6k=?==?UTF-8?B?w6k=?=", "\xc3\xa9\xc3\xa9");
	check_2047("x =?iso-8859-1?q?caf=E9?= y", "x caf\xc3\xa9 y");
	check_2047("=?unknown-cs?Q?raw?= =?utf-8?q?ok?=", "=?unknown-cs?Q?raw?= ok");
	check_2047("=?utf-8?X?bad?=", "=?utf-8?X?bad?=");
	check_2047("=?utf-8?q?unterminated", "=?utf-8?q?unterminated");
	check_2047("=?utf-8*fr?q?langue?=", "langue");
	check_2047("=?utf-8?b?/w==?=", "\xEF\xBF\xBD"); /* invalid UTF-8 inside */
	check_2047("=?=?=?", "=?=?=?");
	check_2047("", "");
}

static void test_rfc2047_linear(void)
{
	/* "=?a?q?x" repeated without a closing "?=" must not go quadratic. */
	struct buf in = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < 200000; i++)
		buf_append_str(&in, "=?a?q?x");
	mail_rfc2047_decode(&out, in.data, in.len);
	CU_ASSERT_EQUAL(out.len, in.len);
	buf_free(&in);
	buf_free(&out);
}

static void test_dates(void)
{
	CU_ASSERT_EQUAL(mail_date_parse("Tue, 1 Jul 2003 10:52:37 +0200"), 1057049557);
	CU_ASSERT_EQUAL(mail_date_parse("1 Jul 2003 08:52:37 GMT"), 1057049557);
	CU_ASSERT_EQUAL(mail_date_parse("  Tue,  1 Jul 03 04:52:37 EDT (comment)"), 1057049557);
	CU_ASSERT_EQUAL(mail_date_parse("1 Jan 1970 00:00 +0000"), 0);
	CU_ASSERT_EQUAL(mail_date_parse("31 Dec 99 23:59 EST"), 946702740);
	CU_ASSERT_EQUAL(mail_date_parse("29 Feb 2024 12:00:00 -0000"), 1709208000);
	CU_ASSERT_EQUAL(mail_date_parse("garbage"), INT64_MIN);
	CU_ASSERT_EQUAL(mail_date_parse("32 Jan 2020 10:00"), INT64_MIN);
	CU_ASSERT_EQUAL(mail_date_parse("1 Foo 2020 10:00"), INT64_MIN);
	CU_ASSERT_EQUAL(mail_date_parse("1 Jan 2020"), INT64_MIN);
	CU_ASSERT_EQUAL(mail_date_parse(""), INT64_MIN);
}

static const struct unit_test tests[] = {
        {"iterate fields", test_iterate},
        {"get and unfold", test_get_unfold},
        {"RFC 2047 words", test_rfc2047},
        {"RFC 2047 stays linear", test_rfc2047_linear},
        {"dates", test_dates},
        {NULL, NULL},
};
UNIT_SUITE("mail_header", tests)
