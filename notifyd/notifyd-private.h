/*
 * notifyd-private.h - what notifyd.c (local fan-out, loop) and notifyd-pg.c (the
 * other nodes, through PostgreSQL) share.
 */
#ifndef CAIRN_NOTIFYD_PRIVATE_H
#define CAIRN_NOTIFYD_PRIVATE_H

#include "notifyd/notifyd.h"

/* CLOCK_MONOTONIC in milliseconds. */
int64_t notifyd_now(void);
/* Tell every local watcher of mailbox_id (0: all watchers, "resync"). */
void notifyd_fanout(struct notifyd *nd, int64_t mailbox_id, uint64_t modseq);

/* Connect and LISTEN if [database] is configured; on failure retry later. */
void notifyd_pg_connect(struct notifyd *nd);
void notifyd_pg_close(struct notifyd *nd);
/* The LISTEN connection's fd, -1 when none (poll ignores it). */
int notifyd_pg_fd(struct notifyd *nd);
/* Add a local change to the batch for the other nodes. */
void notifyd_pg_queue(struct notifyd *nd, int64_t mailbox_id, uint64_t modseq);
/* Send the batch now (if any). */
void notifyd_pg_flush(struct notifyd *nd);
/* Timers: send a due batch, reconnect a lost connection. */
void notifyd_pg_tick(struct notifyd *nd);
/* Read other nodes' notifications and fan them out. */
void notifyd_pg_input(struct notifyd *nd);

#endif
