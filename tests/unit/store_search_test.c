/*
 * store_search_test.c - SEARCH keys to SQL (lib/store/mailbox_search.c) without a
 * database: client text only ever as parameters, the tree's shape in the WHERE
 * text, date arithmetic before 1970, and the depth and parameter limits.  The
 * e2e suites run the same SQL against PostgreSQL.
 */
#include "unit.h"

#include "base/arena.h"
#include "store/mailbox_search.h"
#include "store/store-result.h"

#include <stdio.h>
#include <string.h>

static struct arena *arena;

static int search_init(void)
{
	arena = arena_new(16384);
	return 0;
}

static int search_cleanup(void)
{
	arena_free(&arena);
	return 0;
}

struct built {
	int r;
	const char *sql;
	const char *const *params;
	int n;
	const char *error;
};

static struct built build(const struct search_key *k)
{
	struct built b = {0};
	b.r = mailbox_search_sql(42, 7, 1000, k, arena, &b.sql, &b.params, &b.n, &b.error);
	return b;
}

/* The WHERE text the key added (between "IS NOT NULL AND (" and ") ORDER BY"). */
static const char *where_of(const struct built *b)
{
	const char *start = strstr(b->sql, "IS NOT NULL AND (");
	const char *end = strstr(b->sql, ") ORDER BY mm.uid");
	CU_ASSERT_PTR_NOT_NULL_FATAL(start);
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	start += strlen("IS NOT NULL AND (");
	return arena_strndup(arena, start, (size_t)(end - start));
}

static void test_fixed_params(void)
{
	struct search_key all = {.type = SEARCH_ALL};
	struct built b = build(&all);
	CU_ASSERT_EQUAL_FATAL(b.r, 0);
	CU_ASSERT_EQUAL(b.n, 3);
	CU_ASSERT_STRING_EQUAL(b.params[0], "42");
	CU_ASSERT_STRING_EQUAL(b.params[1], "7");
	CU_ASSERT_STRING_EQUAL(b.params[2], "1000");
	CU_ASSERT_STRING_EQUAL(where_of(&b), "true");
	CU_ASSERT(strstr(b.sql, "mm.mailbox_id = $1::int8") != NULL);
	CU_ASSERT(strstr(b.sql, "mm.uid <= $3::int8") != NULL);
}

/* Nothing the client typed reaches the SQL text: quotes, backslashes, dollar signs. */
static void test_client_text_only_as_parameters(void)
{
	static const char *const evil[] = {"'; DROP TABLE messages; --", "\\' OR 1=1", "$1", "%s%n",
	                                   "E'\\x27'"};
	for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		struct search_key subj = {
		        .type = SEARCH_HEADER, .field = "Subject", .value = evil[i]};
		struct search_key other = {
		        .type = SEARCH_HEADER, .field = evil[i], .value = evil[i]};
		struct search_key body = {.type = SEARCH_TEXT, .value = evil[i]};
		subj.next = &other;
		other.next = &body;
		struct search_key and = {.type = SEARCH_AND, .children = &subj};
		struct built b = build(&and);
		CU_ASSERT_EQUAL_FATAL(b.r, 0);
		CU_ASSERT(strstr(b.sql, evil[i]) == NULL || strcmp(evil[i], "$1") == 0);
		/* subject 1, other field 2 (field, value), TEXT 2 (header and body) */
		CU_ASSERT_EQUAL(b.n, 3 + 1 + 2 + 2);
		for (int p = 3; p < b.n; p++)
			CU_ASSERT_STRING_EQUAL(b.params[p], evil[i]);
	}
}

static void test_header_columns(void)
{
	struct search_key from = {.type = SEARCH_HEADER, .field = "FROM", .value = "alice"};
	struct built b = build(&from);
	CU_ASSERT_STRING_EQUAL(where_of(&b), "coalesce(strpos(lower(m.from_addr), lower($4)) > 0, "
	                                     "false)");
	/* An empty value means "has the field": the decoded header lines, not the column. */
	struct search_key has = {.type = SEARCH_HEADER, .field = "FROM", .value = ""};
	b = build(&has);
	CU_ASSERT(strstr(where_of(&b), "m.search_headers") != NULL);
	CU_ASSERT_EQUAL(b.n, 5);
	struct search_key body = {.type = SEARCH_BODY, .value = "x"};
	b = build(&body);
	CU_ASSERT(strstr(where_of(&b), "m.search_text") != NULL);
	CU_ASSERT(strstr(where_of(&b), "m.search_headers") == NULL);
}

