/*
 * imap_args_test.c - typed getters over parsed arguments (args.h) and the flag
 * helpers (flags.h).
 */
#include "unit.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/args.h"
#include "imap/flags.h"
#include "imap/parser.h"
#include "imap/seqset.h"

#include <stdio.h>
#include <string.h>

static struct imap_parser *args_parser;
static struct arena *args_arena;

/* Parse one command line (literals accepted) and return its first argument. */
static const struct imap_arg *parse_args(const char *line, unsigned flags)
{
	size_t pos = 0, len = strlen(line), used;
	enum imap_parse_status st;

	imap_parser_free(&args_parser);
	args_parser = imap_parser_new(NULL, flags);
	while ((st = imap_parser_feed(args_parser, line + pos, len - pos, &used)) ==
	       IMAP_PARSE_LITERAL) {
		pos += used;
		imap_parser_literal_accept(args_parser);
	}
	CU_ASSERT_EQUAL_FATAL(st, IMAP_PARSE_COMMAND);
	return imap_parser_command(args_parser)->args;
}

static int args_init(void)
{
	args_arena = arena_new(0);
	return 0;
}

static int args_cleanup(void)
{
	imap_parser_free(&args_parser);
	arena_free(&args_arena);
	return 0;
}

static void test_strings(void)
{
	const struct imap_arg *a =
	        parse_args("t X INBOX \"q s\" {3}\r\nlit NIL a%b \\Seen () ~{2}\r\nhi\r\n", 0);
	const char *s;
	size_t len;

	CU_ASSERT(imap_arg_get_astring(a, &s, &len) && strcmp(s, "INBOX") == 0 && len == 5);
	CU_ASSERT(imap_arg_is_atom(a, "inbox"));
	CU_ASSERT(!imap_arg_get_string(a, &s, &len));
	a = a->next;
	CU_ASSERT(imap_arg_get_astring(a, &s, &len) && strcmp(s, "q s") == 0);
	CU_ASSERT(imap_arg_get_string(a, &s, &len));
	CU_ASSERT(!imap_arg_is_atom(a, "q s"));
	a = a->next;
	CU_ASSERT(imap_arg_get_astring(a, &s, &len) && strcmp(s, "lit") == 0 && len == 3);
	CU_ASSERT(imap_arg_get_nstring(a, &s, &len) && strcmp(s, "lit") == 0);
	a = a->next; /* NIL */
	CU_ASSERT(imap_arg_get_astring(a, &s, &len) && strcmp(s, "NIL") == 0);
	CU_ASSERT(imap_arg_get_nstring(a, &s, &len) && s == NULL && len == 0);
	CU_ASSERT(!imap_arg_get_string(a, &s, &len));
	a = a->next; /* a%b: an atom, not an astring */
	CU_ASSERT(!imap_arg_get_astring(a, &s, &len));
	CU_ASSERT(imap_arg_get_atom(a, &s) && strcmp(s, "a%b") == 0);
	a = a->next; /* \Seen */
	CU_ASSERT(!imap_arg_get_astring(a, &s, &len));
	a = a->next; /* () */
	const struct imap_arg *first = a;
	unsigned count = 99;
	CU_ASSERT(imap_arg_get_list(a, &first, &count) && first == NULL && count == 0);
	CU_ASSERT(!imap_arg_get_astring(a, &s, &len));
	a = a->next; /* literal8: not a string */
	CU_ASSERT(a->literal8);
	CU_ASSERT(!imap_arg_get_astring(a, &s, &len));
	CU_ASSERT(!imap_arg_get_nstring(NULL, &s, &len));
}

static void test_numbers(void)
{
	const struct imap_arg *a = parse_args("t X 0 007 4294967295 4294967296 9223372036854775807 "
	                                      "9223372036854775808 -1 \"5\"\r\n",
	                                      0);
	uint32_t n;
	uint64_t n64;

	CU_ASSERT(imap_arg_get_number(a, &n) && n == 0);
	CU_ASSERT(!imap_arg_get_nz_number(a, &n));
	a = a->next;
	CU_ASSERT(imap_arg_get_number(a, &n) && n == 7);
	CU_ASSERT(!imap_arg_get_nz_number(a, &n));
	a = a->next;
	CU_ASSERT(imap_arg_get_nz_number(a, &n) && n == 4294967295u);
	a = a->next;
	CU_ASSERT(!imap_arg_get_number(a, &n));
	CU_ASSERT(imap_arg_get_number64(a, &n64) && n64 == 4294967296ULL);
	a = a->next;
	CU_ASSERT(imap_arg_get_number64(a, &n64) && n64 == 9223372036854775807ULL);
	a = a->next;
	CU_ASSERT(!imap_arg_get_number64(a, &n64));
	a = a->next;
	CU_ASSERT(!imap_arg_get_number(a, &n));
	a = a->next;
	CU_ASSERT(!imap_arg_get_number(a, &n)); /* quoted: not a number */
}

