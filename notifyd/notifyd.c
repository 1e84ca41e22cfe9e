/*
 * notifyd.c - cairn-notifyd's local half: the writers' datagram socket, the
 * watchers' connections and the poll loop.  A writer's "C mailbox modseq" goes at
 * once to every local watcher of that mailbox and into the batch for the other
 * nodes (notifyd-pg.c).  Exports notifyd_init, notifyd_run, notifyd_deinit and
 * notifyd_fanout.
 */
#include "notifyd/notifyd-private.h"

#include "base/config.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "service/notify.h"
#include "service/service.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *const notifyd_keys[] = {"socket", "watch_socket", "socket_mode", "batch_ms",
                                           NULL};

int64_t notifyd_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int notifyd_bind_dgram(const char *path, int64_t mode, const char **error_r)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path)) {
		*error_r = "[notify] socket: path too long";
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct stat st;
	/* A stale socket of a previous notifyd is replaced; anything else is an error. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, (mode_t)mode) < 0) {
		static char err[300];
		snprintf(err, sizeof(err), "[notify] socket %s: %s", path, strerror(errno));
		*error_r = err;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int notifyd_init(struct notifyd *nd, struct config *cfg, const char **error_r)
{
	struct config_section *sec = config_find(cfg, "notify", NULL);
	const char *mode_s = config_get(sec, "socket_mode", "0660");
	char *end;
	long mode = strtol(mode_s, &end, 8);
	memset(nd, 0, sizeof(*nd));
	nd->dgram_fd = -1;
	buf_init(&nd->batch);
	if (config_check_keys(cfg, sec, notifyd_keys, error_r) < 0 ||
	    config_get_int(cfg, sec, "batch_ms", NOTIFYD_DEFAULT_BATCH_MS, 0, 1000, &nd->batch_ms,
	                   error_r) < 0)
		return -1;
	if (*end != '\0' || mode < 0 || mode > 0777) {
		*error_r = "[notify] socket_mode: an octal mode such as 0660";
		return -1;
	}
	notify_configure(cfg);
	nd->conninfo = config_get(config_find(cfg, "database", NULL), "conninfo", NULL);
	nd->dgram_fd = notifyd_bind_dgram(notify_socket_path(), mode, error_r);
	if (nd->dgram_fd < 0)
		return -1;
	notifyd_pg_connect(nd);
	log_info("notifyd_ready", "socket=%s cluster=%s", log_q(notify_socket_path()),
	         nd->conninfo ? "yes" : "no");
	return 0;
}

static void notifyd_watcher_close(struct notifyd *nd, size_t i)
{
	close(nd->watchers[i].fd);
	nd->watchers[i] = nd->watchers[--nd->n_watchers];
}

/* Tell one watcher; a watcher that does not keep up is dropped (it resyncs). */
static int notifyd_tell(struct notifyd_watcher *w, const char *rec, size_t len)
{
	ssize_t n = send(w->fd, rec, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return n == (ssize_t)len ? 0 : -1;
}

void notifyd_fanout(struct notifyd *nd, int64_t mailbox_id, uint64_t modseq)
{
	char rec[NOTIFY_MAX_RECORD];
	int len = snprintf(rec, sizeof(rec), "%" PRId64 " %" PRIu64 "\n", mailbox_id, modseq);
	for (size_t i = 0; i < nd->n_watchers;) {
		struct notifyd_watcher *w = &nd->watchers[i];
		if ((mailbox_id == 0 || w->mailbox_id == mailbox_id) &&
		    notifyd_tell(w, rec, (size_t)len) < 0) {
			log_info("watcher_dropped", "mailbox=%" PRId64, w->mailbox_id);
			notifyd_watcher_close(nd, i);
			continue;
		}
		i++;
	}
}

/* Every writer datagram waiting on the socket. */
static void notifyd_read_dgrams(struct notifyd *nd)
{
	char rec[NOTIFY_MAX_RECORD + 1];
	ssize_t n;
	while ((n = recv(nd->dgram_fd, rec, sizeof(rec) - 1, MSG_DONTWAIT)) >= 0) {
		rec[n] = '\0';
		long long mb;
		unsigned long long modseq;
		if (sscanf(rec, "C %lld %llu", &mb, &modseq) != 2 || mb <= 0) {
			log_warn("bad_datagram", "len=%zd", n);
			continue;
		}
		notifyd_fanout(nd, mb, modseq);
		notifyd_pg_queue(nd, mb, modseq);
	}
}

static void notifyd_accept(struct notifyd *nd, int lfd)
{
	int fd;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		if (nd->n_watchers == NOTIFYD_MAX_WATCHERS) {
			log_warn("too_many_watchers", "max=%d", NOTIFYD_MAX_WATCHERS);
			close(fd);
			continue;
		}
		if (nd->n_watchers == nd->cap_watchers) {
			nd->cap_watchers = nd->cap_watchers ? nd->cap_watchers * 2 : 64;
			nd->watchers =
			        xrealloc(nd->watchers, nd->cap_watchers * sizeof(*nd->watchers));
		}
		nd->watchers[nd->n_watchers++] = (struct notifyd_watcher){.fd = fd};
	}
}

/* "W mailbox\n" lines from a watcher.  -1: gone or misbehaving, close it. */
static int notifyd_watcher_input(struct notifyd_watcher *w)
{
	for (;;) {
		ssize_t n = read(w->fd, w->in + w->in_len, sizeof(w->in) - w->in_len - 1);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return -1;
		if (n < 0)
			return 0;
		w->in_len += (size_t)n;
		w->in[w->in_len] = '\0';
		char *p = w->in, *nl;
		while ((nl = strchr(p, '\n')) != NULL) {
			long long mb;
			*nl = '\0';
			if (sscanf(p, "W %lld", &mb) != 1 || mb < 0)
				return -1;
			w->mailbox_id = mb;
			p = nl + 1;
		}
		w->in_len -= (size_t)(p - w->in);
		memmove(w->in, p, w->in_len);
		if (w->in_len == sizeof(w->in) - 1)
			return -1;
	}
}

static int notifyd_timeout(const struct notifyd *nd)
{
	int64_t now = notifyd_now(), t = 1000;
	if (nd->batch_due > 0)
		t = nd->batch_due - now;
	if (nd->db == NULL && nd->conninfo != NULL && nd->db_retry_at - now < t)
		t = nd->db_retry_at - now;
	return t < 0 ? 0 : (int)t;
}

void notifyd_run(struct notifyd *nd, const int *listen_fds, int nlisten)
{
	struct pollfd *pfd = NULL;
	size_t cap = 0;
	for (int i = 0; i < nlisten; i++)
		fcntl(listen_fds[i], F_SETFL, fcntl(listen_fds[i], F_GETFL) | O_NONBLOCK);
	while (!service_stopping()) {
		size_t fixed = (size_t)nlisten + 2, n = fixed + nd->n_watchers;
		if (n > cap) {
			cap = n * 2;
			pfd = xrealloc(pfd, cap * sizeof(*pfd));
		}
		for (int i = 0; i < nlisten; i++)
			pfd[i] = (struct pollfd){.fd = listen_fds[i], .events = POLLIN};
		pfd[nlisten] = (struct pollfd){.fd = nd->dgram_fd, .events = POLLIN};
		pfd[nlisten + 1] = (struct pollfd){.fd = notifyd_pg_fd(nd), .events = POLLIN};
		for (size_t i = 0; i < nd->n_watchers; i++)
			pfd[fixed + i] =
			        (struct pollfd){.fd = nd->watchers[i].fd, .events = POLLIN};
		if (poll(pfd, n, notifyd_timeout(nd)) < 0 && errno != EINTR)
			log_fatal("poll_failed", "error=%s", log_q(strerror(errno)));
		/* Watchers first: the fan-out below may reorder the array. */
		for (size_t i = n; i-- > fixed;)
			if (pfd[i].revents && notifyd_watcher_input(&nd->watchers[i - fixed]) < 0)
				notifyd_watcher_close(nd, i - fixed);
		for (int i = 0; i < nlisten; i++)
			if (pfd[i].revents)
				notifyd_accept(nd, listen_fds[i]);
		if (pfd[nlisten].revents)
			notifyd_read_dgrams(nd);
		if (pfd[nlisten + 1].revents)
			notifyd_pg_input(nd);
		notifyd_pg_tick(nd);
	}
	free(pfd);
}

void notifyd_deinit(struct notifyd *nd)
{
	notifyd_pg_flush(nd);
	while (nd->n_watchers > 0)
		notifyd_watcher_close(nd, 0);
	free(nd->watchers);
	notifyd_pg_close(nd);
	buf_free(&nd->batch);
	if (nd->dgram_fd >= 0)
		close(nd->dgram_fd);
}
