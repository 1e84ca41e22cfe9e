/*
 * mail_mime.h - incremental MIME structure parser.
 *
 * Feed the stored message in chunks of any size (one byte at a time gives the same
 * result as all at once); finish returns the part tree as a flat array in document
 * (pre-)order with byte offsets into the message.  Only structure is kept here:
 * header fields are read again from the message bytes by whoever renders them, so
 * the parser's memory is the part array plus one header block (capped) and one
 * line prefix, whatever the message size.
 *
 * Model: every part has a header [header_start, body_start) (including the blank
 * line) and a body [body_start, body_end).  The root is the message itself.  A
 * multipart's children are the parts between its boundaries (the CRLF before a
 * delimiter line belongs to the delimiter, RFC 2046 5.1.1).  A message/rfc822 part
 * has exactly one child: the encapsulated message, whose header starts at the
 * parent's body_start.
 *
 * Limits: a part at depth MAIL_MAX_DEPTH is not descended into, and at most
 * MAIL_MAX_PARTS parts are recorded; a multipart or message/rfc822 part that is not
 * descended into (limits, no usable boundary, no part found) is marked
 * MAIL_PART_FLATTENED and becomes a leaf; delimiters past the part limit fold into
 * their multipart's body.  Bare LF ends lines as CRLF does; NUL bytes are data.
 */
#ifndef CAIRN_MAIL_MIME_H
#define CAIRN_MAIL_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

#define MAIL_MAX_DEPTH 100
#define MAIL_MAX_PARTS 10000
/* RFC 2046 allows 70; longer boundaries are accepted up to this. */
#define MAIL_MAX_BOUNDARY 200
/* Header bytes of one part looked at for Content-Type; beyond, the rest is ignored
   for structure (still stored, still a byte range). */
#define MAIL_MAX_HEADER_SCAN (1024 * 1024)

#define MAIL_PART_NONE UINT32_MAX

enum mail_part_type {
	MAIL_PART_LEAF,
	MAIL_PART_MULTIPART,
	MAIL_PART_MESSAGE, /* message/rfc822 with its one child */
};

/* Flags */
#define MAIL_PART_FLATTENED 0x01 /* multipart or message/rfc822 shown as a leaf */
#define MAIL_PART_DIGEST 0x02 /* multipart/digest: children default to message/rfc822 */

struct mail_part {
	uint64_t header_start, body_start, body_end;
	uint64_t body_lines; /* lines of the body; a last line without LF counts */
	uint32_t parent, first_child, next_sibling, nchildren, depth;
	uint8_t type, flags;
};

struct mail_tree {
	struct mail_part *parts; /* parts[0] is the root; document order */
	uint32_t count;
	uint64_t size; /* bytes fed */
	bool depth_limited, parts_limited;
};

struct mail_parser;

/* A parser whose result will live in arena. */
struct mail_parser *mail_parser_new(struct arena *arena);
/* Consume len more bytes of the message. */
void mail_parser_feed(struct mail_parser *parser, const void *data, size_t len);
/* End of message: fill *tree_r (allocated from the arena) and free the parser's own
   memory.  Must be called once for every mail_parser_new(); sets *parser to NULL. */
void mail_parser_finish(struct mail_parser **parser, struct mail_tree *tree_r);

/* Parse a whole message at once. */
void mail_parse(struct arena *arena, const void *msg, size_t len, struct mail_tree *tree_r);

#endif
