/*
 * service_listen_test.c - `listen` values: every accepted form, canonical text,
 * options, and the errors for unparsable ones.
 */
#include "unit.h"

#include "service/listen.h"

#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

static int parse(const char *spec, struct listen_addr *a, const char **err)
{
	*err = NULL;
	return listen_parse(spec, a, err);
}

static void test_ipv4(void)
{
	struct listen_addr a;
	const char *err;
	CU_ASSERT_EQUAL(parse("127.0.0.1:143", &a, &err), 0);
	CU_ASSERT_EQUAL(a.family, AF_INET);
	CU_ASSERT_STRING_EQUAL(a.text, "127.0.0.1:143");
	CU_ASSERT_EQUAL(ntohs(((struct sockaddr_in *)&a.sa)->sin_port), 143);
	CU_ASSERT_EQUAL(a.tls, -1);
	CU_ASSERT_EQUAL(a.mode, -1);
}

static void test_ipv6_and_any(void)
{
	struct listen_addr a;
	const char *err;
	CU_ASSERT_EQUAL(parse("[::1]:993 tls=yes", &a, &err), 0);
	CU_ASSERT_EQUAL(a.family, AF_INET6);
	CU_ASSERT_EQUAL(a.v6only, 1);
	CU_ASSERT_EQUAL(a.tls, 1);
	CU_ASSERT_STRING_EQUAL(a.text, "[::1]:993");
	CU_ASSERT_EQUAL(parse("[0:0::1]:993", &a, &err), 0);
	CU_ASSERT_STRING_EQUAL(a.text, "[::1]:993"); /* canonical: duplicates are detectable */
	CU_ASSERT_EQUAL(parse("*:24", &a, &err), 0);
	CU_ASSERT_EQUAL(a.v6only, 0);
	CU_ASSERT_STRING_EQUAL(a.text, "*:24");
}

static void test_unix(void)
{
	struct listen_addr a;
	const char *err;
	CU_ASSERT_EQUAL(
	        parse("/run/cairn/lmtp.sock mode=0660 owner=cairn group=mail tls=no", &a, &err), 0);
	CU_ASSERT_EQUAL(a.family, AF_UNIX);
	CU_ASSERT_EQUAL(a.mode, 0660);
	CU_ASSERT_STRING_EQUAL(a.owner, "cairn");
	CU_ASSERT_STRING_EQUAL(a.group, "mail");
	CU_ASSERT_EQUAL(a.tls, 0);
	CU_ASSERT_STRING_EQUAL(a.text, "/run/cairn/lmtp.sock");
}

static void test_errors(void)
{
	static const struct {
		const char *spec, *fragment;
	} bad[] = {
	        {"localhost:143", "not a numeric IP address"},
	        {"127.0.0.1", "expected host:port"},
	        {"127.0.0.1:0", "expected host:port"},
	        {"127.0.0.1:65536", "expected host:port"},
	        {"127.0.0.1:12x", "expected host:port"},
	        {":143", "expected host:port"},
	        {"[::1:143", "bad IPv6 address"},
	        {"::1:143", "not a numeric IP address"},
	        {"1.2.3.4:5 mode=0600", "Unix sockets only"},
	        {"/x.sock mode=0999", "bad mode"},
	        {"/x.sock colour=red", "unknown listen option"},
	        {"/x.sock tls=maybe", "tls must be yes or no"},
	        {"/x.sock mode", "expected key=value"},
	        {"", "empty listen address"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct listen_addr a;
		const char *err;
		CU_ASSERT_EQUAL(parse(bad[i].spec, &a, &err), -1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].fragment));
	}
	char longpath[200];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	struct listen_addr a;
	const char *err;
	CU_ASSERT_EQUAL(parse(longpath, &a, &err), -1);
}

static void test_bind_and_in_use(void)
{
	struct listen_addr a;
	const char *err;
	CU_ASSERT_EQUAL_FATAL(parse("127.0.0.1:1", &a, &err), 0);
	/* Port 0 is refused by the parser; bind an ephemeral port through the struct. */
	((struct sockaddr_in *)&a.sa)->sin_port = 0;
	int fd = listen_bind(&a, 4, &err);
	CU_ASSERT_FATAL(fd >= 0);
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	CU_ASSERT_EQUAL(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	((struct sockaddr_in *)&a.sa)->sin_port = sin.sin_port;
	CU_ASSERT_EQUAL(listen_bind(&a, 4, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "in use"));
	close(fd);
}

static const struct unit_test service_listen_tests[] = {
        {"ipv4", test_ipv4},     {"ipv6_and_any", test_ipv6_and_any},       {"unix", test_unix},
        {"errors", test_errors}, {"bind_and_in_use", test_bind_and_in_use}, {NULL, NULL},
};
UNIT_SUITE("service_listen", service_listen_tests)
