/*
 * subscription.c - the subscriptions table (subscription.h).
 */
#include "subscription.h"

#include "store-util.h"

#include "base/arena.h"

int subscription_add(struct db *db, int64_t account_id, const char *name, const char **error_r)
{
	char idbuf[24], maxbuf[24];
	const char *params[] = {store_i64(idbuf, account_id), name,
	                        store_i64(maxbuf, SUBSCRIPTION_MAX)};
	/* The count check and the insert in one statement: no window for a race to matter
	 * beyond a few rows over the limit. */
	PGresult *res =
	        db_exec(db,
	                "INSERT INTO subscriptions (account_id, name) SELECT $1::bigint, $2 "
	                "WHERE EXISTS (SELECT 1 FROM subscriptions WHERE account_id = "
	                "$1::bigint AND name = $2) OR (SELECT count(*) FROM subscriptions "
	                "WHERE account_id = $1::bigint) < $3::bigint "
	                "ON CONFLICT (account_id, name) DO UPDATE SET name = EXCLUDED.name "
	                "RETURNING 1",
	                3, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int r = PQntuples(res) == 1 ? 0
	                            : store_fail(STORE_EREFUSED, error_r, "too many subscriptions");
	PQclear(res);
	return r;
}

int subscription_remove(struct db *db, int64_t account_id, const char *name, const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, account_id), name};
	PGresult *res = db_exec(db,
	                        "DELETE FROM subscriptions WHERE account_id = $1::bigint AND name "
	                        "= $2 RETURNING 1",
	                        2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int r = PQntuples(res) > 0 ? 0 : store_fail(STORE_ENOTFOUND, error_r, "not subscribed");
	PQclear(res);
	return r;
}

int subscription_list(struct db *db, int64_t account_id, struct arena *arena, const char ***names_r,
                      size_t *n_r, const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, account_id)};
	PGresult *res = db_exec(db,
	                        "SELECT name FROM subscriptions WHERE account_id = $1::bigint "
	                        "ORDER BY name COLLATE \"C\"",
	                        1, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res);
	const char **names = arena_zalloc(arena, sizeof(*names) * (size_t)(n + 1));
	for (int i = 0; i < n; i++)
		names[i] = arena_strdup(arena, PQgetvalue(res, i, 0));
	PQclear(res);
	*names_r = names;
	*n_r = (size_t)n;
	return 0;
}
