/*
 * maint.c - blob GC, verification queries and statistics (maint.h).
 */
#include "maint.h"

#include "blob.h"
#include "store-util.h"

#include "base/arena.h"
#include "base/buf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int maint_stats(struct db *db, struct maint_stats *s, const char **error_r)
{
	PGresult *res =
	        db_exec(db,
	                "SELECT (SELECT count(*) FROM domains), "
	                "(SELECT count(*) FROM accounts WHERE kind = 'user'), "
	                "(SELECT count(*) FROM accounts WHERE kind = 'group'), "
	                "(SELECT count(*) FROM mailboxes WHERE deleted_at IS NULL), "
	                "(SELECT count(*) FROM mailbox_messages), (SELECT count(*) FROM blobs), "
	                "(SELECT coalesce(sum(m.size), 0) FROM mailbox_messages mm JOIN messages m "
	                "ON m.id = mm.message_id), (SELECT coalesce(sum(size), 0) FROM blobs), "
	                "(SELECT count(*) FROM blobs WHERE refcount = 0), "
	                "(SELECT coalesce(sum(size), 0) FROM blobs WHERE refcount = 0)",
	                0, NULL, error_r);
	if (res == NULL)
		return STORE_EDB;
	int64_t *f[] = {&s->domains,           &s->users,        &s->groups,
	                &s->mailboxes,         &s->messages,     &s->blobs,
	                &s->logical_bytes,     &s->stored_bytes, &s->unreferenced_blobs,
	                &s->unreferenced_bytes};
	for (int i = 0; i < 10; i++)
		*f[i] = store_get_i64(res, 0, i);
	PQclear(res);
	return 0;
}

int maint_gc_candidates(struct db *db, int64_t grace_seconds, size_t max, struct arena *arena,
                        struct blob_id **ids_r, size_t *n_r, const char **error_r)
{
	char gbuf[24], mbuf[24];
	const char *params[] = {store_i64(gbuf, grace_seconds), store_i64(mbuf, (int64_t)max)};
	PGresult *res = db_exec(db,
	                        "SELECT encode(sha256, 'hex') FROM blobs WHERE refcount = 0 AND "
	                        "last_ref_at < now() - make_interval(secs => $1::bigint) "
	                        "ORDER BY last_ref_at LIMIT $2::bigint",
	                        2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res);
	struct blob_id *ids = arena_zalloc(arena, sizeof(*ids) * (size_t)(n + 1));
	for (int i = 0; i < n; i++)
		blob_id_parse(PQgetvalue(res, i, 0), &ids[i]);
	PQclear(res);
	*ids_r = ids;
	*n_r = (size_t)n;
	return 0;
}

/* Inside the transaction, the row locked: drop the rows, then the file. */
static int maint_gc_locked(struct db *db, struct blob_store *blobs, const struct blob_id *id,
                           const char *const *params, const char **error_r)
{
	if (db_cmd(db,
	           "DELETE FROM messages m WHERE m.sha256 = $1::bytea AND NOT EXISTS (SELECT 1 "
	           "FROM mailbox_messages mm WHERE mm.message_id = m.id)",
	           1, params, error_r) < 0 ||
	    db_cmd(db, "DELETE FROM blobs WHERE sha256 = $1::bytea", 1, params, error_r) < 0)
		return STORE_EDB;
	/* Still under the row lock: a delivery of these bytes is waiting for it. */
	return blob_delete(blobs, id, error_r) < 0 ? STORE_EDB : 0;
}

int maint_gc_one(struct db *db, struct blob_store *blobs, const struct blob_id *id,
                 int64_t grace_seconds, uint64_t *freed_r, const char **error_r)
{
	char sha[70], gbuf[24];
	const char *params[] = {store_bytea_param(sha, id->sha256, 32),
	                        store_i64(gbuf, grace_seconds)};
	*freed_r = 0;
	int r = store_begin(db, error_r);
	if (r < 0)
		return r;
	PGresult *res =
	        db_exec(db,
	                "SELECT b.size FROM blobs b WHERE b.sha256 = $1::bytea AND "
	                "b.refcount = 0 AND b.last_ref_at < now() - make_interval(secs => "
	                "$2::bigint) AND NOT EXISTS (SELECT 1 FROM mailbox_messages mm "
	                "JOIN messages m ON m.id = mm.message_id WHERE m.sha256 = b.sha256) "
	                "FOR UPDATE SKIP LOCKED",
	                2, params, error_r);
	if (res == NULL)
		r = STORE_EDB;
	else if (PQntuples(res) == 1 && (r = maint_gc_locked(db, blobs, id, params, error_r)) == 0)
		*freed_r = (uint64_t)store_get_i64(res, 0, 0);
	PQclear(res);
	if (r == 0)
		return store_commit(db, error_r);
	store_rollback(db);
	return r;
}

