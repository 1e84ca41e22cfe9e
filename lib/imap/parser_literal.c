/*
 * parser_literal.c - the IMAP parser's literals and error recovery (see
 * parser.h): literal announcements "{N}" "{N+}" "~{N}" and their limits, the
 * daemon's accept/reject decision, literal data, and resynchronisation after an
 * error: the rest of the line is discarded keeping only its last few bytes, so a
 * "{N+}" announced on a discarded line is noticed and its N bytes skipped too.
 * Memory stays bounded whatever the input.
 *
 * Exports imap_parser_literal, imap_parser_literal_accept,
 * imap_parser_literal_reject, and to parser.c the functions of parser-private.h.
 */
#include "imap/parser.h"

#include "base/arena.h"
#include "imap/parser-private.h"

#include <string.h>

void imap_parser_tail_reset(struct imap_parser *p)
{
	p->tail_count = 0;
}

void imap_parser_tail_push(struct imap_parser *p, const unsigned char *s, size_t n)
{
	if (n > PARSER_TAIL_SIZE) {
		s += n - PARSER_TAIL_SIZE;
		p->tail_count += n - PARSER_TAIL_SIZE;
		n = PARSER_TAIL_SIZE;
	}
	for (size_t i = 0; i < n; i++)
		p->tail[p->tail_count++ % PARSER_TAIL_SIZE] = s[i];
}

/*
 * Does the line just ended (its tail, CR/LF ignored) announce a non-synchronising
 * literal "{N+}"?  Leading zeros are accepted here on purpose: whatever the
 * client meant, it is sending N bytes now and they must not be taken as commands.
 */
static bool parser_tail_nonsync(const struct imap_parser *p, uint64_t *size_r)
{
	size_t n = p->tail_count < PARSER_TAIL_SIZE ? p->tail_count : PARSER_TAIL_SIZE;
	unsigned char t[PARSER_TAIL_SIZE] = {0};
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		t[i] = p->tail[(p->tail_count - n + i) % PARSER_TAIL_SIZE];
	if (n > 0 && t[n - 1] == '\n')
		n--;
	if (n > 0 && t[n - 1] == '\r')
		n--;
	if (n < 4 || t[n - 1] != '}' || t[n - 2] != '+')
		return false;
	size_t i = n - 2;
	while (i > 0 && t[i - 1] >= '0' && t[i - 1] <= '9')
		i--;
	if (i == 0 || i == n - 2 || t[i - 1] != '{' || n - 2 - i > 18)
		return false;
	for (; i < n - 2; i++)
		v = v * 10 + (uint64_t)(t[i] - '0');
	*size_r = v;
	return true;
}

/* A discarded line ended: skip an announced non-synchronising literal, or finish. */
static void parser_discard_eol(struct imap_parser *p)
{
	uint64_t size;

	if (!parser_tail_nonsync(p, &size)) {
		p->state = PS_DONE;
	} else if (size > 0) {
		p->skip = size;
		p->state = PS_SKIP;
	} else {
		imap_parser_tail_reset(p); /* "{0+}": nothing to skip, the line goes on */
		p->state = PS_DISCARD;
	}
}

/* Record an error and start resynchronising; returns STEP_ERROR. */
enum parser_step imap_parser_fail(struct imap_parser *p, const char *text)
{
	p->error = text;
	if (p->state == PS_LIT_DATA) {
		p->skip = p->lit.size - p->lit_got;
		p->state = PS_SKIP;
		if (p->skip == 0) {
			imap_parser_tail_reset(p);
			p->state = PS_DISCARD;
		}
	} else if (p->cur_byte == '\n') {
		parser_discard_eol(p);
	} else {
		p->state = PS_DISCARD;
	}
	return STEP_ERROR;
}

void imap_parser_literal_start(struct imap_parser *p, bool literal8)
{
	p->lit.size = 0;
	p->lit.sync = true;
	p->lit.literal8 = literal8;
	p->num = 0;
	p->ndigits = 0;
	buf_reset(&p->tok);
	p->state = PS_LIT_SIZE;
}

/* "{N}" / "{N+}" fully read, at its LF: check the limits, then ask the daemon. */
static enum parser_step parser_literal_announced(struct imap_parser *p)
{
	p->lit.size = p->num;
	if (p->lit.size > p->limits.max_literal)
		return imap_parser_fail(p, "[TOOBIG] Literal too large");
	if (p->lit.size > p->limits.max_command - p->cmd.size)
		return imap_parser_fail(p, "[TOOBIG] Command too large");
	if (!p->lit.sync && (p->flags & IMAP_PARSER_LITERAL_PLUS) == 0) {
		if ((p->flags & IMAP_PARSER_LITERAL_MINUS) == 0)
			return imap_parser_fail(p, "Non-synchronizing literals are not supported");
		if (p->lit.size > IMAP_PARSER_LITERAL_MINUS_MAX)
			return imap_parser_fail(
			        p, "[TOOBIG] Non-synchronizing literal over 4096 bytes");
	}
	p->state = PS_LIT_WAIT;
	return STEP_LITERAL;
}

