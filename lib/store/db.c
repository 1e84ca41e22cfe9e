/*
 * db.c - PostgreSQL connection handling and the forward-only schema migrator.
 *
 * Exports db_connect/db_close/db_check, db_exec/db_cmd (store-private.h) and
 * db_migrate/db_status.  Migrations are schema/NNNN_name.sql files; each is applied
 * in one transaction under a cluster-wide advisory lock, so two nodes running
 * `cairnctl db migrate` at once cannot both apply a file.
 */
#include "store-private.h"

#include "base/buf.h"
#include "base/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Arbitrary constant naming the migration lock ("cairn" in ASCII). */
#define DB_MIGRATE_LOCK "99976105114110"
#define DB_MAX_MIGRATIONS 9999

static char db_errbuf[1024];

static const char *db_set_error(const char *prefix, const char *detail)
{
	snprintf(db_errbuf, sizeof(db_errbuf), "%s%s%s", prefix, detail ? ": " : "",
	         detail ? detail : "");
	/* libpq messages end in newlines; keep errors on one line. */
	for (char *p = db_errbuf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = (p[1] ? ' ' : '\0');
	return db_errbuf;
}

const char *db_errmsg(struct db *db)
{
	return db_set_error("database", PQerrorMessage(db->conn));
}

static int db_session_setup(struct db *db, const char **error_r)
{
	return db_cmd(db,
	              "SET synchronous_commit = on; SET client_encoding = 'UTF8'; "
	              "SET client_min_messages = warning",
	              0, NULL, error_r);
}

struct db *db_connect(const char *conninfo, const char **error_r)
{
	struct db *db = xcalloc(1, sizeof(*db));
	db->conninfo = xstrdup(conninfo);
	db->conn = PQconnectdb(conninfo);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		*error_r = db_set_error("cannot connect to PostgreSQL", PQerrorMessage(db->conn));
		db_close(&db);
		return NULL;
	}
	if (db_session_setup(db, error_r) < 0) {
		db_close(&db);
		return NULL;
	}
	return db;
}

void db_close(struct db **dbp)
{
	struct db *db = *dbp;
	if (db == NULL)
		return;
	if (db->conn)
		PQfinish(db->conn);
	XFREE(db->conninfo);
	XFREE(db->changes);
	XFREE(*dbp);
}

int db_check(struct db *db, const char **error_r)
{
	if (PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	PQreset(db->conn);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		*error_r = db_set_error("PostgreSQL unavailable", PQerrorMessage(db->conn));
		return -1;
	}
	db->prepared_gen++;
	return db_session_setup(db, error_r);
}

PGresult *db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
                  const char **error_r)
{
	PGresult *res = nparams > 0
	                        ? PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0)
	                        : PQexec(db->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	*error_r = db_set_error("database",
	                        res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
	PQclear(res);
	return NULL;
}

int db_cmd(struct db *db, const char *sql, int nparams, const char *const *params,
           const char **error_r)
{
	PGresult *res = db_exec(db, sql, nparams, params, error_r);
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/* ---- migrations ---- */

struct migration {
	int version;
	char *name; /* file name */
};

static int migration_cmp(const void *a, const void *b)
{
	return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

static int migration_name_ok(const char *n)
{
	size_t len = strlen(n);
	if (len < 10 || strcmp(n + len - 4, ".sql") != 0 || n[4] != '_')
		return 0;
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)n[i]))
			return 0;
	for (size_t i = 5; i < len - 4; i++)
		if (!islower((unsigned char)n[i]) && !isdigit((unsigned char)n[i]) && n[i] != '_')
			return 0;
	return 1;
}

static void migrations_free(struct migration *m, int n)
{
	for (int i = 0; i < n; i++)
		free(m[i].name);
	free(m);
}

/* List schema_dir's migrations sorted by version; -1 on duplicates or a bad dir. */
static int migrations_scan(const char *dir, struct migration **list_r, int *n_r,
                           const char **error_r)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		*error_r = db_set_error("cannot open schema directory", strerror(errno));
		return -1;
	}
	struct migration *list = NULL;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && n < DB_MAX_MIGRATIONS) {
		if (!migration_name_ok(de->d_name))
			continue;
		list = xrealloc(list, sizeof(*list) * (size_t)(n + 1));
		list[n].version = atoi(de->d_name);
		list[n].name = xstrdup(de->d_name);
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(list, (size_t)n, sizeof(*list), migration_cmp);
	for (int i = 1; i < n; i++)
		if (list[i].version == list[i - 1].version) {
			*error_r = db_set_error("two migrations share a number", list[i].name);
			migrations_free(list, n);
			return -1;
		}
	*list_r = list;
	*n_r = n;
	return 0;
}

