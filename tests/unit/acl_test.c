/*
 * acl_test.c - RFC 4314 rights: parsing (with the obsolete c/d rights), SETACL
 * modifications, formatting, identifiers and the rights computation with owners,
 * groups, anyone, negative rights and foreign domains.
 */
#include "unit.h"

#include "base/arena.h"
#include "store/acl.h"

#include <string.h>

static unsigned parse_ok(const char *s)
{
	unsigned r = 0xdead;
	const char *error = NULL;
	CU_ASSERT_EQUAL(acl_rights_parse(s, &r, &error), 0);
	return r;
}

static const char *fmt(unsigned rights, int obsolete)
{
	static char out[ACL_RIGHTS_MAX];
	acl_rights_format(rights, obsolete, out);
	return out;
}

static void test_parse_and_format(void)
{
	CU_ASSERT_EQUAL(parse_ok(""), 0);
	CU_ASSERT_EQUAL(parse_ok("lr"), ACL_LOOKUP | ACL_READ);
	CU_ASSERT_EQUAL(parse_ok("lrswipkxtea"), ACL_ALL);
	/* order and repetition do not matter; output is canonical */
	CU_ASSERT_STRING_EQUAL(fmt(parse_ok("aerrl"), 0), "lrea");
	CU_ASSERT_STRING_EQUAL(fmt(ACL_ALL, 0), "lrswipkxtea");
	CU_ASSERT_STRING_EQUAL(fmt(0, 1), "");
}

static void test_obsolete_rights(void)
{
	CU_ASSERT_EQUAL(parse_ok("c"), ACL_CREATE);
	CU_ASSERT_EQUAL(parse_ok("d"), ACL_DELETE_MBOX | ACL_DELETE_MSG | ACL_EXPUNGE);
	CU_ASSERT_STRING_EQUAL(fmt(parse_ok("lrcd"), 0), "lrkxte");
	CU_ASSERT_STRING_EQUAL(fmt(parse_ok("lrcd"), 1), "lrkxtecd");
	CU_ASSERT_STRING_EQUAL(fmt(ACL_CREATE, 1), "kc");
	CU_ASSERT_STRING_EQUAL(fmt(ACL_EXPUNGE, 1), "ed");
	CU_ASSERT_STRING_EQUAL(fmt(ACL_READ, 1), "r");
}

static void test_malformed_rights(void)
{
	unsigned r = 0;
	const char *error = NULL;
	CU_ASSERT_EQUAL(acl_rights_parse("lrz", &r, &error), -4);
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "'z'"));
	CU_ASSERT_EQUAL(acl_rights_parse("L", &r, &error), -4); /* rights are lower-case */
	CU_ASSERT_EQUAL(acl_rights_parse("l r", &r, &error), -4);
	CU_ASSERT_EQUAL(acl_rights_parse("l\xff", &r, &error), -4);
	CU_ASSERT_EQUAL(acl_rights_parse("0", &r, &error), -4); /* no digit rights defined */
}

static void test_modify(void)
{
	enum acl_modify mod;
	unsigned r;
	const char *error;
	CU_ASSERT_EQUAL(acl_modify_parse("+wi", &mod, &r, &error), 0);
	CU_ASSERT_EQUAL(mod, ACL_MOD_ADD);
	CU_ASSERT_EQUAL(acl_modify_apply(ACL_LOOKUP, mod, r), ACL_LOOKUP | ACL_WRITE | ACL_INSERT);
	CU_ASSERT_EQUAL(acl_modify_parse("-l", &mod, &r, &error), 0);
	CU_ASSERT_EQUAL(mod, ACL_MOD_REMOVE);
	CU_ASSERT_EQUAL(acl_modify_apply(ACL_LOOKUP | ACL_READ, mod, r), ACL_READ);
	CU_ASSERT_EQUAL(acl_modify_parse("r", &mod, &r, &error), 0);
	CU_ASSERT_EQUAL(mod, ACL_MOD_REPLACE);
	CU_ASSERT_EQUAL(acl_modify_apply(ACL_ALL, mod, r), ACL_READ);
	CU_ASSERT_EQUAL(acl_modify_parse("+q", &mod, &r, &error), -4);
}

