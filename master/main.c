/*
 * main.c - cairn-master: the one long-lived privileged process of a node.  Reads
 * cairn.conf, binds every listener, forks+execs the workers of each service and
 * the event commands, and supervises them from one poll() loop.  Signal handlers
 * only set flags and wake the loop through a self-pipe.
 *
 *   cairn-master [-c FILE] [-t] [-d]
 *
 * SIGTERM/SIGINT: stop (workers finish their client, SIGKILL after shutdown_grace);
 * SIGHUP: re-read the configuration (an invalid one is logged and ignored).
 */
#include "master/master.h"

#include "base/config.h"
#include "base/log.h"
#include "base/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t master_got_term, master_got_hup, master_got_chld;
static int master_sig_pipe[2] = {-1, -1};

static void master_on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGCHLD)
		master_got_chld = 1;
	else if (sig == SIGHUP)
		master_got_hup = 1;
	else
		master_got_term = 1;
	char c = 0;
	ssize_t ignored = write(master_sig_pipe[1], &c, 1);
	(void)ignored;
	errno = saved;
}

static void master_signals_init(void)
{
	if (pipe2(master_sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		log_fatal("startup_error", "error=%s", log_q(strerror(errno)));
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sa.sa_handler = master_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/*
 * Fds 0-2 must be open, or pipes and sockets would land there and be clobbered;
 * anything else inherited from whoever started us must not leak into workers.
 */
static void master_std_fds(void)
{
	int fd;
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= STDERR_FILENO)
		;
	close_range(STDERR_FILENO + 1, ~0U, 0);
}

static int master_pidfile_lock(const char *path)
{
	if (path == NULL)
		return -1;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		log_fatal("pidfile_error", "path=%s error=%s", log_q(path), log_q(strerror(errno)));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char buf[32] = "";
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_fatal("already_running", "pidfile=%s pid=%s", log_q(path), log_q(buf));
	}
	return fd;
}

static void master_pidfile_write(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (fd < 0)
		return;
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		log_error("pidfile_error", "error=%s", log_q(strerror(errno)));
}

static void master_daemonize(int log_syslog)
{
	pid_t pid = fork();
	if (pid < 0)
		log_fatal("daemon_error", "error=%s", log_q(strerror(errno)));
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/") < 0)
		log_fatal("daemon_error", "error=%s", log_q(strerror(errno)));
	int fd = open("/dev/null", O_RDWR);
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	if (log_syslog)
		dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static void master_reload(struct master *m)
{
	const char *error;
	log_info("reload", "config=%s", log_q(m->conf->path));
	struct master_conf *nc = master_conf_load(m->conf->path, &error);
	if (nc == NULL || master_bind_all(nc, m->conf, &error) < 0) {
		log_error("reload_failed", "error=%s action=\"keeping the running configuration\"",
		          log_q(error));
		master_conf_free(&nc);
		return;
	}
	master_apply(m, nc);
	if (master_open_pipes(m->conf, &error) < 0)
		log_error("reload_pipe_failed", "error=%s", log_q(error));
	log_init("master", m->conf->log_syslog);
	log_info("reloaded", "children=%d", master_child_count(m));
}

static void master_begin_stop(struct master *m)
{
	if (m->stopping)
		return;
	m->stopping = 1;
	m->kill_at = master_now() + m->conf->shutdown_grace * 1000;
	log_info("stopping", "children=%d grace_s=%lld", master_child_count(m),
	         (long long)m->conf->shutdown_grace);
	master_signal_children(m, SIGTERM, NULL);
	/* Stop accepting (idle workers exit at once, busy ones after their client) and
	 * remove Unix sockets so clients fail fast instead of queueing. */
	master_close_conf(m->conf, 1);
}

struct master_pollset {
	struct pollfd *pfd;
	struct master_service **svc; /* owner of pfd[i] (NULL: the signal pipe) */
	int n, cap;
};

static void master_pollset_add(struct master_pollset *ps, int fd, struct master_service *svc)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 32;
		ps->pfd = xrealloc(ps->pfd, sizeof(*ps->pfd) * (size_t)ps->cap);
		ps->svc = xrealloc(ps->svc, sizeof(*ps->svc) * (size_t)ps->cap);
	}
	ps->pfd[ps->n] = (struct pollfd){.fd = fd, .events = POLLIN};
	ps->svc[ps->n++] = svc;
}

/* The signal pipe, every status pipe, and the listeners of services where a
 * waiting client should start a worker (none idle, below max_proc, not throttled). */
static void master_pollset_build(struct master *m, struct master_pollset *ps)
{
	ps->n = 0;
	master_pollset_add(ps, master_sig_pipe[0], NULL);
	for (struct master_service *s = m->conf->services; s; s = s->next) {
		if (s->status_rd >= 0)
			master_pollset_add(ps, s->status_rd, s);
		if (!master_wants_wakeup(m, s))
			continue;
		for (int i = 0; i < s->nlisten; i++)
			if (s->listen[i].fd >= 0)
				master_pollset_add(ps, s->listen[i].fd, s);
	}
}

