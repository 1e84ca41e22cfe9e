/*
 * master_conf_test.c - cairn-master's configuration: defaults, the sections it
 * ignores, and line-numbered errors for every kind of mistake.
 */
#include "unit.h"

#include "master/master.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char conf_path[64];

/* Write text (with USER replaced by the current user) and load it. */
static struct master_conf *load(const char *text, const char **err)
{
	strcpy(conf_path, "/tmp/cairn-master-conf-XXXXXX");
	int fd = mkstemp(conf_path);
	CU_ASSERT_FATAL(fd >= 0);
	FILE *f = fdopen(fd, "w");
	const char *user = getpwuid(geteuid())->pw_name;
	for (const char *p = text; *p; p++) {
		if (strncmp(p, "USER", 4) == 0) {
			fputs(user, f);
			p += 3;
		} else {
			fputc(*p, f);
		}
	}
	fclose(f);
	*err = NULL;
	struct master_conf *conf = master_conf_load(conf_path, err);
	unlink(conf_path);
	return conf;
}

static void expect_error(const char *text, int line, const char *fragment)
{
	const char *err;
	struct master_conf *conf = load(text, &err);
	CU_ASSERT_PTR_NULL(conf);
	master_conf_free(&conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	char want[32];
	snprintf(want, sizeof(want), ":%d: ", line);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, fragment));
	if (strstr(err, want) == NULL || strstr(err, fragment) == NULL)
		fprintf(stderr, "\n  got: %s\n  want line %d: %s\n", err, line, fragment);
}

static void test_defaults_and_foreign_sections(void)
{
	const char *err;
	struct master_conf *conf = load("[database]\nconninfo = x\nanything = y\n"
	                                "[service imap]\ncmd = /bin/true -v\nuser = USER\n"
	                                "listen = 127.0.0.1:1143\nlisten = [::1]:1143\n"
	                                "[imap]\nwhatever = 1\n",
	                                &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct master_service *s = conf->services;
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s->name, "imap");
	CU_ASSERT_EQUAL(s->min_idle, 1);
	CU_ASSERT_EQUAL(s->max_proc, 100);
	CU_ASSERT_EQUAL(s->nlisten, 2);
	CU_ASSERT_EQUAL(s->listen[1].addr.tls, 0);
	CU_ASSERT_STRING_EQUAL(s->argv[0], "/bin/true");
	CU_ASSERT_STRING_EQUAL(s->argv[1], "-v");
	CU_ASSERT_PTR_NULL(s->argv[2]);
	CU_ASSERT_EQUAL(conf->shutdown_grace, 10);
	CU_ASSERT_EQUAL(conf->log_syslog, 0);
	CU_ASSERT_PTR_NULL(conf->events);
	master_conf_free(&conf);
	CU_ASSERT_PTR_NULL(conf);
}

static void test_tls_and_events(void)
{
	const char *err;
	struct master_conf *conf = load("[master]\nlog = syslog\nshutdown_grace = 3\n"
	                                "[service imaps]\ncmd = /bin/true\nuser = USER\ntls = yes\n"
	                                "listen = 127.0.0.1:1993\nlisten = 127.0.0.1:1994 tls=no\n"
	                                "[event gc]\ncmd = /bin/true\nat = 03:30\n"
	                                "[event purge]\ncmd = /bin/true\nevery = 600\n",
	                                &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	CU_ASSERT_EQUAL(conf->log_syslog, 1);
	CU_ASSERT_EQUAL(conf->shutdown_grace, 3);
	CU_ASSERT_EQUAL(conf->services->listen[0].addr.tls, 1);
	CU_ASSERT_EQUAL(conf->services->listen[1].addr.tls, 0);
	int n = 0;
	for (struct master_event *e = conf->events; e; e = e->next, n++) {
		if (strcmp(e->name, "gc") == 0) {
			CU_ASSERT(e->at_hour == 3 && e->at_min == 30 && e->every == 0);
		} else {
			CU_ASSERT(e->every == 600 && e->at_hour == -1);
		}
	}
	CU_ASSERT_EQUAL(n, 2);
	master_conf_free(&conf);
}

#define SVC "[service a]\ncmd = /bin/true\nuser = USER\n"

static void test_errors(void)
{
	expect_error(SVC "listen = 127.0.0.1:1\nbogus = 1\n", 5, "unknown key 'bogus'");
	expect_error(SVC "listen = 127.0.0.1:1\n" SVC "listen = 127.0.0.1:2\n", 5,
	             "duplicate [service a] (first at line 1)");
	expect_error(SVC "listen = 127.0.0.1:1\n[service b]\ncmd = /bin/true\nuser = USER\n"
	                 "listen = 127.0.0.1:1\n",
	             8, "already used at line 4");
	expect_error(SVC "listen = host:1\n", 4, "not a numeric IP address");
	expect_error(SVC "listen = /tmp/x.sock owner=no-such-user-x\n", 4, "unknown user");
	expect_error(SVC, 1, "no listen in [service a]");
	expect_error("[service a]\nlisten = 127.0.0.1:1\nuser = USER\n", 1, "missing cmd");
	expect_error("[service a]\ncmd = /no/such/binary\n", 2, "No such file or directory");
	expect_error(SVC "listen = 127.0.0.1:1\nmin_idle = x\n", 5, "min_idle");
	expect_error(SVC "listen = 127.0.0.1:1\nmax_proc = 0\n", 5, "max_proc");
	expect_error(SVC "listen = 127.0.0.1:1\ntls = maybe\n", 5, "yes or no");
	expect_error(SVC "listen = 127.0.0.1:1\nuser = no-such-user-x\n", 5, "unknown user");
	expect_error(SVC "listen = 127.0.0.1:1\ngroup = no-such-group-x\n", 5, "unknown group");
	expect_error("[event e]\ncmd = /bin/true\n", 1, "needs one of every or at");
	expect_error("[event e]\ncmd = /bin/true\nevery = 5\nat = 01:00\n", 1, "one of every");
	expect_error("[event e]\ncmd = /bin/true\nat = 1:2:3\n", 3, "HH:MM");
	expect_error("[event e]\ncmd = /bin/true\nevery = 0\n", 3, "every");
	expect_error("[event]\ncmd = /bin/true\n", 1, "needs a name");
	expect_error("[master]\nshutdown_grace = -1\n", 2, "shutdown_grace");
	expect_error("[master]\npidfile = run/x.pid\n", 2, "absolute path");
	expect_error("[master]\n[master]\n", 2, "duplicate [master]");
}

static void test_split_cmd_resolves_bare_names(void)
{
	const char *err;
	struct master_conf *conf = load("", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	char **argv = master_conf_split_cmd(conf, "  cairn-imapd   -x\t1 ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(argv);
	CU_ASSERT_PTR_NOT_NULL(strstr(argv[0], "/cairn-imapd"));
	CU_ASSERT_EQUAL(argv[0][0], '/');
	CU_ASSERT_STRING_EQUAL(argv[1], "-x");
	CU_ASSERT_STRING_EQUAL(argv[2], "1");
	CU_ASSERT_PTR_NULL(argv[3]);
	CU_ASSERT_PTR_NULL(master_conf_split_cmd(conf, "   "));
	master_conf_free(&conf);
}

static const struct unit_test master_conf_tests[] = {
        {"defaults_and_foreign_sections", test_defaults_and_foreign_sections},
        {"tls_and_events", test_tls_and_events},
        {"errors", test_errors},
        {"split_cmd_resolves_bare_names", test_split_cmd_resolves_bare_names},
        {NULL, NULL},
};
UNIT_SUITE("master_conf", master_conf_tests)
