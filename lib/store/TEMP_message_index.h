/*
 * TEMP_message_index.h - TEMPORARY copy of the lib/imap/message_index.h declaration
 * (owned by another branch) so this branch builds until that header lands on main.
 * Used only when imap/message_index.h does not exist; delete once it does.
 */
#ifndef CAIRN_TEMP_MESSAGE_INDEX_H
#define CAIRN_TEMP_MESSAGE_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct arena;

struct message_index {
	size_t size, header_size, body_lines;
	int64_t sent_date;
	char *envelope, *bodystructure, *body;
	unsigned char *parts;
	size_t parts_len;
	char *message_id, *in_reply_to, *references, *subject, *from, *to, *cc, *bcc;
	char *search_headers, *search_text;
};

int message_index_build(const unsigned char *msg, size_t len, struct arena *arena,
                        struct message_index *idx_r, const char **error_r);

#endif
