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

static const struct unit_test config_tests[] = {
        {"sections_and_values", test_sections_and_values},
        {"typed_getters", test_typed_getters},
        {"check_keys", test_check_keys},
        {"syntax_errors", test_syntax_errors},
        {"load_missing_and_nul", test_load_missing_and_nul},
        {NULL, NULL},
};
UNIT_SUITE("config", config_tests)
