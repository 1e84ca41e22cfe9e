/*
 * arena_test.c - arena: alignment, large blocks, clear, strdup/printf.
 */
#include "unit.h"

#include "base/arena.h"

#include <stdint.h>
#include <string.h>

static void test_alignment(void)
{
	struct arena *a = arena_new(0);
	for (int i = 1; i < 100; i++) {
		void *p = arena_alloc(a, (size_t)i);
		CU_ASSERT_EQUAL((uintptr_t)p % 16, 0);
		memset(p, 0xab, (size_t)i);
	}
	arena_free(&a);
}

static void test_large_and_clear(void)
{
	struct arena *a = arena_new(256);
	char *big = arena_alloc(a, 1 << 20);
	memset(big, 1, 1 << 20);
	CU_ASSERT(arena_used(a) >= (1 << 20));
	char *small = arena_strdup(a, "still here");
	CU_ASSERT_STRING_EQUAL(small, "still here");
	arena_clear(a);
	CU_ASSERT_EQUAL(arena_used(a), 0);
	char *again = arena_zalloc(a, 64);
	for (int i = 0; i < 64; i++)
		CU_ASSERT_EQUAL(again[i], 0);
	arena_free(&a);
	CU_ASSERT_PTR_NULL(a);
}

static void test_strings(void)
{
	struct arena *a = arena_new(64);
	CU_ASSERT_STRING_EQUAL(arena_strndup(a, "abcdef", 3), "abc");
	CU_ASSERT_STRING_EQUAL(arena_printf(a, "%d-%s", 7, "x"), "7-x");
	arena_free(&a);
}

static const struct unit_test arena_tests[] = {
        {"alignment", test_alignment},
        {"large_and_clear", test_large_and_clear},
        {"strings", test_strings},
        {NULL, NULL},
};
UNIT_SUITE("arena", arena_tests)
