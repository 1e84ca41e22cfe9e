/*
 * TEMP_message_index_stub.c - TEMPORARY stand-in for lib/imap's message_index_build
 * so that cairn-lmtpd links and delivers end to end before the real parser lands.
 * It fills only size, header_size, body_lines, Message-ID and Subject (raw); the
 * rendered ENVELOPE/BODYSTRUCTURE stay NULL.  Delete when lib/imap provides it.
 */
#if !__has_include("imap/message_index.h")
#include "TEMP_message_index.h"

#include "base/arena.h"

#include <string.h>
#include <strings.h>

static char *temp_header(const unsigned char *msg, size_t hlen, const char *name,
                         struct arena *arena)
{
	size_t n = strlen(name);
	for (size_t i = 0; i + n < hlen; i++) {
		if ((i == 0 || msg[i - 1] == '\n') &&
		    strncasecmp((const char *)msg + i, name, n) == 0 && msg[i + n] == ':') {
			size_t s = i + n + 1, e = s;
			while (s < hlen && msg[s] == ' ')
				s++;
			e = s;
			while (e < hlen && msg[e] != '\r' && msg[e] != '\n')
				e++;
			return arena_strndup(arena, (const char *)msg + s, e - s);
		}
	}
	return NULL;
}

int message_index_build(const unsigned char *msg, size_t len, struct arena *arena,
                        struct message_index *idx_r, const char **error_r)
{
	memset(idx_r, 0, sizeof(*idx_r));
	idx_r->size = len;
	const unsigned char *end = memmem(msg, len, "\r\n\r\n", 4);
	idx_r->header_size = end ? (size_t)(end - msg) + 4 : len;
	for (size_t i = idx_r->header_size; i < len; i++)
		idx_r->body_lines += msg[i] == '\n';
	idx_r->message_id = temp_header(msg, idx_r->header_size, "Message-ID", arena);
	idx_r->subject = temp_header(msg, idx_r->header_size, "Subject", arena);
	return 0;
}
#endif
