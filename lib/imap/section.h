/*
 * section.h - the MIME part map: IMAP section specs as byte ranges of the blob.
 *
 * section_map_build() serialises a parsed tree compactly (stored in PostgreSQL
 * messages.parts); section_lookup() resolves "", HEADER, TEXT, "n", "n.m",
 * "n.MIME", "n.HEADER", "n.TEXT", "n.HEADER.FIELDS (...)" on that serialised form,
 * without the message.  HEADER.FIELDS[.NOT] resolve to the header range: filter it
 * with section_header_filter().
 *
 * Format (version 1): byte 1, varint part count, then per part in document order:
 * byte type (0 leaf, 1 multipart, 2 message/rfc822), varint children, varint
 * descendants, varint header_start, varint header length, varint body length.
 * Varints are unsigned LEB128.  A typical single-part message takes 8 bytes.
 */
#ifndef CAIRN_IMAP_SECTION_H
#define CAIRN_IMAP_SECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct mail_tree;

enum section_text {
	SECTION_BODY, /* "" or a part number alone: the body (or the whole message) */
	SECTION_HEADER,
	SECTION_HEADER_FIELDS,
	SECTION_HEADER_FIELDS_NOT,
	SECTION_TEXT,
	SECTION_MIME,
};

struct section_range {
	uint64_t offset, length;
	enum section_text text;
};

/* Append the serialised map of tree to out. */
void section_map_build(const struct mail_tree *tree, struct buf *out);

/* Resolve spec (the text between "BODY[" and "]", e.g. "1.2.MIME"; anything after
   "HEADER.FIELDS" is ignored) against the map.  0 with *range_r set; -1 with
   *error_r for a syntax error, a part that does not exist, or a corrupt map. */
int section_lookup(const unsigned char *map, size_t map_len, const char *spec,
                   struct section_range *range_r, const char **error_r);

/* Append to out the fields of the header block hdr[0..len) whose names are (not:
   are not) among names[0..n) (ASCII case-insensitive), each with its folded lines
   as they stand, then the terminating CRLF, as HEADER.FIELDS[.NOT] returns them. */
void section_header_filter(const void *hdr, size_t len, const char *const *names, size_t n,
                           bool not, struct buf *out);

#endif
