/*
 * auth_fail_test.c - lib/auth's failure policy: the pause doubles per failure up to
 * 16 times the first and never beyond AUTH_FAIL_MAX_DELAY_MS; the lockout answer.
 */
#include "unit.h"

#include "auth/auth-fail.h"

static void test_delay_doubles_and_caps(void)
{
	struct auth_fail_policy p = {.delay_ms = 100, .max_failures = 3};
	CU_ASSERT_EQUAL(auth_fail_delay_ms(&p, 1), 100);
	CU_ASSERT_EQUAL(auth_fail_delay_ms(&p, 2), 200);
	CU_ASSERT_EQUAL(auth_fail_delay_ms(&p, 5), 1600);
	CU_ASSERT_EQUAL(auth_fail_delay_ms(&p, 6), 1600); /* the shift stops at 4 */
	CU_ASSERT_EQUAL(auth_fail_delay_ms(&p, 1000), 1600);
	struct auth_fail_policy big = {.delay_ms = 60000, .max_failures = 3};
	CU_ASSERT_EQUAL(auth_fail_delay_ms(&big, 1), AUTH_FAIL_MAX_DELAY_MS);
	struct auth_fail_policy none = {.delay_ms = 0, .max_failures = 3};
	CU_ASSERT_EQUAL(auth_fail_delay_ms(&none, 4), 0);
}

static void test_lockout(void)
{
	struct auth_fail_policy p = {.delay_ms = 0, .max_failures = 3};
	CU_ASSERT_EQUAL(auth_fail_wait(&p, 1), 0);
	CU_ASSERT_EQUAL(auth_fail_wait(&p, 2), 0);
	CU_ASSERT_EQUAL(auth_fail_wait(&p, 3), 1);
	CU_ASSERT_EQUAL(auth_fail_wait(&p, 4), 1);
	struct auth_fail_policy one = {.delay_ms = 1, .max_failures = 1};
	CU_ASSERT_EQUAL(auth_fail_wait(&one, 1), 1);
}

static const struct unit_test auth_fail_tests[] = {
        {"delay_doubles_and_caps", test_delay_doubles_and_caps},
        {"lockout", test_lockout},
        {NULL, NULL},
};
UNIT_SUITE("auth_fail", auth_fail_tests)
