/*
 * plain_test.c - SASL PLAIN parsing: valid forms, NUL placement, length limits,
 * UTF-8, and wiping.
 */
#include "unit.h"

#include "auth/plain.h"

#include <string.h>

static int parse(const char *msg, size_t len, struct plain_creds *c, const char **err)
{
	return plain_parse(msg, len, c, err);
}

static void test_valid(void)
{
	struct plain_creds c;
	const char *err;
	CU_ASSERT_EQUAL(parse("\0user@example.test\0pencil", 25, &c, &err), 0);
	CU_ASSERT_STRING_EQUAL(c.authzid, "");
	CU_ASSERT_STRING_EQUAL(c.authcid, "user@example.test");
	CU_ASSERT_STRING_EQUAL(c.passwd, "pencil");
	CU_ASSERT_EQUAL(parse("admin\0user\0pass word", 20, &c, &err), 0);
	CU_ASSERT_STRING_EQUAL(c.authzid, "admin");
	CU_ASSERT_STRING_EQUAL(c.authcid, "user");
	CU_ASSERT_STRING_EQUAL(c.passwd, "pass word");
	CU_ASSERT_EQUAL(parse("\0j\xc3\xb6rg\0p\xc3\xa4ss", 12, &c, &err), 0);
	CU_ASSERT_STRING_EQUAL(c.authcid, "j\xc3\xb6rg");
	plain_creds_clear(&c);
	CU_ASSERT_EQUAL(c.passwd[0], '\0');
	CU_ASSERT_EQUAL(c.authcid[0], '\0');
}

static void test_nul_placement(void)
{
	struct plain_creds c;
	const char *err;
	CU_ASSERT_EQUAL(parse("", 0, &c, &err), -1);
	CU_ASSERT_EQUAL(parse("userpass", 8, &c, &err), -1); /* no NUL */
	CU_ASSERT_EQUAL(parse("\0userpass", 9, &c, &err), -1); /* one NUL */
	CU_ASSERT_EQUAL(parse("\0user\0pa\0ss", 11, &c, &err), -1); /* NUL in password */
	CU_ASSERT_STRING_EQUAL(err, "PLAIN: NUL inside the password");
	CU_ASSERT_EQUAL(parse("\0\0pass", 6, &c, &err), -1); /* empty authcid */
	CU_ASSERT_STRING_EQUAL(err, "PLAIN: authcid empty");
	CU_ASSERT_EQUAL(parse("\0user\0", 6, &c, &err), -1); /* empty password */
	CU_ASSERT_STRING_EQUAL(err, "PLAIN: password empty");
	CU_ASSERT_EQUAL(parse("\0\0\0", 3, &c, &err), -1);
	/* A failed parse leaves nothing behind. */
	CU_ASSERT_EQUAL(c.passwd[0], '\0');
}

static void test_lengths(void)
{
	struct plain_creds c;
	const char *err;
	char msg[600];
	memset(msg, 'a', sizeof(msg));
	/* authzid "", authcid 255 bytes, password 255 bytes: the maximum. */
	msg[0] = '\0';
	msg[256] = '\0';
	CU_ASSERT_EQUAL(parse(msg, 1 + 255 + 1 + 255, &c, &err), 0);
	CU_ASSERT_EQUAL(strlen(c.authcid), 255);
	CU_ASSERT_EQUAL(strlen(c.passwd), 255);
	CU_ASSERT_EQUAL(parse(msg, 1 + 255 + 1 + 256, &c, &err), -1);
	CU_ASSERT_STRING_EQUAL(err, "PLAIN: password too long");
	msg[256] = 'a';
	msg[257] = '\0';
	CU_ASSERT_EQUAL(parse(msg, 300, &c, &err), -1); /* authcid 256 */
	CU_ASSERT_STRING_EQUAL(err, "PLAIN: authcid too long");
	memset(msg, 'a', sizeof(msg));
	msg[256] = '\0';
	msg[260] = '\0';
	CU_ASSERT_EQUAL(parse(msg, 270, &c, &err), -1); /* authzid 256 */
	CU_ASSERT_STRING_EQUAL(err, "PLAIN: authzid too long");
}

static void test_utf8(void)
{
	struct plain_creds c;
	const char *err;
	CU_ASSERT_EQUAL(parse("\0us\xff"
	                      "er\0pass",
	                      10, &c, &err),
	                -1);
	CU_ASSERT_STRING_EQUAL(err, "PLAIN: authcid not UTF-8");
	CU_ASSERT_EQUAL(parse("\0user\0p\xc0\xaf", 9, &c, &err), -1); /* overlong '/' */
	CU_ASSERT_EQUAL(parse("\xe2\x82\0user\0pass", 12, &c, &err), -1); /* truncated */
}

static const struct unit_test plain_tests[] = {
        {"valid", test_valid},
        {"nul_placement", test_nul_placement},
        {"lengths", test_lengths},
        {"utf8", test_utf8},
        {NULL, NULL},
};
UNIT_SUITE("plain", plain_tests)
