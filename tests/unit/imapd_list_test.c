/*
 * imapd_list_test.c - cairn-imapd's LIST pattern match (list-tree.c): "*" and "%",
 * the INBOX case rule, and a pathological pattern that must stay fast (NFA, no
 * exponential backtracking).
 */
#include "unit.h"

#include "base/arena.h"
#include "imapd/list-tree.h"

#include <string.h>

static struct arena *pool;

static int match(const char *name, const char *pattern)
{
	return list_match(name, pattern, pool);
}

static void test_wildcards(void)
{
	pool = arena_new(0);
	CU_ASSERT(match("INBOX", "*"));
	CU_ASSERT(match("a/b/c", "*"));
	CU_ASSERT(match("a", "%"));
	CU_ASSERT(!match("a/b", "%"));
	CU_ASSERT(match("a/b", "a/%"));
	CU_ASSERT(!match("a/b/c", "a/%"));
	CU_ASSERT(match("a/b/c", "a/*"));
	CU_ASSERT(match("a/b/c", "a/%/c"));
	CU_ASSERT(match("abc", "a%c"));
	CU_ASSERT(match("ac", "a%c"));
	CU_ASSERT(!match("ab", "a%c"));
	CU_ASSERT(match("Sent", "Sent"));
	CU_ASSERT(!match("Sent", "sent"));
	CU_ASSERT(!match("Sentx", "Sent"));
	CU_ASSERT(match("", ""));
	CU_ASSERT(!match("a", ""));
	CU_ASSERT(match("Other Users/bob/x", "Other Users/%/%"));
	arena_free(&pool);
}

static void test_inbox_case(void)
{
	pool = arena_new(0);
	CU_ASSERT(match("INBOX", "inbox"));
	CU_ASSERT(match("INBOX/Sub", "Inbox/%"));
	CU_ASSERT(match("INBOX", "INB*"));
	CU_ASSERT(!match("INBOXES", "inbox"));
	CU_ASSERT(!match("Inbox-old", "inbox-old")); /* only INBOX itself is special */
	arena_free(&pool);
}

static void test_pathological(void)
{
	char name[1001], pattern[1025];
	pool = arena_new(0);
	memset(name, 'a', 1000);
	name[1000] = '\0';
	for (int i = 0; i < 1024; i += 2) {
		pattern[i] = '*';
		pattern[i + 1] = i % 4 ? '%' : 'a';
	}
	pattern[1023] = 'b';
	pattern[1024] = '\0';
	CU_ASSERT(!match(name, pattern)); /* a backtracking matcher would never finish */
	arena_free(&pool);
}

static const struct unit_test imapd_list_tests[] = {
        {"wildcards", test_wildcards},
        {"inbox_case", test_inbox_case},
        {"pathological", test_pathological},
        {NULL, NULL},
};
UNIT_SUITE("imapd_list", imapd_list_tests)
