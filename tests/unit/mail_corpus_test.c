/*
 * mail_corpus_test.c - the tricky-message corpus (tests/corpus/): every NAME.eml is
 * indexed whole and compared with NAME.expected (ENVELOPE, BODYSTRUCTURE, BODY,
 * sizes, decoded fields, search text, section byte ranges), then parsed again fed
 * one byte at a time and in odd-sized chunks, which must give the same index.
 *
 * NAME.expected holds "KEY value" lines, values with C escapes (\r \n \\ \xHH):
 *   ENVELOPE / BODYSTRUCTURE / BODY / SUBJECT / FROM / ... / SEARCH_TEXT  (NULL = absent)
 *   SIZE / HEADER_SIZE / LINES / DATE (NULL = unparsable)
 *   SECTION spec bytes      (spec ALL = the whole message)
 *   NOSECTION spec          (lookup must fail)
 *   FIELDS a,b bytes / FIELDS_NOT a,b bytes   (HEADER.FIELDS[.NOT] of the top header)
 */
#include "unit.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/xalloc.h"
#include "imap/message_index.h"
#include "imap/section.h"
#include "mail/mail_charset.h"
#include "mail/mail_mime.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORPUS_DIR CAIRN_SCHEMA_DIR "/../tests/corpus"
#define CORPUS_MIN 25

static int read_file(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(out, chunk, n);
	fclose(f);
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Undo the C escapes of an expected value. */
static void unescape(const char *s, struct buf *out)
{
	for (; *s; s++) {
		if (*s != '\\' || s[1] == '\0') {
			buf_append_char(out, *s);
			continue;
		}
		s++;
		if (*s == 'r')
			buf_append_char(out, '\r');
		else if (*s == 'n')
			buf_append_char(out, '\n');
		else if (*s == 't')
			buf_append_char(out, '\t');
		else if (*s == 'x' && s[1] && s[2]) {
			buf_append_char(out, (char)(hexval(s[1]) * 16 + hexval(s[2])));
			s += 2;
		} else
			buf_append_char(out, *s);
	}
}

static const char *const string_keys[] = {
        "ENVELOPE", "BODYSTRUCTURE", "BODY",        "SUBJECT",    "FROM",        "TO", "CC",
        "BCC",      "MESSAGE_ID",    "IN_REPLY_TO", "REFERENCES", "SEARCH_TEXT", NULL};

static const char *index_string(const struct message_index *idx, const char *key)
{
	const char *const vals[] = {idx->envelope,    idx->bodystructure, idx->body,
	                            idx->subject,     idx->from,          idx->to,
	                            idx->cc,          idx->bcc,           idx->message_id,
	                            idx->in_reply_to, idx->references,    idx->search_text};
	for (int i = 0; string_keys[i]; i++)
		if (strcmp(key, string_keys[i]) == 0)
			return vals[i];
	return NULL;
}

static int failures;

static void check(int ok, const char *name, const char *what, const char *got)
{
	CU_ASSERT(ok);
	if (!ok) {
		failures++;
		fprintf(stderr, "corpus %s: %s mismatch; got: %s\n", name, what,
		        got ? got : "(null)");
	}
}

static void check_section(const char *name, const struct message_index *idx, const struct buf *msg,
                          const char *spec, const char *value, bool exists)
{
	struct section_range r;
	const char *error = NULL;
	int ret = section_lookup(idx->parts, idx->parts_len, strcmp(spec, "ALL") == 0 ? "" : spec,
	                         &r, &error);
	if (!exists) {
		check(ret < 0 && error != NULL, name, spec, "lookup succeeded");
		return;
	}
	check(ret == 0, name, spec, error);
	if (ret < 0)
		return;
	struct buf want = BUF_INIT;
	unescape(value, &want);
	check(r.offset + r.length <= msg->len && r.length == want.len &&
	              (want.len == 0 || memcmp(msg->data + r.offset, want.data, want.len) == 0),
	      name, spec, "(bytes differ)");
	buf_free(&want);
}

static void check_fields(const char *name, const struct message_index *idx, const struct buf *msg,
                         char *list, const char *value, bool not )
{
	const char *names[32];
	size_t n = 0;
	for (char *tok = strtok(list, ","); tok && n < 32; tok = strtok(NULL, ","))
		names[n++] = tok;
	struct section_range r;
	const char *error;
	CU_ASSERT_EQUAL_FATAL(section_lookup(idx->parts, idx->parts_len, "HEADER", &r, &error), 0);
	struct buf got = BUF_INIT, want = BUF_INIT;
	section_header_filter(msg->data + r.offset, r.length, names, n, not, &got);
	unescape(value, &want);
	check(got.len == want.len && (got.len == 0 || memcmp(got.data, want.data, got.len) == 0),
	      name, not ? "FIELDS_NOT" : "FIELDS", buf_cstr(&got));
	buf_free(&got);
	buf_free(&want);
}

static void check_number(const char *name, const char *key, const char *value, int64_t got)
{
	int64_t want = strcmp(value, "NULL") == 0 ? INT64_MIN : strtoll(value, NULL, 10);
	char tmp[32];
	snprintf(tmp, sizeof(tmp), "%lld", (long long)got);
	check(want == got, name, key, tmp);
}

/* One expected line against the index. */
static void check_line(const char *name, const struct message_index *idx, const struct buf *msg,
                       char *line)
{
	char *sp = strchr(line, ' ');
	char *key = line, *value = sp ? sp + 1 : (char *)"";
	if (sp)
		*sp = '\0';
	if (strcmp(key, "SIZE") == 0) {
		check_number(name, key, value, (int64_t)idx->size);
	} else if (strcmp(key, "HEADER_SIZE") == 0) {
		check_number(name, key, value, (int64_t)idx->header_size);
	} else if (strcmp(key, "LINES") == 0) {
		check_number(name, key, value, (int64_t)idx->body_lines);
	} else if (strcmp(key, "DATE") == 0) {
		check_number(name, key, value, idx->sent_date);
	} else if (strcmp(key, "SECTION") == 0 || strcmp(key, "NOSECTION") == 0 ||
	           strcmp(key, "FIELDS") == 0 || strcmp(key, "FIELDS_NOT") == 0) {
		char *sp2 = strchr(value, ' ');
		char *rest = sp2 ? sp2 + 1 : (char *)"";
		if (sp2)
			*sp2 = '\0';
		if (key[0] == 'F')
			check_fields(name, idx, msg, value, rest, key[6] == '_');
		else
			check_section(name, idx, msg, value, rest, key[0] == 'S');
	} else {
		const char *got = index_string(idx, key);
		struct buf want = BUF_INIT;
		unescape(value, &want);
		bool ok = strcmp(value, "NULL") == 0
		                  ? got == NULL
		                  : got != NULL && strcmp(got, buf_cstr(&want)) == 0;
		check(ok, name, key, got);
		buf_free(&want);
	}
}

static void check_clean(const char *name, const struct message_index *idx)
{
	for (int i = 0; string_keys[i]; i++) {
		const char *s = index_string(idx, string_keys[i]);
		check(s == NULL || mail_utf8_is_clean(s, strlen(s)), name, "UTF-8", s);
	}
	check(mail_utf8_is_clean(idx->search_headers, strlen(idx->search_headers)), name,
	      "search_headers UTF-8", idx->search_headers);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The corpus' message names (without .eml), sorted; *n_r of them. */
static char **corpus_names(size_t *n_r)
{
	DIR *d = opendir(CORPUS_DIR);
	char **names = NULL;
	size_t n = 0;
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".eml") != 0)
			continue;
		names = xrealloc(names, sizeof(*names) * (n + 1));
		names[n++] = xstrndup(e->d_name, len - 4);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	*n_r = n;
	return names;
}