int maint_blob_page(struct db *db, const unsigned char *after, size_t max, struct arena *arena,
                    struct maint_blob **list_r, size_t *n_r, const char **error_r)
{
	char sha[70], mbuf[24];
	const char *params[] = {
	        store_bytea_param(sha, after ? after : (const unsigned char *)"", after ? 32 : 0),
	        store_i64(mbuf, (int64_t)max)};
	PGresult *res = db_exec(db,
	                        "SELECT encode(b.sha256, 'hex'), b.size, b.refcount, (SELECT "
	                        "count(*) FROM mailbox_messages mm JOIN messages m ON m.id = "
	                        "mm.message_id WHERE m.sha256 = b.sha256) FROM blobs b WHERE "
	                        "b.sha256 > $1::bytea ORDER BY b.sha256 LIMIT $2::bigint",
	                        2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res);
	struct maint_blob *list = arena_zalloc(arena, sizeof(*list) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		size_t len;
		store_hex_decode(PQgetvalue(res, i, 0), list[i].sha256, 32, &len);
		list[i].size = store_get_i64(res, i, 1);
		list[i].refcount = store_get_i64(res, i, 2);
		list[i].actual_refs = store_get_i64(res, i, 3);
	}
	PQclear(res);
	*list_r = list;
	*n_r = (size_t)n;
	return 0;
}

int maint_fix_refcount(struct db *db, const unsigned char *sha256, const char **error_r)
{
	char sha[70];
	const char *params[] = {store_bytea_param(sha, sha256, 32)};
	int r = store_begin(db, error_r);
	if (r < 0)
		return r;
	if (db_cmd(db, "SELECT 1 FROM blobs WHERE sha256 = $1::bytea FOR UPDATE", 1, params,
	           error_r) < 0 ||
	    db_cmd(db,
	           "UPDATE blobs b SET refcount = (SELECT count(*) FROM mailbox_messages mm JOIN "
	           "messages m ON m.id = mm.message_id WHERE m.sha256 = b.sha256), last_ref_at = "
	           "now() WHERE b.sha256 = $1::bytea",
	           1, params, error_r) < 0) {
		store_rollback(db);
		return STORE_EDB;
	}
	return store_commit(db, error_r);
}

int maint_messages_without_blob(struct db *db, int repair, int64_t *count_r, const char **error_r)
{
	PGresult *res =
	        db_exec(db,
	                repair ? "INSERT INTO blobs (sha256, size, refcount) SELECT m.sha256, "
	                         "m.size, (SELECT count(*) FROM mailbox_messages mm WHERE "
	                         "mm.message_id = m.id) FROM messages m WHERE NOT EXISTS "
	                         "(SELECT 1 FROM blobs b WHERE b.sha256 = m.sha256) "
	                         "ON CONFLICT DO NOTHING RETURNING 1"
	                       : "SELECT 1 FROM messages m WHERE NOT EXISTS (SELECT 1 FROM "
	                         "blobs b WHERE b.sha256 = m.sha256)",
	                0, NULL, error_r);
	if (res == NULL)
		return STORE_EDB;
	*count_r = PQntuples(res);
	PQclear(res);
	return 0;
}

int maint_blob_known(struct db *db, const unsigned char *sha256, int *known_r, const char **error_r)
{
	char sha[70];
	const char *params[] = {store_bytea_param(sha, sha256, 32)};
	PGresult *res =
	        db_exec(db, "SELECT 1 FROM blobs WHERE sha256 = $1::bytea", 1, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	*known_r = PQntuples(res) == 1;
	PQclear(res);
	return 0;
}

int maint_adopt_orphan(struct db *db, const struct blob_id *id, uint64_t size, int *adopted_r,
                       const char **error_r)
{
	char sha[70], sbuf[24];
	const char *params[] = {store_bytea_param(sha, id->sha256, 32),
	                        store_i64(sbuf, (int64_t)size)};
	PGresult *res =
	        db_exec(db,
	                "INSERT INTO blobs (sha256, size, refcount, last_ref_at) VALUES "
	                "($1::bytea, $2::bigint, 0, now()) ON CONFLICT DO NOTHING RETURNING 1",
	                2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	*adopted_r = PQntuples(res) == 1;
	PQclear(res);
	return 0;
}
