/*
 * master.h - cairn-master's data: the validated configuration (conf.c), the
 * children it supervises (supervise.c, spawn.c), reload (reload.c) and events
 * (event.c).  main.c runs the loop.  Design: docs/master.md.
 */
#ifndef CAIRN_MASTER_H
#define CAIRN_MASTER_H

#include "service/listen.h"
#include "service/status.h"

#include <stdint.h>
#include <sys/types.h>

#define MASTER_DEFAULT_CONF "/etc/cairn/cairn.conf"
/* A worker that exits before reporting ready this many times in a row throttles. */
#define MASTER_THROTTLE_AFTER 3
#define MASTER_THROTTLE_FIRST_MS 1000
#define MASTER_THROTTLE_MAX_MS 60000

struct master_listener {
	struct listen_addr addr;
	int line;
	int fd; /* -1 until bound */
};

struct master_service {
	const char *name;
	int line;
	char **argv; /* cmd split on blanks; argv[0] resolved to a path */
	struct master_listener listen[SERVICE_MAX_LISTEN];
	int nlisten;
	int tls;
	int64_t min_idle, max_proc;
	/* runtime */
	int status_rd, status_wr; /* status pipe, -1 when not open */
	int total; /* live, not retired children */
	int avail; /* of those, idle (a new child counts as idle until it reports) */
	int fail_count; /* consecutive deaths before ready */
	int64_t throttle_ms; /* current back-off, 0 when not throttled */
	int64_t throttle_until; /* monotonic ms */
	struct master_service *next;
};

struct master_event {
	const char *name;
	int line;
	char **argv;
	int64_t every; /* seconds, 0 when `at` is used */
	int at_hour, at_min; /* -1 when `every` is used */
	const char *user, *group;
	/* runtime */
	pid_t pid; /* running command, 0 when none */
	int64_t due; /* monotonic ms */
	struct master_event *next;
};

struct master_conf {
	struct config *cfg; /* owns every string and struct above */
	const char *path; /* absolute path handed to workers as CAIRN_CONF */
	int text_fd; /* sealed memfd with the text cfg was parsed from: CAIRN_CONF_FD */
	const char *pidfile; /* NULL: none */
	int log_syslog;
	int64_t shutdown_grace; /* seconds */
	struct master_service *services;
	struct master_event *events;
};

struct master_child {
	pid_t pid;
	struct master_service *svc; /* NULL: event command, or its service was removed */
	struct master_event *ev; /* event command */
	char svc_name[64]; /* a copy: the log needs it after a reload frees the config */
	int avail, ready, retired;
	unsigned use_count;
	int64_t started; /* monotonic ms */
	struct master_child *next;
};

struct master {
	struct master_conf *conf;
	struct master_child *children;
	int stopping;
	int64_t kill_at; /* when stopping: SIGKILL stragglers at this time */
	int killed;
};

/* conf.c: load and validate path; NULL with *error_r "path:LINE: reason". */
struct master_conf *master_conf_load(const char *path, const char **error_r);
void master_conf_free(struct master_conf **conf);
/* Split cmd on blanks and resolve a bare program name next to cairn-master. */
char **master_conf_split_cmd(struct master_conf *conf, const char *cmd);

/* Current CLOCK_MONOTONIC time in milliseconds. */
int64_t master_now(void);

/* spawn.c: fork+exec one worker of svc / one run of ev.  -1 when fork fails. */
int master_spawn_worker(struct master *m, struct master_service *svc);
int master_spawn_event(struct master *m, struct master_event *ev);

/* supervise.c */
void master_reap(struct master *m);
void master_read_status(struct master *m, struct master_service *svc);
/* Spawn to reach min_idle (or, with wake, one more for a waiting client). */
void master_adjust(struct master *m, struct master_service *svc, int wake);
/* 1 when a readable listener of svc should make the master spawn a worker. */
int master_wants_wakeup(const struct master *m, const struct master_service *svc);
void master_signal_children(struct master *m, int sig, struct master_service *only);
/* Mark every child of svc (all services when NULL) retired and SIGTERM it. */
void master_retire(struct master *m, struct master_service *svc);
int master_child_count(const struct master *m);
struct master_child *master_child_add(struct master *m, pid_t pid);

/* reload.c: bind every listener of conf at start; -1 with *error_r naming the line. */
int master_bind_all(struct master_conf *conf, const struct master_conf *old, const char **error_r);
/* Open status pipes of services that have none. */
int master_open_pipes(struct master_conf *conf, const char **error_r);
/* Replace m->conf by new_conf (already bound); keeps pipes and listeners by name. */
void master_apply(struct master *m, struct master_conf *new_conf);
/* Close listeners and pipes of conf (shutdown, failed reload). */
void master_close_conf(struct master_conf *conf, int unlink_sockets);

/* event.c */
void master_events_schedule(struct master_conf *conf, const struct master_conf *old);
void master_events_run(struct master *m);
int64_t master_events_next_due(const struct master_conf *conf);

#endif
