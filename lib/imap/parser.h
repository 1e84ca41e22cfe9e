/*
 * parser.h - incremental IMAP command parser (client -> server syntax).
 *
 * The parser knows IMAP syntax and nothing of commands' meaning or of storage
 * (Dovecot's lib-imap split).  It turns bytes into a command: a tag, a command
 * name and an argument tree of atoms, quoted strings, literals, NIL,
 * parenthesised lists and FETCH section specs.  Every string is length-counted
 * (binary-safe) and also NUL-terminated for convenience.
 *
 * Input may arrive in any chunks, down to one byte at a time: the parser keeps
 * its own state and never needs to see a byte twice.  It never reads past the
 * end of a command, so bytes pipelined after it stay in the caller's buffer
 * (which matters for STARTTLS: discard them, then imap_parser_reset()).
 *
 * Typical loop in the daemon:
 *
 *   for (;;) {
 *           size_t used;
 *           enum imap_parse_status st = imap_parser_feed(p, in->data, in->len, &used);
 *           buf_consume(in, used);
 *           switch (st) {
 *           case IMAP_PARSE_MORE:    read more from the client; continue;
 *           case IMAP_PARSE_COMMAND: run imap_parser_command(p); break;
 *           case IMAP_PARSE_ERROR:   send "TAG BAD <text>" (tag "*" if NULL); break;
 *           case IMAP_PARSE_LITERAL: decide, see below; break;
 *           }
 *   }
 *
 * Literals: when the parser has read "{N}\r\n" (or "{N+}", "~{N}", "~{N+}") and N
 * is within its own limits, feed() returns IMAP_PARSE_LITERAL and stops.  The
 * command so far (tag, name, the arguments before the literal) is available from
 * imap_parser_command(), the announcement from imap_parser_literal().  The daemon
 * checks it (known command, right state, N <= APPENDLIMIT, ...) and must call one
 * of:
 *   - imap_parser_literal_accept(): for a synchronising literal the daemon then
 *     sends "+ Ready for literal data" and keeps feeding; the bytes become the
 *     next argument;
 *   - imap_parser_literal_reject(): the daemon sends its tagged BAD/NO.  For a
 *     synchronising literal the client will not send the data (RFC 9051 7.5), so
 *     the command is over; for a non-synchronising one the bytes are on the wire
 *     anyway, so the parser skips N bytes without storing them, then discards the
 *     rest of the command (skipping further non-synchronising literals too).
 * Until one of them is called, feed() returns IMAP_PARSE_LITERAL and consumes
 * nothing.
 *
 * Errors: feed() returns IMAP_PARSE_ERROR as soon as the input cannot be a valid
 * command (the client may still be sending; answer at once).  The parser then
 * resynchronises by itself: it discards input up to the end of the line with
 * bounded memory, skips the data of any non-synchronising literal announced at
 * the end of a discarded line, and starts afresh at the next command.  Limit
 * violations of a literal announcement are errors reported before any of its data
 * is read.  Error texts are short and fit "TAG BAD <text>"; texts of size limits
 * start with "[TOOBIG] " (RFC 4469/7889 response code).
 *
 * Syntax choices (see docs/imap-syntax.md):
 *  - separators: one or more SP between arguments; a trailing SP before CRLF is
 *    tolerated; a bare LF ends a line like CRLF;
 *  - atoms accept every printable US-ASCII byte except ( ) { " SP, so that list
 *    patterns (% *), sequence sets (1:*), flags (\Seen) and mailbox names with
 *    "]" come through; the typed getters (args.h) apply the exact grammar;
 *  - an atom BODY, BODY.PEEK, BINARY, BINARY.PEEK or BINARY.SIZE (any case)
 *    directly followed by "[" opens a section: "BODY.PEEK[1.HEADER.FIELDS (A B)]<0.100>"
 *    is ONE argument of type IMAP_ARG_SECTION;
 *  - NUL is refused everywhere except in literal8 data; 8-bit bytes are refused
 *    in atoms, and in quoted strings unless IMAP_PARSER_UTF8 is set (then they must
 *    be valid UTF-8);
 *  - literal sizes: decimal, no leading zeros, no sign; "{n-}" is refused (RFC 7888
 *    spells non-synchronising literals "{n+}" under both LITERAL+ and LITERAL-).
 *  - the command name is upper-cased; "UID" and the following atom are joined
 *    into one name ("UID FETCH").
 */
#ifndef CAIRN_IMAP_PARSER_H
#define CAIRN_IMAP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum imap_arg_type {
	IMAP_ARG_ATOM,
	IMAP_ARG_QUOTED,
	IMAP_ARG_LITERAL, /* {n}, {n+}; literal8 (~{n}) has arg->literal8 set */
	IMAP_ARG_NIL, /* the atom NIL, any case (str holds the text as sent) */
	IMAP_ARG_LIST,
	IMAP_ARG_SECTION, /* BODY[...]<...> and friends, see below */
};

/*
 * One argument.  Memory belongs to the parser and stays valid until the next
 * imap_parser_feed() / imap_parser_reset() / imap_parser_free().
 */