static void test_seqset_arg(void)
{
	const struct imap_arg *a = parse_args("t X 1:3,* $ \"1\" 0\r\n", 0);
	struct seqset set;
	const char *err;

	seqset_init(&set, args_arena);
	CU_ASSERT_EQUAL(imap_arg_get_seqset(a, &set, &err), 0);
	seqset_resolve(&set, 10);
	CU_ASSERT_EQUAL(seqset_count(&set), 4);
	seqset_init(&set, args_arena);
	CU_ASSERT_EQUAL(imap_arg_get_seqset(a->next, &set, &err), 0);
	CU_ASSERT(set.searchres);
	CU_ASSERT_EQUAL(imap_arg_get_seqset(a->next->next, &set, &err), -1);
	CU_ASSERT_EQUAL(imap_arg_get_seqset(a->next->next->next, &set, &err), -1);
}

static void test_mailbox_arg(void)
{
	const struct imap_arg *a = parse_args("t X inbox Entw&APw-rfe \"a//b\" /a &AGE- &Jjo "
	                                      "\"a\\\\b\" {3}\r\na\rb iNbOx/x\r\n",
	                                      0);
	const char *name, *err;
	size_t len;

	CU_ASSERT_EQUAL(imap_arg_get_mailbox(a, false, args_arena, &name, &len, &err), 0);
	CU_ASSERT_STRING_EQUAL(name, "INBOX");
	a = a->next;
	CU_ASSERT_EQUAL(imap_arg_get_mailbox(a, false, args_arena, &name, &len, &err), 0);
	CU_ASSERT_STRING_EQUAL(name, "Entw\xc3\xbcrfe");
	CU_ASSERT_EQUAL(len, 9);
	/* Under UTF8=ACCEPT the same bytes are a literal name. */
	CU_ASSERT_EQUAL(imap_arg_get_mailbox(a, true, args_arena, &name, &len, &err), 0);
	CU_ASSERT_STRING_EQUAL(name, "Entw&APw-rfe");
	static const char *const errors[] = {
	        "Mailbox name has an empty hierarchy level",
	        "Mailbox name begins or ends with the hierarchy separator",
	        "Mailbox name encodes printable ASCII in base64 (mUTF-7)",
	        "Mailbox name has an unterminated mUTF-7 shift",
	        NULL, /* a\b: allowed */
	        "Mailbox name has a control or 8-bit character (mUTF-7)",
	        NULL, /* iNbOx/x: only INBOX itself is case-insensitive */
	};
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		a = a->next;
		err = NULL;
		int ret = imap_arg_get_mailbox(a, false, args_arena, &name, &len, &err);
		CU_ASSERT_EQUAL(ret, errors[i] ? -1 : 0);
		if (errors[i] != NULL && err != NULL && strcmp(err, errors[i]) != 0)
			fprintf(stderr, "\nmailbox case %zu: got \"%s\"\n", i, err);
		if (errors[i] != NULL && err != NULL)
			CU_ASSERT_STRING_EQUAL(err, errors[i]);
	}
	CU_ASSERT_STRING_EQUAL(name, "iNbOx/x");
	a = parse_args("t X {3}\r\na\rb {3}\r\na\nb\r\n", IMAP_PARSER_UTF8);
	CU_ASSERT_EQUAL(imap_arg_get_mailbox(a, true, args_arena, &name, &len, &err), -1);
	CU_ASSERT_STRING_EQUAL(err, "Mailbox name contains control characters");
	CU_ASSERT_EQUAL(imap_arg_get_mailbox(a->next, true, args_arena, &name, &len, &err), -1);
	CU_ASSERT_STRING_EQUAL(err, "Mailbox name contains control characters");
	a = parse_args("t X \"caf\xc3\xa9\" (x)\r\n", IMAP_PARSER_UTF8);
	CU_ASSERT_EQUAL(imap_arg_get_mailbox(a, true, args_arena, &name, &len, &err), 0);
	CU_ASSERT_STRING_EQUAL(name, "caf\xc3\xa9");
	CU_ASSERT_EQUAL(imap_arg_get_mailbox(a, false, args_arena, &name, &len, &err), -1);
	CU_ASSERT_EQUAL(imap_arg_get_mailbox(a->next, false, args_arena, &name, &len, &err), -1);
	CU_ASSERT_STRING_EQUAL(err, "Invalid mailbox name");
}

