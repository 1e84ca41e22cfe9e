/*
 * imap_parser_test.c - the incremental IMAP parser.
 *
 * Every case is fed whole, one byte at a time, and in chunks of 2, 3 and 7
 * bytes; each run produces a transcript (commands, literal announcements with the
 * decision taken, errors) that must equal the expected one.  Then the bad inputs
 * of issue 5 (huge and negative literal sizes, a 10 MB line, NUL, 10,000 nested
 * parentheses...) and a random-input loop that checks whole == byte-by-byte.
 */
#include "unit.h"

#include "base/buf.h"
#include "imap/parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P_LITPLUS IMAP_PARSER_LITERAL_PLUS
#define P_LITMINUS IMAP_PARSER_LITERAL_MINUS
#define P_UTF8 IMAP_PARSER_UTF8

struct run_opts {
	unsigned flags;
	uint64_t accept_max; /* the "daemon" accepts literals up to this size */
	struct imap_parser_limits limits;
};

static void dump_bytes(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f)
			buf_printf(out, "\\x%02x", c);
		else
			buf_append_char(out, (char)c);
	}
}

static void dump_args(struct buf *out, const struct imap_arg *a);

static void dump_arg(struct buf *out, const struct imap_arg *a)
{
	switch (a->type) {
	case IMAP_ARG_ATOM:
	case IMAP_ARG_NIL:
		dump_bytes(out, a->str, a->len);
		if (a->type == IMAP_ARG_NIL)
			buf_append_str(out, "=NIL");
		break;
	case IMAP_ARG_QUOTED:
		buf_append_char(out, '"');
		dump_bytes(out, a->str, a->len);
		buf_append_char(out, '"');
		break;
	case IMAP_ARG_LITERAL:
		buf_printf(out, "%s{%zu}", a->literal8 ? "~" : "", a->len);
		dump_bytes(out, a->str, a->len);
		break;
	case IMAP_ARG_LIST:
		buf_append_char(out, '(');
		dump_args(out, a->list);
		buf_append_char(out, ')');
		break;
	case IMAP_ARG_SECTION:
		buf_printf(out, "%s[%s", a->str, a->section);
		if (a->has_fields) {
			buf_append_str(out, " (");
			dump_args(out, a->list);
			buf_append_char(out, ')');
		}
		buf_append_char(out, ']');
		if (a->has_partial)
			buf_printf(out, "<%u.%u>", a->partial_offset, a->partial_count);
		break;
	}
}

static void dump_args(struct buf *out, const struct imap_arg *a)
{
	for (; a != NULL; a = a->next) {
		dump_arg(out, a);
		if (a->next != NULL)
			buf_append_char(out, ' ');
	}
}

static void handle_status(struct imap_parser *p, enum imap_parse_status st,
                          const struct run_opts *o, struct buf *t)
{
	const struct imap_command *cmd = imap_parser_command(p);
	const char *tag;

	switch (st) {
	case IMAP_PARSE_COMMAND:
		buf_printf(t, "CMD %s %s", cmd->tag, cmd->name);
		if (cmd->args != NULL)
			buf_append_char(t, ' ');
		dump_args(t, cmd->args);
		buf_append_char(t, '\n');
		break;
	case IMAP_PARSE_LITERAL: {
		const struct imap_literal *lit = imap_parser_literal(p);
		bool ok = lit->size <= o->accept_max;
		buf_printf(t, "LIT %llu%s%s %s\n", (unsigned long long)lit->size,
		           lit->sync ? "" : "+", lit->literal8 ? " 8" : "", ok ? "ok" : "no");
		if (ok)
			imap_parser_literal_accept(p);
		else
			imap_parser_literal_reject(p);
		break;
	}
	case IMAP_PARSE_ERROR: {
		const char *text = imap_parser_error(p, &tag);
		buf_printf(t, "ERR %s: %s\n", tag ? tag : "*", text);
		break;
	}
	case IMAP_PARSE_MORE:
		break;
	}
}

