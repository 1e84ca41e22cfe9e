/*
 * notifyd-pg.c - cairn-notifyd's cluster half: local changes are batched into one
 * pg_notify every batch_ms (a NOTIFY inside each writer's transaction would
 * serialise every commit of the cluster on PostgreSQL's notify queue lock), and
 * what the other nodes announce on the channel is fanned out locally.  After the
 * connection comes back every local watcher is told to resync, since
 * announcements may have been missed meanwhile.
 */
#include "notifyd/notifyd-private.h"

#include "base/log.h"
#include "store/db.h"
#include "store/notify-pg.h"

#include <inttypes.h>
#include <stdlib.h>

#define NOTIFYD_RETRY_MS 1000

void notifyd_pg_connect(struct notifyd *nd)
{
	const char *error;
	if (nd->conninfo == NULL || nd->db != NULL)
		return;
	nd->db = db_connect(nd->conninfo, &error);
	if (nd->db != NULL && notify_pg_listen(nd->db, &error) < 0)
		db_close(&nd->db);
	if (nd->db == NULL) {
		log_warn("listen_failed", "error=%s retry_ms=%d", log_q(error), NOTIFYD_RETRY_MS);
		nd->db_retry_at = notifyd_now() + NOTIFYD_RETRY_MS;
		return;
	}
	log_info("listening", "channel=%s", NOTIFY_PG_CHANNEL);
	/* Whatever the other nodes said while we were away is lost: resync everybody. */
	notifyd_fanout(nd, 0, 0);
}

void notifyd_pg_close(struct notifyd *nd)
{
	if (nd->db != NULL)
		db_close(&nd->db);
}

int notifyd_pg_fd(struct notifyd *nd)
{
	return nd->db != NULL ? notify_pg_fd(nd->db) : -1;
}

static void notifyd_pg_lost(struct notifyd *nd, const char *error)
{
	log_warn("listen_lost", "error=%s", log_q(error));
	db_close(&nd->db);
	nd->db_retry_at = notifyd_now() + NOTIFYD_RETRY_MS;
}

static void notifyd_pg_payload(void *ctx, const char *payload);

void notifyd_pg_flush(struct notifyd *nd)
{
	const char *error;
	/* libpq queues notifications that arrive during a statement without the socket
	 * staying readable: hand them out now, or they wait for the next wakeup. */
	if (nd->batch.len > 0 && nd->db != NULL &&
	    (notify_pg_send(nd->db, buf_cstr(&nd->batch), &error) < 0 ||
	     notify_pg_read(nd->db, notifyd_pg_payload, nd, &error) < 0))
		notifyd_pg_lost(nd, error);
	buf_reset(&nd->batch);
	nd->batch_due = 0;
}

void notifyd_pg_queue(struct notifyd *nd, int64_t mailbox_id, uint64_t modseq)
{
	if (nd->conninfo == NULL)
		return;
	if (nd->batch.len > NOTIFY_PG_MAX_PAYLOAD - 48)
		notifyd_pg_flush(nd);
	buf_printf(&nd->batch, "%s%" PRId64 ":%" PRIu64, nd->batch.len ? " " : "", mailbox_id,
	           modseq);
	if (nd->batch_due == 0)
		nd->batch_due = notifyd_now() + nd->batch_ms;
}

void notifyd_pg_tick(struct notifyd *nd)
{
	int64_t now = notifyd_now();
	if (nd->batch_due > 0 && now >= nd->batch_due)
		notifyd_pg_flush(nd);
	if (nd->db == NULL && nd->conninfo != NULL && now >= nd->db_retry_at)
		notifyd_pg_connect(nd);
}

/* One payload from another node: "mb:modseq mb:modseq ...". */
static void notifyd_pg_payload(void *ctx, const char *payload)
{
	struct notifyd *nd = ctx;
	const char *p = payload;
	while (*p != '\0') {
		char *end;
		long long mb = strtoll(p, &end, 10);
		if (end == p || *end != ':')
			break;
		unsigned long long modseq = strtoull(end + 1, &end, 10);
		if (mb > 0)
			notifyd_fanout(nd, mb, modseq);
		p = *end == ' ' ? end + 1 : end;
		if (*end != ' ')
			break;
	}
}

void notifyd_pg_input(struct notifyd *nd)
{
	const char *error;
	if (nd->db != NULL && notify_pg_read(nd->db, notifyd_pg_payload, nd, &error) < 0)
		notifyd_pg_lost(nd, error);
}
