/*
 * envelope_test.c - ENVELOPE rendering: field order, NIL rules, Sender/Reply-To
 * defaults, duplicates, quoting versus literals.
 */
#include "unit.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/envelope.h"
#include "imap/render_util.h"

#include <string.h>

static void check(const char *hdr, const char *want)
{
	struct arena *a = arena_new(0);
	struct buf b = BUF_INIT;
	envelope_render(&b, a, hdr, strlen(hdr));
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), want);
	if (strcmp(buf_cstr(&b), want) != 0)
		fprintf(stderr, "envelope: %s\n", buf_cstr(&b));
	buf_free(&b);
	arena_free(&a);
}

static void test_empty(void)
{
	check("", "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	check("X: y\r\n\r\n", "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
}

static void test_full(void)
{
	check("Message-ID: <m@x>\r\nIn-Reply-To: <p@x>\r\nBcc: b@x\r\nCc: c@x\r\nTo: t@x\r\n"
	      "Reply-To: r@x\r\nSender: s@x\r\nFrom: f@x\r\nSubject: s\r\nDate: d\r\n\r\n",
	      "(\"d\" \"s\" ((NIL NIL \"f\" \"x\")) ((NIL NIL \"s\" \"x\")) ((NIL NIL \"r\" "
	      "\"x\")) "
	      "((NIL NIL \"t\" \"x\")) ((NIL NIL \"c\" \"x\")) ((NIL NIL \"b\" \"x\")) \"<p@x>\" "
	      "\"<m@x>\")");
}

static void test_defaults_and_duplicates(void)
{
	/* Sender and Reply-To empty: From's value; duplicates: the first one counts. */
	check("From: A <a@x>\r\nFrom: B <b@x>\r\nSender: \r\nReply-To: (nothing)\r\n"
	      "Subject: one\r\nSubject: two\r\n",
	      "(NIL \"one\" ((\"A\" NIL \"a\" \"x\")) ((\"A\" NIL \"a\" \"x\")) "
	      "((\"A\" NIL \"a\" \"x\")) NIL NIL NIL NIL NIL)");
	/* Empty Date / Message-ID are NIL; an empty Subject is "". */
	check("Date:\r\nMessage-ID:  \r\nSubject:\r\n",
	      "(NIL \"\" NIL NIL NIL NIL NIL NIL NIL NIL)");
}

static void test_quoting(void)
{
	check("Subject: a \"quoted\" \\ word\r\n",
	      "(NIL \"a \\\"quoted\\\" \\\\ word\" NIL NIL NIL NIL NIL NIL NIL NIL)");
	check("Subject: caf\xc3\xa9\r\n",
	      "(NIL {5}\r\ncaf\xc3\xa9 NIL NIL NIL NIL NIL NIL NIL NIL)");
	check("Subject: folded\r\n line\r\n",
	      "(NIL \"folded line\" NIL NIL NIL NIL NIL NIL NIL NIL)");
	struct buf b = BUF_INIT;
	render_nstring(&b, NULL);
	render_string(&b, "");
	render_string(&b, "a\r\nb");
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "NIL\"\"{4}\r\na\r\nb");
	buf_free(&b);
}

static void test_group(void)
{
	check("To: list: a@x, b@y;, c@z\r\n",
	      "(NIL NIL NIL NIL NIL ((NIL NIL \"list\" NIL)(NIL NIL \"a\" \"x\")(NIL NIL \"b\" "
	      "\"y\")(NIL NIL NIL NIL)(NIL NIL \"c\" \"z\")) NIL NIL NIL NIL)");
}

static const struct unit_test tests[] = {
        {"empty header", test_empty},
        {"all fields in order", test_full},
        {"defaults and duplicates", test_defaults_and_duplicates},
        {"quoted strings and literals", test_quoting},
        {"groups", test_group},
        {NULL, NULL},
};
UNIT_SUITE("envelope", tests)