/* Feed input in chunks of chunk bytes (0 = whole); returns the transcript. */
static char *run_parser(const char *in, size_t len, size_t chunk, const struct run_opts *o)
{
	struct imap_parser *p = imap_parser_new(&o->limits, o->flags);
	struct buf t = BUF_INIT;
	size_t pos = 0;

	if (chunk == 0)
		chunk = len;
	while (pos < len) {
		size_t n = len - pos < chunk ? len - pos : chunk, used = 0;
		enum imap_parse_status st = imap_parser_feed(p, in + pos, n, &used);
		if (used > n)
			CU_FAIL_FATAL("feed consumed more than it was given");
		pos += used;
		handle_status(p, st, o, &t);
		if (st == IMAP_PARSE_MORE && used != n)
			CU_FAIL_FATAL("MORE without consuming everything");
	}
	imap_parser_free(&p);
	CU_ASSERT_PTR_NULL(p);
	buf_append_char(&t, '\0');
	return buf_steal(&t, NULL);
}

/* Run every chunking and compare each transcript with want. */
static void check_case(const char *in, size_t len, const struct run_opts *o, const char *want)
{
	static const size_t chunks[] = {0, 1, 2, 3, 7};

	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		char *got = run_parser(in, len, chunks[i], o);
		if (strcmp(got, want) != 0)
			fprintf(stderr, "\nchunk %zu input [%.*s]\n got: %s\nwant: %s\n", chunks[i],
			        (int)(len > 200 ? 200 : len), in, got, want);
		CU_ASSERT_STRING_EQUAL(got, want);
		free(got);
	}
}

struct parse_case {
	const char *in;
	size_t len; /* 0: strlen(in) (for inputs with NUL give the length) */
	unsigned flags;
	uint64_t accept_max;
	const char *want;
};

/* Well-formed commands. */
static const struct parse_case good_cases[] = {
        {"a1 NOOP\r\n", 0, 0, 0, "CMD a1 NOOP\n"},
        {"a2 login fred \"pass word\"\r\n", 0, 0, 0, "CMD a2 LOGIN fred \"pass word\"\n"},
        {"a3 LOGIN {4}\r\nfred {3+}\r\nabc\r\n", 0, P_LITPLUS, 100,
         "LIT 4 ok\nLIT 3+ ok\nCMD a3 LOGIN {4}fred {3}abc\n"},
        {"a4 UID fetch 1:*,7 (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100>)\r\n", 0, 0, 0,
         "CMD a4 UID FETCH 1:*,7 (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100>)\n"},
        {"a5 APPEND INBOX (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" ~{5}\r\nab\0cd\r\n", 66, 0, 100,
         "LIT 5 8 ok\nCMD a5 APPEND INBOX (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" "
         "~{5}ab\\x00cd\n"},
        {"a6 X NIL nil \"\" () NILS\r\n", 0, 0, 0, "CMD a6 X NIL=NIL nil=NIL \"\" () NILS\n"},
        {"a7 X \"a\\\"b\\\\c\"\r\n", 0, 0, 0, "CMD a7 X \"a\"b\\c\"\n"},
        {"a NOOP\r\nb noop\r\n", 0, 0, 0, "CMD a NOOP\nCMD b NOOP\n"},
        {"\r\n\n\r\na NOOP\r\n", 0, 0, 0, "CMD a NOOP\n"},
        {"a NOOP\nb CHECK\n", 0, 0, 0, "CMD a NOOP\nCMD b CHECK\n"},
        {"a X  b  (c  d ) \r\n", 0, 0, 0, "CMD a X b (c d)\n"},
        {"a SELECT a[b\r\n", 0, 0, 0, "CMD a SELECT a[b\n"},
        {"a SELECT [Gmail]/Sent\r\n", 0, 0, 0, "CMD a SELECT [Gmail]/Sent\n"},
        {"a FETCH 1 (BODY[] BINARY.SIZE[1] body[1.2.MIME] BINARY.PEEK[1]<5.10>)\r\n", 0, 0, 0,
         "CMD a FETCH 1 (BODY[] BINARY.SIZE[1] body[1.2.MIME] BINARY.PEEK[1]<5.10>)\n"},
        {"a FETCH 1 BODY[HEADER.FIELDS ({4}\r\nFrom \"To\")]\r\n", 0, 0, 10,
         "LIT 4 ok\nCMD a FETCH 1 BODY[HEADER.FIELDS ({4}From \"To\")]\n"},
        {"a X ({3}\r\nabc)\r\n", 0, 0, 10, "LIT 3 ok\nCMD a X ({3}abc)\n"},
        {"a X {0}\r\n\r\n", 0, 0, 10, "LIT 0 ok\nCMD a X {0}\n"},
        {"a X ~foo ~{2+}\r\nhi\r\n", 0, P_LITPLUS, 10, "LIT 2+ 8 ok\nCMD a X ~foo ~{2}hi\n"},
        {"a] NOOP\r\n", 0, 0, 0, "CMD a] NOOP\n"},
        {"a UID\r\n", 0, 0, 0, "CMD a UID\n"},
        {"a LIST \"\" %/*\r\n", 0, 0, 0, "CMD a LIST \"\" %/*\n"},
        {"a X {3+}\r\nabc\r\n", 0, P_LITMINUS, 10, "LIT 3+ ok\nCMD a X {3}abc\n"},
        {"a X \"caf\xc3\xa9\"\r\n", 0, P_UTF8, 0, "CMD a X \"caf\\xc3\\xa9\"\n"},
        {"a X \"\t\"\r\n", 0, 0, 0, "CMD a X \"\\x09\"\n"},
        {NULL, 0, 0, 0, NULL},
};

