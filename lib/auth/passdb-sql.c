/*
 * passdb-sql.c - the `sql` passdb backend (passdb_sql_new, passdb-sql.h): SCRAM-SHA-256
 * records from the accounts table through lib/store's account_get_scram().  Plaintext
 * passwords are checked by passdb.c against the record (no verify_plain of its own).
 */
#include "auth/passdb-sql.h"

#include "auth/passdb.h"

#include "store/account.h"

#include <string.h>

static int passdb_sql_lookup(void *ctx, const char *login, int64_t *id_r,
                             struct scram_record *rec_r, const char **error_r)
{
	struct db *db = ctx;
	struct account_scram a;
	int r = account_get_scram(db, login, id_r, &a, error_r);
	if (r == STORE_EDB)
		return -1;
	if (r < 0)
		return 0;
	memcpy(rec_r->salt, a.salt, sizeof(rec_r->salt));
	rec_r->salt_len = a.salt_len;
	rec_r->iterations = a.iterations;
	memcpy(rec_r->stored_key, a.stored_key, sizeof(rec_r->stored_key));
	memcpy(rec_r->server_key, a.server_key, sizeof(rec_r->server_key));
	explicit_bzero(&a, sizeof(a));
	return 1;
}

static const struct passdb_backend passdb_sql_backend = {
        .name = "sql",
        .lookup_scram = passdb_sql_lookup,
        .verify_plain = NULL, /* against the SCRAM record (passdb.c) */
        .deinit = NULL, /* the db connection is the daemon's */
};

struct passdb *passdb_sql_new(struct db *db, const struct passdb_settings *set)
{
	return passdb_new(&passdb_sql_backend, db, set);
}
