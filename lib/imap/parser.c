/*
 * parser.c - incremental IMAP command parser (see parser.h for the contract):
 * tags, command names, atoms, quoted strings, lists, FETCH sections, the feed
 * loop and the public API.  Literals and error recovery are in parser_literal.c.
 *
 * A byte-driven state machine: every byte of a command line goes through
 * parser_line_byte() once, so feeding one byte at a time and feeding everything
 * at once take exactly the same path.  Literal data, skipped literal data and
 * discarded lines are handled in bulk (memcpy / memchr).  The argument tree is
 * built in a per-command arena with parent pointers instead of recursion, so
 * nesting depth costs no stack.
 *
 * Exports the imap_parser_* functions of parser.h except the literal ones.
 */
#include "imap/parser.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/xalloc.h"
#include "imap/imap_utf8.h"
#include "imap/parser-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const parser_section_names[] = {"BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK",
                                                   "BINARY.SIZE"};

/* ATOM-CHAR plus what the typed getters sort out: list-wildcards, "\", "]", "[". */
static bool parser_atom_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '{' && c != '"';
}

/* tag = 1*<any ASTRING-CHAR except "+"> */
static bool parser_tag_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\+", c) == NULL;
}

/* Command names are plain ATOM-CHARs. */
static bool parser_name_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

static void parser_begin(struct imap_parser *p)
{
	arena_clear(p->arena);
	memset(&p->cmd, 0, sizeof(p->cmd));
	memset(&p->root, 0, sizeof(p->root));
	p->root.type = IMAP_ARG_LIST;
	p->cur = &p->root;
	p->depth = 0;
	if (p->tok.cap > PARSER_TOKEN_KEEP)
		buf_free(&p->tok);
	buf_reset(&p->tok);
	p->line_len = 0;
	p->lit_data = NULL;
	p->error = NULL;
	imap_parser_tail_reset(p);
	p->state = PS_TAG;
}

struct imap_arg *imap_parser_append(struct imap_parser *p, enum imap_arg_type type)
{
	struct imap_arg *a = arena_zalloc(p->arena, sizeof(*a));
	struct imap_arg *parent = p->cur;

	a->type = type;
	a->parent = parent;
	if (parent->last_child == NULL)
		parent->list = a;
	else
		parent->last_child->next = a;
	parent->last_child = a;
	parent->list_count++;
	if (parent == &p->root) {
		p->cmd.args = p->root.list;
		p->cmd.arg_count = p->root.list_count;
	}
	return a;
}

/* Append a string argument holding the token's bytes. */
static void parser_append_token(struct imap_parser *p, enum imap_arg_type type)
{
	struct imap_arg *a = imap_parser_append(p, type);
	a->str = arena_strndup(p->arena, p->tok.data ? p->tok.data : "", p->tok.len);
	a->len = p->tok.len;
	buf_reset(&p->tok);
}

static enum parser_step parser_open(struct imap_parser *p, enum imap_arg_type type)
{
	if (p->depth >= p->limits.max_depth)
		return imap_parser_fail(p, "Too deeply nested parentheses");
	struct imap_arg *a = imap_parser_append(p, type);
	if (type == IMAP_ARG_SECTION) {
		a->str = arena_strndup(p->arena, p->tok.data, p->tok.len);
		a->len = p->tok.len;
		buf_reset(&p->tok);
		p->state = PS_SECTION_SPEC;
	} else {
		p->state = PS_ARG;
	}
	p->cur = a;
	p->depth++;
	return STEP_NEXT;
}

static enum parser_step parser_close_list(struct imap_parser *p)
{
	if (p->cur->type != IMAP_ARG_LIST || p->cur == &p->root)
		return imap_parser_fail(p, "Unexpected ')'");
	p->cur = p->cur->parent;
	p->depth--;
	p->state = p->cur->type == IMAP_ARG_SECTION ? PS_SECTION_END : PS_SEP;
	return STEP_NEXT;
}

static enum parser_step parser_close_section(struct imap_parser *p)
{
	struct imap_arg *sec = p->cur;

	if (sec->has_fields) {
		/* Hoist the header list's elements: the section holds the fields. */
		struct imap_arg *fields = sec->list;
		sec->list = fields->list;
		sec->list_count = fields->list_count;
	}
	p->cur = sec->parent;
	p->depth--;
	p->state = PS_PARTIAL_CHECK;
	return STEP_NEXT;
}

static enum parser_step parser_eol(struct imap_parser *p)
{
	if (p->depth > 0)
		return imap_parser_fail(p, "Missing ')'");
	p->state = PS_DONE;
	return STEP_COMMAND;
}