enum parser_step imap_parser_literal_size(struct imap_parser *p, unsigned char c)
{
	if (c >= '0' && c <= '9') {
		if (p->ndigits == 1 && p->num == 0)
			return imap_parser_fail(p, "Invalid literal size (leading zero)");
		/* number64 (RFC 9051): at most 2^63 - 1. */
		if (p->num > (UINT64_C(0x7fffffffffffffff) - (uint64_t)(c - '0')) / 10)
			return imap_parser_fail(p, "[TOOBIG] Literal size overflows");
		p->num = p->num * 10 + (uint64_t)(c - '0');
		p->ndigits++;
		return STEP_NEXT;
	}
	if (p->ndigits > 0 && c == '}') {
		p->state = PS_LIT_CR;
		return STEP_NEXT;
	}
	if (p->ndigits > 0 && c == '+') {
		p->lit.sync = false;
		p->state = PS_LIT_PLUS;
		return STEP_NEXT;
	}
	if (p->ndigits > 0 && c == '-')
		return imap_parser_fail(p, "Invalid literal: non-synchronizing literals are {n+}");
	return imap_parser_fail(p, "Invalid literal size");
}

enum parser_step imap_parser_literal_end(struct imap_parser *p, unsigned char c)
{
	switch (p->state) {
	case PS_LIT_PLUS:
		if (c != '}')
			return imap_parser_fail(p, "Invalid literal size");
		p->state = PS_LIT_CR;
		return STEP_NEXT;
	case PS_LIT_CR:
		if (c == '\r') {
			p->state = PS_LIT_LF;
			return STEP_NEXT;
		}
		if (c == '\n')
			return parser_literal_announced(p);
		return imap_parser_fail(p, "Literal size must end the line");
	default: /* PS_LIT_LF */
		if (c != '\n')
			return imap_parser_fail(p, "CR not followed by LF");
		return parser_literal_announced(p);
	}
}

static void parser_literal_done(struct imap_parser *p)
{
	struct imap_arg *a = imap_parser_append(p, IMAP_ARG_LITERAL);

	p->lit_data[p->lit.size] = '\0';
	a->str = p->lit_data;
	a->len = (size_t)p->lit.size;
	a->literal8 = p->lit.literal8;
	p->lit_data = NULL;
	p->state = PS_SEP;
}

static size_t parser_literal_data(struct imap_parser *p, const unsigned char *s, size_t n,
                                  enum parser_step *step_r)
{
	uint64_t want = p->lit.size - p->lit_got;
	size_t k = n < want ? n : (size_t)want;

	if (!p->lit.literal8) {
		const unsigned char *nul = memchr(s, '\0', k);
		if (nul != NULL) {
			p->lit_got += (uint64_t)(nul - s) + 1;
			*step_r = imap_parser_fail(
			        p, "NUL byte in literal (only literal8 may hold NUL)");
			return (size_t)(nul - s) + 1;
		}
	}
	memcpy(p->lit_data + p->lit_got, s, k);
	p->lit_got += k;
	if (p->lit_got == p->lit.size)
		parser_literal_done(p);
	return k;
}

static size_t parser_skip(struct imap_parser *p, size_t n)
{
	size_t k = n < p->skip ? n : (size_t)p->skip;

	p->skip -= k;
	if (p->skip == 0) {
		imap_parser_tail_reset(p);
		p->state = PS_DISCARD;
	}
	return k;
}

static size_t parser_discard(struct imap_parser *p, const unsigned char *s, size_t n)
{
	const unsigned char *lf = memchr(s, '\n', n);

	if (lf == NULL) {
		imap_parser_tail_push(p, s, n);
		return n;
	}
	imap_parser_tail_push(p, s, (size_t)(lf - s));
	parser_discard_eol(p);
	return (size_t)(lf - s) + 1;
}

/* Consume bytes of one bulk state; returns how many. */
size_t imap_parser_bulk(struct imap_parser *p, const unsigned char *s, size_t n,
                        enum parser_step *step_r)
{
	switch (p->state) {
	case PS_LIT_DATA:
		return parser_literal_data(p, s, n, step_r);
	case PS_SKIP:
		return parser_skip(p, n);
	default:
		return parser_discard(p, s, n);
	}
}

const struct imap_literal *imap_parser_literal(const struct imap_parser *p)
{
	return &p->lit;
}

void imap_parser_literal_accept(struct imap_parser *p)
{
	if (p->state != PS_LIT_WAIT)
		return;
	p->cmd.size += p->lit.size;
	p->line_len = 0;
	imap_parser_tail_reset(p);
	p->lit_data = arena_alloc(p->arena, (size_t)p->lit.size + 1);
	p->lit_got = 0;
	p->state = PS_LIT_DATA;
	if (p->lit.size == 0)
		parser_literal_done(p);
}

void imap_parser_literal_reject(struct imap_parser *p)
{
	if (p->state != PS_LIT_WAIT)
		return;
	if (p->lit.sync) {
		p->state = PS_DONE; /* the client will not send the data */
	} else {
		p->skip = p->lit.size;
		p->state = PS_SKIP;
		if (p->skip == 0) {
			imap_parser_tail_reset(p);
			p->state = PS_DISCARD;
		}
	}
}
