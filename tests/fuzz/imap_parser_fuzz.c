/*
 * imap_parser_fuzz.c - libFuzzer target for the IMAP syntax library.
 *
 * The first input byte picks the parser flags, the chunk size and the literal
 * policy; the rest is fed in chunks of that size (1..32 bytes, 0 = whole), as a
 * network would deliver it.  Every complete command's arguments then go through
 * the typed getters (seqset, mailbox, flags, dates, mUTF-7) so they are fuzzed
 * too.  Invariants checked (abort on violation): feed never consumes more than it
 * was given, never returns MORE with bytes left, and a whole-input run and a
 * byte-by-byte run produce the same sequence of events.
 *
 * Build with `make fuzz`, or by hand: clang -g -O1 -fsanitize=fuzzer,address,undefined
 * -D_GNU_SOURCE -Ilib -I. this file plus every .c of lib/imap and lib/base.
 */
#include "base/arena.h"
#include "base/buf.h"
#include "imap/args.h"
#include "imap/mutf7.h"
#include "imap/parser.h"
#include "imap/quote.h"
#include "imap/seqset.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static void fuzz_one_arg(const struct imap_arg *a, struct arena *arena, bool utf8)
{
	const char *s, *err;
	size_t len;
	struct seqset set;
	struct imap_flag_set flags;
	time_t t;
	int tz;
	struct buf out = BUF_INIT;

	seqset_init(&set, arena);
	if (imap_arg_get_seqset(a, &set, &err) == 0 && !set.searchres) {
		/* Resolved and formatted, a set reads back as itself. */
		struct seqset again;
		struct buf out2 = BUF_INIT;
		seqset_resolve(&set, 1000);
		seqset_format(&set, &out);
		seqset_init(&again, arena);
		if (out.len > 0) {
			fuzz_check(seqset_parse(&again, out.data, out.len, &err) == 0);
			seqset_resolve(&again, 1000);
			seqset_format(&again, &out2);
			fuzz_check(out2.len == out.len &&
			           memcmp(out.data, out2.data, out.len) == 0);
		}
		buf_free(&out2);
		buf_reset(&out);
	}
	if (imap_arg_get_mailbox(a, utf8, arena, &s, &len, &err) == 0) {
		/* A valid name must survive the trip back to the wire. */
		fuzz_check(imap_quote_mailbox(&out, s, len, utf8 ? IMAP_QUOTE_UTF8 : 0, &err) == 0);
	}
	(void)imap_arg_get_list_pattern(a, utf8, arena, &s, &len, &err);
	(void)imap_arg_get_flags(a, arena, &flags, &err);
	(void)imap_arg_get_datetime(a, &t, &tz, &err);
	(void)imap_arg_get_date(a, &t, &err);
	if (imap_arg_get_astring(a, &s, &len))
		imap_quote_astring(&out, s, len, utf8 ? IMAP_QUOTE_UTF8 : 0);
	buf_free(&out);
}

/* Walk the tree without recursion (depth is bounded anyway, but stay frugal). */
static void fuzz_args(const struct imap_arg *a, struct arena *arena, bool utf8)
{
	while (a != NULL) {
		fuzz_one_arg(a, arena, utf8);
		if ((a->type == IMAP_ARG_LIST || a->type == IMAP_ARG_SECTION) && a->list != NULL) {
			a = a->list;
			continue;
		}
		while (a != NULL && a->next == NULL)
			a = a->parent != NULL && a->parent->parent != NULL ? a->parent : NULL;
		if (a != NULL)
			a = a->next;
	}
}

/* Feed everything; append one byte per event (not per MORE) to trace. */
static void fuzz_run(const uint8_t *in, size_t len, size_t chunk, unsigned ctl, struct buf *trace,
                     bool check_args)
{
	struct imap_parser_limits limits = {
	        .max_line = 256, .max_literal = 64, .max_command = 1024, .max_depth = 8};
	struct imap_parser *p = imap_parser_new(&limits, ctl & 7);
	struct arena *arena = arena_new(0);
	size_t pos = 0;

	while (pos < len) {
		size_t n = chunk == 0 || len - pos < chunk ? len - pos : chunk, used = 0;
		enum imap_parse_status st = imap_parser_feed(p, in + pos, n, &used);
		fuzz_check(used <= n);
		fuzz_check(st != IMAP_PARSE_MORE || used == n);
		pos += used;
		if (st != IMAP_PARSE_MORE)
			buf_append_char(trace, (char)('0' + st));
		if (st == IMAP_PARSE_LITERAL) {
			const struct imap_literal *lit = imap_parser_literal(p);
			if (lit->size % 3 != (ctl >> 6))
				imap_parser_literal_accept(p);
			else
				imap_parser_literal_reject(p);
		} else if (st == IMAP_PARSE_COMMAND && check_args) {
			fuzz_args(imap_parser_command(p)->args, arena, (ctl & 1) != 0);
			arena_clear(arena);
		}
	}
	fuzz_check(imap_parser_memory(p) < 256 * 1024);
	arena_free(&arena);
	imap_parser_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf t1 = BUF_INIT, t2 = BUF_INIT;

	if (size == 0)
		return 0;
	unsigned ctl = data[0];
	size_t chunk = (ctl >> 3) & 7; /* 0 = whole, else 1..7 */
	fuzz_run(data + 1, size - 1, chunk, ctl, &t1, true);
	fuzz_run(data + 1, size - 1, 1, ctl, &t2, false);
	fuzz_check(t1.len == t2.len && (t1.len == 0 || memcmp(t1.data, t2.data, t1.len) == 0));
	buf_free(&t1);
	buf_free(&t2);
	return 0;
}
