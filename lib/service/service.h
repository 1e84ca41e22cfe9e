/*
 * service.h - the worker skeleton: the one call a cairn daemon's main() makes.
 *
 * Modelled on Postfix single_server.c: the daemon is a set of callbacks, the
 * skeleton owns everything else.  A complete daemon:
 *
 *   static void echo_serve(struct service_context *ctx, const struct service_client *c)
 *   {
 *           ... read from and write to c->fd until the client is done ...
 *   }
 *
 *   int main(int argc, char **argv)
 *   {
 *           static const struct service_callbacks cb = {
 *                   .name = "cairn-echod",
 *                   .serve = echo_serve,
 *           };
 *           return service_main(argc, argv, &cb);
 *   }
 *
 * What service_main() does, in order:
 *   1. parse the common options (below) and the daemon's own (cb->options);
 *   2. load the configuration: -c FILE, else $CAIRN_CONF, else /etc/cairn/cairn.conf
 *      (standalone only: a missing default file means an empty configuration);
 *      read [service NAME] (NAME = $CAIRN_SERVICE or -n) and [master] log;
 *   3. log_init(NAME, log = syslog?): every line carries service=NAME;
 *   4. find the listeners: under cairn-master fds 4.. (see status.h), standalone
 *      the -s address it binds itself;
 *   5. pre_init(ctx) - still root when the master runs as root: open privileged
 *      files (TLS keys readable only by root, ...);
 *   6. drop privileges when root: `user`/`group` of [service NAME] (setgroups,
 *      setresgid, setresuid).  Root without `user` refuses to start;
 *   7. post_init(ctx) - as the service user: open the database connection,
 *      prepare statements.  Done before the first client, so clients meet a warm
 *      worker;
 *   8. loop: report "available" to the master, wait for a client on any listener
 *      (exit after `idle_timeout` seconds without one), accept, report "busy", set a
 *      fresh log session id, serve(ctx, client), close the socket; exit after
 *      `max_use` clients (0 = no limit) or when asked to stop;
 *   9. on_exit(ctx), exit(0).
 * A failing pre_init/post_init (return -1 with *error_r) logs the error and exits 1
 * before the worker ever reports ready: the master counts that as dying young and
 * throttles the service if it keeps happening.
 *
 * Signals: SIGTERM/SIGINT ask the worker to stop: an idle worker exits at once, a
 * busy one after serve() returns (long-running serve() code such as IMAP IDLE should
 * poll service_stopping() and say goodbye).  Handlers use SA_RESTART, so a blocking
 * read in serve() is not interrupted by them.  SIGPIPE is ignored (write() returns
 * EPIPE instead), SIGHUP is ignored (the master recycles workers on reload).  The
 * worker also stops when the master dies (PR_SET_PDEATHSIG).
 *
 * Common options:
 *   -c FILE      configuration file
 *   -n NAME      service name (default $CAIRN_SERVICE; standalone: the program name
 *                without "cairn-")
 *   -s ADDR      standalone: bind ADDR (a `listen` value, e.g. "127.0.0.1:1143" or
 *                "127.0.0.1:1993 tls=yes") and serve clients one at a time, without
 *                cairn-master; for debugging.  Stops on SIGTERM/SIGINT.
 *   -h           usage
 */
#ifndef CAIRN_SERVICE_H
#define CAIRN_SERVICE_H

struct config;
struct config_section;

/* One accepted client, valid during serve(). */
struct service_client {
	int fd; /* connected socket, blocking; the skeleton closes it after serve() */
	const char *peer; /* "192.0.2.1:52100", "[2001:db8::1]:52100" or "unix" */
	const char *local; /* the listener as configured: "0.0.0.0:993", "/run/x.sock" */
	int tls; /* 1: implicit-TLS listener: start TLS before sending anything */
	unsigned use_count; /* 1 for this process's first client */
	const char *session; /* this client's log session id (already set in the log) */
};

/* What the skeleton hands every callback. */
struct service_context {
	const char *name; /* service name, "imap" */
	struct config *config; /* the whole cairn.conf: read your own sections */
	struct config_section *section; /* [service NAME]; NULL standalone without one */
	int standalone; /* 1 when started with -s rather than by cairn-master */
	void *data; /* the daemon's own state */
};

struct service_callbacks {
	const char *name; /* program name for usage and errors, "cairn-imapd" */
	const char *options; /* the daemon's own getopt letters, e.g. "xd:" (may be NULL) */
	const char *usage; /* help text of those options (may be NULL) */
	/* Called for each of the daemon's options, before the config is loaded
	 * (ctx->config is NULL).  Return -1 for a usage error. */
	int (*option)(struct service_context *ctx, int opt, const char *arg);
	/* Still privileged.  Optional.  0, or -1 with *error_r (worker exits 1). */
	int (*pre_init)(struct service_context *ctx, const char **error_r);
	/* After the privilege drop, before the first client.  Optional, as above. */
	int (*post_init)(struct service_context *ctx, const char **error_r);
	/* Serve one client until it is done.  Required unless run is set.  Must not exit the process. */
	void (*serve)(struct service_context *ctx, const struct service_client *client);
	/*
	 * Instead of serve(): a daemon that serves every client itself from one
	 * process (cairn-notifyd).  The skeleton reports "available" once (so the
	 * master never starts a second one while it lives) and calls run() with the
	 * listening fds (non-blocking); run() returns when service_stopping().
	 * Configure its service with min_idle = 1, max_proc = 1.  Optional.
	 */
	void (*run)(struct service_context *ctx, const int *listen_fds, int n);
	/* Before a normal exit (max_use, idle_timeout, stop).  Optional. */
	void (*on_exit)(struct service_context *ctx);
};

/* Run the daemon; returns the process exit code (main returns it). */
int service_main(int argc, char **argv, const struct service_callbacks *cb);

/* 1 once the worker has been asked to stop (SIGTERM, master gone). */
int service_stopping(void);

#endif
