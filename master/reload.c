/*
 * reload.c - listeners and status pipes across configurations: bind at start,
 * keep the sockets of addresses that survive a SIGHUP (workers that are still
 * serving hold them too), bind the new ones, close the removed ones, and move
 * each service's runtime state to its new definition.
 * Exports master_bind_all, master_open_pipes, master_apply, master_close_conf.
 */
#include "master/master.h"

#include "base/config.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#define MASTER_BACKLOG 1024

static struct master_listener *master_find_listener(const struct master_conf *conf,
                                                    const char *text)
{
	for (struct master_service *s = conf ? conf->services : NULL; s; s = s->next)
		for (int i = 0; i < s->nlisten; i++)
			if (s->listen[i].fd >= 0 && strcmp(s->listen[i].addr.text, text) == 0)
				return &s->listen[i];
	return NULL;
}

static struct master_service *master_find_service(const struct master_conf *conf, const char *name)
{
	for (struct master_service *s = conf ? conf->services : NULL; s; s = s->next)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static struct master_event *master_find_event(const struct master_conf *conf, const char *name)
{
	for (struct master_event *e = conf->events; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* Bind what old does not already hold; on failure close what this call bound. */
int master_bind_all(struct master_conf *conf, const struct master_conf *old, const char **error_r)
{
	for (struct master_service *s = conf->services; s; s = s->next)
		for (int i = 0; i < s->nlisten; i++) {
			struct master_listener *l = &s->listen[i];
			if (master_find_listener(old, l->addr.text) != NULL)
				continue;
			const char *err;
			l->fd = listen_bind(&l->addr, MASTER_BACKLOG, &err);
			if (l->fd < 0) {
				*error_r = config_error(conf->cfg, l->line, "listen %s: %s",
				                        l->addr.text, err);
				master_close_conf(conf, 0);
				return -1;
			}
		}
	return 0;
}

int master_open_pipes(struct master_conf *conf, const char **error_r)
{
	for (struct master_service *s = conf->services; s; s = s->next) {
		if (s->status_rd >= 0)
			continue;
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			*error_r = strerror(errno);
			return -1;
		}
		/* Only the master's end is non-blocking: workers block if it falls behind. */
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		s->status_rd = p[0];
		s->status_wr = p[1];
	}
	return 0;
}

/* Take over the sockets old already holds for addresses conf keeps. */
static void master_take_listeners(struct master_conf *conf, struct master_conf *old)
{
	for (struct master_service *s = conf->services; s; s = s->next)
		for (int i = 0; i < s->nlisten; i++) {
			struct master_listener *l = &s->listen[i];
			struct master_listener *ol;
			if (l->fd >= 0 || (ol = master_find_listener(old, l->addr.text)) == NULL)
				continue;
			l->fd = ol->fd;
			ol->fd = -1;
			const char *err;
			if (listen_apply_perms(&l->addr, &err) < 0)
				log_error("listen_perms", "listen=%s error=%s", log_q(l->addr.text),
				          log_q(err));
		}
}

/* Same name: keep the status pipe and the throttle state, and re-point children. */
static void master_take_service(struct master *m, struct master_service *s,
                                struct master_service *os)
{
	s->status_rd = os->status_rd;
	s->status_wr = os->status_wr;
	os->status_rd = os->status_wr = -1;
	s->fail_count = os->fail_count;
	s->throttle_ms = os->throttle_ms;
	s->throttle_until = os->throttle_until;
	for (struct master_child *c = m->children; c; c = c->next)
		if (c->svc == os)
			c->svc = s;
}

void master_apply(struct master *m, struct master_conf *new_conf)
{
	struct master_conf *old = m->conf;
	/* Every running worker finishes its client under the old configuration and
	 * exits; fresh ones start with the new file (it may change TLS certificates or
	 * database settings that only workers read). */
	master_retire(m, NULL);
	master_take_listeners(new_conf, old);
	for (struct master_service *s = new_conf->services; s; s = s->next) {
		struct master_service *os = master_find_service(old, s->name);
		if (os != NULL)
			master_take_service(m, s, os);
		else
			log_info("service_added", "service=%s", s->name);
	}
	for (struct master_service *os = old->services; os; os = os->next)
		if (master_find_service(new_conf, os->name) == NULL) {
			log_info("service_removed", "service=%s", os->name);
			for (struct master_child *c = m->children; c; c = c->next)
				if (c->svc == os)
					c->svc = NULL;
		}
	/* A command still running keeps blocking its event's next run if it survives. */
	for (struct master_child *c = m->children; c; c = c->next)
		if (c->ev) {
			c->ev = master_find_event(new_conf, c->ev->name);
			if (c->ev)
				c->ev->pid = c->pid;
		}
	master_events_schedule(new_conf, old);
	/* What new_conf did not take is gone: close it and remove its socket files. */
	master_close_conf(old, 1);
	master_conf_free(&old);
	m->conf = new_conf;
}

void master_close_conf(struct master_conf *conf, int unlink_sockets)
{
	for (struct master_service *s = conf->services; s; s = s->next) {
		for (int i = 0; i < s->nlisten; i++) {
			struct master_listener *l = &s->listen[i];
			if (l->fd < 0)
				continue;
			close(l->fd);
			l->fd = -1;
			if (unlink_sockets && l->addr.family == AF_UNIX)
				unlink(((struct sockaddr_un *)&l->addr.sa)->sun_path);
		}
		if (s->status_rd >= 0)
			close(s->status_rd);
		if (s->status_wr >= 0)
			close(s->status_wr);
		s->status_rd = s->status_wr = -1;
	}
}