struct imap_arg {
	enum imap_arg_type type;
	bool literal8;
	/* ATOM, QUOTED, LITERAL, NIL: the bytes (escapes removed), NUL-terminated;
	 * SECTION: the fetch attribute name as sent ("BODY.PEEK"). */
	const char *str;
	size_t len;
	/* LIST: the elements; SECTION: the header-list fields, if any (else NULL). */
	struct imap_arg *list;
	unsigned list_count;
	/* SECTION only. */
	const char *section; /* text inside [] minus the header list: "1.HEADER.FIELDS.NOT" */
	size_t section_len;
	bool has_fields; /* a parenthesised header list was given */
	bool has_partial; /* <offset.count> followed */
	uint32_t partial_offset, partial_count;

	struct imap_arg *next; /* next sibling */
	struct imap_arg *last_child; /* private: O(1) append */
	struct imap_arg *parent; /* private: the enclosing list (a hidden root at top level) */
};

struct imap_command {
	const char *tag; /* NULL until read */
	const char *name; /* upper-cased; NULL until read */
	struct imap_arg *args; /* first top-level argument */
	unsigned arg_count;
	uint64_t size; /* bytes of the command so far, literals included */
};

struct imap_literal {
	uint64_t size;
	bool sync; /* {n}: the client waits for "+" */
	bool literal8; /* ~{n} */
};

enum imap_parse_status {
	IMAP_PARSE_MORE, /* every byte consumed; feed more */
	IMAP_PARSE_COMMAND, /* a complete command: imap_parser_command() */
	IMAP_PARSE_LITERAL, /* a literal announced: accept or reject it */
	IMAP_PARSE_ERROR, /* a syntax error: imap_parser_error() */
};

/*
 * Limits; 0 in a field of the struct given to imap_parser_new means the default.
 * Accepting a literal reserves its size in memory at once, so max_literal (and
 * max_command) bound what one client can make the parser hold.
 */
struct imap_parser_limits {
	size_t max_line; /* bytes of one line, literal data excluded (64 KiB) */
	uint64_t max_literal; /* bytes of one literal (64 MiB) */
	uint64_t max_command; /* bytes of one command, literals included (256 MiB) */
	unsigned max_depth; /* nested lists/sections (100) */
};

#define IMAP_PARSER_DEFAULT_MAX_LINE (64 * 1024)
#define IMAP_PARSER_DEFAULT_MAX_LITERAL (64ULL * 1024 * 1024)
#define IMAP_PARSER_DEFAULT_MAX_COMMAND (256ULL * 1024 * 1024)
#define IMAP_PARSER_DEFAULT_MAX_DEPTH 100
/* RFC 7888: LITERAL- allows non-synchronising literals up to this size. */
#define IMAP_PARSER_LITERAL_MINUS_MAX 4096

/* Flags (imap_parser_new, imap_parser_set_flags). */
#define IMAP_PARSER_UTF8 1u /* UTF8=ACCEPT or IMAP4rev2 enabled: UTF-8 in quoted strings */
#define IMAP_PARSER_LITERAL_PLUS 2u /* LITERAL+ advertised: {n+} of any size */
#define IMAP_PARSER_LITERAL_MINUS 4u /* LITERAL- advertised: {n+} up to 4096 bytes */

struct imap_parser;

/* Create a parser; limits may be NULL (all defaults). */
struct imap_parser *imap_parser_new(const struct imap_parser_limits *limits, unsigned flags);
/* Free the parser and everything it returned; sets *p to NULL. */
void imap_parser_free(struct imap_parser **p);
/* Change flags (e.g. after ENABLE UTF8=ACCEPT); applies from the next byte. */
void imap_parser_set_flags(struct imap_parser *p, unsigned flags);
/* Forget any partial command (after STARTTLS, or to drop a half-read command). */
void imap_parser_reset(struct imap_parser *p);

/*
 * Consume up to len bytes of client input.  *consumed_r is the number used; the
 * caller drops them and passes the rest (plus new input) next time.  Returns
 * what happened, see the top of this file.  Never fails hard: every input leads
 * to one of the four statuses.
 */
enum imap_parse_status imap_parser_feed(struct imap_parser *p, const void *data, size_t len,
                                        size_t *consumed_r);

/*
 * The command: complete after IMAP_PARSE_COMMAND, the part read so far after
 * IMAP_PARSE_LITERAL (and after IMAP_PARSE_ERROR: tag may be NULL).
 * Valid until the next feed/reset/free.
 */
const struct imap_command *imap_parser_command(const struct imap_parser *p);

/* The pending literal announcement after IMAP_PARSE_LITERAL. */
const struct imap_literal *imap_parser_literal(const struct imap_parser *p);
/* Let the pending literal's data in (see the top of this file). */
void imap_parser_literal_accept(struct imap_parser *p);
/* Refuse the pending literal; the daemon answers the command itself. */
void imap_parser_literal_reject(struct imap_parser *p);

/*
 * After IMAP_PARSE_ERROR: the text for "TAG BAD <text>", and in *tag_r the tag
 * of the failed command, or NULL when none could be read (answer with "*").
 */
const char *imap_parser_error(const struct imap_parser *p, const char **tag_r);

/* Bytes of memory the parser holds right now (for limits and tests). */
size_t imap_parser_memory(const struct imap_parser *p);

#endif
