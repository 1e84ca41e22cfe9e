/*
 * service.c - service_main(): options, configuration, logging, listeners and the
 * privilege drop of every cairn daemon, then the accept loop (service-loop.c).
 * The contract is documented in service.h; the master side in master/.
 */
#include "service/service-private.h"

#include "base/config.h"
#include "base/log.h"
#include "service/privs.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define SERVICE_DEFAULT_CONF "/etc/cairn/cairn.conf"
#define SERVICE_DEFAULT_MAX_USE 100
#define SERVICE_DEFAULT_IDLE_TIMEOUT 300

struct service_args {
	const char *conf;
	const char *name;
	const char *standalone;
};

static int service_usage(const struct service_callbacks *cb, FILE *out, int code)
{
	fprintf(out,
	        "usage: %s [-c FILE] [-n NAME] [-s ADDR]%s\n"
	        "  -c FILE  configuration (default $CAIRN_CONF or " SERVICE_DEFAULT_CONF ")\n"
	        "  -n NAME  service name: reads [service NAME] (default $CAIRN_SERVICE)\n"
	        "  -s ADDR  standalone: listen on ADDR (e.g. 127.0.0.1:7000) without cairn-master\n"
	        "%s",
	        cb->name, cb->options ? " [options]" : "", cb->usage ? cb->usage : "");
	return code;
}

static int service_parse_args(int argc, char **argv, const struct service_callbacks *cb,
                              struct service_state *st, struct service_args *args)
{
	char optstring[64];
	snprintf(optstring, sizeof(optstring), "+c:n:s:h%s", cb->options ? cb->options : "");
	int c;
	while ((c = getopt(argc, argv, optstring)) != -1) {
		if (c == 'c')
			args->conf = optarg;
		else if (c == 'n')
			args->name = optarg;
		else if (c == 's')
			args->standalone = optarg;
		else if (c == 'h')
			exit(service_usage(cb, stdout, 0));
		else if (c == '?' || cb->option == NULL || cb->option(&st->ctx, c, optarg) < 0)
			return service_usage(cb, stderr, 2);
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", cb->name, argv[optind]);
		return service_usage(cb, stderr, 2);
	}
	return 0;
}

/* Under the master: fds 4.. described by CAIRN_LISTEN_FDS/CAIRN_LISTEN/CAIRN_LISTEN_TLS. */
static int service_listeners_from_env(struct service_state *st, const char **error_r)
{
	const char *nfds = getenv("CAIRN_LISTEN_FDS");
	const char *addrs = getenv("CAIRN_LISTEN");
	const char *tls = getenv("CAIRN_LISTEN_TLS");
	int n = nfds ? atoi(nfds) : 0;
	if (n < 1 || n > SERVICE_MAX_LISTEN || addrs == NULL || tls == NULL) {
		*error_r = "not started by cairn-master (no CAIRN_LISTEN_FDS); use -s ADDR to run "
		           "standalone";
		return -1;
	}
	char *acopy = strdupa(addrs), *tcopy = strdupa(tls), *s1 = NULL, *s2 = NULL;
	for (int i = 0; i < n; i++) {
		struct service_listener *l = &st->listeners[i];
		const char *a = strtok_r(i ? NULL : acopy, " ", &s1);
		const char *t = strtok_r(i ? NULL : tcopy, " ", &s2);
		struct stat sb;
		l->fd = SERVICE_LISTEN_FD0 + i;
		if (a == NULL || t == NULL || fstat(l->fd, &sb) < 0 || !S_ISSOCK(sb.st_mode)) {
			*error_r = "listener fds do not match CAIRN_LISTEN";
			return -1;
		}
		snprintf(l->addr, sizeof(l->addr), "%s", a);
		l->tls = strcmp(t, "1") == 0;
	}
	st->nlisten = n;
	struct stat sb;
	if (fstat(SERVICE_STATUS_FD, &sb) < 0 || !S_ISFIFO(sb.st_mode)) {
		*error_r = "fd 3 is not the master's status pipe";
		return -1;
	}
	st->status_fd = SERVICE_STATUS_FD;
	st->master_pid = getppid();
	return 0;
}

static int service_listener_standalone(struct service_state *st, const char *spec,
                                       const char **error_r)
{
	struct listen_addr addr;
	if (listen_parse(spec, &addr, error_r) < 0)
		return -1;
	int fd = listen_bind(&addr, 64, error_r);
	if (fd < 0)
		return -1;
	st->listeners[0] = (struct service_listener){.fd = fd, .tls = addr.tls == 1};
	snprintf(st->listeners[0].addr, sizeof(st->listeners[0].addr), "%s", addr.text);
	st->nlisten = 1;
	st->status_fd = -1;
	return 0;
}

