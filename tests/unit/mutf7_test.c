/*
 * mutf7_test.c - modified UTF-7 decode/encode (RFC 3501 5.1.3 examples, strict
 * rejections, round trips) and the mailbox-name rules.
 */
#include "unit.h"

#include "base/buf.h"
#include "imap/imap_utf8.h"
#include "imap/mutf7.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *mutf7, *utf8;
} mutf7_pairs[] = {
        {"INBOX", "INBOX"},
        {"&-", "&"},
        {"a&-b&-&-", "a&b&&"},
        {"Entw&APw-rfe", "Entw\xc3\xbcrfe"},
        {"&ZeVnLIqe-", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"},
        {"~peter/mail/&U,BTFw-/&ZeVnLIqe-",
         "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"},
        {"&2D3eAA-", "\xf0\x9f\x98\x80"},
        {"&AOk-&-", "\xc3\xa9&"},
        {"&AAk-", "\t"}, /* controls are encoded; the name check refuses them later */
        {"", ""},
};

static void test_decode_encode_pairs(void)
{
	for (size_t i = 0; i < sizeof(mutf7_pairs) / sizeof(mutf7_pairs[0]); i++) {
		struct buf out = BUF_INIT;
		const char *err = NULL;
		const char *m = mutf7_pairs[i].mutf7, *u = mutf7_pairs[i].utf8;

		CU_ASSERT_EQUAL(mutf7_decode(m, strlen(m), &out, &err), 0);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&out), u);
		buf_reset(&out);
		CU_ASSERT_EQUAL(mutf7_encode(u, strlen(u), &out, &err), 0);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&out), m);
		buf_free(&out);
	}
}

static void test_decode_rejects(void)
{
	static const char *const bad[] = {
	        "&", /* unterminated */
	        "&AOk", /* unterminated */
	        "&Jjo!-", /* not base64 */
	        "&U,BTFw-&ZeVnLIqe-", /* two shifts back to back */
	        "&AGE-", /* 'a' must be written directly */
	        "&ACY-", /* '&' must be "&-" */
	        "&AAA-", /* U+0000 */
	        "&2D0-", /* lone high surrogate */
	        "&3gA-", /* lone low surrogate */
	        "&3gDYPQ-", /* low then high */
	        "&AOkA-", /* a spare sextet: non-minimal */
	        "&AOl-", /* non-zero padding bits */
	        "&A-", /* too short for one UTF-16 unit */
	        "caf\xc3\xa9", /* 8-bit: not mUTF-7 */
	        "a\tb", /* raw control */
	        "a\r\nb", /* raw CR LF */
	        "&AOk/-", /* '/' is not in the modified alphabet */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf out = BUF_INIT;
		const char *err = NULL;
		CU_ASSERT_EQUAL(mutf7_decode(bad[i], strlen(bad[i]), &out, &err), -1);
		CU_ASSERT_PTR_NOT_NULL(err);
		buf_free(&out);
	}
	struct buf out = BUF_INIT;
	const char *err = NULL;
	CU_ASSERT_EQUAL(mutf7_decode("a\0b", 3, &out, &err), -1);
	buf_free(&out);
}