static void test_identifiers(void)
{
	struct arena *a = arena_new(0);
	const char *id, *error;
	int neg;
	CU_ASSERT_EQUAL(acl_identifier_parse("anyone", a, &id, &neg, &error), 0);
	CU_ASSERT_STRING_EQUAL(id, "anyone");
	CU_ASSERT_EQUAL(neg, 0);
	CU_ASSERT_EQUAL(acl_identifier_parse("-Bob@Example.ORG", a, &id, &neg, &error), 0);
	CU_ASSERT_STRING_EQUAL(id, "bob@example.org");
	CU_ASSERT_EQUAL(neg, 1);
	CU_ASSERT_EQUAL(acl_identifier_parse("$Staff@example.org", a, &id, &neg, &error), 0);
	CU_ASSERT_STRING_EQUAL(id, "$staff@example.org");
	CU_ASSERT_EQUAL(acl_identifier_parse("bob", a, &id, &neg, &error), -4);
	CU_ASSERT_EQUAL(acl_identifier_parse("bob@", a, &id, &neg, &error), -4);
	CU_ASSERT_EQUAL(acl_identifier_parse("b b@x.org", a, &id, &neg, &error), -4);
	CU_ASSERT_EQUAL(acl_identifier_parse("", a, &id, &neg, &error), -4);
	arena_free(&a);
}

static const char *const staff[] = {"$staff@example.org"};

static void test_compute_owner(void)
{
	struct acl_subject owner = {"alice@example.org", NULL, 0, 1, 1};
	/* no entry: everything */
	CU_ASSERT_EQUAL(acl_rights_compute(NULL, 0, &owner), ACL_ALL);
	/* an entry naming the owner limits it, but l and a stay */
	struct acl_entry e[] = {{"alice@example.org", 0, ACL_READ}};
	CU_ASSERT_EQUAL(acl_rights_compute(e, 1, &owner), ACL_READ | ACL_LOOKUP | ACL_ADMIN);
	/* negative rights apply to the owner too, except l and a */
	struct acl_entry n[] = {{"anyone", 1, ACL_WRITE | ACL_LOOKUP}};
	CU_ASSERT_EQUAL(acl_rights_compute(n, 1, &owner), ACL_ALL & ~ACL_WRITE);
}

static void test_compute_others(void)
{
	struct acl_entry e[] = {
	        {"anyone", 0, ACL_LOOKUP},
	        {"$staff@example.org", 0, ACL_READ | ACL_SEEN | ACL_INSERT},
	        {"bob@example.org", 0, ACL_WRITE},
	        {"bob@example.org", 1, ACL_INSERT},
	        {"anonymous", 0, ACL_READ},
	};
	struct acl_subject bob = {"bob@example.org", staff, 1, 0, 1};
	CU_ASSERT_EQUAL(acl_rights_compute(e, 5, &bob),
	                ACL_LOOKUP | ACL_READ | ACL_SEEN | ACL_WRITE);
	struct acl_subject carol = {"carol@example.org", NULL, 0, 0, 1};
	CU_ASSERT_EQUAL(acl_rights_compute(e, 5, &carol), ACL_LOOKUP);
	struct acl_subject dave = {"dave@example.org", staff, 1, 0, 1};
	CU_ASSERT_EQUAL(acl_rights_compute(e, 5, &dave),
	                ACL_LOOKUP | ACL_READ | ACL_SEEN | ACL_INSERT);
	/* another domain sees nothing, even through "anyone" */
	struct acl_subject eve = {"eve@other.test", NULL, 0, 0, 0};
	CU_ASSERT_EQUAL(acl_rights_compute(e, 5, &eve), 0);
	/* anonymous matches anyone and anonymous */
	struct acl_subject anon = {NULL, NULL, 0, 0, 1};
	CU_ASSERT_EQUAL(acl_rights_compute(e, 5, &anon), ACL_LOOKUP | ACL_READ);
	/* a group entry does not match a user of the same name */
	struct acl_entry g[] = {{"$bob@example.org", 0, ACL_READ}};
	struct acl_subject bob2 = {"bob@example.org", NULL, 0, 0, 1};
	CU_ASSERT_EQUAL(acl_rights_compute(g, 1, &bob2), 0);
}

static const struct unit_test acl_tests[] = {
        {"parse_and_format", test_parse_and_format}, {"obsolete_rights", test_obsolete_rights},
        {"malformed_rights", test_malformed_rights}, {"modify", test_modify},
        {"identifiers", test_identifiers},           {"compute_owner", test_compute_owner},
        {"compute_others", test_compute_others},     {NULL, NULL},
};
UNIT_SUITE("acl", acl_tests)
