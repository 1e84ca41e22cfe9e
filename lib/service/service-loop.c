/*
 * service-loop.c - the worker's life after initialisation: report available, wait
 * for a client, report busy, serve it, repeat until max_use, idle_timeout or a stop
 * request.  Also the worker's signal handlers and service_stopping().
 * Exports service_signals_init, service_loop, service_run and service_stopping.
 */
#include "service/service-private.h"

#include "base/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t service_stop_flag;
/* Listener fds, closed by the first stop signal (close() is async-signal-safe). */
static int service_listen_fds[SERVICE_MAX_LISTEN];
static volatile sig_atomic_t service_listen_count;

/*
 * Stop request.  Closing the listeners here, not when serve() returns, means a
 * busy worker of a removed service (or of a stopping master) no longer holds the
 * port open, so new clients are refused or go to the new workers instead of
 * queueing behind a long session.  Only the first signal closes: after that the
 * fd numbers may belong to the daemon.
 */
static void service_on_stop(int sig)
{
	(void)sig;
	if (!service_stop_flag)
		for (int i = 0; i < service_listen_count; i++)
			close(service_listen_fds[i]);
	service_listen_count = 0;
	service_stop_flag = 1;
}

void service_signals_listeners(const struct service_state *st)
{
	for (int i = 0; i < st->nlisten; i++)
		service_listen_fds[i] = st->listeners[i].fd;
	service_listen_count = st->nlisten;
}

void service_signals_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = service_on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int service_stopping(void)
{
	return service_stop_flag;
}

/* One record, one write(2): records of concurrent workers never interleave. */
static void service_report(struct service_state *st, int code, unsigned use_count)
{
	if (st->status_fd < 0)
		return;
	struct service_status rec = {
	        .pid = (int32_t)getpid(), .code = code, .use_count = use_count};
	ssize_t n;
	do
		n = write(st->status_fd, &rec, sizeof(rec));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(rec)) {
		/* The master closed the pipe (service removed) or is gone: finish up. */
		log_info("status_pipe_closed", "error=%s", log_q(strerror(errno)));
		service_stop_flag = 1;
	}
}

static int64_t service_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until a listener is readable.  Returns its index, -1 on timeout or stop.
 * SIGTERM is blocked between the flag test and ppoll() so it cannot slip in between.
 */
static int service_wait(struct service_state *st, int64_t deadline_ms)
{
	struct pollfd pfd[SERVICE_MAX_LISTEN];
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	for (;;) {
		for (int i = 0; i < st->nlisten; i++)
			pfd[i] = (struct pollfd){.fd = st->listeners[i].fd, .events = POLLIN};
		sigprocmask(SIG_BLOCK, &block, &old);
		if (service_stop_flag || (st->master_pid && getppid() != st->master_pid)) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			service_stop_flag = 1;
			return -1;
		}
		struct timespec ts, *tsp = NULL;
		if (deadline_ms > 0) {
			int64_t left = deadline_ms - service_now_ms();
			if (left <= 0) {
				sigprocmask(SIG_SETMASK, &old, NULL);
				return -1;
			}
			/* Wake at least every second to notice a dead master. */
			left = left > 1000 ? 1000 : left;
			ts = (struct timespec){.tv_sec = left / 1000,
			                       .tv_nsec = (left % 1000) * 1000000};
			tsp = &ts;
		} else {
			ts = (struct timespec){.tv_sec = 1};
			tsp = &ts;
		}
		int n = ppoll(pfd, (nfds_t)st->nlisten, tsp, &old);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (n < 0 && errno != EINTR)
			log_fatal("poll_failed", "error=%s", log_q(strerror(errno)));
		for (int i = 0; n > 0 && i < st->nlisten; i++)
			if (pfd[i].revents)
				return i;
	}
}

static void service_format_peer(const struct sockaddr_storage *ss, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		snprintf(out, size, "%s:%u", ip, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		snprintf(out, size, "[%s]:%u", ip, ntohs(sin6->sin6_port));
	} else {
		snprintf(out, size, "unix");
	}
}

static void service_new_session(char *out, size_t size)
{
	static unsigned counter;
	unsigned char rnd[6];
	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
		unsigned v = (unsigned)getpid() * 2654435761u + ++counter;
		memcpy(rnd, &v, 4);
		rnd[4] = rnd[5] = (unsigned char)counter;
	}
	snprintf(out, size, "%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
	         rnd[5]);
}

static void service_serve_one(struct service_state *st, const struct service_listener *l, int fd,
                              const struct sockaddr_storage *peer, unsigned use_count)
{
	char peer_text[INET6_ADDRSTRLEN + 16], session[16];
	service_format_peer(peer, peer_text, sizeof(peer_text));
	service_new_session(session, sizeof(session));
	log_set_session(session);
	log_info("connect", "peer=%s listener=%s tls=%s", log_q(peer_text), log_q(l->addr),
	         l->tls ? "yes" : "no");
	struct service_client client = {
	        .fd = fd,
	        .peer = peer_text,
	        .local = l->addr,
	        .tls = l->tls,
	        .use_count = use_count,
	        .session = session,
	};
	st->cb->serve(&st->ctx, &client);
	close(fd);
	log_info("disconnect", "peer=%s", log_q(peer_text));
	log_set_session(NULL);
}

void service_loop(struct service_state *st)
{
	unsigned use = 0;
	int reported_avail = 0;
	int64_t idle_since = service_now_ms();
	while (!service_stop_flag && (st->max_use == 0 || use < st->max_use)) {
		if (!reported_avail) {
			service_report(st, SERVICE_STATUS_AVAIL, use);
			reported_avail = 1;
			idle_since = service_now_ms();
		}
		int64_t deadline = st->idle_timeout > 0 ? idle_since + st->idle_timeout * 1000 : 0;
		int i = service_wait(st, deadline);
		if (i < 0) {
			if (!service_stop_flag)
				log_info("idle_exit", "idle_timeout=%lld uses=%u",
				         (long long)st->idle_timeout, use);
			return;
		}
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		memset(&peer, 0, sizeof(peer));
		int fd =
		        accept4(st->listeners[i].fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
		if (fd < 0) {
			/* Another worker won the race (EAGAIN) or the client left already. */
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED && !service_stop_flag)
				log_warn("accept_failed", "error=%s", log_q(strerror(errno)));
			continue;
		}
		use++;
		service_report(st, SERVICE_STATUS_BUSY, use);
		reported_avail = 0;
		service_serve_one(st, &st->listeners[i], fd, &peer, use);
	}
	if (!service_stop_flag)
		log_info("max_use_exit", "uses=%u", use);
}

void service_run(struct service_state *st)
{
	int fds[SERVICE_MAX_LISTEN];
	for (int i = 0; i < st->nlisten; i++)
		fds[i] = st->listeners[i].fd;
	service_report(st, SERVICE_STATUS_AVAIL, 0);
	st->cb->run(&st->ctx, fds, st->nlisten);
}
