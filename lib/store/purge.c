/*
 * purge.c - removal of old expunge tombstones (raising mailboxes.deletedmodseq) and
 * of expired delivery_dedup rows; exports the purge_* functions of purge.h.
 */
#include "purge.h"

#include "store-util.h"

#include "base/arena.h"

#include <stdlib.h>

#define PURGE_DEDUP_BATCH 5000

int purge_expunged_mailboxes(struct db *db, int64_t older_than, struct arena *arena,
                             int64_t **ids_r, size_t *n_r, const char **error_r)
{
	char secs[24];
	const char *p[] = {store_i64(secs, older_than)};
	PGresult *res = db_exec(db,
	                        "SELECT DISTINCT mailbox_id FROM expunged WHERE expunged_at < "
	                        "now() - make_interval(secs => $1::bigint) ORDER BY 1",
	                        1, p, error_r);
	if (res == NULL)
		return STORE_EDB;
	size_t n = (size_t)PQntuples(res);
	*ids_r = arena_alloc(arena, (n ? n : 1) * sizeof(**ids_r));
	for (size_t i = 0; i < n; i++)
		(*ids_r)[i] = store_get_i64(res, (int)i, 0);
	*n_r = n;
	PQclear(res);
	return 0;
}

/*
 * The cutoff is a MODSEQ, not a time: deletedmodseq means "every tombstone at or
 * below was purged", so a younger tombstone with a lower MODSEQ (a transaction
 * that started earlier but committed later) goes too.
 */
static const char purge_count_sql[] =
        "WITH c AS (SELECT max(modseq) AS m FROM expunged WHERE mailbox_id = $1 AND "
        "expunged_at < now() - make_interval(secs => $2::bigint)) "
        "SELECT count(e.uid), coalesce(max(e.modseq), 0) FROM expunged e, c "
        "WHERE e.mailbox_id = $1 AND e.modseq <= c.m";

static const char purge_delete_sql[] =
        "WITH c AS (SELECT max(modseq) AS m FROM expunged WHERE mailbox_id = $1 AND "
        "expunged_at < now() - make_interval(secs => $2::bigint)), "
        "d AS (DELETE FROM expunged e USING c WHERE e.mailbox_id = $1 AND e.modseq <= c.m "
        "RETURNING e.modseq), "
        "u AS (UPDATE mailboxes SET deletedmodseq = greatest(deletedmodseq, "
        "(SELECT max(modseq) FROM d)) WHERE id = $1 AND EXISTS (SELECT 1 FROM d)) "
        "SELECT count(*), coalesce(max(modseq), 0) FROM d";

int purge_expunged_one(struct db *db, int64_t mailbox_id, int64_t older_than, int dry_run,
                       int64_t *rows_r, int64_t *modseq_r, const char **error_r)
{
	char id[24], secs[24];
	const char *p[] = {store_i64(id, mailbox_id), store_i64(secs, older_than)};
	*rows_r = *modseq_r = 0;
	if (store_begin(db, error_r) < 0)
		return STORE_EDB;
	/* The mailbox row lock first, as every writer takes it: no deadlock with them. */
	PGresult *res =
	        db_exec(db, "SELECT id FROM mailboxes WHERE id = $1 FOR UPDATE", 1, p, error_r);
	if (res == NULL)
		goto fail;
	int found = PQntuples(res) == 1;
	PQclear(res);
	if (!found) {
		store_rollback(db);
		return 0; /* the mailbox went away: its tombstones with it (cascade) */
	}
	res = db_exec(db, dry_run ? purge_count_sql : purge_delete_sql, 2, p, error_r);
	if (res == NULL)
		goto fail;
	*rows_r = store_get_i64(res, 0, 0);
	*modseq_r = store_get_i64(res, 0, 1);
	PQclear(res);
	if (dry_run) {
		store_rollback(db);
		return 0;
	}
	return store_commit(db, error_r);
fail:
	store_rollback(db);
	return STORE_EDB;
}

int purge_dedup(struct db *db, int64_t window, int dry_run, int64_t *rows_r, const char **error_r)
{
	char secs[24], batch[24];
	const char *p[] = {store_i64(secs, window), store_i64(batch, PURGE_DEDUP_BATCH)};
	*rows_r = 0;
	if (dry_run) {
		PGresult *res = db_exec(db,
		                        "SELECT count(*) FROM delivery_dedup WHERE delivered_at < "
		                        "now() - make_interval(secs => $1::bigint)",
		                        1, p, error_r);
		if (res == NULL)
			return STORE_EDB;
		*rows_r = store_get_i64(res, 0, 0);
		PQclear(res);
		return 0;
	}
	/* Batches keep each transaction (and the locks a delivery may wait on) short. */
	for (;;) {
		PGresult *res = db_exec(
		        db,
		        "DELETE FROM delivery_dedup WHERE (mailbox_id, message_id) IN "
		        "(SELECT mailbox_id, message_id FROM delivery_dedup WHERE delivered_at < "
		        "now() - make_interval(secs => $1::bigint) LIMIT $2::bigint FOR UPDATE "
		        "SKIP LOCKED) AND delivered_at < now() - make_interval(secs => "
		        "$1::bigint)",
		        2, p, error_r);
		if (res == NULL)
			return STORE_EDB;
		int64_t n = strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		*rows_r += n;
		if (n < PURGE_DEDUP_BATCH)
			return 0;
	}
}
