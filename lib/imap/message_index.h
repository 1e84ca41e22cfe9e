/*
 * message_index.h - parse a stored message once into everything the database keeps.
 *
 * The storage layer calls message_index_build() once per new blob and stores the
 * result in the messages row: sizes, Date:, the rendered ENVELOPE, BODYSTRUCTURE and
 * BODY, the serialised part map (section.h), decoded header fields for SEARCH /
 * SORT / THREAD and the decoded text of the text parts.
 */
#ifndef CAIRN_IMAP_MESSAGE_INDEX_H
#define CAIRN_IMAP_MESSAGE_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct mail_tree;

/* search_headers and search_text are cut (at a UTF-8 boundary) past this. */
#define MESSAGE_INDEX_SEARCH_MAX (1024 * 1024)

struct message_index {
	size_t size, header_size, body_lines;
	int64_t sent_date; /* Unix time from Date:, INT64_MIN when absent/unparsable */
	char *envelope, *bodystructure, *body; /* rendered IMAP strings */
	unsigned char *parts;
	size_t parts_len; /* serialised section map */
	char *message_id, *in_reply_to, *references, *subject, *from, *to, *cc,
	        *bcc; /* decoded UTF-8, NULL if absent */
	char *search_headers, *search_text; /* decoded header text / decoded text of the text
					       parts, for SEARCH; each capped */
};

/* Parse msg once; all strings allocated from arena.  0 on success; -1 only on
   impossible input (never for merely malformed mail).  Every string is valid UTF-8
   without NUL (PostgreSQL text accepts it as is). */
int message_index_build(const unsigned char *msg, size_t len, struct arena *arena,
                        struct message_index *idx_r, const char **error_r);

/* The same from a tree already parsed from msg (mail_mime.h), e.g. by a parser fed
   while the message was arriving. */
int message_index_from_tree(const unsigned char *msg, size_t len, const struct mail_tree *tree,
                            struct arena *arena, struct message_index *idx_r, const char **error_r);

#endif