/* Bad input: an error, then the next command is parsed normally. */
static const struct parse_case bad_cases[] = {
        {"a LOGIN {4294967296}\r\nb NOOP\r\n", 0, 0, 100,
         "ERR a: [TOOBIG] Literal too large\nCMD b NOOP\n"},
        {"a LOGIN {-1}\r\nb NOOP\r\n", 0, 0, 100, "ERR a: Invalid literal size\nCMD b NOOP\n"},
        {"a LOGIN {01}\r\nb NOOP\r\n", 0, 0, 100,
         "ERR a: Invalid literal size (leading zero)\nCMD b NOOP\n"},
        {"a X {99999999999999999999}\r\nb NOOP\r\n", 0, 0, 100,
         "ERR a: [TOOBIG] Literal size overflows\nCMD b NOOP\n"},
        {"a X {5-}\r\nb NOOP\r\n", 0, 0, 100,
         "ERR a: Invalid literal: non-synchronizing literals are {n+}\nCMD b NOOP\n"},
        {"a X {}\r\nb NOOP\r\n", 0, 0, 100, "ERR a: Invalid literal size\nCMD b NOOP\n"},
        {"a X {3}x\r\nb NOOP\r\n", 0, 0, 100,
         "ERR a: Literal size must end the line\nCMD b NOOP\n"},
        /* {n+} not advertised: the data is coming anyway and must be skipped. */
        {"a X {5+}\r\nb NOO\r\nc NOOP\r\n", 0, 0, 100,
         "ERR a: Non-synchronizing literals are not supported\nCMD c NOOP\n"},
        {"a X {01+}\r\nX\r\nc NOOP\r\n", 0, P_LITPLUS, 100,
         "ERR a: Invalid literal size (leading zero)\nCMD c NOOP\n"},
        {"a X \"ab\0c\"\r\nb NOOP\r\n", 20, 0, 0, "ERR a: NUL byte in quoted string\nCMD b NOOP\n"},
        {"a X ab\0c\r\nb NOOP\r\n", 18, 0, 0, "ERR a: NUL byte in atom\nCMD b NOOP\n"},
        {"a X \0\r\nb NOOP\r\n", 15, 0, 0, "ERR a: NUL byte in command\nCMD b NOOP\n"},
        {"a X {3}\r\na\0b c\r\nb NOOP\r\n", 24, 0, 10,
         "LIT 3 ok\nERR a: NUL byte in literal (only literal8 may hold NUL)\nCMD b NOOP\n"},
        {"a X \"caf\xc3\xa9\"\r\nb NOOP\r\n", 0, 0, 0,
         "ERR a: 8-bit character in quoted string without UTF8=ACCEPT\nCMD b NOOP\n"},
        {"a X \"caf\xc3\"\r\nb NOOP\r\n", 0, P_UTF8, 0,
         "ERR a: Invalid UTF-8 in quoted string\nCMD b NOOP\n"},
        {"a X caf\xc3\xa9\r\nb NOOP\r\n", 0, P_UTF8, 0,
         "ERR a: 8-bit character in atom\nCMD b NOOP\n"},
        {"a X (b\r\nb NOOP\r\n", 0, 0, 0, "ERR a: Missing ')'\nCMD b NOOP\n"},
        {"a X b)\r\nb NOOP\r\n", 0, 0, 0, "ERR a: Unexpected ')'\nCMD b NOOP\n"},
        {"a X \"abc\r\nb NOOP\r\n", 0, 0, 0, "ERR a: Unterminated quoted string\nCMD b NOOP\n"},
        {"a X \"a\\b\"\r\nb NOOP\r\n", 0, 0, 0,
         "ERR a: Invalid escape in quoted string\nCMD b NOOP\n"},
        {"(a NOOP\r\nb NOOP\r\n", 0, 0, 0, "ERR *: Invalid character in tag\nCMD b NOOP\n"},
        {"a+ NOOP\r\nb NOOP\r\n", 0, 0, 0, "ERR *: Invalid character in tag\nCMD b NOOP\n"},
        {" NOOP\r\nb NOOP\r\n", 0, 0, 0, "ERR *: Missing tag\nCMD b NOOP\n"},
        {"a\r\nb NOOP\r\n", 0, 0, 0, "ERR a: Missing command name\nCMD b NOOP\n"},
        {"a  NOOP\r\nb NOOP\r\n", 0, 0, 0, "ERR a: Missing command name\nCMD b NOOP\n"},
        {"a NO(OP\r\nb NOOP\r\n", 0, 0, 0,
         "ERR a: Invalid character in command name\nCMD b NOOP\n"},
        {"a X \"a\"b\r\nb NOOP\r\n", 0, 0, 0,
         "ERR a: Missing space between arguments\nCMD b NOOP\n"},
        {"a X a(b\r\nb NOOP\r\n", 0, 0, 0, "ERR a: Invalid character in atom\nCMD b NOOP\n"},
        {"a NOOP\rb\r\nc NOOP\r\n", 0, 0, 0, "ERR a: CR not followed by LF\nCMD c NOOP\n"},
        {"a FETCH 1 BODY[HEADER.FIELDS A]\r\nb NOOP\r\n", 0, 0, 0,
         "ERR a: Invalid section: '(' expected\nCMD b NOOP\n"},
        {"a FETCH 1 BODY[HEADER.FIELDS (A) x]\r\nb NOOP\r\n", 0, 0, 0,
         "ERR a: Invalid section: ']' expected\nCMD b NOOP\n"},
        {"a FETCH 1 BODY[1\r\nb NOOP\r\n", 0, 0, 0, "ERR a: Invalid section\nCMD b NOOP\n"},
        {"a FETCH 1 BODY[1]<0>\r\nb NOOP\r\n", 0, 0, 0,
         "ERR a: Invalid partial range\nCMD b NOOP\n"},
        {"a FETCH 1 BODY[1]<0.0>\r\nb NOOP\r\n", 0, 0, 0,
         "ERR a: Invalid partial range\nCMD b NOOP\n"},
        {"a FETCH 1 BODY[1]<4294967296.1>\r\nb NOOP\r\n", 0, 0, 0,
         "ERR a: Invalid partial range\nCMD b NOOP\n"},
        /* The daemon refuses a synchronising literal: the client sends no data. */
        {"a APPEND x {100}\r\nb NOOP\r\n", 0, 0, 10, "LIT 100 no\nCMD b NOOP\n"},
        /* ...and a non-synchronising one: its data and the rest are skipped,
         * including a further {n+} announced on the discarded line. */
        {"a APPEND x {20+}\r\n01234567890123456789 more {3+}\r\nabc\r\nb NOOP\r\n", 0, P_LITPLUS,
         10, "LIT 20+ no\nCMD b NOOP\n"},
        {"a X \"\0\" {3+}\r\nabc\r\nb NOOP\r\n", 27, P_LITPLUS, 10,
         "ERR a: NUL byte in quoted string\nCMD b NOOP\n"},
        {"a X {5000+}\r\nb NOOP\r\n", 0, P_LITMINUS, 10000,
         "ERR a: [TOOBIG] Non-synchronizing literal over 4096 bytes\n"},
        {"a X {0+}\r\n x\r\nb NOOP\r\n", 0, 0, 10,
         "ERR a: Non-synchronizing literals are not supported\nCMD b NOOP\n"},
        {NULL, 0, 0, 0, NULL},
};