static void test_tree_shape(void)
{
	struct search_key seen = {.type = SEARCH_FLAGS_SET, .mask = 1};
	struct search_key not = {.type = SEARCH_NOT, .children = &seen};
	struct built b = build(&not );
	CU_ASSERT_PTR_NOT_NULL(strstr(where_of(&b), "NOT (("));
	CU_ASSERT_PTR_NOT_NULL(strstr(where_of(&b), " & 1) = 1)"));
	struct search_key big = {.type = SEARCH_LARGER, .num = 5000};
	struct search_key kw = {.type = SEARCH_UNKEYWORD, .num = 9};
	big.next = &kw;
	struct search_key or = {.type = SEARCH_OR, .children = &big};
	b = build(& or);
	CU_ASSERT_STRING_EQUAL(where_of(&b),
	                       "(m.size > $4::int8 OR NOT ($5::int8 = ANY(mm.keywords)))");
	CU_ASSERT_STRING_EQUAL(b.params[3], "5000");
	CU_ASSERT_STRING_EQUAL(b.params[4], "9");
	struct search_key empty_and = {.type = SEARCH_AND}, empty_or = {.type = SEARCH_OR};
	b = build(&empty_and);
	CU_ASSERT_STRING_EQUAL(where_of(&b), "(true)");
	b = build(&empty_or);
	CU_ASSERT_STRING_EQUAL(where_of(&b), "(false)");
}

/* SENT*: whole days since 1970 rounded towards minus infinity, also before 1970. */
static void test_sent_days(void)
{
	static const struct {
		int64_t t;
		const char *day;
	} cases[] = {{0, "0"},       {86399, "0"},   {86400, "1"},         {-1, "-1"},
	             {-86400, "-1"}, {-86401, "-2"}, {1700006400, "19676"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct search_key on = {.type = SEARCH_SENTON, .num = cases[i].t};
		struct built b = build(&on);
		CU_ASSERT_EQUAL_FATAL(b.r, 0);
		CU_ASSERT_STRING_EQUAL(b.params[3], cases[i].day);
		CU_ASSERT(strstr(where_of(&b), "m.sent_day = date '1970-01-01' + $4::int4") !=
		          NULL);
	}
	struct search_key before = {.type = SEARCH_BEFORE, .num = 86400};
	struct built b = build(&before);
	CU_ASSERT_STRING_EQUAL(where_of(&b),
	                       "coalesce(mm.internaldate < to_timestamp($4::int8), false)");
}

static void test_limits(void)
{
	/* 300 nested NOTs: refused, not a stack overflow or a 300-level SQL text. */
	struct search_key *keys = arena_alloc(arena, 301 * sizeof(*keys));
	memset(keys, 0, 301 * sizeof(*keys));
	for (int i = 0; i < 300; i++)
		keys[i] = (struct search_key){.type = SEARCH_NOT, .children = &keys[i + 1]};
	keys[300].type = SEARCH_ALL;
	struct built b = build(&keys[0]);
	CU_ASSERT_EQUAL(b.r, STORE_EINVAL);
	CU_ASSERT(strstr(b.error, "nested too deeply") != NULL);
	/* 1001 values: more parameters than one query may carry. */
	struct search_key *vals = arena_alloc(arena, 1001 * sizeof(*vals));
	memset(vals, 0, 1001 * sizeof(*vals));
	for (int i = 0; i < 1001; i++)
		vals[i] = (struct search_key){
		        .type = SEARCH_BODY, .value = "v", .next = i < 1000 ? &vals[i + 1] : NULL};
	struct search_key and = {.type = SEARCH_AND, .children = vals};
	b = build(&and);
	CU_ASSERT_EQUAL(b.r, STORE_EINVAL);
	CU_ASSERT(strstr(b.error, "too large") != NULL);
	vals[996].next = NULL; /* 997 values + 3 fixed = 1000: fits */
	b = build(&and);
	CU_ASSERT_EQUAL(b.r, 0);
	CU_ASSERT_EQUAL(b.n, 1000);
}

static const struct unit_test store_search_tests[] = {
        {"fixed_params", test_fixed_params},
        {"client_text_only_as_parameters", test_client_text_only_as_parameters},
        {"header_columns", test_header_columns},
        {"tree_shape", test_tree_shape},
        {"sent_days", test_sent_days},
        {"limits", test_limits},
        {NULL, NULL},
};
UNIT_SUITE_FULL("store_search", store_search_tests, search_init, search_cleanup)
