/*
 * notify-client.c - the IDLE wait (notify-client.h): poll() on the client
 * connection and the notifyd watch connection, with the re-check and reconnect
 * timers.  Exports notify_client_new/free/wait/now.
 */
#include "imapd/notify-client.h"

#include "imapd/session.h"

#include "base/conn.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "service/notify.h"
#include "service/service.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

struct notify_client {
	int64_t mailbox_id;
	struct notify_watch *w; /* NULL: not connected */
	int64_t retry_at, recheck_at;
};

int64_t notify_client_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int notify_client_connect(struct notify_client *nc)
{
	const char *error;
	nc->w = notify_watch_open(nc->mailbox_id, &error);
	if (nc->w == NULL) {
		nc->retry_at = notify_client_now() + NOTIFY_CLIENT_RETRY_MS;
		log_debug("notify_unavailable", "error=%s", log_q(error));
		return -1;
	}
	return 0;
}

struct notify_client *notify_client_new(int64_t mailbox_id)
{
	struct notify_client *nc = xcalloc(1, sizeof(*nc));
	nc->mailbox_id = mailbox_id;
	nc->recheck_at = notify_client_now() + NOTIFY_CLIENT_RECHECK_MS;
	if (mailbox_id > 0)
		(void)notify_client_connect(nc);
	return nc;
}

void notify_client_free(struct notify_client **nc)
{
	if (*nc == NULL)
		return;
	notify_watch_free(&(*nc)->w);
	free(*nc);
	*nc = NULL;
}

static int64_t notify_client_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* One poll() round.  Returns an event, or -1 to go round again. */
static int notify_client_poll(struct notify_client *nc, struct imap_session *s, int64_t until)
{
	struct pollfd pfd[2] = {{.fd = conn_fd(s->conn), .events = POLLIN},
	                        {.fd = nc->w ? notify_watch_fd(nc->w) : -1, .events = POLLIN}};
	/* Wake every second at least to notice a stop request. */
	int64_t wait = notify_client_min(until - notify_client_now(), 1000);
	int n = poll(pfd, 2, wait < 0 ? 0 : (int)wait);
	if (n < 0 && errno != EINTR)
		return NOTIFY_CLIENT_STOP;
	if (n <= 0)
		return -1;
	if (pfd[1].revents) {
		int r = notify_watch_read(nc->w);
		if (r < 0) {
			/* notifyd restarted: reconnect soon, and resync then. */
			notify_watch_free(&nc->w);
			nc->retry_at = notify_client_now() + NOTIFY_CLIENT_RETRY_MS;
		} else if (r > 0) {
			return NOTIFY_CLIENT_CHANGE;
		}
	}
	return pfd[0].revents ? NOTIFY_CLIENT_INPUT : -1;
}

enum notify_client_event notify_client_wait(struct notify_client *nc, struct imap_session *s,
                                            int64_t deadline_ms)
{
	for (;;) {
		if (s->in.len > 0 || conn_has_input(s->conn))
			return NOTIFY_CLIENT_INPUT;
		if (service_stopping())
			return NOTIFY_CLIENT_STOP;
		int64_t now = notify_client_now();
		if (now >= deadline_ms)
			return NOTIFY_CLIENT_TIMEOUT;
		if (nc->mailbox_id > 0 && now >= nc->recheck_at) {
			nc->recheck_at = now + NOTIFY_CLIENT_RECHECK_MS;
			return NOTIFY_CLIENT_CHANGE;
		}
		/* Back after a notifyd restart: what happened meanwhile was not announced. */
		if (nc->mailbox_id > 0 && nc->w == NULL && now >= nc->retry_at &&
		    notify_client_connect(nc) == 0)
			return NOTIFY_CLIENT_CHANGE;
		int64_t until = notify_client_min(deadline_ms, nc->recheck_at);
		if (nc->mailbox_id > 0 && nc->w == NULL)
			until = notify_client_min(until, nc->retry_at);
		int ev = notify_client_poll(nc, s, until);
		if (ev >= 0)
			return (enum notify_client_event)ev;
	}
}