static void run_table(const struct parse_case *cases)
{
	for (const struct parse_case *c = cases; c->in != NULL; c++) {
		struct run_opts o = {.flags = c->flags, .accept_max = c->accept_max};
		check_case(c->in, c->len ? c->len : strlen(c->in), &o, c->want);
	}
}

static void test_good(void)
{
	run_table(good_cases);
}

static void test_bad(void)
{
	run_table(bad_cases);
}

/* At "{N}" the daemon sees the command so far, and nothing moves until it decides. */
static void test_literal_decision(void)
{
	static const char head[] = "a APPEND Drafts (\\Seen) {5}\r\n";
	struct imap_parser *p = imap_parser_new(NULL, 0);
	size_t used;

	CU_ASSERT_EQUAL(imap_parser_feed(p, head, strlen(head), &used), IMAP_PARSE_LITERAL);
	CU_ASSERT_EQUAL(used, strlen(head));
	const struct imap_command *cmd = imap_parser_command(p);
	CU_ASSERT_STRING_EQUAL(cmd->tag, "a");
	CU_ASSERT_STRING_EQUAL(cmd->name, "APPEND");
	CU_ASSERT_EQUAL(cmd->arg_count, 2);
	CU_ASSERT_STRING_EQUAL(cmd->args->str, "Drafts");
	CU_ASSERT_EQUAL(cmd->args->next->type, IMAP_ARG_LIST);
	const struct imap_literal *lit = imap_parser_literal(p);
	CU_ASSERT_EQUAL(lit->size, 5);
	CU_ASSERT(lit->sync);
	CU_ASSERT(!lit->literal8);
	/* Undecided: the parser takes nothing more. */
	CU_ASSERT_EQUAL(imap_parser_feed(p, "hello\r\n", 7, &used), IMAP_PARSE_LITERAL);
	CU_ASSERT_EQUAL(used, 0);
	imap_parser_literal_accept(p);
	CU_ASSERT_EQUAL(imap_parser_feed(p, "hello\r\nb NOOP\r\n", 15, &used), IMAP_PARSE_COMMAND);
	CU_ASSERT_EQUAL(used, 7);
	cmd = imap_parser_command(p);
	CU_ASSERT_EQUAL(cmd->arg_count, 3);
	CU_ASSERT_EQUAL(cmd->args->next->next->type, IMAP_ARG_LITERAL);
	CU_ASSERT_EQUAL(cmd->args->next->next->len, 5);
	CU_ASSERT_STRING_EQUAL(cmd->args->next->next->str, "hello");
	CU_ASSERT_EQUAL(cmd->size, strlen(head) + 7);
	imap_parser_free(&p);
}