static void load(const char *name, const char *ext, struct buf *out)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.%s", CORPUS_DIR, name, ext);
	CU_ASSERT_EQUAL_FATAL(read_file(path, out), 0);
}

static void same_index(const char *name, const struct message_index *a,
                       const struct message_index *b, size_t chunk)
{
	char what[64];
	snprintf(what, sizeof(what), "chunk %zu", chunk);
	bool ok = a->size == b->size && a->header_size == b->header_size &&
	          a->body_lines == b->body_lines && a->sent_date == b->sent_date &&
	          a->parts_len == b->parts_len && memcmp(a->parts, b->parts, a->parts_len) == 0;
	for (int i = 0; string_keys[i]; i++) {
		const char *x = index_string(a, string_keys[i]),
		           *y = index_string(b, string_keys[i]);
		ok = ok && ((x == NULL && y == NULL) || (x && y && strcmp(x, y) == 0));
	}
	check(ok, name, what, b->bodystructure);
}

/* Index msg from a parser fed chunk bytes at a time. */
static void index_chunked(const struct buf *msg, size_t chunk, struct arena *arena,
                          struct message_index *idx)
{
	struct mail_parser *p = mail_parser_new(arena);
	for (size_t off = 0; off < msg->len; off += chunk)
		mail_parser_feed(p, msg->data + off,
		                 msg->len - off < chunk ? msg->len - off : chunk);
	struct mail_tree tree;
	mail_parser_finish(&p, &tree);
	const char *error;
	CU_ASSERT_EQUAL(message_index_from_tree((const unsigned char *)(msg->data ? msg->data : ""),
	                                        msg->len, &tree, arena, idx, &error),
	                0);
}

static void corpus_run(bool chunked)
{
	static const size_t chunks[] = {1, 2, 3, 7, 64, 1000};
	size_t n;
	char **names = corpus_names(&n);
	CU_ASSERT(n >= CORPUS_MIN);
	failures = 0;
	for (size_t i = 0; i < n; i++) {
		struct buf msg = BUF_INIT, exp = BUF_INIT;
		load(names[i], "eml", &msg);
		load(names[i], "expected", &exp);
		struct arena *arena = arena_new(0);
		struct message_index idx;
		const char *error;
		CU_ASSERT_EQUAL(message_index_build((const unsigned char *)buf_cstr(&msg), msg.len,
		                                    arena, &idx, &error),
		                0);
		check_clean(names[i], &idx);
		if (!chunked) {
			char *save, *text = (char *)buf_cstr(&exp);
			for (char *line = strtok_r(text, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save))
				check_line(names[i], &idx, &msg, line);
		} else {
			for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
				struct message_index idx2;
				index_chunked(&msg, chunks[c], arena, &idx2);
				same_index(names[i], &idx, &idx2, chunks[c]);
			}
		}
		arena_free(&arena);
		buf_free(&msg);
		buf_free(&exp);
		free(names[i]);
	}
	free(names);
	CU_ASSERT_EQUAL(failures, 0);
}

static void test_corpus_whole(void)
{
	corpus_run(false);
}

static void test_corpus_chunked(void)
{
	corpus_run(true);
}

static const struct unit_test tests[] = {
        {"corpus whole vs expected", test_corpus_whole},
        {"corpus fed byte by byte and in chunks", test_corpus_chunked},
        {NULL, NULL},
};
UNIT_SUITE("mail_corpus", tests)
