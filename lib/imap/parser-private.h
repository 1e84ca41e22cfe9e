/*
 * parser-private.h - state shared by the two halves of the IMAP parser:
 * parser.c (tokens, lists, sections, the feed loop, public API) and
 * parser_literal.c (literals, error resynchronisation, bulk byte handling).
 * Only those two files include it.
 */
#ifndef CAIRN_IMAP_PARSER_PRIVATE_H
#define CAIRN_IMAP_PARSER_PRIVATE_H

#include "base/buf.h"
#include "imap/parser.h"

/* Enough for "{" + 20 digits + "+}" + CR. */
#define PARSER_TAIL_SIZE 32
/* The token buffer is given back when a command made it grow beyond this. */
#define PARSER_TOKEN_KEEP 8192

enum parser_state {
	PS_TAG,
	PS_NAME,
	PS_UID_NAME,
	PS_ARG, /* an argument may start here */
	PS_SEP, /* after an argument: SP, ')' or end of line */
	PS_ATOM,
	PS_QUOTED,
	PS_QUOTED_ESC,
	PS_LIT_SIZE,
	PS_LIT_PLUS,
	PS_LIT_CR,
	PS_LIT_LF,
	PS_LIT_WAIT, /* IMAP_PARSE_LITERAL returned; the daemon decides */
	PS_LIT_DATA,
	PS_SECTION_SPEC,
	PS_SECTION_LIST,
	PS_SECTION_END,
	PS_PARTIAL_CHECK,
	PS_PARTIAL_OFF,
	PS_PARTIAL_CNT,
	PS_CR,
	PS_DISCARD, /* after an error: drop bytes up to LF */
	PS_SKIP, /* drop the data of a refused literal */
	PS_DONE, /* command returned or abandoned: the next byte starts afresh */
};

/* What a byte handler tells the loop. */
enum parser_step {
	STEP_NEXT, /* byte consumed, go on */
	STEP_AGAIN, /* state changed, hand the same byte to the new state */
	STEP_COMMAND,
	STEP_LITERAL,
	STEP_ERROR,
};

struct imap_parser {
	struct imap_parser_limits limits;
	unsigned flags;
	enum parser_state state;
	struct arena *arena; /* the command's arguments; cleared per command */
	struct imap_command cmd;
	struct imap_arg root; /* LIST of the top-level arguments */
	struct imap_arg *cur; /* innermost open LIST or SECTION (or &root) */
	unsigned depth;
	struct buf tok; /* the token being read */
	size_t line_len;
	uint64_t num; /* literal size or partial number being read */
	unsigned ndigits;
	struct imap_literal lit;
	char *lit_data;
	uint64_t lit_got;
	uint64_t skip; /* literal bytes still to drop in PS_SKIP */
	unsigned char tail[PARSER_TAIL_SIZE]; /* ring of the line's last bytes */
	size_t tail_count; /* bytes pushed since the line began */
	unsigned char cur_byte; /* the byte being handled, for imap_parser_fail */
	const char *error;
};

/* Forget the recorded end of the current line. */
void imap_parser_tail_reset(struct imap_parser *p);
/* Remember the last bytes of the current line (only the tail is kept). */
void imap_parser_tail_push(struct imap_parser *p, const unsigned char *s, size_t n);
/* Record an error and start resynchronising; returns STEP_ERROR. */
enum parser_step imap_parser_fail(struct imap_parser *p, const char *text);
/* Append a new argument of type to the innermost open list. */
struct imap_arg *imap_parser_append(struct imap_parser *p, enum imap_arg_type type);
/* "{" (or "~{") seen: read a literal announcement next. */
void imap_parser_literal_start(struct imap_parser *p, bool literal8);
/* PS_LIT_SIZE: a byte of the literal size. */
enum parser_step imap_parser_literal_size(struct imap_parser *p, unsigned char c);
/* PS_LIT_PLUS / PS_LIT_CR / PS_LIT_LF: the end of the announcement. */
enum parser_step imap_parser_literal_end(struct imap_parser *p, unsigned char c);
/* PS_LIT_DATA, PS_SKIP, PS_DISCARD: consume bytes in bulk; returns how many. */
size_t imap_parser_bulk(struct imap_parser *p, const unsigned char *s, size_t n,
                        enum parser_step *step_r);

#endif
