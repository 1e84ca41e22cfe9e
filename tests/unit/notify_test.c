/*
 * notify_test.c - lib/service/notify: a writer's datagram reaches the configured
 * socket in the wire format, a watcher registers and matches only its mailbox (or
 * a resync), records split across reads, and EOF reports a lost notifyd.
 */
#include "unit.h"

#include "base/config.h"
#include "service/notify.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char notify_dir[64];

static int notify_bind(const char *name, int type, char *path_r, size_t size)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	snprintf(path_r, size, "%s/%s", notify_dir, name);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path_r);
	int fd = socket(AF_UNIX, type, 0);
	CU_ASSERT_FATAL(fd >= 0 && bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	return fd;
}

static void notify_setup(char *dgram, char *watch, int *dfd, int *lfd)
{
	const char *error;
	snprintf(notify_dir, sizeof(notify_dir), "/tmp/cairn-notify-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(notify_dir) != NULL);
	*dfd = notify_bind("d.sock", SOCK_DGRAM, dgram, 128);
	*lfd = notify_bind("w.sock", SOCK_STREAM, watch, 128);
	CU_ASSERT_FATAL(listen(*lfd, 4) == 0);
	char text[512];
	snprintf(text, sizeof(text), "[notify]\nsocket = %s\nwatch_socket = %s\n", dgram, watch);
	struct config *cfg = config_parse("t.conf", text, &error);
	CU_ASSERT_FATAL(cfg != NULL);
	notify_configure(cfg);
	config_free(&cfg);
}

static void notify_teardown(const char *dgram, const char *watch, int dfd, int lfd)
{
	close(dfd);
	close(lfd);
	unlink(dgram);
	unlink(watch);
	rmdir(notify_dir);
}

static void test_writer_and_watcher(void)
{
	char dgram[128], watch[128], rec[128];
	const char *error;
	int dfd, lfd;
	notify_setup(dgram, watch, &dfd, &lfd);
	CU_ASSERT_STRING_EQUAL(notify_socket_path(), dgram);
	notify_changed(42, 7);
	ssize_t n = recv(dfd, rec, sizeof(rec) - 1, MSG_DONTWAIT);
	CU_ASSERT_FATAL(n > 0);
	rec[n] = '\0';
	CU_ASSERT_STRING_EQUAL(rec, "C 42 7");

	struct notify_watch *w = notify_watch_open(42, &error);
	CU_ASSERT_FATAL(w != NULL);
	int peer = accept(lfd, NULL, NULL);
	n = read(peer, rec, sizeof(rec) - 1);
	CU_ASSERT_FATAL(n > 0);
	rec[n] = '\0';
	CU_ASSERT_STRING_EQUAL(rec, "W 42\n");
	CU_ASSERT_EQUAL(notify_watch_read(w), 0); /* nothing yet */
	CU_ASSERT(write(peer, "41 3\n", 5) == 5);
	CU_ASSERT_EQUAL(notify_watch_read(w), 0); /* another mailbox */
	CU_ASSERT(write(peer, "4", 1) == 1);
	CU_ASSERT_EQUAL(notify_watch_read(w), 0); /* half a record */
	CU_ASSERT(write(peer, "2 9\n", 4) == 4);
	CU_ASSERT_EQUAL(notify_watch_read(w), 1);
	CU_ASSERT(write(peer, "0 0\n", 4) == 4);
	CU_ASSERT_EQUAL(notify_watch_read(w), 1); /* resync everybody */
	close(peer);
	CU_ASSERT_EQUAL(notify_watch_read(w), -1);
	notify_watch_free(&w);
	CU_ASSERT_PTR_NULL(w);
	notify_teardown(dgram, watch, dfd, lfd);
	CU_ASSERT_PTR_NULL(notify_watch_open(1, &error)); /* notifyd gone */
	notify_changed(1, 1); /* ignored, no crash */
	notify_configure(NULL);
	CU_ASSERT_STRING_EQUAL(notify_watch_path(), NOTIFY_DEFAULT_WATCH_SOCKET);
}

static const struct unit_test tests[] = {
        {"writer_and_watcher", test_writer_and_watcher},
        {NULL, NULL},
};
UNIT_SUITE("notify", tests)
