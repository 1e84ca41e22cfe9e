/*
 * spawn.c - fork+exec of workers and event commands.  A worker gets fd 3 = its
 * service's status pipe, fd 4.. = its listeners and the CAIRN_* environment
 * (lib/service/status.h); everything else the master holds is close-on-exec.
 * Exports master_spawn_worker and master_spawn_event.
 */
#include "master/master.h"

#include "base/config.h"
#include "base/log.h"
#include "service/privs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* In the child: undo the master's signal setup so the program starts clean. */
static void master_child_signals(void)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGUSR1};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Die with the master even if it is SIGKILLed (the skeleton re-arms this after
	 * changing uid, which clears it). */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static void master_child_stdin(void)
{
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

/*
 * Move src[i] to fd 3+i.  Sources may sit anywhere, including inside the target
 * range, so first lift them all above it, then dup2 down (dup2 clears CLOEXEC).
 */
static int master_child_fds(const int *src, int n)
{
	int tmp[SERVICE_MAX_LISTEN + 2];
	for (int i = 0; i < n; i++)
		if ((tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, SERVICE_STATUS_FD + n)) < 0)
			return -1;
	for (int i = 0; i < n; i++)
		if (dup2(tmp[i], SERVICE_STATUS_FD + i) < 0)
			return -1;
	return 0;
}

static void master_worker_env(struct master *m, struct master_service *svc)
{
	char addrs[SERVICE_MAX_LISTEN * 128] = "", tls[SERVICE_MAX_LISTEN * 2] = "", n[16];
	for (int i = 0; i < svc->nlisten; i++) {
		size_t al = strlen(addrs), tl = strlen(tls);
		snprintf(addrs + al, sizeof(addrs) - al, "%s%s", i ? " " : "",
		         svc->listen[i].addr.text);
		snprintf(tls + tl, sizeof(tls) - tl, "%s%d", i ? " " : "", svc->listen[i].addr.tls);
	}
	snprintf(n, sizeof(n), "%d", svc->nlisten);
	setenv("CAIRN_CONF", m->conf->path, 1);
	char conf_fd[16]; /* master_worker_child put it after the listeners */
	snprintf(conf_fd, sizeof(conf_fd), "%d", SERVICE_STATUS_FD + svc->nlisten + 1);
	setenv("CAIRN_CONF_FD", conf_fd, 1);
	setenv("CAIRN_SERVICE", svc->name, 1);
	setenv("CAIRN_LISTEN_FDS", n, 1);
	setenv("CAIRN_LISTEN", addrs, 1);
	setenv("CAIRN_LISTEN_TLS", tls, 1);
}

static void master_worker_child(struct master *m, struct master_service *svc)
{
	int src[SERVICE_MAX_LISTEN + 2]; /* status pipe, listeners, configuration */
	src[0] = svc->status_wr;
	for (int i = 0; i < svc->nlisten; i++)
		src[1 + i] = svc->listen[i].fd;
	src[1 + svc->nlisten] = m->conf->text_fd;
	master_child_signals();
	master_child_stdin();
	if (master_child_fds(src, svc->nlisten + 2) < 0) {
		log_error("spawn_failed", "service=%s error=%s", svc->name, log_q(strerror(errno)));
		_exit(127);
	}
	master_worker_env(m, svc);
	execv(svc->argv[0], svc->argv);
	log_error("exec_failed", "service=%s cmd=%s error=%s", svc->name, log_q(svc->argv[0]),
	          log_q(strerror(errno)));
	_exit(127);
}

/*
 * fork() with every signal blocked.  Otherwise a SIGTERM sent to the new child before
 * it resets its dispositions (master_child_signals) would run the master's handler
 * in the child and be lost, leaving a retired worker idling after a reload.  The
 * child unblocks only after restoring SIG_DFL, so a pending stop still kills it.
 */
static pid_t master_fork(void)
{
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t pid = fork();
	if (pid != 0)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

int master_spawn_worker(struct master *m, struct master_service *svc)
{
	pid_t pid = master_fork();
	if (pid < 0) {
		log_error("fork_failed", "service=%s error=%s", svc->name, log_q(strerror(errno)));
		return -1;
	}
	if (pid == 0)
		master_worker_child(m, svc);
	struct master_child *c = master_child_add(m, pid);
	c->svc = svc;
	snprintf(c->svc_name, sizeof(c->svc_name), "%s", svc->name);
	c->avail = 1; /* counted idle until it reports, so one client spawns one worker */
	svc->total++;
	svc->avail++;
	log_debug("worker_spawn", "service=%s worker=%ld", svc->name, (long)pid);
	return 0;
}

static void master_event_child(struct master *m, struct master_event *ev)
{
	master_child_signals();
	int fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	dup2(STDERR_FILENO, STDOUT_FILENO); /* command output joins the master's log */
	const char *error;
	uid_t uid;
	gid_t gid;
	if (geteuid() == 0 && ev->user) {
		if (privs_lookup(ev->user, ev->group, &uid, &gid, &error) < 0 ||
		    privs_drop(uid, gid, &error) < 0) {
			log_error("event_failed", "name=%s error=%s", ev->name, log_q(error));
			_exit(127);
		}
		prctl(PR_SET_PDEATHSIG, SIGTERM);
	}
	setenv("CAIRN_CONF", m->conf->path, 1);
	char conf_fd[16];
	snprintf(conf_fd, sizeof(conf_fd), "%d", dup(m->conf->text_fd)); /* without CLOEXEC */
	setenv("CAIRN_CONF_FD", conf_fd, 1);
	unsetenv("CAIRN_SERVICE");
	execv(ev->argv[0], ev->argv);
	log_error("exec_failed", "event=%s cmd=%s error=%s", ev->name, log_q(ev->argv[0]),
	          log_q(strerror(errno)));
	_exit(127);
}

int master_spawn_event(struct master *m, struct master_event *ev)
{
	pid_t pid = master_fork();
	if (pid < 0) {
		log_error("fork_failed", "event=%s error=%s", ev->name, log_q(strerror(errno)));
		return -1;
	}
	if (pid == 0)
		master_event_child(m, ev);
	struct master_child *c = master_child_add(m, pid);
	c->ev = ev;
	snprintf(c->svc_name, sizeof(c->svc_name), "%s", ev->name);
	ev->pid = pid;
	log_info("event_start", "name=%s pid=%ld", ev->name, (long)pid);
	return 0;
}
