/*
 * limits_test.c - lib/service's connection limits: slots per IP and per user up to
 * the maximum, release and reuse, independent keys and kinds, 0 = unlimited, the
 * directory created by limits_init, and failing open on an unusable directory.
 */
#include "unit.h"

#include "service/limits.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char limits_root[] = "/tmp/cairn-limits-test.XXXXXX";
static char limits_dir[sizeof(limits_root) + 8];

static int limits_suite_init(void)
{
	if (mkdtemp(limits_root) == NULL)
		return -1;
	snprintf(limits_dir, sizeof(limits_dir), "%s/slots", limits_root);
	return 0;
}

static int limits_suite_cleanup(void)
{
	DIR *d = opendir(limits_dir);
	struct dirent *e;
	char path[512];
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", limits_dir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(limits_dir);
	rmdir(limits_root);
	return 0;
}

static void test_init_creates_dir(void)
{
	struct limits_settings set = {.dir = limits_dir, .max_per_ip = 2, .max_per_user = 1};
	struct stat st;
	const char *err = NULL;
	CU_ASSERT_EQUAL(limits_init(&set, &err), 0);
	CU_ASSERT_FATAL(stat(limits_dir, &st) == 0);
	CU_ASSERT(S_ISDIR(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0700);
	CU_ASSERT_EQUAL(limits_init(&set, &err), 0); /* already there */
	struct limits_settings bad = {.dir = "/proc/cairn-no-such/dir", .max_per_ip = 1};
	CU_ASSERT_EQUAL(limits_init(&bad, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "limits_dir /proc/cairn-no-such/dir"));
	/* Nothing to do (and no directory needed) without limits. */
	struct limits_settings none = {.dir = "/proc/cairn-no-such/dir"};
	CU_ASSERT_EQUAL(limits_init(&none, &err), 0);
}

static void test_ip_limit(void)
{
	struct limits_settings set = {.dir = limits_dir, .max_per_ip = 2, .max_per_user = 1};
	struct limits_slot *a = NULL, *b = NULL, *c = NULL, *other = NULL;
	const char *err = NULL;
	CU_ASSERT_FATAL(limits_init(&set, &err) == 0);
	CU_ASSERT_EQUAL(limits_acquire(&set, LIMITS_IP, "192.0.2.1", &a, &err), 0);
	CU_ASSERT_EQUAL(limits_acquire(&set, LIMITS_IP, "192.0.2.1", &b, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(a);
	CU_ASSERT_PTR_NOT_NULL(b);
	CU_ASSERT_EQUAL(limits_acquire(&set, LIMITS_IP, "192.0.2.1", &c, &err), -1);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_STRING_EQUAL(err, "Too many connections from your address");
	/* Another address has its own slots. */
	CU_ASSERT_EQUAL(limits_acquire(&set, LIMITS_IP, "2001:db8::1", &other, &err), 0);
	/* A released slot is free again. */
	limits_release(&a);
	CU_ASSERT_PTR_NULL(a);
	CU_ASSERT_EQUAL(limits_acquire(&set, LIMITS_IP, "192.0.2.1", &c, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(c);
	limits_release(&b);
	limits_release(&c);
	limits_release(&other);
	limits_release(&other); /* NULL is fine */
}

static void test_user_limit(void)
{
	struct limits_settings set = {.dir = limits_dir, .max_per_ip = 1, .max_per_user = 1};
	struct limits_slot *u1 = NULL, *u2 = NULL, *ip = NULL;
	const char *err = NULL;
	CU_ASSERT_FATAL(limits_init(&set, &err) == 0);
	CU_ASSERT_EQUAL(limits_acquire(&set, LIMITS_USER, "alice@example.test", &u1, &err), 0);
	CU_ASSERT_EQUAL(limits_acquire(&set, LIMITS_USER, "alice@example.test", &u2, &err), -1);
	CU_ASSERT_STRING_EQUAL(err, "Too many simultaneous connections for this user");
	/* The same text as an IP is another kind: counted apart. */
	CU_ASSERT_EQUAL(limits_acquire(&set, LIMITS_IP, "alice@example.test", &ip, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(ip);
	limits_release(&u1);
	CU_ASSERT_EQUAL(limits_acquire(&set, LIMITS_USER, "alice@example.test", &u2, &err), 0);
	limits_release(&u2);
	limits_release(&ip);
}

static void test_unlimited_and_fail_open(void)
{
	struct limits_settings none = {.dir = limits_dir};
	struct limits_slot *slot = (struct limits_slot *)&none; /* must be reset */
	const char *err = NULL;
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(limits_acquire(&none, LIMITS_IP, "192.0.2.9", &slot, &err), 0);
		CU_ASSERT_PTR_NULL(slot);
	}
	/* An unusable directory lets the connection through (and logs it). */
	struct limits_settings broken = {.dir = "/proc/cairn-no-such/dir", .max_per_ip = 1};
	CU_ASSERT_EQUAL(limits_acquire(&broken, LIMITS_IP, "192.0.2.9", &slot, &err), 0);
	CU_ASSERT_PTR_NULL(slot);
}

static const struct unit_test limits_tests[] = {
        {"init_creates_dir", test_init_creates_dir},
        {"ip_limit", test_ip_limit},
        {"user_limit", test_user_limit},
        {"unlimited_and_fail_open", test_unlimited_and_fail_open},
        {NULL, NULL},
};
UNIT_SUITE_FULL("limits", limits_tests, limits_suite_init, limits_suite_cleanup)
