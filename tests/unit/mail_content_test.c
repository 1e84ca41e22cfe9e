/*
 * mail_content_test.c - Content-Type / Disposition / Language and RFC 2231.
 */
#include "unit.h"

#include "base/arena.h"
#include "mail/mail_content.h"

#include <string.h>

static struct arena *a;

static int setup(void)
{
	a = arena_new(0);
	return 0;
}

static int teardown(void)
{
	arena_free(&a);
	return 0;
}

static void test_type(void)
{
	struct mail_content c;
	mail_content_type_parse(a, " Text / HTML (comment) ; charset = \"utf-8\" ;; x=y", &c);
	CU_ASSERT_STRING_EQUAL(c.type, "Text");
	CU_ASSERT_STRING_EQUAL(c.subtype, "HTML");
	CU_ASSERT_EQUAL_FATAL(c.nparams, 2);
	CU_ASSERT_STRING_EQUAL(c.params[0].name, "charset");
	CU_ASSERT_STRING_EQUAL(c.params[0].value, "utf-8");
	CU_ASSERT_STRING_EQUAL(mail_param_get(a, &c, "X"), "y");
	mail_content_type_parse(a, "multipart/mixed; boundary=----=_NextPart_000_0001", &c);
	CU_ASSERT_STRING_EQUAL(mail_param_get(a, &c, "boundary"), "----=_NextPart_000_0001");
	mail_content_type_parse(a, "garbage; charset=x", &c);
	CU_ASSERT_PTR_NULL(c.type);
	CU_ASSERT_EQUAL(c.nparams, 1);
	mail_content_type_parse(a, "text/plain; name=\"unterminated", &c);
	CU_ASSERT_STRING_EQUAL(mail_param_get(a, &c, "name"), "unterminated");
	mail_content_type_parse(a, "", &c);
	CU_ASSERT_PTR_NULL(c.type);
	CU_ASSERT_EQUAL(c.nparams, 0);
}

static void test_rfc2231(void)
{
	struct mail_content c;
	mail_content_type_parse(a,
	                        "application/x; name*2=\"c\"; name*0=\"a\"; name*1=\"b\"; "
	                        "f*=utf-8'en'%E2%82%AC%20x; g*0*=iso-8859-1''caf; g*1*=%E9; "
	                        "h*0=\"100%\"; h*1*=%41",
	                        &c);
	CU_ASSERT_EQUAL_FATAL(c.nparams, 4);
	CU_ASSERT_STRING_EQUAL(c.params[0].name, "name");
	CU_ASSERT_STRING_EQUAL(c.params[0].value, "abc");
	CU_ASSERT_FALSE(c.params[0].extended);
	CU_ASSERT_STRING_EQUAL(c.params[1].name, "f*");
	CU_ASSERT_STRING_EQUAL(c.params[1].value, "utf-8'en'%E2%82%AC%20x");
	CU_ASSERT_STRING_EQUAL(mail_param_get(a, &c, "f"), "\xe2\x82\xac x");
	CU_ASSERT_STRING_EQUAL(c.params[2].value, "iso-8859-1''caf%E9");
	CU_ASSERT_STRING_EQUAL(mail_param_get(a, &c, "g"), "caf\xc3\xa9");
	/* A plain segment merged into an extended value gets percent-encoded. */
	CU_ASSERT_STRING_EQUAL(c.params[3].name, "h*");
	CU_ASSERT_STRING_EQUAL(c.params[3].value, "''100%25%41");
	CU_ASSERT_STRING_EQUAL(mail_param_get(a, &c, "h"), "100%A");
	CU_ASSERT_PTR_NULL(mail_param_get(a, &c, "missing"));
}

static void test_many_params(void)
{
	char big[20000];
	size_t o = (size_t)snprintf(big, sizeof(big), "text/plain");
	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "; p%d=v", i);
	struct mail_content c;
	mail_content_type_parse(a, big, &c);
	CU_ASSERT_EQUAL(c.nparams, MAIL_MAX_PARAMS);
}

static void test_disposition_language(void)
{
	struct mail_content d;
	mail_content_disposition_parse(a, "attachment; filename=\"a b.txt\"", &d);
	CU_ASSERT_STRING_EQUAL(d.type, "attachment");
	CU_ASSERT_STRING_EQUAL(mail_param_get(a, &d, "filename"), "a b.txt");
	char **tags;
	CU_ASSERT_EQUAL(mail_content_language_parse(a, " en-US, (c) fr ,,de", &tags), 3);
	CU_ASSERT_STRING_EQUAL(tags[0], "en-US");
	CU_ASSERT_STRING_EQUAL(tags[1], "fr");
	CU_ASSERT_STRING_EQUAL(tags[2], "de");
	CU_ASSERT_EQUAL(mail_content_language_parse(a, "", &tags), 0);
}

static const struct unit_test tests[] = {
        {"content-type", test_type},
        {"RFC 2231 continuations and charsets", test_rfc2231},
        {"parameter cap", test_many_params},
        {"disposition and language", test_disposition_language},
        {NULL, NULL},
};
UNIT_SUITE_FULL("mail_content", tests, setup, teardown)
