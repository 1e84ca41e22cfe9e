/*
 * quota.c - quota roots of accounts and domains (quota.h): get, set with recount,
 * charge inside a writer's transaction, check before a write, list an account's roots.
 */
#include "quota.h"

#include "mailbox.h"
#include "store-util.h"

#include "base/arena.h"

#include <stdio.h>
#include <string.h>

/* Usage of the messages of one account ($1, scope 'a') or one domain ($1, 'd'). */
#define QUOTA_USAGE_SQL                                                                            \
	"SELECT coalesce(sum(m.size), 0) AS bytes, count(*) AS msgs FROM mailbox_messages mm "     \
	"JOIN messages m ON m.id = mm.message_id JOIN mailboxes b ON b.id = mm.mailbox_id "        \
	"JOIN accounts o ON o.id = b.owner_id WHERE CASE WHEN $2 = 'a' THEN o.id = $1::bigint "    \
	"ELSE o.domain_id = $1::bigint END"

static int64_t quota_limit(const PGresult *res, int col)
{
	return PQgetisnull(res, 0, col) ? QUOTA_UNLIMITED : store_get_i64(res, 0, col);
}

static int quota_get(struct db *db, int64_t id, const char *scope, struct quota_info *info_r,
                     const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, id), scope};
	PGresult *res =
	        db_exec(db,
	                "SELECT q.id, q.storage_limit, q.message_limit, q.storage_used, "
	                "q.messages_used FROM quota_roots q WHERE q.id = (CASE WHEN $2 = "
	                "'a' THEN (SELECT quota_root_id FROM accounts WHERE id = $1::bigint) "
	                "ELSE (SELECT quota_root_id FROM domains WHERE id = $1::bigint) END)",
	                2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	memset(info_r, 0, sizeof(*info_r));
	info_r->storage_limit = info_r->message_limit = QUOTA_UNLIMITED;
	if (PQntuples(res) == 1) {
		info_r->defined = 1;
		info_r->storage_limit = quota_limit(res, 1);
		info_r->message_limit = quota_limit(res, 2);
		info_r->storage_used = store_get_i64(res, 0, 3);
		info_r->messages_used = store_get_i64(res, 0, 4);
		PQclear(res);
		return 0;
	}
	PQclear(res);
	res = db_exec(db, QUOTA_USAGE_SQL, 2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	info_r->storage_used = store_get_i64(res, 0, 0);
	info_r->messages_used = store_get_i64(res, 0, 1);
	PQclear(res);
	return 0;
}

int quota_get_account(struct db *db, int64_t account_id, struct quota_info *info_r,
                      const char **error_r)
{
	return quota_get(db, account_id, "a", info_r, error_r);
}

int quota_get_domain(struct db *db, int64_t domain_id, struct quota_info *info_r,
                     const char **error_r)
{
	return quota_get(db, domain_id, "d", info_r, error_r);
}

/* Create an empty root named "a:ID" / "d:ID" and attach it to the owner row. */
static int quota_root_create(struct db *db, const char *const *params, int64_t *root_r,
                             const char **error_r)
{
	PGresult *res = db_exec(db,
	                        "INSERT INTO quota_roots (name) VALUES ($2 || ':' || $1) "
	                        "RETURNING id",
	                        2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	*root_r = store_get_i64(res, 0, 0);
	PQclear(res);
	char rootbuf[24];
	const char *p[] = {params[0], store_i64(rootbuf, *root_r)};
	const char *sql =
	        strcmp(params[1], "a") == 0
	                ? "UPDATE accounts SET quota_root_id = $2::bigint WHERE id = $1::bigint"
	                : "UPDATE domains SET quota_root_id = $2::bigint WHERE id = $1::bigint";
	return db_cmd(db, sql, 2, p, error_r) < 0 ? STORE_EDB : 0;
}

/*
 * Inside a transaction, the owner row locked: create, update or drop the root.  The
 * root row is locked before counting so that deliveries charging it finish first
 * and the recount sees their messages.
 */
static int quota_set_locked(struct db *db, const char *const *params, int64_t root,
                            const char **error_r)
{
	char rootbuf[24];
	if (params[2] == NULL && params[3] == NULL) {
		const char *p[] = {store_i64(rootbuf, root)};
		if (root != 0 &&
		    db_cmd(db, "DELETE FROM quota_roots WHERE id = $1::bigint", 1, p, error_r) < 0)
			return STORE_EDB;
		return 0;
	}
	if (root == 0 && quota_root_create(db, params, &root, error_r) < 0)
		return STORE_EDB;
	const char *p[] = {params[0], params[1], params[2], params[3], store_i64(rootbuf, root)};
	if (db_cmd(db, "SELECT 1 FROM quota_roots WHERE id = $1::bigint FOR UPDATE", 1, p + 4,
	           error_r) < 0 ||
	    db_cmd(db,
	           "WITH u AS (" QUOTA_USAGE_SQL ") UPDATE quota_roots SET storage_limit = "
	           "$3::bigint, message_limit = $4::bigint, storage_used = u.bytes, "
	           "messages_used = u.msgs FROM u WHERE id = $5::bigint",
	           5, p, error_r) < 0)
		return STORE_EDB;
	return 0;
}

static int quota_set(struct db *db, int64_t id, const char *scope, int64_t storage_limit,
                     int64_t message_limit, const char **error_r)
{
	char idbuf[24], sbuf[24], mbuf[24];
	const char *params[] = {
	        store_i64(idbuf, id),
	        scope,
	        storage_limit < 0 ? NULL : store_i64(sbuf, storage_limit),
	        message_limit < 0 ? NULL : store_i64(mbuf, message_limit),
	};
	int r = store_begin(db, error_r);
	if (r < 0)
		return r;
	PGresult *res =
	        db_exec(db,
	                strcmp(scope, "a") == 0
	                        ? "SELECT quota_root_id FROM accounts WHERE id = $1::bigint "
	                          "FOR UPDATE"
	                        : "SELECT quota_root_id FROM domains WHERE id = $1::bigint "
	                          "FOR UPDATE",
	                1, params, error_r);
	if (res == NULL)
		r = STORE_EDB;
	else if (PQntuples(res) == 0)
		r = store_fail(STORE_ENOTFOUND, error_r, "no such %s",
		               strcmp(scope, "a") == 0 ? "account" : "domain");
	else
		r = quota_set_locked(db, params, store_get_i64(res, 0, 0), error_r);
	PQclear(res);
	if (r == 0)
		return store_commit(db, error_r);
	store_rollback(db);
	return r;
}

int quota_set_account(struct db *db, int64_t account_id, int64_t storage_limit,
                      int64_t message_limit, const char **error_r)
{
	return quota_set(db, account_id, "a", storage_limit, message_limit, error_r);
}

int quota_set_domain(struct db *db, int64_t domain_id, int64_t storage_limit, int64_t message_limit,
                     const char **error_r)
{
	return quota_set(db, domain_id, "d", storage_limit, message_limit, error_r);
}

#define QUOTA_ROOTS_OF_ACCOUNT                                                                     \
	"SELECT quota_root_id FROM accounts WHERE id = $1::bigint UNION "                          \
	"SELECT d.quota_root_id FROM domains d JOIN accounts a ON a.domain_id = d.id "             \
	"WHERE a.id = $1::bigint"

int quota_charge(struct db *db, int64_t account_id, int64_t bytes, int64_t messages,
                 const char **error_r)
{
	char idbuf[24], bbuf[24], mbuf[24];
	const char *params[] = {store_i64(idbuf, account_id), store_i64(bbuf, bytes),
	                        store_i64(mbuf, messages)};
	if (db_cmd(db,
	           "SELECT 1 FROM quota_roots WHERE id IN (" QUOTA_ROOTS_OF_ACCOUNT ") "
	           "ORDER BY id FOR UPDATE",
	           1, params, error_r) < 0 ||
	    db_cmd(db,
	           "UPDATE quota_roots SET storage_used = GREATEST(storage_used + $2::bigint, 0), "
	           "messages_used = GREATEST(messages_used + $3::bigint, 0) "
	           "WHERE id IN (" QUOTA_ROOTS_OF_ACCOUNT ")",
	           3, params, error_r) < 0)
		return STORE_EDB;
	return 0;
}

int quota_check(struct db *db, int64_t account_id, int64_t bytes, int64_t messages, int *over_r,
                const char **error_r)
{
	char idbuf[24], bbuf[24], mbuf[24];
	const char *params[] = {store_i64(idbuf, account_id), store_i64(bbuf, bytes),
	                        store_i64(mbuf, messages)};
	PGresult *res = db_exec(db,
	                        "SELECT count(*) FROM quota_roots WHERE id IN "
	                        "(" QUOTA_ROOTS_OF_ACCOUNT ") AND (storage_used + $2::bigint > "
	                        "storage_limit OR messages_used + $3::bigint > message_limit)",
	                        3, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	*over_r = store_get_i64(res, 0, 0) > 0;
	PQclear(res);
	return 0;
}

int quota_roots_of_account(struct db *db, int64_t account_id, struct arena *pool,
                           struct quota_root roots_r[2], unsigned *count_r, const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, account_id)};
	PGresult *res = db_exec(
	        db,
	        "SELECT r.scope, r.owner, q.storage_limit, q.message_limit, q.storage_used, "
	        "q.messages_used FROM (SELECT 'a' AS scope, a.localpart || '@' || d.name AS owner, "
	        "a.quota_root_id AS root FROM accounts a JOIN domains d ON d.id = a.domain_id "
	        "WHERE a.id = $1::bigint UNION ALL SELECT 'd', d.name, d.quota_root_id FROM "
	        "accounts a JOIN domains d ON d.id = a.domain_id WHERE a.id = $1::bigint) r "
	        "JOIN quota_roots q ON q.id = r.root ORDER BY r.scope",
	        1, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res);
	*count_r = 0;
	for (int i = 0; i < n && i < 2; i++) {
		struct quota_root *r = &roots_r[i];
		r->scope = PQgetvalue(res, i, 0)[0];
		r->owner = arena_strdup(pool, PQgetvalue(res, i, 1));
		r->info.defined = 1;
		r->info.storage_limit =
		        PQgetisnull(res, i, 2) ? QUOTA_UNLIMITED : store_get_i64(res, i, 2);
		r->info.message_limit =
		        PQgetisnull(res, i, 3) ? QUOTA_UNLIMITED : store_get_i64(res, i, 3);
		r->info.storage_used = store_get_i64(res, i, 4);
		r->info.messages_used = store_get_i64(res, i, 5);
		(*count_r)++;
	}
	PQclear(res);
	return 0;
}

int quota_deleted_storage(struct db *db, int64_t mailbox_id, int64_t *bytes_r, const char **error_r)
{
	char idbuf[24], flagbuf[24];
	const char *params[] = {store_i64(idbuf, mailbox_id),
	                        store_i64(flagbuf, MAILBOX_FLAG_DELETED)};
	PGresult *res =
	        db_exec(db,
	                "SELECT coalesce(sum(m.size), 0) FROM mailbox_messages mm JOIN "
	                "messages m ON m.id = mm.message_id WHERE mm.mailbox_id = $1::bigint "
	                "AND mm.flags & $2::int <> 0",
	                2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	*bytes_r = store_get_i64(res, 0, 0);
	PQclear(res);
	return 0;
}
