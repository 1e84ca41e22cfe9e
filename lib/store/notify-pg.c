/*
 * notify-pg.c - LISTEN / pg_notify for cairn-notifyd (notify-pg.h).  Exports
 * notify_pg_listen, notify_pg_fd, notify_pg_send and notify_pg_read.
 */
#include "store/notify-pg.h"

#include "store-private.h"

static const char notify_pg_listen_sql[] = "LISTEN " NOTIFY_PG_CHANNEL;
static const char notify_pg_send_sql[] = "SELECT pg_notify('" NOTIFY_PG_CHANNEL "', $1)";

int notify_pg_listen(struct db *db, const char **error_r)
{
	return db_cmd(db, notify_pg_listen_sql, 0, NULL, error_r);
}

int notify_pg_fd(struct db *db)
{
	return PQstatus(db->conn) == CONNECTION_OK ? PQsocket(db->conn) : -1;
}

int notify_pg_send(struct db *db, const char *payload, const char **error_r)
{
	const char *params[1] = {payload};
	PGresult *res = db_exec(db, notify_pg_send_sql, 1, params, error_r);
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

int notify_pg_read(struct db *db, void (*fn)(void *ctx, const char *payload), void *ctx,
                   const char **error_r)
{
	if (PQconsumeInput(db->conn) == 0 || PQstatus(db->conn) != CONNECTION_OK) {
		*error_r = db_errmsg(db);
		return -1;
	}
	int self = PQbackendPID(db->conn);
	PGnotify *n;
	while ((n = PQnotifies(db->conn)) != NULL) {
		/* Our own batches come back too: local watchers already had them. */
		if (n->be_pid != self)
			fn(ctx, n->extra);
		PQfreemem(n);
	}
	return 0;
}
