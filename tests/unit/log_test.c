/*
 * log_test.c - log_q quoting: client text can never forge fields or lines.
 */
#include "unit.h"

#include "base/log.h"

#include <string.h>

static void test_plain_unquoted(void)
{
	CU_ASSERT_STRING_EQUAL(log_q("demo@example.test"), "demo@example.test");
}

static void test_quoting(void)
{
	CU_ASSERT_STRING_EQUAL(log_q("a b"), "\"a b\"");
	CU_ASSERT_STRING_EQUAL(log_q(""), "\"\"");
	CU_ASSERT_STRING_EQUAL(log_q("x=y"), "\"x=y\"");
	CU_ASSERT_STRING_EQUAL(log_q("q\"\\"), "\"q\\\"\\\\\"");
	CU_ASSERT_STRING_EQUAL(log_q("l1\r\nevent=forged"), "\"l1\\x0d\\x0aevent=forged\"");
}

static void test_rotation_and_truncation(void)
{
	const char *a = log_q("one");
	const char *b = log_q("two");
	CU_ASSERT_STRING_EQUAL(a, "one");
	CU_ASSERT_STRING_EQUAL(b, "two");
	char longv[2000];
	memset(longv, 'x', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	longv[0] = ' ';
	const char *q = log_q(longv);
	CU_ASSERT(strlen(q) <= 512 + 2);
}

static const struct unit_test log_tests[] = {
        {"plain_unquoted", test_plain_unquoted},
        {"quoting", test_quoting},
        {"rotation_and_truncation", test_rotation_and_truncation},
        {NULL, NULL},
};
UNIT_SUITE("log", log_tests)