static void test_list_pattern(void)
{
	const struct imap_arg *a = parse_args("t LIST \"\" %/Entw&APw-* * \"a\\\\\" \\x\r\n", 0);
	const char *pat, *err;
	size_t len;

	CU_ASSERT_EQUAL(imap_arg_get_list_pattern(a, false, args_arena, &pat, &len, &err), 0);
	CU_ASSERT_EQUAL(len, 0);
	a = a->next;
	CU_ASSERT_EQUAL(imap_arg_get_list_pattern(a, false, args_arena, &pat, &len, &err), 0);
	CU_ASSERT_STRING_EQUAL(pat, "%/Entw\xc3\xbc*");
	a = a->next;
	CU_ASSERT_EQUAL(imap_arg_get_list_pattern(a, false, args_arena, &pat, &len, &err), 0);
	CU_ASSERT_STRING_EQUAL(pat, "*");
	a = a->next;
	CU_ASSERT_EQUAL(imap_arg_get_list_pattern(a, false, args_arena, &pat, &len, &err), 0);
	CU_ASSERT_STRING_EQUAL(pat, "a\\");
	a = a->next;
	CU_ASSERT_EQUAL(imap_arg_get_list_pattern(a, false, args_arena, &pat, &len, &err), -1);
	/* Well framed but not modified UTF-7: names nothing (1), not an error. */
	a = parse_args("t LIST \"\" !#$&'+,-.:;<=>?@^_`|[}%* &Jjo\r\n", 0);
	CU_ASSERT_EQUAL(imap_arg_get_list_pattern(a, false, args_arena, &pat, &len, &err), 0);
	a = a->next;
	CU_ASSERT_EQUAL(imap_arg_get_list_pattern(a, false, args_arena, &pat, &len, &err), 1);
	a = a->next;
	CU_ASSERT_EQUAL(imap_arg_get_list_pattern(a, false, args_arena, &pat, &len, &err), 1);
}

static void test_flags_arg(void)
{
	const struct imap_arg *a =
	        parse_args("t STORE 1 FLAGS (\\Seen $Junk \\flagged $junk \\Recent) \\Deleted kw "
	                   "(\\Foo) (\\*) (a]b) ((x)) (\"kw\")\r\n",
	                   0);
	struct imap_flag_set fs;
	const char *err;

	a = a->next->next;
	CU_ASSERT_EQUAL(imap_arg_get_flags(a, args_arena, &fs, &err), 0);
	CU_ASSERT_EQUAL(fs.system, IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED | IMAP_FLAG_RECENT);
	CU_ASSERT_EQUAL(fs.keyword_count, 1);
	CU_ASSERT_STRING_EQUAL(fs.keywords[0], "$Junk");
	a = a->next; /* \Deleted kw ... as a run: stops at the first bad one */
	CU_ASSERT_EQUAL(imap_arg_get_flags(a, args_arena, &fs, &err), -1);
	static const char *const errors[] = {"Invalid system flag", "Invalid system flag",
	                                     "Invalid keyword", "Invalid flag", "Invalid flag"};
	a = a->next->next;
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++, a = a->next) {
		err = NULL;
		CU_ASSERT_EQUAL(imap_arg_get_flags(a, args_arena, &fs, &err), -1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(err);
		CU_ASSERT_STRING_EQUAL(err, errors[i]);
	}
	a = parse_args("t STORE 1 FLAGS \\Deleted kw \\Answered\r\n", 0);
	CU_ASSERT_EQUAL(imap_arg_get_flags(a->next->next, args_arena, &fs, &err), 0);
	CU_ASSERT_EQUAL(fs.system, IMAP_FLAG_DELETED | IMAP_FLAG_ANSWERED);
	CU_ASSERT_EQUAL(fs.keyword_count, 1);
	CU_ASSERT_EQUAL(imap_arg_get_flags(NULL, args_arena, &fs, &err), -1);
	/* NIL is the keyword "NIL", bare or in a list. */
	a = parse_args("t STORE 1 +FLAGS (nil \\Seen NIL)\r\n", 0);
	CU_ASSERT_EQUAL(imap_arg_get_flags(a->next->next, args_arena, &fs, &err), 0);
	CU_ASSERT_EQUAL(fs.keyword_count, 1);
	CU_ASSERT_EQUAL(fs.system, IMAP_FLAG_SEEN);
	CU_ASSERT_STRING_EQUAL(fs.keywords[0], "nil");
	a = parse_args("t STORE 1 +FLAGS NIL\r\n", 0);
	CU_ASSERT_EQUAL(imap_arg_get_flags(a->next->next, args_arena, &fs, &err), 0);
	CU_ASSERT_EQUAL(fs.keyword_count, 1);
	CU_ASSERT_STRING_EQUAL(fs.keywords[0], "NIL");
}

