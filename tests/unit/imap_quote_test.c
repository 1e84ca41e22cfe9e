/*
 * imap_quote_test.c - string output: atom / quoted / literal / literal8 choice,
 * nstring, mailbox names, and a round trip through the parser.
 */
#include "unit.h"

#include "base/buf.h"
#include "imap/parser.h"
#include "imap/quote.h"

#include <stdlib.h>
#include <string.h>

static void check_astring(const char *in, size_t len, unsigned flags, const char *want,
                          size_t want_len)
{
	struct buf out = BUF_INIT;
	imap_quote_astring(&out, in, len, flags);
	CU_ASSERT_EQUAL(out.len, want_len);
	CU_ASSERT(out.len == want_len && memcmp(buf_cstr(&out), want, want_len) == 0);
	buf_free(&out);
}

#define ASTR(in, flags, want) check_astring(in, sizeof(in) - 1, flags, want, sizeof(want) - 1)

static void test_astring_choice(void)
{
	ASTR("INBOX", 0, "INBOX");
	ASTR("a]b[c", 0, "a]b[c");
	ASTR("", 0, "\"\"");
	ASTR("NIL", 0, "\"NIL\"");
	ASTR("nil", 0, "\"nil\"");
	ASTR("a b", 0, "\"a b\"");
	ASTR("a\"b\\c", 0, "\"a\\\"b\\\\c\"");
	ASTR("a%b", 0, "\"a%b\"");
	ASTR("a*", 0, "\"a*\"");
	ASTR("\\Seen", 0, "\"\\\\Seen\"");
	ASTR("a{b", 0, "\"a{b\"");
	ASTR("a\r\nb", 0, "{4}\r\na\r\nb");
	ASTR("caf\xc3\xa9", 0, "{5}\r\ncaf\xc3\xa9");
	ASTR("caf\xc3\xa9", IMAP_QUOTE_UTF8, "\"caf\xc3\xa9\"");
	ASTR("caf\xc3", IMAP_QUOTE_UTF8, "{4}\r\ncaf\xc3");
	ASTR("a\0b", 0,
	     "{3}\r\na\x80"
	     "b");
	ASTR("a\0b", IMAP_QUOTE_BINARY, "~{3}\r\na\0b");
	ASTR("a\tb", 0, "\"a\tb\"");
}

static void test_long_and_nstring(void)
{
	struct buf out = BUF_INIT;
	char big[IMAP_QUOTE_MAX_QUOTED + 1];

	memset(big, 'x', sizeof(big));
	big[0] = ' ';
	imap_quote_string(&out, big, IMAP_QUOTE_MAX_QUOTED, 0);
	CU_ASSERT_EQUAL(out.data[0], '"');
	buf_reset(&out);
	imap_quote_string(&out, big, sizeof(big), 0);
	CU_ASSERT(strncmp(buf_cstr(&out), "{1025}\r\n ", 9) == 0);
	CU_ASSERT_EQUAL(out.len, 8 + sizeof(big));
	buf_reset(&out);
	imap_quote_nstring(&out, NULL, 0, 0);
	buf_append_char(&out, ' ');
	imap_quote_nstring(&out, "NIL", 3, 0);
	buf_append_char(&out, ' ');
	imap_quote_string(&out, "atom", 4, 0);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "NIL \"NIL\" \"atom\"");
	buf_free(&out);
}

static void test_mailbox(void)
{
	struct buf out = BUF_INIT;
	const char *err = NULL;

	CU_ASSERT_EQUAL(imap_quote_mailbox(&out, "Entw\xc3\xbcrfe", 9, 0, &err), 0);
	buf_append_char(&out, ' ');
	CU_ASSERT_EQUAL(imap_quote_mailbox(&out, "Entw\xc3\xbcrfe", 9, IMAP_QUOTE_UTF8, &err), 0);
	buf_append_char(&out, ' ');
	CU_ASSERT_EQUAL(imap_quote_mailbox(&out, "Sent Items", 10, 0, &err), 0);
	buf_append_char(&out, ' ');
	CU_ASSERT_EQUAL(imap_quote_mailbox(&out, "A&B", 3, 0, &err), 0);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out),
	                       "Entw&APw-rfe \"Entw\xc3\xbcrfe\" \"Sent Items\" A&-B");
	size_t len = out.len;
	CU_ASSERT_EQUAL(imap_quote_mailbox(&out, "\xff", 1, 0, &err), -1);
	CU_ASSERT_EQUAL(imap_quote_mailbox(&out, "\xff", 1, IMAP_QUOTE_UTF8, &err), -1);
	CU_ASSERT_EQUAL(out.len, len);
	buf_free(&out);
}

/* Whatever we write, the parser reads back the same bytes. */
static void test_round_trip_through_parser(void)
{
	static const char *const samples[] = {
	        "",    "INBOX", "NIL", "a b",  "\"", "\\", "a\r\nb",   "caf\xc3\xa9",
	        "x]y", "(",     "{5}", "~{1}", "%*", "\t", "\xff\xfe",
	};
	for (unsigned flags = 0; flags <= IMAP_QUOTE_UTF8; flags++) {
		for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
			struct buf line = BUF_INIT;
			size_t used, pos = 0, len = strlen(samples[i]);
			enum imap_parse_status st;
			struct imap_parser *p = imap_parser_new(NULL, flags ? IMAP_PARSER_UTF8 : 0);

			buf_append_str(&line, "t X ");
			imap_quote_astring(&line, samples[i], len, flags);
			buf_append_str(&line, "\r\n");
			while ((st = imap_parser_feed(p, line.data + pos, line.len - pos, &used)) ==
			       IMAP_PARSE_LITERAL) {
				pos += used;
				imap_parser_literal_accept(p);
			}
			CU_ASSERT_EQUAL(st, IMAP_PARSE_COMMAND);
			const struct imap_arg *a = imap_parser_command(p)->args;
			CU_ASSERT_PTR_NOT_NULL_FATAL(a);
			CU_ASSERT_NOT_EQUAL(a->type, IMAP_ARG_NIL);
			CU_ASSERT_EQUAL(a->len, len);
			CU_ASSERT(a->len == len && memcmp(a->str, samples[i], len) == 0);
			imap_parser_free(&p);
			buf_free(&line);
		}
	}
}

static const struct unit_test imap_quote_tests[] = {
        {"astring_choice", test_astring_choice},
        {"long_and_nstring", test_long_and_nstring},
        {"mailbox", test_mailbox},
        {"round_trip_through_parser", test_round_trip_through_parser},
        {NULL, NULL},
};
UNIT_SUITE("imap_quote", imap_quote_tests)
