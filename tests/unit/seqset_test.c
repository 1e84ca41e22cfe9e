/*
 * seqset_test.c - sequence sets: parse, "*" resolution, normalisation,
 * membership, iteration, formatting, "$", and the rejected forms.
 */
#include "unit.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/seqset.h"

#include <string.h>

/* Parse s, resolve with max, return the formatted result ("ERR" on error). */
static void parse_resolve_format(const char *s, uint32_t max, struct buf *out)
{
	struct seqset set;
	const char *err = NULL;

	seqset_init(&set, NULL);
	if (seqset_parse(&set, s, strlen(s), &err) < 0) {
		buf_append_str(out, "ERR");
		CU_ASSERT_PTR_NOT_NULL(err);
	} else {
		seqset_resolve(&set, max);
		seqset_format(&set, out);
	}
	seqset_free(&set);
}

static void test_parse_resolve(void)
{
	static const struct {
		const char *in;
		uint32_t max;
		const char *want;
	} cases[] = {
	        {"1:5,7,9:*", 20, "1:5,7,9:20"},
	        {"5,1:3,4,10:8", 100, "1:5,8:10"},
	        {"*", 7, "7"},
	        {"*:5", 3, "3:5"},
	        {"9:*", 5, "5:9"},
	        {"1:*", 0, "1"},
	        {"*", 0, ""},
	        {"*:*", 0, ""},
	        {"4294967295", 1, "4294967295"},
	        {"1:4294967295,7", 1, "1:4294967295"},
	        {"3,2,1", 0, "1:3"},
	        {"0", 5, "ERR"},
	        {"1:0", 5, "ERR"},
	        {"01", 5, "ERR"},
	        {"4294967296", 5, "ERR"},
	        {"99999999999999999999", 5, "ERR"},
	        {"1,,2", 5, "ERR"},
	        {"1:", 5, "ERR"},
	        {":5", 5, "ERR"},
	        {",1", 5, "ERR"},
	        {"1,", 5, "ERR"},
	        {"a", 5, "ERR"},
	        {"", 5, "ERR"},
	        {"1:2:3", 5, "ERR"},
	        {"-1", 5, "ERR"},
	        {"1,$", 5, "ERR"},
	        {"$,1", 5, "ERR"},
	        {"$$", 5, "ERR"},
	        {"1 2", 5, "ERR"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		parse_resolve_format(cases[i].in, cases[i].max, &out);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&out), cases[i].want);
		buf_free(&out);
	}
}

static void test_contains_count_iterate(void)
{
	struct seqset set;
	const char *err;
	struct seqset_iter it;
	uint32_t n, got[16] = {0};
	unsigned k = 0;

	seqset_init(&set, NULL);
	CU_ASSERT_EQUAL(seqset_parse(&set, "9,3:5,*", 7, &err), 0);
	CU_ASSERT(set.has_star);
	seqset_resolve(&set, 12);
	CU_ASSERT(!set.has_star);
	CU_ASSERT_EQUAL(seqset_count(&set), 5);
	CU_ASSERT_EQUAL(seqset_max(&set), 12);
	CU_ASSERT(seqset_contains(&set, 3));
	CU_ASSERT(seqset_contains(&set, 5));
	CU_ASSERT(seqset_contains(&set, 12));
	CU_ASSERT(!seqset_contains(&set, 6));
	CU_ASSERT(!seqset_contains(&set, 0));
	CU_ASSERT(!seqset_contains(&set, 13));
	seqset_iter_init(&it, &set);
	while (seqset_iter_next(&it, &n) && k < 16)
		got[k++] = n;
	CU_ASSERT_EQUAL(k, 5);
	CU_ASSERT(k == 5 && got[0] == 3 && got[1] == 4 && got[2] == 5 && got[3] == 9 &&
	          got[4] == 12);
	seqset_free(&set);
	CU_ASSERT_EQUAL(set.count, 0);
	CU_ASSERT_EQUAL(seqset_count(&set), 0);
	seqset_iter_init(&it, &set);
	CU_ASSERT(!seqset_iter_next(&it, &n));
}

/* The top of the UID range iterates without wrapping to 0. */
static void test_iterate_top(void)
{
	struct seqset set;
	struct seqset_iter it;
	uint32_t n = 0;
	unsigned k = 0;

	seqset_init(&set, NULL);
	seqset_add(&set, 4294967294u, 4294967295u);
	seqset_iter_init(&it, &set);
	while (seqset_iter_next(&it, &n))
		k++;
	CU_ASSERT_EQUAL(k, 2);
	CU_ASSERT_EQUAL(n, 4294967295u);
	CU_ASSERT_EQUAL(seqset_count(&set), 2);
	seqset_free(&set);
}

static void test_searchres(void)
{
	struct seqset set;
	const char *err;
	struct buf out = BUF_INIT;

	seqset_init(&set, NULL);
	CU_ASSERT_EQUAL(seqset_parse(&set, "$", 1, &err), 0);
	CU_ASSERT(set.searchres);
	CU_ASSERT_EQUAL(set.count, 0);
	seqset_format(&set, &out);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "$");
	buf_free(&out);
	seqset_free(&set);
}

/* COPYUID: source and destination sets built in step keep their order. */
static void test_add_and_format_copyuid(void)
{
	struct arena *a = arena_new(0);
	struct seqset src, dst;
	struct buf out = BUF_INIT;

	seqset_init(&src, a);
	seqset_init(&dst, a);
	static const uint32_t s[] = {3, 4, 5, 9, 20, 21};
	for (unsigned i = 0; i < 6; i++) {
		seqset_add(&src, s[i], s[i]);
		seqset_add(&dst, 100 + i, 100 + i);
	}
	CU_ASSERT(!src.normalised); /* adjacent singles: normalising will merge them */
	seqset_normalise(&src);
	seqset_normalise(&dst);
	seqset_format(&src, &out);
	buf_append_char(&out, ' ');
	seqset_format(&dst, &out);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "3:5,9,20:21 100:105");
	/* Unnormalised sets format as stored, stars included. */
	struct seqset raw;
	const char *err;
	seqset_init(&raw, a);
	CU_ASSERT_EQUAL(seqset_parse(&raw, "7,1:*,2", 7, &err), 0);
	buf_reset(&out);
	seqset_format(&raw, &out);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "7,1:*,2");
	for (int i = 0; i < 100; i++)
		seqset_add(&raw, (uint32_t)(1000 + 2 * i), (uint32_t)(1000 + 2 * i));
	seqset_resolve(&raw, 10);
	CU_ASSERT_EQUAL(raw.count, 101);
	CU_ASSERT_EQUAL(seqset_count(&raw), 110);
	buf_free(&out);
	seqset_free(&src);
	seqset_free(&dst);
	arena_free(&a);
}

static const struct unit_test seqset_tests[] = {
        {"parse_resolve", test_parse_resolve},
        {"contains_count_iterate", test_contains_count_iterate},
        {"iterate_top", test_iterate_top},
        {"searchres", test_searchres},
        {"add_and_format_copyuid", test_add_and_format_copyuid},
        {NULL, NULL},
};
UNIT_SUITE("seqset", seqset_tests)
