/*
 * store-private.h - what the lib/store sources share and nothing else may include:
 * the libpq handle behind struct db and small helpers for parameterised queries.
 */
#ifndef CAIRN_STORE_PRIVATE_H
#define CAIRN_STORE_PRIVATE_H

#include <libpq-fe.h>

#include "db.h"

struct db {
	PGconn *conn;
	char *conninfo;
	unsigned prepared_gen; /* bumped on reconnect: prepared statements are gone */
	struct store_change *changes; /* announced when the open transaction commits */
	size_t n_changes, cap_changes;
};

struct store_change {
	int64_t mailbox_id;
	uint64_t modseq;
};

/* Last libpq error of db as one line (static buffer). */
const char *db_errmsg(struct db *db);

/*
 * Run a parameterised statement (text parameters, NULL = SQL NULL).  Returns the
 * result (caller PQclear()s) when its status is COMMAND_OK or TUPLES_OK, else NULL
 * with *error_r set.
 */
PGresult *db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
                  const char **error_r);
/* db_exec for statements that return nothing: 0 / -1. */
int db_cmd(struct db *db, const char *sql, int nparams, const char *const *params,
           const char **error_r);

#endif