static int master_timeout(const struct master *m)
{
	int64_t now = master_now(), next = now + 1000;
	int64_t ev = m->stopping ? 0 : master_events_next_due(m->conf);
	if (ev > 0 && ev < next)
		next = ev;
	for (const struct master_service *s = m->conf->services; s; s = s->next)
		if (s->throttle_ms > 0 && s->throttle_until > now && s->throttle_until < next)
			next = s->throttle_until;
	if (m->stopping && !m->killed && m->kill_at < next)
		next = m->kill_at;
	return next > now ? (int)(next - now) : 0;
}

static void master_read_all_status(struct master *m)
{
	for (struct master_service *s = m->conf->services; s; s = s->next)
		if (s->status_rd >= 0)
			master_read_status(m, s);
}

static void master_handle_events(struct master *m, struct master_pollset *ps)
{
	char drain[64];
	while (read(master_sig_pipe[0], drain, sizeof(drain)) > 0)
		;
	/* Status first: a worker that reported ready and then exited is not young. */
	master_read_all_status(m);
	if (master_got_chld) {
		master_got_chld = 0;
		master_reap(m);
	}
	for (int i = 1; i < ps->n; i++)
		if (ps->pfd[i].revents && ps->svc[i] && ps->pfd[i].fd != ps->svc[i]->status_rd &&
		    master_wants_wakeup(m, ps->svc[i]))
			master_adjust(m, ps->svc[i], 1);
	if (master_got_hup) {
		master_got_hup = 0;
		if (!m->stopping)
			master_reload(m);
	}
	if (master_got_term) {
		master_got_term = 0;
		master_begin_stop(m);
	}
}

static void master_loop(struct master *m)
{
	struct master_pollset ps = {0};
	for (;;) {
		for (struct master_service *s = m->conf->services; s && !m->stopping; s = s->next)
			if (s->status_wr >= 0)
				master_adjust(m, s, 0);
		if (m->stopping && m->children == NULL)
			break;
		master_pollset_build(m, &ps);
		int n = poll(ps.pfd, (nfds_t)ps.n, master_timeout(m));
		if (n < 0 && errno != EINTR)
			log_fatal("poll_failed", "error=%s", log_q(strerror(errno)));
		if (n < 0)
			continue;
		master_handle_events(m, &ps);
		if (!m->stopping)
			master_events_run(m);
		if (m->stopping && !m->killed && master_now() >= m->kill_at) {
			log_warn("stop_kill", "children=%d", master_child_count(m));
			master_signal_children(m, SIGKILL, NULL);
			m->killed = 1;
		}
	}
	xfree((void **)&ps.pfd);
	xfree((void **)&ps.svc);
}

static int master_usage(FILE *out, int code)
{
	fprintf(out, "usage: cairn-master [-c FILE] [-t] [-d]\n"
	             "  -c FILE  configuration (default $CAIRN_CONF or " MASTER_DEFAULT_CONF ")\n"
	             "  -t       check the configuration and exit\n"
	             "  -d       run in the background (with [master] pidfile)\n");
	return code;
}

static int master_check(struct master_conf *conf)
{
	int ns = 0, ne = 0;
	for (struct master_service *s = conf->services; s; s = s->next)
		ns++;
	for (struct master_event *e = conf->events; e; e = e->next)
		ne++;
	printf("%s: configuration OK (%d services, %d events)\n", conf->path, ns, ne);
	master_conf_free(&conf);
	return 0;
}

static void master_start(struct master *m, int daemonize)
{
	const char *error;
	log_init("master", m->conf->log_syslog);
	int pidfd = master_pidfile_lock(m->conf->pidfile);
	master_signals_init();
	if (master_bind_all(m->conf, NULL, &error) < 0 || master_open_pipes(m->conf, &error) < 0)
		log_fatal("startup_error", "error=%s", log_q(error));
	if (daemonize)
		master_daemonize(m->conf->log_syslog);
	master_pidfile_write(pidfd);
	master_events_schedule(m->conf, NULL);
	int ns = 0;
	for (struct master_service *s = m->conf->services; s; s = s->next)
		ns++;
	log_info("started", "config=%s services=%d uid=%ld", log_q(m->conf->path), ns,
	         (long)getuid());
}

int main(int argc, char **argv)
{
	const char *path = getenv("CAIRN_CONF") ? getenv("CAIRN_CONF") : MASTER_DEFAULT_CONF;
	int check = 0, daemonize = 0, c;
	while ((c = getopt(argc, argv, "c:tdh")) != -1) {
		if (c == 'c')
			path = optarg;
		else if (c == 't')
			check = 1;
		else if (c == 'd')
			daemonize = 1;
		else
			return master_usage(c == 'h' ? stdout : stderr, c == 'h' ? 0 : 2);
	}
	if (optind != argc)
		return master_usage(stderr, 2);
	master_std_fds();
	log_init("master", 0);
	const char *error;
	struct master m = {0};
	m.conf = master_conf_load(path, &error);
	if (m.conf == NULL) {
		fprintf(stderr, "cairn-master: %s\n", error);
		return 1;
	}
	if (check)
		return master_check(m.conf);
	master_start(&m, daemonize);
	master_loop(&m);
	master_close_conf(m.conf, 1);
	if (m.conf->pidfile)
		unlink(m.conf->pidfile);
	log_info("stopped", "exit=0");
	master_conf_free(&m.conf);
	return 0;
}