static char *migration_read(const char *dir, const char *name, const char **error_r)
{
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/%s", dir, name);
	FILE *f = fopen(buf_cstr(&path), "r");
	buf_free(&path);
	if (f == NULL) {
		*error_r = db_set_error("cannot read migration", name);
		return NULL;
	}
	struct buf sql = BUF_INIT;
	char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&sql, chunk, got);
	fclose(f);
	return buf_steal(&sql, NULL);
}

static int db_version_applied(struct db *db, int *max_r, const char **error_r)
{
	if (db_cmd(db,
	           "CREATE TABLE IF NOT EXISTS schema_version ("
	           " version integer PRIMARY KEY, name text NOT NULL,"
	           " applied_at timestamptz NOT NULL DEFAULT now())",
	           0, NULL, error_r) < 0)
		return -1;
	PGresult *res = db_exec(db, "SELECT coalesce(max(version), 0) FROM schema_version", 0, NULL,
	                        error_r);
	if (res == NULL)
		return -1;
	*max_r = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

static int db_apply_one(struct db *db, const char *dir, const struct migration *m,
                        const char **error_r)
{
	char *sql = migration_read(dir, m->name, error_r);
	if (sql == NULL)
		return -1;
	char version[16];
	snprintf(version, sizeof(version), "%d", m->version);
	const char *params[] = {version, m->name};
	int r = -1;
	if (db_cmd(db, "BEGIN", 0, NULL, error_r) == 0 &&
	    db_cmd(db, "SELECT pg_advisory_xact_lock(" DB_MIGRATE_LOCK ")", 0, NULL, error_r) ==
	            0) {
		PGresult *res = db_exec(db, "SELECT 1 FROM schema_version WHERE version = $1::int",
		                        1, params, error_r);
		int already = res && PQntuples(res) > 0;
		if (res && (already || (db_cmd(db, sql, 0, NULL, error_r) == 0 &&
		                        db_cmd(db,
		                               "INSERT INTO schema_version (version, name) "
		                               "VALUES ($1::int, $2)",
		                               2, params, error_r) == 0)))
			r = db_cmd(db, "COMMIT", 0, NULL, error_r);
		PQclear(res);
	}
	if (r < 0) {
		const char *ignored;
		static char saved[1024];
		snprintf(saved, sizeof(saved), "%s: %s", m->name, *error_r);
		db_cmd(db, "ROLLBACK", 0, NULL, &ignored);
		*error_r = saved;
	}
	free(sql);
	return r;
}

int db_migrate(struct db *db, const char *schema_dir, struct buf *report, const char **error_r)
{
	struct migration *list;
	int n, applied;
	if (migrations_scan(schema_dir, &list, &n, error_r) < 0)
		return -1;
	int r = db_version_applied(db, &applied, error_r);
	if (r == 0 && n > 0 && applied > list[n - 1].version) {
		static char msg[256];
		snprintf(msg, sizeof(msg),
		         "database schema version %d is newer than this cairn knows (%d); "
		         "refusing to migrate",
		         applied, list[n - 1].version);
		*error_r = msg;
		r = -1;
	}
	for (int i = 0; r == 0 && i < n; i++) {
		if (list[i].version <= applied)
			continue;
		r = db_apply_one(db, schema_dir, &list[i], error_r);
		if (r == 0 && report)
			buf_printf(report, "applied %04d %s\n", list[i].version, list[i].name);
	}
	migrations_free(list, n);
	return r;
}

int db_status(struct db *db, const char *schema_dir, struct buf *out, int *current_r,
              int *pending_r, int *newer_r, const char **error_r)
{
	struct migration *list;
	int n, applied;
	if (migrations_scan(schema_dir, &list, &n, error_r) < 0)
		return -1;
	if (db_version_applied(db, &applied, error_r) < 0) {
		migrations_free(list, n);
		return -1;
	}
	*current_r = applied;
	*pending_r = 0;
	*newer_r = n == 0 ? applied > 0 : applied > list[n - 1].version;
	for (int i = 0; i < n; i++) {
		int done = list[i].version <= applied;
		*pending_r += !done;
		buf_printf(out, "%04d %s %s\n", list[i].version, list[i].name,
		           done ? "applied" : "pending");
	}
	migrations_free(list, n);
	return 0;
}
