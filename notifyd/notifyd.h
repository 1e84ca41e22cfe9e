/*
 * notifyd.h - cairn-notifyd, the change fan-out of one node (DESIGN 5,
 * docs/idle.md): writers' datagrams in, watchers' stream connections out, one
 * PostgreSQL LISTEN connection to and from the other nodes.
 */
#ifndef CAIRN_NOTIFYD_H
#define CAIRN_NOTIFYD_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

struct config;
struct db;

#define NOTIFYD_DEFAULT_BATCH_MS 20
#define NOTIFYD_MAX_WATCHERS 100000

struct notifyd_watcher {
	int fd;
	int64_t mailbox_id; /* 0: nothing yet */
	char in[64];
	size_t in_len;
};

struct notifyd {
	int dgram_fd; /* writers' announcements */
	const int *listen_fds; /* watchers connect here (bound by cairn-master) */
	int nlisten;
	const char *conninfo; /* NULL: single node, no PostgreSQL */
	struct db *db; /* NULL while disconnected */
	int64_t db_retry_at; /* monotonic ms */
	int64_t batch_ms;
	struct buf batch; /* "mb:modseq mb:modseq ..." for the next pg_notify */
	int64_t batch_due; /* monotonic ms, 0 when batch is empty */
	struct notifyd_watcher *watchers;
	size_t n_watchers, cap_watchers;
};

/* Read [notify] and [database] and create the datagram socket.  0 or -1 + *error_r. */
int notifyd_init(struct notifyd *nd, struct config *cfg, const char **error_r);
/* Serve until service_stopping(). */
void notifyd_run(struct notifyd *nd, const int *listen_fds, int nlisten);
void notifyd_deinit(struct notifyd *nd);

#endif
