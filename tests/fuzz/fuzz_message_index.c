/*
 * fuzz_message_index.c - libFuzzer target for the whole parse-once path: the MIME
 * structure parser fed whole and in chunks (sizes taken from the input) must agree,
 * every string must be clean UTF-8, and every part the map lists must resolve to a
 * range inside the message.
 *
 *   make fuzz && build/fuzz/fuzz_message_index -max_total_time=60 NEW_DIR tests/corpus
 * (new inputs go to the first directory: never tests/corpus itself)
 */
#include "base/arena.h"
#include "imap/message_index.h"
#include "imap/section.h"
#include "mail/mail_charset.h"
#include "mail/mail_mime.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_message_index: %s\n", what);
		abort();
	}
}

static void check_clean(const char *s)
{
	if (s != NULL)
		must(mail_utf8_is_clean(s, strlen(s)), "string is not clean UTF-8");
}

static void check_sections(const struct message_index *idx, size_t size)
{
	static const char *const specs[] = {"",  "HEADER", "TEXT",     "1",      "1.MIME",
	                                    "2", "1.1",    "1.HEADER", "2.TEXT", "1.2.3"};
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct section_range r;
		const char *error;
		if (section_lookup(idx->parts, idx->parts_len, specs[i], &r, &error) == 0)
			must(r.offset <= size && r.length <= size - r.offset, "range outside");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *arena = arena_new(0);
	struct message_index idx, idx2;
	const char *error;
	must(message_index_build(data, size, arena, &idx, &error) == 0, "build failed");
	check_clean(idx.envelope);
	check_clean(idx.bodystructure);
	check_clean(idx.body);
	check_clean(idx.subject);
	check_clean(idx.from);
	check_clean(idx.search_headers);
	check_clean(idx.search_text);
	check_sections(&idx, size);

	size_t chunk = size > 0 ? (size_t)data[0] % 17 + 1 : 1;
	struct mail_parser *p = mail_parser_new(arena);
	for (size_t off = 0; off < size; off += chunk)
		mail_parser_feed(p, data + off, size - off < chunk ? size - off : chunk);
	struct mail_tree tree;
	mail_parser_finish(&p, &tree);
	must(message_index_from_tree(data, size, &tree, arena, &idx2, &error) == 0, "from_tree");
	must(strcmp(idx.bodystructure, idx2.bodystructure) == 0, "chunked BODYSTRUCTURE differs");
	must(idx.parts_len == idx2.parts_len && memcmp(idx.parts, idx2.parts, idx.parts_len) == 0,
	     "chunked part map differs");
	arena_free(&arena);
	return 0;
}
