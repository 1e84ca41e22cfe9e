/*
 * notify-pg.h - the cross-node half of change propagation (DESIGN 5), for
 * cairn-notifyd only: one LISTEN connection per node, batched pg_notify sends, and
 * reading what other nodes announced.  The payload is opaque here (notifyd's
 * "mailbox:modseq ..." list).
 */
#ifndef CAIRN_STORE_NOTIFY_PG_H
#define CAIRN_STORE_NOTIFY_PG_H

struct db;

/* The channel every node LISTENs on and notifies. */
#define NOTIFY_PG_CHANNEL "cairn_changes"
/* PostgreSQL's payload limit is 8000 bytes; stay below it. */
#define NOTIFY_PG_MAX_PAYLOAD 7900

/* LISTEN on the channel (again after a reconnect).  0, or -1 with *error_r. */
int notify_pg_listen(struct db *db, const char **error_r);
/* The connection's socket, to poll() for POLLIN; -1 when broken. */
int notify_pg_fd(struct db *db);
/* pg_notify(channel, payload), outside any transaction.  0 or -1 with *error_r. */
int notify_pg_send(struct db *db, const char *payload, const char **error_r);
/*
 * Consume input and call fn(ctx, payload) for each notification another backend
 * (another node) sent; this connection's own notifications are skipped.  0, or -1
 * with *error_r when the connection broke (reconnect with db_check, LISTEN again).
 */
int notify_pg_read(struct db *db, void (*fn)(void *ctx, const char *payload), void *ctx,
                   const char **error_r);

#endif
