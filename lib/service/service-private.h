/*
 * service-private.h - state shared by the skeleton's files (service.c sets up,
 * service-loop.c runs the accept loop).  Not for daemons.
 */
#ifndef CAIRN_SERVICE_PRIVATE_H
#define CAIRN_SERVICE_PRIVATE_H

#include "service/listen.h"
#include "service/service.h"
#include "service/status.h"

#include <stdint.h>
#include <sys/types.h>

struct service_listener {
	int fd;
	int tls;
	char addr[sizeof(((struct listen_addr *)0)->text)];
};

struct service_state {
	struct service_context ctx;
	const struct service_callbacks *cb;
	struct service_listener listeners[SERVICE_MAX_LISTEN];
	int nlisten;
	int64_t max_use; /* 0: unlimited */
	int64_t idle_timeout; /* seconds, 0: never */
	int status_fd; /* -1 standalone */
	pid_t master_pid; /* 0 standalone */
};

/* Install the worker's signal handlers (SIGTERM/SIGINT stop, SIGPIPE/SIGHUP ignored). */
void service_signals_init(void);
/* Tell the stop handler which listener fds to close on the first SIGTERM. */
void service_signals_listeners(const struct service_state *st);
/* Accept and serve clients until max_use, idle_timeout or a stop request. */
void service_loop(struct service_state *st);
/* Report available once and hand the listeners to cb->run. */
void service_run(struct service_state *st);

#endif