/* With limits that allow it, {4294967296} reaches the daemon intact (no 32-bit wrap). */
static void test_literal_64bit(void)
{
	struct run_opts o = {.accept_max = 10};
	o.limits.max_literal = 1ULL << 40;
	o.limits.max_command = 1ULL << 41;
	static const char in[] = "a APPEND x {4294967296}\r\nb NOOP\r\n";
	check_case(in, strlen(in), &o, "LIT 4294967296 no\nCMD b NOOP\n");
}

static char *make_repeated(const char *head, char c, size_t n, const char *tail, size_t *len_r)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + n + tl);
	memcpy(s, head, hl);
	memset(s + hl, c, n);
	memcpy(s + hl + n, tail, tl);
	*len_r = hl + n + tl;
	return s;
}

/* A 10 MB line: refused at 64 KiB, discarded with bounded memory, session goes on. */
static void test_ten_mb_line(void)
{
	static const char want[] = "ERR a1: [TOOBIG] Command line too long\nCMD a2 NOOP\n";
	struct run_opts o = {0};
	size_t len, max_mem = 0;
	char *in = make_repeated("a1 NOOP ", 'x', 10 * 1024 * 1024, "\r\na2 NOOP\r\n", &len);

	char *got = run_parser(in, len, 0, &o);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);
	/* Byte by byte, watching the parser's memory. */
	struct imap_parser *p = imap_parser_new(NULL, 0);
	struct buf t = BUF_INIT;
	for (size_t i = 0; i < len; i++) {
		size_t used;
		enum imap_parse_status st = imap_parser_feed(p, in + i, 1, &used);
		if (used != 1)
			CU_FAIL_FATAL("byte not consumed");
		handle_status(p, st, &o, &t);
		size_t mem = imap_parser_memory(p);
		if (mem > max_mem)
			max_mem = mem;
	}
	CU_ASSERT_STRING_EQUAL(buf_cstr(&t), want);
	CU_ASSERT(max_mem < 256 * 1024);
	buf_free(&t);
	imap_parser_free(&p);
	free(in);
}

