/*
 * notify.c - writer and watcher sides of the cairn-notifyd protocol (notify.h):
 * notify_configure, notify_changed (one non-blocking datagram) and the
 * notify_watch_* connection an IDLE session polls.
 */
#include "service/notify.h"

#include "base/config.h"
#include "base/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct notify_watch {
	int fd;
	int64_t mailbox_id;
	char in[NOTIFY_MAX_RECORD * 4];
	size_t in_len;
};

static char notify_socket[sizeof(((struct sockaddr_un *)0)->sun_path)] = NOTIFY_DEFAULT_SOCKET;
static char notify_watch_sock[sizeof(notify_socket)] = NOTIFY_DEFAULT_WATCH_SOCKET;
static int notify_send_fd = -1;

void notify_configure(struct config *cfg)
{
	struct config_section *sec = cfg ? config_find(cfg, "notify", NULL) : NULL;
	snprintf(notify_socket, sizeof(notify_socket), "%s",
	         config_get(sec, "socket", NOTIFY_DEFAULT_SOCKET));
	snprintf(notify_watch_sock, sizeof(notify_watch_sock), "%s",
	         config_get(sec, "watch_socket", NOTIFY_DEFAULT_WATCH_SOCKET));
}

const char *notify_socket_path(void)
{
	return notify_socket;
}

const char *notify_watch_path(void)
{
	return notify_watch_sock;
}

static int notify_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

void notify_changed(int64_t mailbox_id, uint64_t modseq)
{
	struct sockaddr_un sun;
	char rec[NOTIFY_MAX_RECORD];
	if (mailbox_id <= 0 || notify_addr(notify_socket, &sun) < 0)
		return;
	if (notify_send_fd < 0)
		notify_send_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (notify_send_fd < 0)
		return;
	int n = snprintf(rec, sizeof(rec), "C %" PRId64 " %" PRIu64, mailbox_id, modseq);
	/* A hint: notifyd down or its queue full only delays watchers to their timer. */
	(void)sendto(notify_send_fd, rec, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&sun,
	             sizeof(sun));
}

struct notify_watch *notify_watch_open(int64_t mailbox_id, const char **error_r)
{
	struct sockaddr_un sun;
	if (notify_addr(notify_watch_sock, &sun) < 0) {
		*error_r = "watch_socket path too long";
		return NULL;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		*error_r = strerror(errno);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	char rec[NOTIFY_MAX_RECORD];
	int n = snprintf(rec, sizeof(rec), "W %" PRId64 "\n", mailbox_id);
	if (write(fd, rec, (size_t)n) != n) {
		*error_r = "cannot register with notifyd";
		close(fd);
		return NULL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	struct notify_watch *w = xcalloc(1, sizeof(*w));
	w->fd = fd;
	w->mailbox_id = mailbox_id;
	return w;
}

void notify_watch_free(struct notify_watch **w)
{
	if (*w == NULL)
		return;
	close((*w)->fd);
	free(*w);
	*w = NULL;
}

int notify_watch_fd(const struct notify_watch *w)
{
	return w->fd;
}

/* Does one record "<mailbox> <modseq>" concern us?  Malformed records do not. */
static int notify_watch_match(const struct notify_watch *w, const char *rec)
{
	char *end;
	long long mb = strtoll(rec, &end, 10);
	if (end == rec || *end != ' ')
		return 0;
	return mb == 0 || mb == w->mailbox_id;
}

int notify_watch_read(struct notify_watch *w)
{
	int hit = 0;
	for (;;) {
		ssize_t n = read(w->fd, w->in + w->in_len, sizeof(w->in) - w->in_len - 1);
		if (n == 0)
			return -1;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? hit : -1;
		w->in_len += (size_t)n;
		w->in[w->in_len] = '\0';
		char *p = w->in, *nl;
		while ((nl = strchr(p, '\n')) != NULL) {
			*nl = '\0';
			hit |= notify_watch_match(w, p);
			p = nl + 1;
		}
		w->in_len -= (size_t)(p - w->in);
		memmove(w->in, p, w->in_len);
		/* A record longer than the buffer is garbage: drop it. */
		if (w->in_len == sizeof(w->in) - 1)
			w->in_len = 0;
	}
}
