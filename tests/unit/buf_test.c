/*
 * buf_test.c - struct buf: growth, binary safety, printf, consume, arena backing.
 */
#include "unit.h"

#include "base/arena.h"
#include "base/buf.h"

#include <stdlib.h>
#include <string.h>

static void test_append_binary(void)
{
	struct buf b = BUF_INIT;
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "");
	buf_append(&b, "a\0b", 3);
	CU_ASSERT_EQUAL(b.len, 3);
	CU_ASSERT(memcmp(b.data, "a\0b", 3) == 0);
	CU_ASSERT_EQUAL(b.data[3], '\0');
	buf_free(&b);
	CU_ASSERT_PTR_NULL(b.data);
}

static void test_growth(void)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 100000; i++)
		buf_append_char(&b, (char)('a' + i % 26));
	CU_ASSERT_EQUAL(b.len, 100000);
	CU_ASSERT(b.cap > b.len);
	CU_ASSERT_EQUAL(b.data[26], 'a');
	CU_ASSERT_EQUAL(b.data[99999], (char)('a' + 99999 % 26));
	buf_free(&b);
}

static void test_printf_and_u64(void)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s=%d", "x", 42);
	buf_append_char(&b, ' ');
	buf_append_u64(&b, 18446744073709551615ULL);
	buf_append_char(&b, ' ');
	buf_append_u64(&b, 0);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "x=42 18446744073709551615 0");
	buf_free(&b);
}

static void test_consume_truncate(void)
{
	struct buf b = BUF_INIT;
	buf_append_str(&b, "hello world");
	buf_consume(&b, 6);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "world");
	buf_truncate(&b, 3);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "wor");
	buf_reset(&b);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "");
	buf_free(&b);
}

static void test_arena_backed(void)
{
	struct arena *a = arena_new(128);
	struct buf b;
	buf_init_arena(&b, a);
	for (int i = 0; i < 1000; i++)
		buf_append_str(&b, "0123456789");
	CU_ASSERT_EQUAL(b.len, 10000);
	CU_ASSERT(memcmp(b.data + 9990, "0123456789", 10) == 0);
	buf_free(&b); /* must not free arena memory */
	arena_free(&a);
	CU_ASSERT_PTR_NULL(a);
}

static void test_steal(void)
{
	struct buf b = BUF_INIT;
	buf_append_str(&b, "abc");
	size_t len = 0;
	char *p = buf_steal(&b, &len);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT_STRING_EQUAL(p, "abc");
	CU_ASSERT_PTR_NULL(b.data);
	free(p);
}

static const struct unit_test buf_tests[] = {
        {"append_binary", test_append_binary},
        {"growth", test_growth},
        {"printf_and_u64", test_printf_and_u64},
        {"consume_truncate", test_consume_truncate},
        {"arena_backed", test_arena_backed},
        {"steal", test_steal},
        {NULL, NULL},
};
UNIT_SUITE("buf", buf_tests)