static bool parser_tok_is_section(const struct imap_parser *p)
{
	for (size_t i = 0; i < sizeof(parser_section_names) / sizeof(*parser_section_names); i++) {
		const char *n = parser_section_names[i];
		if (strlen(n) == p->tok.len && strncasecmp(n, p->tok.data, p->tok.len) == 0)
			return true;
	}
	return false;
}

static enum parser_step parser_tag(struct imap_parser *p, unsigned char c)
{
	if (p->tok.len == 0 && (c == '\r' || c == '\n')) {
		/* Blank lines carry nothing to answer: ignore them. */
		if (c == '\n')
			parser_begin(p);
		return STEP_NEXT;
	}
	if (c == ' ' || c == '\r' || c == '\n') {
		if (p->tok.len == 0)
			return imap_parser_fail(p, "Missing tag");
		p->cmd.tag = arena_strndup(p->arena, p->tok.data, p->tok.len);
		buf_reset(&p->tok);
		if (c != ' ')
			return imap_parser_fail(p, "Missing command name");
		p->state = PS_NAME;
		return STEP_NEXT;
	}
	if (!parser_tag_char(c))
		return imap_parser_fail(p,
		                        c == '\0' ? "NUL byte in tag" : "Invalid character in tag");
	buf_append_char(&p->tok, (char)c);
	return STEP_NEXT;
}

static enum parser_step parser_name(struct imap_parser *p, unsigned char c)
{
	if (parser_name_char(c)) {
		buf_append_char(&p->tok, (char)c);
		return STEP_NEXT;
	}
	if (c != ' ' && c != '\r' && c != '\n')
		return imap_parser_fail(p, "Invalid character in command name");
	if (p->tok.len == 0)
		return imap_parser_fail(p, "Missing command name");
	for (size_t i = 0; i < p->tok.len; i++)
		if (p->tok.data[i] >= 'a' && p->tok.data[i] <= 'z')
			p->tok.data[i] = (char)(p->tok.data[i] - 'a' + 'A');
	if (p->state == PS_UID_NAME)
		p->cmd.name = arena_printf(p->arena, "UID %s", buf_cstr(&p->tok));
	else
		p->cmd.name = arena_strndup(p->arena, p->tok.data, p->tok.len);
	bool uid = p->state == PS_NAME && strcmp(p->cmd.name, "UID") == 0;
	buf_reset(&p->tok);
	if (c == ' ') {
		p->state = uid ? PS_UID_NAME : PS_ARG;
		return STEP_NEXT;
	}
	p->state = PS_SEP;
	return STEP_AGAIN;
}

static enum parser_step parser_arg(struct imap_parser *p, unsigned char c)
{
	switch (c) {
	case ' ':
		return STEP_NEXT;
	case '(':
		return parser_open(p, IMAP_ARG_LIST);
	case ')':
		return parser_close_list(p);
	case '"':
		buf_reset(&p->tok);
		p->state = PS_QUOTED;
		return STEP_NEXT;
	case '{':
		imap_parser_literal_start(p, false);
		return STEP_NEXT;
	case '\r':
	case '\n':
		p->state = PS_SEP;
		return STEP_AGAIN;
	default:
		break;
	}
	if (!parser_atom_char(c))
		return imap_parser_fail(p, c == '\0'  ? "NUL byte in command"
		                           : c & 0x80 ? "8-bit character in atom"
		                                      : "Invalid character in command");
	buf_reset(&p->tok);
	buf_append_char(&p->tok, (char)c);
	p->state = PS_ATOM;
	return STEP_NEXT;
}

static enum parser_step parser_sep(struct imap_parser *p, unsigned char c)
{
	switch (c) {
	case ' ':
		p->state = PS_ARG;
		return STEP_NEXT;
	case ')':
		return parser_close_list(p);
	case '\r':
		p->state = PS_CR;
		return STEP_NEXT;
	case '\n':
		return parser_eol(p);
	default:
		return imap_parser_fail(p, "Missing space between arguments");
	}
}