static void test_encode_rejects(void)
{
	static const char *const bad[] = {"\xff", "\xc3", "\xed\xa0\x80", "\xc0\x80", "a\xe6\x97"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf out = BUF_INIT;
		const char *err = NULL;
		CU_ASSERT_EQUAL(mutf7_encode(bad[i], strlen(bad[i]), &out, &err), -1);
		CU_ASSERT_STRING_EQUAL(err, "Mailbox name is not valid UTF-8");
		buf_free(&out);
	}
	struct buf out = BUF_INIT;
	const char *err = NULL;
	CU_ASSERT_EQUAL(mutf7_encode("a\0b", 3, &out, &err), -1);
	buf_free(&out);
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* Random strings of assorted code points: decode(encode(x)) == x, encode(decode) too. */
static void test_round_trip(void)
{
	static const uint32_t pool[] = {'a',     '&',      '-',   ' ',    '~',
	                                0x7f,    0x1,      0xe9,  0x65e5, 0xfffd,
	                                0x1f600, 0x10ffff, 0x800, 0xd7ff, 0xe000};
	for (int iter = 0; iter < 2000; iter++) {
		struct buf u = BUF_INIT, m = BUF_INIT, back = BUF_INIT, again = BUF_INIT;
		const char *err = NULL;
		unsigned n = rnd() % 12;
		for (unsigned i = 0; i < n; i++) {
			uint32_t cp = pool[rnd() % (sizeof(pool) / sizeof(pool[0]))];
			imap_utf8_encode(cp, &u);
		}
		CU_ASSERT_EQUAL_FATAL(mutf7_encode(u.data ? u.data : "", u.len, &m, &err), 0);
		CU_ASSERT_EQUAL_FATAL(mutf7_decode(m.data ? m.data : "", m.len, &back, &err), 0);
		CU_ASSERT_EQUAL(back.len, u.len);
		CU_ASSERT(memcmp(buf_cstr(&back), buf_cstr(&u), u.len) == 0);
		CU_ASSERT_EQUAL(mutf7_encode(back.data ? back.data : "", back.len, &again, &err),
		                0);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&again), buf_cstr(&m));
		buf_free(&u);
		buf_free(&m);
		buf_free(&back);
		buf_free(&again);
	}
}

static void test_mailbox_name_rules(void)
{
	static const char *const good[] = {"INBOX",           "a/b/c", "..",  "a/../b",
	                                   "Entw\xc3\xbcrfe", "%",     "a b", "[Gmail]/Sent Mail"};
	static const char *const bad[] = {
	        "",     "/a",   "a/",        "a//b", "/",        "a\rb",          "a\nb",
	        "a\tb", "\x7f", "a\xc2\x85", "\xff", "\xc0\xaf", "a/\xed\xa0\x80"};
	const char *err;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CU_ASSERT_EQUAL(imap_mailbox_name_check(good[i], strlen(good[i]), '/', &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		CU_ASSERT_EQUAL(imap_mailbox_name_check(bad[i], strlen(bad[i]), '/', &err), -1);
		CU_ASSERT_PTR_NOT_NULL(err);
	}
	CU_ASSERT_EQUAL(imap_mailbox_name_check("a\0b", 3, '/', &err), -1);
	CU_ASSERT_STRING_EQUAL(err, "Mailbox name contains control characters");

	char *name = malloc(IMAP_MAILBOX_NAME_MAX_LEN + 1);
	memset(name, 'x', IMAP_MAILBOX_NAME_MAX_LEN + 1);
	CU_ASSERT_EQUAL(imap_mailbox_name_check(name, IMAP_MAILBOX_NAME_MAX_LEN, '/', &err), 0);
	CU_ASSERT_EQUAL(imap_mailbox_name_check(name, IMAP_MAILBOX_NAME_MAX_LEN + 1, '/', &err),
	                -1);
	CU_ASSERT_STRING_EQUAL(err, "Mailbox name too long");
	free(name);

	struct buf deep = BUF_INIT;
	for (int i = 0; i < IMAP_MAILBOX_MAX_LEVELS; i++)
		buf_append_str(&deep, i ? "/x" : "x");
	CU_ASSERT_EQUAL(imap_mailbox_name_check(deep.data, deep.len, '/', &err), 0);
	buf_append_str(&deep, "/x");
	CU_ASSERT_EQUAL(imap_mailbox_name_check(deep.data, deep.len, '/', &err), -1);
	CU_ASSERT_STRING_EQUAL(err, "Mailbox name has too many hierarchy levels");
	buf_free(&deep);
}

static const struct unit_test mutf7_tests[] = {
        {"decode_encode_pairs", test_decode_encode_pairs}, {"decode_rejects", test_decode_rejects},
        {"encode_rejects", test_encode_rejects},           {"round_trip", test_round_trip},
        {"mailbox_name_rules", test_mailbox_name_rules},   {NULL, NULL},
};
UNIT_SUITE("mutf7", mutf7_tests)
