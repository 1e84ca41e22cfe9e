/*
 * mail_decode_test.c - base64, quoted-printable, charset conversion, UTF-8 cleanup.
 */
#include "unit.h"

#include "base/buf.h"
#include "mail/mail_charset.h"
#include "mail/mail_decode.h"

#include <string.h>

static void test_base64(void)
{
	struct buf b = BUF_INIT;
	mail_base64_decode(&b, "aGVs\r\nbG8g d29y*bGQ=", 20);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "hello world");
	buf_reset(&b);
	mail_base64_decode(&b, "YQ", 2);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "a");
	buf_free(&b);
}

static void test_qp(void)
{
	struct buf b = BUF_INIT;
	const char *in = "caf=C3=A9 =\r\nnext=3D=\nend =ZZ =4";
	mail_qp_decode(&b, in, strlen(in), false);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "caf\xc3\xa9 next=end =ZZ =4");
	buf_reset(&b);
	mail_qp_decode(&b, "a_b=5F", 6, true);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "a b_");
	buf_free(&b);
}

static void test_charset(void)
{
	struct buf b = BUF_INIT;
	CU_ASSERT_EQUAL(mail_charset_append_utf8(&b, "ISO-8859-1", "caf\xe9", 4), 0);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "caf\xc3\xa9");
	buf_reset(&b);
	CU_ASSERT_EQUAL(mail_charset_append_utf8(&b, "windows-1252", "\x80", 1), 0);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "\xe2\x82\xac");
	buf_reset(&b);
	CU_ASSERT_EQUAL(mail_charset_append_utf8(&b, "no-such-charset", "x", 1), -1);
	CU_ASSERT_EQUAL(b.len, 0);
	/* Invalid input for the charset: replaced, conversion goes on. */
	CU_ASSERT_EQUAL(mail_charset_append_utf8(&b, "UTF-16LE", "a\0b", 3), 0);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "a\xEF\xBF\xBD");
	buf_reset(&b);
	CU_ASSERT_EQUAL(mail_charset_append_utf8(&b, "iso-2022-jp", "\x1b$B$3$s\x1b(B", 10), 0);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "\xe3\x81\x93\xe3\x82\x93");
	buf_free(&b);
}

static void test_utf8(void)
{
	struct buf b = BUF_INIT;
	/* overlong, surrogate, truncated, NUL, > U+10FFFF, valid 4-byte */
	const char in[] = "\xc0\xaf|\xed\xa0\x80|\xe2\x82|\0|\xf4\x90\x80\x80|\xf0\x9f\x98\x80";
	mail_utf8_append_sanitized(&b, in, sizeof(in) - 1);
	CU_ASSERT(mail_utf8_is_clean(b.data, b.len));
	CU_ASSERT(strstr(b.data, "\xf0\x9f\x98\x80") != NULL);
	CU_ASSERT_EQUAL(strlen(b.data), b.len);
	CU_ASSERT_FALSE(mail_utf8_is_clean(in, sizeof(in) - 1));
	CU_ASSERT_EQUAL(mail_utf8_trim_partial("ab\xe2\x82", 4), 2);
	CU_ASSERT_EQUAL(mail_utf8_trim_partial("ab\xe2\x82\xac", 5), 5);
	CU_ASSERT_EQUAL(mail_utf8_trim_partial("abc", 3), 3);
	buf_free(&b);
}

static const struct unit_test tests[] = {
        {"base64", test_base64},
        {"quoted-printable", test_qp},
        {"charsets", test_charset},
        {"UTF-8 cleanup", test_utf8},
        {NULL, NULL},
};
UNIT_SUITE("mail_decode", tests)