static enum parser_step parser_atom(struct imap_parser *p, unsigned char c)
{
	if (c == '[' && parser_tok_is_section(p))
		return parser_open(p, IMAP_ARG_SECTION);
	if (parser_atom_char(c)) {
		buf_append_char(&p->tok, (char)c);
		return STEP_NEXT;
	}
	if (c == '{' && p->tok.len == 1 && p->tok.data[0] == '~') {
		imap_parser_literal_start(p, true);
		return STEP_NEXT;
	}
	if (c == ' ' || c == ')' || c == '\r' || c == '\n') {
		bool nil = p->tok.len == 3 && strncasecmp(p->tok.data, "NIL", 3) == 0;
		parser_append_token(p, nil ? IMAP_ARG_NIL : IMAP_ARG_ATOM);
		p->state = PS_SEP;
		return STEP_AGAIN;
	}
	return imap_parser_fail(p, c == '\0'  ? "NUL byte in atom"
	                           : c & 0x80 ? "8-bit character in atom"
	                                      : "Invalid character in atom");
}

static enum parser_step parser_quoted(struct imap_parser *p, unsigned char c)
{
	if (p->state == PS_QUOTED_ESC) {
		if (c != '"' && c != '\\')
			return imap_parser_fail(p, "Invalid escape in quoted string");
		buf_append_char(&p->tok, (char)c);
		p->state = PS_QUOTED;
		return STEP_NEXT;
	}
	switch (c) {
	case '"':
		if ((p->flags & IMAP_PARSER_UTF8) != 0 && !imap_utf8_valid(p->tok.data, p->tok.len))
			return imap_parser_fail(p, "Invalid UTF-8 in quoted string");
		parser_append_token(p, IMAP_ARG_QUOTED);
		p->state = PS_SEP;
		return STEP_NEXT;
	case '\\':
		p->state = PS_QUOTED_ESC;
		return STEP_NEXT;
	case '\0':
		return imap_parser_fail(p, "NUL byte in quoted string");
	case '\r':
	case '\n':
		return imap_parser_fail(p, "Unterminated quoted string");
	default:
		break;
	}
	if ((c & 0x80) != 0 && (p->flags & IMAP_PARSER_UTF8) == 0)
		return imap_parser_fail(p, "8-bit character in quoted string without UTF8=ACCEPT");
	buf_append_char(&p->tok, (char)c);
	return STEP_NEXT;
}

static enum parser_step parser_section(struct imap_parser *p, unsigned char c)
{
	struct imap_arg *sec = p->cur;

	switch (p->state) {
	case PS_SECTION_SPEC:
		if (c == ']' || c == ' ') {
			sec->section =
			        arena_strndup(p->arena, p->tok.data ? p->tok.data : "", p->tok.len);
			sec->section_len = p->tok.len;
			buf_reset(&p->tok);
			if (c == ']')
				return parser_close_section(p);
			p->state = PS_SECTION_LIST;
			return STEP_NEXT;
		}
		if (!parser_atom_char(c) || c == '[')
			return imap_parser_fail(p, "Invalid section");
		buf_append_char(&p->tok, (char)c);
		return STEP_NEXT;
	case PS_SECTION_LIST:
		if (c != '(')
			return imap_parser_fail(p, "Invalid section: '(' expected");
		sec->has_fields = true;
		return parser_open(p, IMAP_ARG_LIST);
	default: /* PS_SECTION_END */
		if (c != ']')
			return imap_parser_fail(p, "Invalid section: ']' expected");
		return parser_close_section(p);
	}
}

/* "<offset.count>" after a section; sec is the last argument appended. */
static enum parser_step parser_partial(struct imap_parser *p, unsigned char c)
{
	struct imap_arg *sec = p->cur->last_child;

	if (p->state == PS_PARTIAL_CHECK) {
		if (c != '<') {
			p->state = PS_SEP;
			return STEP_AGAIN;
		}
		p->num = 0;
		p->ndigits = 0;
		p->state = PS_PARTIAL_OFF;
		return STEP_NEXT;
	}
	if (c >= '0' && c <= '9') {
		p->num = p->num * 10 + (uint64_t)(c - '0');
		if (p->num > UINT32_MAX)
			return imap_parser_fail(p, "Invalid partial range");
		p->ndigits++;
		return STEP_NEXT;
	}
	if (p->state == PS_PARTIAL_OFF && c == '.' && p->ndigits > 0) {
		sec->partial_offset = (uint32_t)p->num;
		p->num = 0;
		p->ndigits = 0;
		p->state = PS_PARTIAL_CNT;
		return STEP_NEXT;
	}
	if (p->state == PS_PARTIAL_CNT && c == '>' && p->num > 0) {
		sec->partial_count = (uint32_t)p->num;
		sec->has_partial = true;
		p->state = PS_SEP;
		return STEP_NEXT;
	}
	return imap_parser_fail(p, "Invalid partial range");
}