static void test_flag_helpers(void)
{
	struct buf out = BUF_INIT;
	const char *kw[] = {"$Junk", "work"};
	char longkw[IMAP_KEYWORD_MAX_LEN + 1];

	CU_ASSERT_EQUAL(imap_flag_from_name("\\SEEN", 5), IMAP_FLAG_SEEN);
	CU_ASSERT_EQUAL(imap_flag_from_name("\\Draft", 6), IMAP_FLAG_DRAFT);
	CU_ASSERT_EQUAL(imap_flag_from_name("\\Drafts", 7), 0);
	CU_ASSERT_EQUAL(imap_flag_from_name("Seen", 4), 0);
	CU_ASSERT_STRING_EQUAL(imap_flag_name(IMAP_FLAG_DELETED), "\\Deleted");
	CU_ASSERT_PTR_NULL(imap_flag_name(3));
	CU_ASSERT(imap_keyword_valid("$Forwarded", 10));
	CU_ASSERT(!imap_keyword_valid("", 0));
	CU_ASSERT(!imap_keyword_valid("a b", 3));
	CU_ASSERT(!imap_keyword_valid("\\Seen", 5));
	CU_ASSERT(!imap_keyword_valid("a]", 2));
	CU_ASSERT(!imap_keyword_valid("caf\xc3\xa9", 5));
	memset(longkw, 'k', sizeof(longkw));
	CU_ASSERT(imap_keyword_valid(longkw, IMAP_KEYWORD_MAX_LEN));
	CU_ASSERT(!imap_keyword_valid(longkw, IMAP_KEYWORD_MAX_LEN + 1));
	imap_flags_format(IMAP_FLAG_DRAFT | IMAP_FLAG_SEEN, kw, 2, &out);
	buf_append_char(&out, ' ');
	imap_flags_format(0, NULL, 0, &out);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "(\\Seen \\Draft $Junk work) ()");
	buf_free(&out);
}

static void test_dates_arg(void)
{
	const struct imap_arg *a =
	        parse_args("t X \" 7-Feb-1994 21:52:25 -0800\" 1-Feb-1994 \"1-Feb-1994\" x\r\n", 0);
	time_t t;
	int tz;
	const char *err;

	CU_ASSERT_EQUAL(imap_arg_get_datetime(a, &t, &tz, &err), 0);
	CU_ASSERT_EQUAL((long long)t, 760686745);
	CU_ASSERT_EQUAL(imap_arg_get_datetime(a->next, &t, &tz, &err), -1);
	CU_ASSERT_EQUAL(imap_arg_get_date(a->next, &t, &err), 0);
	CU_ASSERT_EQUAL((long long)t, 760060800);
	CU_ASSERT_EQUAL(imap_arg_get_date(a->next->next, &t, &err), 0);
	CU_ASSERT_EQUAL(imap_arg_get_date(a->next->next->next, &t, &err), -1);
}

static const struct unit_test imap_args_tests[] = {
        {"strings", test_strings},
        {"numbers", test_numbers},
        {"seqset", test_seqset_arg},
        {"mailbox", test_mailbox_arg},
        {"list_pattern", test_list_pattern},
        {"flags", test_flags_arg},
        {"flag_helpers", test_flag_helpers},
        {"dates", test_dates_arg},
        {NULL, NULL},
};
UNIT_SUITE_FULL("imap_args", imap_args_tests, args_init, args_cleanup)
