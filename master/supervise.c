/*
 * supervise.c - the child table: reaping and logging exits, reading the status
 * pipes, keeping min_idle idle workers under max_proc, and throttling a service
 * whose workers keep dying before they are ready.
 * Exports master_child_add, master_reap, master_read_status, master_adjust,
 * master_wants_wakeup, master_signal_children, master_retire, master_child_count,
 * master_now.
 */
#include "master/master.h"

#include "base/log.h"
#include "base/xalloc.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t master_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct master_child *master_child_add(struct master *m, pid_t pid)
{
	struct master_child *c = xcalloc(1, sizeof(*c));
	c->pid = pid;
	c->started = master_now();
	c->next = m->children;
	m->children = c;
	return c;
}

static struct master_child *master_child_find(struct master *m, pid_t pid)
{
	for (struct master_child *c = m->children; c; c = c->next)
		if (c->pid == pid)
			return c;
	return NULL;
}

int master_child_count(const struct master *m)
{
	int n = 0;
	for (const struct master_child *c = m->children; c; c = c->next)
		n++;
	return n;
}

/* Growing back-off: 1 s, 2 s, 4 s ... 60 s, reset by the next worker that gets ready. */
static void master_throttle(struct master *m, struct master_service *svc)
{
	if (m->stopping || ++svc->fail_count < MASTER_THROTTLE_AFTER)
		return;
	svc->throttle_ms = svc->throttle_ms ? svc->throttle_ms * 2 : MASTER_THROTTLE_FIRST_MS;
	if (svc->throttle_ms > MASTER_THROTTLE_MAX_MS)
		svc->throttle_ms = MASTER_THROTTLE_MAX_MS;
	svc->throttle_until = master_now() + svc->throttle_ms;
	log_warn("service_throttled", "service=%s failures=%d delay_ms=%lld", svc->name,
	         svc->fail_count, (long long)svc->throttle_ms);
}

static void master_log_exit(const struct master_child *c, int status)
{
	const char *kind = c->ev ? "event_exit" : "worker_exit";
	const char *what = c->ev ? "name" : "service";
	long age = (long)(master_now() - c->started);
	if (WIFSIGNALED(status))
		log_msg(c->retired || c->ev ? LOG_LVL_INFO : LOG_LVL_WARN, kind,
		        "%s=%s pid=%ld signal=%d uses=%u age_ms=%ld", what, c->svc_name,
		        (long)c->pid, WTERMSIG(status), c->use_count, age);
	else
		log_msg(WEXITSTATUS(status) ? LOG_LVL_WARN : LOG_LVL_INFO, kind,
		        "%s=%s pid=%ld status=%d uses=%u age_ms=%ld", what, c->svc_name,
		        (long)c->pid, WEXITSTATUS(status), c->use_count, age);
}

static void master_child_gone(struct master *m, struct master_child *c, int status)
{
	master_log_exit(c, status);
	if (c->ev && c->ev->pid == c->pid)
		c->ev->pid = 0;
	if (c->svc && !c->retired) {
		c->svc->total--;
		if (c->avail)
			c->svc->avail--;
		if (!c->ready)
			master_throttle(m, c->svc);
	}
	for (struct master_child **pp = &m->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	xfree((void **)&c);
}

void master_reap(struct master *m)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct master_child *c = master_child_find(m, pid);
		if (c != NULL)
			master_child_gone(m, c, status);
	}
}

static void master_status_record(struct master *m, struct master_service *svc,
                                 const struct service_status *rec)
{
	struct master_child *c = master_child_find(m, (pid_t)rec->pid);
	if (c == NULL || c->svc != svc || c->retired)
		return; /* a worker of an earlier configuration: no longer counted */
	c->use_count = rec->use_count;
	if (rec->code == SERVICE_STATUS_AVAIL) {
		if (!c->ready && svc->fail_count > 0) {
			log_info("service_recovered", "service=%s", svc->name);
			svc->fail_count = 0;
			svc->throttle_ms = 0;
		}
		c->ready = 1;
		if (!c->avail) {
			c->avail = 1;
			svc->avail++;
		}
	} else if (c->avail) {
		c->avail = 0;
		svc->avail--;
	}
}

void master_read_status(struct master *m, struct master_service *svc)
{
	struct service_status recs[64];
	for (;;) {
		ssize_t n = read(svc->status_rd, recs, sizeof(recs));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		/* Records are written whole and are smaller than PIPE_BUF: n is a multiple. */
		for (ssize_t i = 0; i < n / (ssize_t)sizeof(recs[0]); i++)
			master_status_record(m, svc, &recs[i]);
	}
}

static int master_throttled(struct master_service *svc)
{
	return svc->throttle_ms > 0 && master_now() < svc->throttle_until;
}

int master_wants_wakeup(const struct master *m, const struct master_service *svc)
{
	return !m->stopping && svc->avail == 0 && svc->total < svc->max_proc &&
	       !(svc->throttle_ms > 0 && master_now() < svc->throttle_until);
}

static int master_starting(const struct master *m, const struct master_service *svc)
{
	for (const struct master_child *c = m->children; c; c = c->next)
		if (c->svc == svc && !c->ready && !c->retired)
			return 1;
	return 0;
}

void master_adjust(struct master *m, struct master_service *svc, int wake)
{
	if (m->stopping || master_throttled(svc))
		return;
	/* After repeated early deaths, probe with one worker at a time until one is ready. */
	int probing = svc->fail_count >= MASTER_THROTTLE_AFTER;
	if (probing && master_starting(m, svc))
		return;
	while (svc->total < svc->max_proc && (svc->avail < svc->min_idle || wake)) {
		if (master_spawn_worker(m, svc) < 0 || probing)
			return;
		wake = 0;
	}
}

void master_signal_children(struct master *m, int sig, struct master_service *only)
{
	for (struct master_child *c = m->children; c; c = c->next)
		if (only == NULL || c->svc == only)
			kill(c->pid, sig);
}

void master_retire(struct master *m, struct master_service *svc)
{
	for (struct master_child *c = m->children; c; c = c->next) {
		if (c->ev || c->retired || (svc != NULL && c->svc != svc))
			continue;
		c->retired = 1;
		if (c->svc) {
			c->svc->total--;
			if (c->avail)
				c->svc->avail--;
		}
		kill(c->pid, SIGTERM);
	}
}