static enum parser_step parser_dispatch(struct imap_parser *p, unsigned char c)
{
	switch (p->state) {
	case PS_TAG:
		return parser_tag(p, c);
	case PS_NAME:
	case PS_UID_NAME:
		return parser_name(p, c);
	case PS_ARG:
		return parser_arg(p, c);
	case PS_SEP:
		return parser_sep(p, c);
	case PS_ATOM:
		return parser_atom(p, c);
	case PS_QUOTED:
	case PS_QUOTED_ESC:
		return parser_quoted(p, c);
	case PS_LIT_SIZE:
		return imap_parser_literal_size(p, c);
	case PS_LIT_PLUS:
	case PS_LIT_CR:
	case PS_LIT_LF:
		return imap_parser_literal_end(p, c);
	case PS_SECTION_SPEC:
	case PS_SECTION_LIST:
	case PS_SECTION_END:
		return parser_section(p, c);
	case PS_PARTIAL_CHECK:
	case PS_PARTIAL_OFF:
	case PS_PARTIAL_CNT:
		return parser_partial(p, c);
	case PS_CR:
		if (c != '\n')
			return imap_parser_fail(p, "CR not followed by LF");
		return parser_eol(p);
	default:
		abort(); /* bulk states never get here */
	}
}

/* One byte of a command line (literal data excluded). */
static enum parser_step parser_line_byte(struct imap_parser *p, unsigned char c)
{
	enum parser_step step;

	p->cur_byte = c;
	imap_parser_tail_push(p, &c, 1);
	if (++p->line_len > p->limits.max_line)
		return imap_parser_fail(p, "[TOOBIG] Command line too long");
	if (++p->cmd.size > p->limits.max_command)
		return imap_parser_fail(p, "[TOOBIG] Command too large");
	do
		step = parser_dispatch(p, c);
	while (step == STEP_AGAIN);
	return step;
}

enum imap_parse_status imap_parser_feed(struct imap_parser *p, const void *data, size_t len,
                                        size_t *consumed_r)
{
	const unsigned char *s = data;
	enum parser_step step = STEP_NEXT;
	size_t i = 0;

	if (p->state == PS_LIT_WAIT) {
		*consumed_r = 0;
		return IMAP_PARSE_LITERAL;
	}
	while (i < len && step == STEP_NEXT) {
		if (p->state == PS_DONE)
			parser_begin(p);
		if (p->state == PS_LIT_DATA || p->state == PS_SKIP || p->state == PS_DISCARD)
			i += imap_parser_bulk(p, s + i, len - i, &step);
		else
			step = parser_line_byte(p, s[i++]);
	}
	*consumed_r = i;
	switch (step) {
	case STEP_COMMAND:
		return IMAP_PARSE_COMMAND;
	case STEP_LITERAL:
		return IMAP_PARSE_LITERAL;
	case STEP_ERROR:
		return IMAP_PARSE_ERROR;
	default:
		return IMAP_PARSE_MORE;
	}
}

struct imap_parser *imap_parser_new(const struct imap_parser_limits *limits, unsigned flags)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));

	if (limits != NULL)
		p->limits = *limits;
	if (p->limits.max_line == 0)
		p->limits.max_line = IMAP_PARSER_DEFAULT_MAX_LINE;
	if (p->limits.max_literal == 0)
		p->limits.max_literal = IMAP_PARSER_DEFAULT_MAX_LITERAL;
	if (p->limits.max_command == 0)
		p->limits.max_command = IMAP_PARSER_DEFAULT_MAX_COMMAND;
	if (p->limits.max_depth == 0)
		p->limits.max_depth = IMAP_PARSER_DEFAULT_MAX_DEPTH;
	p->flags = flags;
	p->arena = arena_new(4096);
	buf_init(&p->tok);
	parser_begin(p);
	return p;
}

void imap_parser_free(struct imap_parser **pp)
{
	struct imap_parser *p = *pp;

	if (p == NULL)
		return;
	arena_free(&p->arena);
	buf_free(&p->tok);
	free(p);
	*pp = NULL;
}

void imap_parser_set_flags(struct imap_parser *p, unsigned flags)
{
	p->flags = flags;
}

void imap_parser_reset(struct imap_parser *p)
{
	parser_begin(p);
}

const struct imap_command *imap_parser_command(const struct imap_parser *p)
{
	return &p->cmd;
}

const char *imap_parser_error(const struct imap_parser *p, const char **tag_r)
{
	*tag_r = p->cmd.tag;
	return p->error != NULL ? p->error : "Invalid command";
}

size_t imap_parser_memory(const struct imap_parser *p)
{
	return sizeof(*p) + arena_used(p->arena) + p->tok.cap;
}