static char *make_nested(size_t depth, size_t *len_r)
{
	struct buf b = BUF_INIT;
	buf_append_str(&b, "a X ");
	for (size_t i = 0; i < depth; i++)
		buf_append_char(&b, '(');
	for (size_t i = 0; i < depth; i++)
		buf_append_char(&b, ')');
	buf_append_str(&b, "\r\nb NOOP\r\n");
	return buf_steal(&b, len_r);
}

static void test_deep_nesting(void)
{
	struct run_opts o = {0};
	size_t len;

	char *in = make_nested(10000, &len);
	check_case(in, len, &o, "ERR a: Too deeply nested parentheses\nCMD b NOOP\n");
	free(in);
	in = make_nested(101, &len);
	check_case(in, len, &o, "ERR a: Too deeply nested parentheses\nCMD b NOOP\n");
	free(in);
	/* Exactly the limit is fine. */
	in = make_nested(100, &len);
	struct buf want = BUF_INIT;
	buf_append_str(&want, "CMD a X ");
	for (int i = 0; i < 100; i++)
		buf_append_char(&want, '(');
	for (int i = 0; i < 100; i++)
		buf_append_char(&want, ')');
	buf_append_str(&want, "\nCMD b NOOP\n");
	check_case(in, len, &o, buf_cstr(&want));
	buf_free(&want);
	free(in);
}

static void test_configured_limits(void)
{
	struct run_opts o = {.accept_max = 1000};
	static const char long_line[] =
	        "a X 0123456789012345678901234567890123456789\r\nb NOOP\r\n";
	static const char big_lit[] = "a X {200}\r\nb NOOP\r\n";
	static const char deep[] = "a X (((x)))\r\nb X ((x))\r\n";

	o.limits.max_line = 32;
	check_case(long_line, strlen(long_line), &o,
	           "ERR a: [TOOBIG] Command line too long\nCMD b NOOP\n");
	o.limits.max_line = 0;
	o.limits.max_command = 100;
	check_case(big_lit, strlen(big_lit), &o, "ERR a: [TOOBIG] Command too large\nCMD b NOOP\n");
	o.limits.max_command = 0;
	o.limits.max_literal = 199;
	check_case(big_lit, strlen(big_lit), &o, "ERR a: [TOOBIG] Literal too large\nCMD b NOOP\n");
	o.limits.max_literal = 0;
	o.limits.max_depth = 2;
	check_case(deep, strlen(deep), &o, "ERR a: Too deeply nested parentheses\nCMD b X ((x))\n");
}

