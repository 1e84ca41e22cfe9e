/*
 * conf.c - cairn-master's view of cairn.conf: the [master], [service NAME] and
 * [event NAME] sections, every key validated with "path:LINE: reason" errors.
 * Sections of other types belong to other programs and are ignored here.
 * Exports master_conf_load, master_conf_free and master_conf_split_cmd.
 */
#include "master/master.h"

#include "base/arena.h"
#include "base/config.h"
#include "base/xalloc.h"
#include "service/privs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MASTER_MAX_ARGS 64

static const char *const master_keys[] = {"pidfile", "log", "shutdown_grace", NULL};
static const char *const service_keys[] = {"cmd",      "listen",  "tls",          "min_idle",
                                           "max_proc", "max_use", "idle_timeout", "user",
                                           "group",    NULL};
static const char *const event_keys[] = {"cmd", "every", "at", "user", "group", NULL};

/* Directory of the running cairn-master, where bare program names are looked up. */
static const char *master_conf_bindir(void)
{
	static char dir[PATH_MAX];
	if (dir[0] == '\0') {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
		dir[n > 0 ? n : 0] = '\0';
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			strcpy(dir, ".");
	}
	return dir;
}

char **master_conf_split_cmd(struct master_conf *conf, const char *cmd)
{
	struct arena *a = conf->cfg->arena;
	char **argv = arena_zalloc(a, sizeof(char *) * (MASTER_MAX_ARGS + 1));
	char *copy = arena_strdup(a, cmd), *save = NULL;
	int n = 0;
	for (char *w = strtok_r(copy, " \t", &save); w && n < MASTER_MAX_ARGS;
	     w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	if (n > 0 && strchr(argv[0], '/') == NULL)
		argv[0] = arena_printf(a, "%s/%s", master_conf_bindir(), argv[0]);
	return n > 0 ? argv : NULL;
}

/* cmd must name an executable file: a missing binary is a config error, not a
 * worker that dies young forever. */
static int master_conf_cmd(struct master_conf *conf, const struct config_section *sec,
                           char ***argv_r, const char **error_r)
{
	const struct config_entry *e = config_entry(sec, "cmd");
	if (e == NULL) {
		*error_r = config_error(conf->cfg, sec->line, "missing cmd in [%s %s]", sec->type,
		                        sec->name);
		return -1;
	}
	*argv_r = master_conf_split_cmd(conf, e->value);
	if (*argv_r == NULL) {
		*error_r = config_error(conf->cfg, e->line, "empty cmd");
		return -1;
	}
	if (access((*argv_r)[0], X_OK) < 0) {
		*error_r = config_error(conf->cfg, e->line, "cmd %s: %s", (*argv_r)[0],
		                        strerror(errno));
		return -1;
	}
	return 0;
}

static int master_conf_user(struct master_conf *conf, const struct config_section *sec,
                            const char **error_r)
{
	const struct config_entry *u = config_entry(sec, "user");
	const struct config_entry *g = config_entry(sec, "group");
	uid_t uid;
	gid_t gid;
	const char *err;
	if (privs_lookup(u ? u->value : NULL, g ? g->value : NULL, &uid, &gid, &err) < 0) {
		int line = strstr(err, "group") && g ? g->line : u ? u->line : g->line;
		*error_r = config_error(conf->cfg, line, "%s", err);
		return -1;
	}
	if (u == NULL && geteuid() == 0 && strcmp(sec->type, "service") == 0) {
		*error_r = config_error(conf->cfg, sec->line,
		                        "[service %s] would run as root: set user", sec->name);
		return -1;
	}
	return 0;
}

/* Every listen address is bound once across all services. */
static int master_conf_listen_unique(struct master_conf *conf, const struct master_service *svc,
                                     const struct master_listener *l, const char **error_r)
{
	for (const struct master_service *s = conf->services; s; s = s->next)
		for (int i = 0; i < s->nlisten; i++)
			if (&s->listen[i] != l &&
			    strcmp(s->listen[i].addr.text, l->addr.text) == 0) {
				*error_r = config_error(conf->cfg, l->line,
				                        "listen %s already used at line %d",
				                        l->addr.text, s->listen[i].line);
				return -1;
			}
	(void)svc;
	return 0;
}

static int master_conf_listeners(struct master_conf *conf, const struct config_section *sec,
                                 struct master_service *svc, const char **error_r)
{
	for (const struct config_entry *e = sec->entries; e; e = e->next) {
		if (strcmp(e->key, "listen") != 0)
			continue;
		if (svc->nlisten == SERVICE_MAX_LISTEN) {
			*error_r = config_error(conf->cfg, e->line, "more than %d listen addresses",
			                        SERVICE_MAX_LISTEN);
			return -1;
		}
		struct master_listener *l = &svc->listen[svc->nlisten++];
		const char *err;
		l->line = e->line;
		l->fd = -1;
		if (listen_parse(e->value, &l->addr, &err) < 0) {
			*error_r = config_error(conf->cfg, e->line, "listen: %s", err);
			return -1;
		}
		if (l->addr.tls < 0)
			l->addr.tls = svc->tls;
		uid_t uid;
		gid_t gid;
		if ((l->addr.owner[0] || l->addr.group[0]) &&
		    privs_lookup(l->addr.owner[0] ? l->addr.owner : NULL,
		                 l->addr.group[0] ? l->addr.group : NULL, &uid, &gid, &err) < 0) {
			*error_r = config_error(conf->cfg, e->line, "listen: %s", err);
			return -1;
		}
	}
	if (svc->nlisten == 0) {
		*error_r =
		        config_error(conf->cfg, sec->line, "no listen in [service %s]", svc->name);
		return -1;
	}
	return 0;
}

static int master_conf_numbers(struct master_conf *conf, const struct config_section *sec,
                               struct master_service *svc, const char **error_r)
{
	struct config *c = conf->cfg;
	int64_t ignored;
	if (config_get_int(c, sec, "min_idle", 1, 0, 1000, &svc->min_idle, error_r) < 0 ||
	    config_get_int(c, sec, "max_proc", 100, 1, 10000, &svc->max_proc, error_r) < 0 ||
	    config_get_int(c, sec, "max_use", 100, 0, INT32_MAX, &ignored, error_r) < 0 ||
	    config_get_int(c, sec, "idle_timeout", 300, 0, INT32_MAX, &ignored, error_r) < 0 ||
	    config_get_bool(c, sec, "tls", 0, &svc->tls, error_r) < 0)
		return -1;
	if (svc->min_idle > svc->max_proc) {
		*error_r = config_error(c, config_entry(sec, "min_idle")->line,
		                        "min_idle %lld exceeds max_proc %lld",
		                        (long long)svc->min_idle, (long long)svc->max_proc);
		return -1;
	}
	return 0;
}

static int master_conf_service(struct master_conf *conf, const struct config_section *sec,
                               const char **error_r)
{
	struct master_service *svc = arena_zalloc(conf->cfg->arena, sizeof(*svc));
	svc->name = sec->name;
	svc->line = sec->line;
	svc->status_rd = svc->status_wr = -1;
	if (config_check_keys(conf->cfg, sec, service_keys, error_r) < 0 ||
	    master_conf_numbers(conf, sec, svc, error_r) < 0 ||
	    master_conf_cmd(conf, sec, &svc->argv, error_r) < 0 ||
	    master_conf_user(conf, sec, error_r) < 0 ||
	    master_conf_listeners(conf, sec, svc, error_r) < 0)
		return -1;
	struct master_service **tail = &conf->services;
	while (*tail)
		tail = &(*tail)->next;
	*tail = svc;
	for (int i = 0; i < svc->nlisten; i++)
		if (master_conf_listen_unique(conf, svc, &svc->listen[i], error_r) < 0)
			return -1;
	return 0;
}

static int master_conf_at(struct master_conf *conf, const struct config_entry *e,
                          struct master_event *ev, const char **error_r)
{
	int h, m, n = 0;
	if (sscanf(e->value, "%2d:%2d%n", &h, &m, &n) != 2 || e->value[n] != '\0' || h < 0 ||
	    h > 23 || m < 0 || m > 59) {
		*error_r = config_error(conf->cfg, e->line, "at must be HH:MM (00:00 to 23:59)");
		return -1;
	}
	ev->at_hour = h;
	ev->at_min = m;
	return 0;
}

static int master_conf_event(struct master_conf *conf, const struct config_section *sec,
                             const char **error_r)
{
	struct master_event *ev = arena_zalloc(conf->cfg->arena, sizeof(*ev));
	ev->name = sec->name;
	ev->line = sec->line;
	ev->at_hour = ev->at_min = -1;
	ev->user = config_get(sec, "user", NULL);
	ev->group = config_get(sec, "group", NULL);
	if (config_check_keys(conf->cfg, sec, event_keys, error_r) < 0 ||
	    config_get_int(conf->cfg, sec, "every", 0, 1, INT32_MAX, &ev->every, error_r) < 0 ||
	    master_conf_cmd(conf, sec, &ev->argv, error_r) < 0 ||
	    master_conf_user(conf, sec, error_r) < 0)
		return -1;
	const struct config_entry *at = config_entry(sec, "at");
	if ((at == NULL) == (ev->every == 0)) {
		*error_r = config_error(conf->cfg, sec->line, "[event %s] needs one of every or at",
		                        ev->name);
		return -1;
	}
	if (at && master_conf_at(conf, at, ev, error_r) < 0)
		return -1;
	ev->next = conf->events;
	conf->events = ev;
	return 0;
}

static int master_conf_master(struct master_conf *conf, const struct config_section *sec,
                              const char **error_r)
{
	if (config_check_keys(conf->cfg, sec, master_keys, error_r) < 0 ||
	    config_get_int(conf->cfg, sec, "shutdown_grace", 10, 0, 3600, &conf->shutdown_grace,
	                   error_r) < 0)
		return -1;
	const struct config_entry *e = config_entry(sec, "log");
	if (e && strcmp(e->value, "stderr") != 0 && strcmp(e->value, "syslog") != 0) {
		*error_r = config_error(conf->cfg, e->line, "log must be stderr or syslog");
		return -1;
	}
	conf->log_syslog = e && strcmp(e->value, "syslog") == 0;
	e = config_entry(sec, "pidfile");
	if (e && e->value[0] != '/') {
		*error_r = config_error(conf->cfg, e->line, "pidfile must be an absolute path");
		return -1;
	}
	conf->pidfile = e ? e->value : NULL;
	return 0;
}

/* A second [master], [service x] or [event x] with the same name is an error. */
static int master_conf_duplicate(struct master_conf *conf, const struct config_section *sec,
                                 const char **error_r)
{
	for (const struct config_section *s = conf->cfg->sections; s != sec; s = s->next)
		if (strcmp(s->type, sec->type) == 0 &&
		    (sec->name == NULL || (s->name && strcmp(s->name, sec->name) == 0))) {
			*error_r = config_error(conf->cfg, sec->line,
			                        "duplicate [%s%s%s] (first at line %d)", sec->type,
			                        sec->name ? " " : "", sec->name ? sec->name : "",
			                        s->line);
			return -1;
		}
	return 0;
}

static int master_conf_section(struct master_conf *conf, const struct config_section *sec,
                               const char **error_r)
{
	int is_master = strcmp(sec->type, "master") == 0;
	int is_service = strcmp(sec->type, "service") == 0;
	int is_event = strcmp(sec->type, "event") == 0;
	if (!is_master && !is_service && !is_event)
		return 0;
	if (master_conf_duplicate(conf, sec, error_r) < 0)
		return -1;
	if (is_master)
		return master_conf_master(conf, sec, error_r);
	if (sec->name == NULL) {
		*error_r = config_error(conf->cfg, sec->line, "[%s] needs a name: [%s NAME]",
		                        sec->type, sec->type);
		return -1;
	}
	return is_service ? master_conf_service(conf, sec, error_r)
	                  : master_conf_event(conf, sec, error_r);
}

/* Copy src to dst, stopping a little past limit (the parser then refuses the size). */
static int master_conf_copy(int src, int dst, size_t limit)
{
	char chunk[8192];
	size_t total = 0;
	while (total <= limit) {
		ssize_t n = read(src, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		if (write(dst, chunk, (size_t)n) != n)
			return -1;
		total += (size_t)n;
	}
	return 0;
}

/*
 * Copy path into a sealed memfd: the master parses that copy and hands the same bytes
 * to every worker and event it starts (CAIRN_CONF_FD), so an edit made to the file
 * later, or a reload the master rejected, cannot reach a worker it starts afterwards.
 */
static int master_conf_snapshot(const char *path, const char **error_r)
{
	static char msg[PATH_MAX + 128];
	const unsigned seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
	int src = open(path, O_RDONLY | O_CLOEXEC);
	if (src < 0) {
		snprintf(msg, sizeof(msg), "%s:0: cannot open: %s", path, strerror(errno));
		*error_r = msg;
		return -1;
	}
	int fd = memfd_create("cairn.conf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int ok = fd >= 0 && master_conf_copy(src, fd, CONFIG_MAX_SIZE) == 0 &&
	         fcntl(fd, F_ADD_SEALS, seals) == 0;
	int saved = errno;
	close(src);
	if (ok)
		return fd;
	if (fd >= 0)
		close(fd);
	snprintf(msg, sizeof(msg), "%s:0: cannot copy: %s", path, strerror(saved));
	*error_r = msg;
	return -1;
}

struct master_conf *master_conf_load(const char *path, const char **error_r)
{
	char abspath[PATH_MAX];
	if (realpath(path, abspath) == NULL)
		snprintf(abspath, sizeof(abspath), "%s", path); /* config_load reports it */
	int fd = master_conf_snapshot(abspath, error_r);
	if (fd < 0)
		return NULL;
	struct config *cfg = config_load_fd(abspath, fd, error_r);
	if (cfg == NULL) {
		close(fd);
		return NULL;
	}
	struct master_conf *conf = xcalloc(1, sizeof(*conf));
	conf->cfg = cfg;
	conf->text_fd = fd;
	conf->path = cfg->path;
	conf->shutdown_grace = 10;
	for (const struct config_section *sec = cfg->sections; sec; sec = sec->next)
		if (master_conf_section(conf, sec, error_r) < 0) {
			master_conf_free(&conf);
			return NULL;
		}
	return conf;
}

void master_conf_free(struct master_conf **confp)
{
	if (*confp == NULL)
		return;
	config_free(&(*confp)->cfg);
	if ((*confp)->text_fd >= 0)
		close((*confp)->text_fd);
	XFREE(*confp);
}