static struct config *service_load_config(const char *path, int standalone)
{
	const char *error;
	int explicit_c = path != NULL;
	int explicit = explicit_c || getenv("CAIRN_CONF") != NULL;
	if (path == NULL)
		path = getenv("CAIRN_CONF") ? getenv("CAIRN_CONF") : SERVICE_DEFAULT_CONF;
	if (standalone && !explicit && access(path, F_OK) < 0)
		return config_parse("(no configuration)", "", &error);
	/* Under the master without -c: the configuration it accepted, not the file now. */
	struct config *cfg =
	        explicit_c ? config_load(path, &error) : config_load_inherited(path, &error);
	if (cfg == NULL)
		log_fatal("config_error", "error=%s", log_q(error));
	return cfg;
}

/* [service NAME] limits; the master validated the section, so errors are fatal here. */
static void service_read_settings(struct service_state *st)
{
	const char *error;
	struct config_section *sec = st->ctx.section;
	if (config_get_int(st->ctx.config, sec, "max_use", SERVICE_DEFAULT_MAX_USE, 0, INT32_MAX,
	                   &st->max_use, &error) < 0 ||
	    config_get_int(st->ctx.config, sec, "idle_timeout", SERVICE_DEFAULT_IDLE_TIMEOUT, 0,
	                   INT32_MAX, &st->idle_timeout, &error) < 0)
		log_fatal("config_error", "error=%s", log_q(error));
	if (st->ctx.standalone) {
		st->max_use = 0; /* standalone serves until stopped */
		st->idle_timeout = 0;
	}
}

static void service_drop_privileges(struct service_state *st)
{
	const char *user = config_get(st->ctx.section, "user", NULL);
	const char *group = config_get(st->ctx.section, "group", NULL);
	const char *error;
	uid_t uid;
	gid_t gid;
	if (geteuid() != 0) {
		if (user != NULL && privs_lookup(user, group, &uid, &gid, &error) == 0 &&
		    uid != geteuid())
			log_warn("privs_unchanged", "user=%s reason=\"not started as root\"",
			         log_q(user));
		return;
	}
	if (user == NULL)
		log_fatal("privs_error",
		          "error=\"refusing to run as root: set user in [service "
		          "%s]\"",
		          st->ctx.name);
	if (privs_lookup(user, group, &uid, &gid, &error) < 0 || privs_drop(uid, gid, &error) < 0)
		log_fatal("privs_error", "user=%s error=%s", log_q(user), log_q(error));
}

static const char *service_default_name(const char *prog)
{
	const char *base = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
	return strncmp(base, "cairn-", 6) == 0 ? base + 6 : base;
}

static void service_setup(struct service_state *st, const struct service_args *args,
                          const char *argv0)
{
	const char *error;
	st->ctx.standalone = args->standalone != NULL;
	st->ctx.name = args->name ? args->name : getenv("CAIRN_SERVICE");
	if (st->ctx.name == NULL && st->ctx.standalone)
		st->ctx.name = service_default_name(argv0);
	log_init(st->ctx.name ? st->ctx.name : service_default_name(argv0), 0);
	if (st->ctx.name == NULL)
		log_fatal("startup_error",
		          "error=\"no service name: set CAIRN_SERVICE or use -n\"");
	st->ctx.config = service_load_config(args->conf, st->ctx.standalone);
	st->ctx.section = config_find(st->ctx.config, "service", st->ctx.name);
	if (st->ctx.section == NULL && !st->ctx.standalone)
		log_fatal("config_error", "error=\"no [service %s] in %s\"", st->ctx.name,
		          st->ctx.config->path);
	const char *logto =
	        config_get(config_find(st->ctx.config, "master", NULL), "log", "stderr");
	if (strcmp(logto, "syslog") == 0)
		log_init(st->ctx.name, 1);
	service_read_settings(st);
	int r = st->ctx.standalone ? service_listener_standalone(st, args->standalone, &error)
	                           : service_listeners_from_env(st, &error);
	if (r < 0)
		log_fatal("startup_error", "error=%s", log_q(error));
	service_signals_listeners(st);
}

int service_main(int argc, char **argv, const struct service_callbacks *cb)
{
	static struct service_state st;
	struct service_args args = {0};
	const char *error = NULL;
	st.cb = cb;
	st.status_fd = -1;
	int r = service_parse_args(argc, argv, cb, &st, &args);
	if (r != 0)
		return r;
	service_signals_init();
	service_setup(&st, &args, argv[0]);
	if (cb->pre_init && cb->pre_init(&st.ctx, &error) < 0)
		log_fatal("pre_init_failed", "error=%s", log_q(error ? error : "unknown"));
	service_drop_privileges(&st);
	/* Die with the master; set after the uid change, which clears it. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (st.master_pid && getppid() != st.master_pid)
		return 0;
	if (cb->post_init && cb->post_init(&st.ctx, &error) < 0)
		log_fatal("post_init_failed", "error=%s", log_q(error ? error : "unknown"));
	log_debug("ready", "listeners=%d max_use=%lld idle_timeout=%lld", st.nlisten,
	          (long long)st.max_use, (long long)st.idle_timeout);
	if (cb->run != NULL)
		service_run(&st);
	else
		service_loop(&st);
	if (cb->on_exit)
		cb->on_exit(&st.ctx);
	config_free(&st.ctx.config);
	return 0;
}
