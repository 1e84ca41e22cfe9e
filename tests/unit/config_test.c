/*
 * config_test.c - the cairn.conf parser: sections, repeated keys, quoting,
 * typed getters and line-numbered errors.
 */
#include "unit.h"

#include "base/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const sample = "# comment\n"
                                  "global_key = g\n"
                                  "\n"
                                  "[database]\n"
                                  "conninfo = host=/tmp dbname=cairn   \n"
                                  "[service imap]\n"
                                  "listen = 127.0.0.1:143\n"
                                  "listen = [::1]:143\n"
                                  "min_idle = 4\n"
                                  "tls = yes\n"
                                  "banner = \"  spaced # not a comment \\\" \"\n"
                                  "note = value # trailing comment\n";

static void test_sections_and_values(void)
{
	const char *error = NULL;
	struct config *cfg = config_parse("t.conf", sample, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(config_get(config_global(cfg), "global_key", NULL), "g");
	struct config_section *db = config_find(cfg, "database", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	CU_ASSERT_STRING_EQUAL(config_get(db, "conninfo", NULL), "host=/tmp dbname=cairn");
	struct config_section *imap = config_find(cfg, "service", "imap");
	CU_ASSERT_PTR_NOT_NULL_FATAL(imap);
	CU_ASSERT_EQUAL(imap->line, 6);
	CU_ASSERT_EQUAL(config_count(imap, "listen"), 2);
	CU_ASSERT_STRING_EQUAL(config_get(imap, "listen", NULL), "[::1]:143");
	CU_ASSERT_EQUAL(config_entry(imap, "listen")->line, 8);
	CU_ASSERT_STRING_EQUAL(config_get(imap, "banner", NULL), "  spaced # not a comment \" ");
	CU_ASSERT_STRING_EQUAL(config_get(imap, "note", NULL), "value");
	CU_ASSERT_STRING_EQUAL(config_get(imap, "absent", "dflt"), "dflt");
	CU_ASSERT_PTR_NULL(config_find(cfg, "service", "pop3"));
	config_free(&cfg);
	CU_ASSERT_PTR_NULL(cfg);
}

static void test_typed_getters(void)
{
	const char *error = NULL;
	struct config *cfg = config_parse("t.conf",
	                                  "[s]\nn = 42\nbig = 99999999999999999999\nneg = -1\n"
	                                  "b = on\nbad = maybe\nword = 12abc\n",
	                                  &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	struct config_section *s = config_find(cfg, "s", NULL);
	int64_t v = 0;
	int b = -1;
	CU_ASSERT_EQUAL(config_get_int(cfg, s, "n", 0, 0, 100, &v, &error), 0);
	CU_ASSERT_EQUAL(v, 42);
	CU_ASSERT_EQUAL(config_get_int(cfg, s, "absent", 7, 0, 100, &v, &error), 0);
	CU_ASSERT_EQUAL(v, 7);
	CU_ASSERT_EQUAL(config_get_int(cfg, s, "big", 0, 0, 100, &v, &error), -1);
	CU_ASSERT_STRING_EQUAL(error, "t.conf:3: key 'big' must be an integer from 0 to 100");
	CU_ASSERT_EQUAL(config_get_int(cfg, s, "neg", 0, 0, 100, &v, &error), -1);
	CU_ASSERT_EQUAL(config_get_int(cfg, s, "word", 0, 0, 100, &v, &error), -1);
	CU_ASSERT_EQUAL(config_get_bool(cfg, s, "b", 0, &b, &error), 0);
	CU_ASSERT_EQUAL(b, 1);
	CU_ASSERT_EQUAL(config_get_bool(cfg, s, "bad", 0, &b, &error), -1);
	CU_ASSERT_STRING_EQUAL(error, "t.conf:6: key 'bad' must be yes or no");
	config_free(&cfg);
}

static void test_check_keys(void)
{
	const char *error = NULL;
	struct config *cfg =
	        config_parse("x.conf", "[service imap]\ncmd = a\n\nlisen = b\n", &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	static const char *const allowed[] = {"cmd", "listen", NULL};
	struct config_section *s = config_find(cfg, "service", "imap");
	CU_ASSERT_EQUAL(config_check_keys(cfg, s, allowed, &error), -1);
	CU_ASSERT_STRING_EQUAL(error, "x.conf:4: unknown key 'lisen' in [service imap]");
	config_free(&cfg);
}

static void expect_error(const char *text, const char *want)
{
	const char *error = NULL;
	struct config *cfg = config_parse("e.conf", text, &error);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(error);
	CU_ASSERT_STRING_EQUAL(error, want);
	config_free(&cfg);
}

static void test_syntax_errors(void)
{
	expect_error("a = 1\nno equals sign\n", "e.conf:2: expected 'key = value'");
	expect_error("[service imap\n", "e.conf:1: malformed section header");
	expect_error("[]\n", "e.conf:1: malformed section header");
	expect_error("[bad/type]\n", "e.conf:1: bad section type");
	expect_error("\n\nk = \"open\n", "e.conf:3: unterminated quoted value");
	expect_error("two words = x\n", "e.conf:1: malformed key");
	expect_error("[a] junk\n", "e.conf:1: malformed section header");
}

static void test_load_missing_and_nul(void)
{
	const char *error = NULL;
	CU_ASSERT_PTR_NULL(config_load("/nonexistent/cairn.conf", &error));
	CU_ASSERT(strstr(error, "/nonexistent/cairn.conf:0: cannot open") == error);
	char path[] = "/tmp/cairn-config-test-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "a = b\0c\n", 8), 8);
	close(fd);
	CU_ASSERT_PTR_NULL(config_load(path, &error));
	CU_ASSERT(strstr(error, "NUL byte") != NULL);
	unlink(path);
}

/* From its first byte whatever the descriptor's offset (shared with other processes). */
static void test_load_fd_from_start(void)
{
	const char *error = NULL;
	char path[] = "/tmp/cairn-config-test-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	CU_ASSERT_EQUAL(write(fd, "k = v\n[database]\n", 17), 17);
	struct config *cfg = config_load_fd("fd.conf", fd, &error); /* offset at the end */
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(config_get(config_global(cfg), "k", NULL), "v");
	CU_ASSERT_PTR_NOT_NULL(config_find(cfg, "database", NULL));
	CU_ASSERT_EQUAL(lseek(fd, 0, SEEK_CUR), 17); /* left where it was */
	config_free(&cfg);
	close(fd);
}

static void test_load_fd_pipe(void)
{
	const char *error = NULL;
	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0);
	CU_ASSERT_EQUAL(write(p[1], "k = piped\n", 10), 10);
	close(p[1]);
	struct config *cfg = config_load_fd("pipe.conf", p[0], &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(config_get(config_global(cfg), "k", NULL), "piped");
	config_free(&cfg);
	close(p[0]);
}

/* $CAIRN_CONF_FD wins over the path (the master's accepted copy); a bad one is an error. */
static void test_load_inherited(void)
{
	const char *error = NULL;
	char path[] = "/tmp/cairn-config-test-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "k = accepted\n", 13), 13);
	char num[16];
	snprintf(num, sizeof(num), "%d", fd);
	setenv("CAIRN_CONF_FD", num, 1);
	struct config *cfg = config_load_inherited("/nonexistent/cairn.conf", &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(config_get(config_global(cfg), "k", NULL), "accepted");
	CU_ASSERT_STRING_EQUAL(cfg->path, "/nonexistent/cairn.conf"); /* named in messages */
	config_free(&cfg);
	static const char *const bad[] = {"", "x", "3x", "-1", "99999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("CAIRN_CONF_FD", bad[i], 1);
		CU_ASSERT_PTR_NULL(config_load_inherited(path, &error));
		CU_ASSERT(strstr(error, "is not a descriptor") != NULL);
	}
	setenv("CAIRN_CONF_FD", "1000000", 1); /* not open */
	CU_ASSERT_PTR_NULL(config_load_inherited(path, &error));
	CU_ASSERT(strstr(error, "read error") != NULL);
	unsetenv("CAIRN_CONF_FD");
	cfg = config_load_inherited(path, &error); /* no descriptor: the file */
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(config_get(config_global(cfg), "k", NULL), "accepted");
	config_free(&cfg);
	close(fd);
	unlink(path);
}

static const struct unit_test config_tests[] = {
        {"sections_and_values", test_sections_and_values},
        {"typed_getters", test_typed_getters},
        {"check_keys", test_check_keys},
        {"syntax_errors", test_syntax_errors},
        {"load_missing_and_nul", test_load_missing_and_nul},
        {"load_fd_from_start", test_load_fd_from_start},
        {"load_fd_pipe", test_load_fd_pipe},
        {"load_inherited", test_load_inherited},
        {NULL, NULL},
};
UNIT_SUITE("config", config_tests)