static void test_reset_and_flags(void)
{
	struct imap_parser *p = imap_parser_new(NULL, 0);
	size_t used;

	CU_ASSERT_EQUAL(imap_parser_feed(p, "a X (b", 6, &used), IMAP_PARSE_MORE);
	imap_parser_reset(p);
	CU_ASSERT_EQUAL(imap_parser_feed(p, "c NOOP\r\n", 8, &used), IMAP_PARSE_COMMAND);
	CU_ASSERT_STRING_EQUAL(imap_parser_command(p)->tag, "c");
	/* ENABLE UTF8=ACCEPT takes effect for the next command. */
	imap_parser_set_flags(p, IMAP_PARSER_UTF8);
	CU_ASSERT_EQUAL(imap_parser_feed(p, "d X \"\xc3\xa9\"\r\n", 11, &used), IMAP_PARSE_COMMAND);
	CU_ASSERT_EQUAL(imap_parser_command(p)->args->len, 2);
	CU_ASSERT_EQUAL(imap_parser_feed(p, "", 0, &used), IMAP_PARSE_MORE);
	CU_ASSERT_EQUAL(used, 0);
	imap_parser_free(&p);
	imap_parser_free(&p); /* NULL is fine */
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state >> 11);
}

/* Random token soup: no crash, and every chunking gives the same transcript. */
static void test_random(void)
{
	static const char *const toks[] = {
	        "a",        "NOOP", " ",    "(",        ")",     "\"",         "\\",
	        "{",        "}",    "+",    "~",        "3",     "0",          "\r\n",
	        "\n",       "\r",   "x",    "NIL",      "[",     "]",          "<",
	        ">",        ".",    "*",    "\xc3\xa9", "BODY[", "{2}\r\n",    "{3+}\r\n",
	        "~{1}\r\n", "1:*",  "\xff", "-",        "UID ",  "b1 FETCH 1 "};
	const size_t ntok = sizeof(toks) / sizeof(toks[0]);

	for (int iter = 0; iter < 3000; iter++) {
		struct buf in = BUF_INIT;
		struct run_opts o = {.flags = rnd() % 8, .accept_max = rnd() % 6};
		o.limits.max_line = 16 + rnd() % 64;
		o.limits.max_depth = 1 + rnd() % 4;
		o.limits.max_literal = rnd() % 8;
		o.limits.max_command = 32 + rnd() % 200;
		unsigned n = 1 + rnd() % 60;
		for (unsigned i = 0; i < n; i++) {
			if (rnd() % 50 == 0)
				buf_append(&in, "\0", 1);
			else
				buf_append_str(&in, toks[rnd() % ntok]);
		}
		char *whole = run_parser(in.data, in.len, 0, &o);
		char *bytes = run_parser(in.data, in.len, 1, &o);
		char *chunks = run_parser(in.data, in.len, 1 + rnd() % 9, &o);
		CU_ASSERT_STRING_EQUAL(whole, bytes);
		CU_ASSERT_STRING_EQUAL(whole, chunks);
		free(whole);
		free(bytes);
		free(chunks);
		buf_free(&in);
	}
}

static const struct unit_test imap_parser_tests[] = {
        {"good_commands", test_good},
        {"bad_input", test_bad},
        {"literal_decision", test_literal_decision},
        {"literal_64bit", test_literal_64bit},
        {"ten_mb_line", test_ten_mb_line},
        {"deep_nesting", test_deep_nesting},
        {"configured_limits", test_configured_limits},
        {"reset_and_flags", test_reset_and_flags},
        {"random_input", test_random},
        {NULL, NULL},
};
UNIT_SUITE("imap_parser", imap_parser_tests)
