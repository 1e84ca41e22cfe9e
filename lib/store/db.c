/*
 * db.c - PostgreSQL connection handling and the forward-only schema migrator.
 *
 * Exports db_connect/db_close/db_check, db_exec/db_cmd (store-private.h) and
 * db_migrate/db_status/db_verify.  Migrations are schema/NNNN_name.sql files; each is
 * applied in one transaction under a cluster-wide advisory lock, so two nodes running
 * `cairnctl db migrate` at once cannot both apply a file.  schema_version records the
 * SHA-256 of every applied file; a file that changed after it was applied is refused
 * (a landed migration is never edited: docs/store.md "Migration checksums").
 */
#include "store-private.h"

#include "base/buf.h"
#include "base/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <openssl/evp.h>
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
	char *sql; /* the file's bytes */
	char sha[2 * 32 + 1]; /* their SHA-256, lower-case hex */
};

/* One schema_version row. */
struct applied {
	int version;
	char *checksum; /* NULL: unknown (applied by a migrator without checksums) */
	int backfilled; /* checksum taken from the file when checksums were introduced */
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
	for (int i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].sql);
	}
	free(m);
}

/* Read dir/name into m->sql and its SHA-256 (hex) into m->sha. */
static int migration_read(const char *dir, struct migration *m, const char **error_r)
{
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/%s", dir, m->name);
	FILE *f = fopen(buf_cstr(&path), "r");
	buf_free(&path);
	if (f == NULL) {
		*error_r = db_set_error("cannot read migration", m->name);
		return -1;
	}
	struct buf sql = BUF_INIT;
	char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&sql, chunk, got);
	fclose(f);
	size_t len;
	m->sql = buf_steal(&sql, &len);
	unsigned char md[32];
	if (EVP_Digest(m->sql, len, md, NULL, EVP_sha256(), NULL) != 1) {
		*error_r = db_set_error("SHA-256 failed", m->name);
		return -1;
	}
	for (int i = 0; i < 32; i++)
		snprintf(m->sha + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* List schema_dir's migrations sorted by version, each read and hashed; -1 on
 * duplicates, an unreadable file or a bad dir. */
static int migrations_scan(const char *dir, struct migration **list_r, int *n_r,
                           const char **error_r)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		*error_r = db_set_error("cannot open schema directory", strerror(errno));
		return -1;
	}
	struct migration *list = NULL;
	int n = 0, r = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && n < DB_MAX_MIGRATIONS) {
		if (!migration_name_ok(de->d_name))
			continue;
		list = xrealloc(list, sizeof(*list) * (size_t)(n + 1));
		memset(&list[n], 0, sizeof(list[n]));
		list[n].version = atoi(de->d_name);
		list[n].name = xstrdup(de->d_name);
		if ((r = migration_read(dir, &list[n++], error_r)) < 0)
			break;
	}
	closedir(d);
	if (r == 0 && n > 1)
		qsort(list, (size_t)n, sizeof(*list), migration_cmp);
	for (int i = 1; r == 0 && i < n; i++)
		if (list[i].version == list[i - 1].version) {
			*error_r = db_set_error("two migrations share a number", list[i].name);
			r = -1;
		}
	if (r < 0) {
		migrations_free(list, n);
		return -1;
	}
	*list_r = list;
	*n_r = n;
	return 0;
}

static const struct migration *migration_find(const struct migration *list, int n, int version)
{
	for (int i = 0; i < n; i++)
		if (list[i].version == version)
			return &list[i];
	return NULL;
}

static void applied_free(struct applied *a, int n)
{
	for (int i = 0; i < n; i++)
		free(a[i].checksum);
	free(a);
}

static int db_rollback_error(struct db *db, const char **error_r)
{
	static char saved[1024];
	const char *ignored;
	snprintf(saved, sizeof(saved), "%s", *error_r);
	db_cmd(db, "ROLLBACK", 0, NULL, &ignored);
	*error_r = saved;
	return -1;
}

/* *has_r = 1 when schema_version has the checksum column (0: not, or no table yet). */
static int db_has_checksums(struct db *db, int *has_r, const char **error_r)
{
	PGresult *res = db_exec(db,
	                        "SELECT count(*) FROM pg_attribute WHERE attrelid = "
	                        "to_regclass('schema_version') AND attname = 'checksum' "
	                        "AND NOT attisdropped",
	                        0, NULL, error_r);
	if (res == NULL)
		return -1;
	*has_r = atoi(PQgetvalue(res, 0, 0)) > 0;
	PQclear(res);
	return 0;
}

/*
 * Create schema_version, or add the checksum columns to one made by an older
 * migrator (nullable, so that migrator can still insert rows), and backfill the
 * checksum of every applied row that has none from the file as it is now, marked
 * checksum_backfilled.  One transaction under the migration lock.
 */
static int db_bootstrap(struct db *db, const struct migration *list, int n, const char **error_r)
{
	int has;
	if (db_cmd(db, "BEGIN", 0, NULL, error_r) < 0)
		return -1;
	if (db_cmd(db, "SELECT pg_advisory_xact_lock(" DB_MIGRATE_LOCK ")", 0, NULL, error_r) < 0 ||
	    db_cmd(db,
	           "CREATE TABLE IF NOT EXISTS schema_version ("
	           " version integer PRIMARY KEY, name text NOT NULL,"
	           " applied_at timestamptz NOT NULL DEFAULT now())",
	           0, NULL, error_r) < 0 ||
	    db_has_checksums(db, &has, error_r) < 0)
		return db_rollback_error(db, error_r);
	if (!has && db_cmd(db,
	                   "ALTER TABLE schema_version ADD COLUMN IF NOT EXISTS checksum text, "
	                   "ADD COLUMN IF NOT EXISTS checksum_backfilled boolean "
	                   "NOT NULL DEFAULT false",
	                   0, NULL, error_r) < 0)
		return db_rollback_error(db, error_r);
	for (int i = 0; i < n; i++) {
		char version[16];
		snprintf(version, sizeof(version), "%d", list[i].version);
		const char *params[] = {version, list[i].sha};
		if (db_cmd(db,
		           "UPDATE schema_version SET checksum = $2, checksum_backfilled = true "
		           "WHERE version = $1::int AND checksum IS NULL",
		           2, params, error_r) < 0)
			return db_rollback_error(db, error_r);
	}
	return db_cmd(db, "COMMIT", 0, NULL, error_r) < 0 ? db_rollback_error(db, error_r) : 0;
}

static int db_applied_load(struct db *db, struct applied **list_r, int *n_r, const char **error_r)
{
	PGresult *res = db_exec(db,
	                        "SELECT version, checksum, checksum_backfilled FROM schema_version "
	                        "ORDER BY version",
	                        0, NULL, error_r);
	if (res == NULL)
		return -1;
	int n = PQntuples(res);
	struct applied *a = xcalloc((size_t)n + 1, sizeof(*a));
	for (int i = 0; i < n; i++) {
		a[i].version = atoi(PQgetvalue(res, i, 0));
		a[i].checksum = PQgetisnull(res, i, 1) ? NULL : xstrdup(PQgetvalue(res, i, 1));
		a[i].backfilled = PQgetvalue(res, i, 2)[0] == 't';
	}
	PQclear(res);
	*list_r = a;
	*n_r = n;
	return 0;
}

static int applied_max(const struct applied *a, int n)
{
	return n > 0 ? a[n - 1].version : 0;
}

/* -1 with *error_r naming the first applied migration whose file changed. */
static int db_checksums_match(const char *dir, const struct migration *list, int n,
                              const struct applied *a, int na, const char **error_r)
{
	for (int i = 0; i < na; i++) {
		const struct migration *m = migration_find(list, n, a[i].version);
		if (m == NULL || a[i].checksum == NULL || strcmp(m->sha, a[i].checksum) == 0)
			continue;
		snprintf(db_errbuf, sizeof(db_errbuf),
		         "migration %s/%s changed after it was applied: the database recorded "
		         "sha256 %s, the file has sha256 %s (a landed migration is never edited: "
		         "restore the file and put the change in a new migration)",
		         dir, m->name, a[i].checksum, m->sha);
		*error_r = db_errbuf;
		return -1;
	}
	return 0;
}

static int db_apply_one(struct db *db, const struct migration *m, const char **error_r)
{
	char version[16];
	snprintf(version, sizeof(version), "%d", m->version);
	const char *params[] = {version, m->name, m->sha};
	int r = -1;
	if (db_cmd(db, "BEGIN", 0, NULL, error_r) == 0 &&
	    db_cmd(db, "SELECT pg_advisory_xact_lock(" DB_MIGRATE_LOCK ")", 0, NULL, error_r) ==
	            0) {
		PGresult *res = db_exec(db, "SELECT 1 FROM schema_version WHERE version = $1::int",
		                        1, params, error_r);
		int already = res && PQntuples(res) > 0;
		if (res &&
		    (already || (db_cmd(db, m->sql, 0, NULL, error_r) == 0 &&
		                 db_cmd(db,
		                        "INSERT INTO schema_version (version, name, checksum) "
		                        "VALUES ($1::int, $2, $3)",
		                        3, params, error_r) == 0)))
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
	return r;
}

/* Scan, bootstrap schema_version and load its rows: what migrate and status share. */
static int db_schema_load(struct db *db, const char *dir, struct migration **list_r, int *n_r,
                          struct applied **a_r, int *na_r, const char **error_r)
{
	if (migrations_scan(dir, list_r, n_r, error_r) < 0)
		return -1;
	if (db_bootstrap(db, *list_r, *n_r, error_r) < 0 ||
	    db_applied_load(db, a_r, na_r, error_r) < 0) {
		migrations_free(*list_r, *n_r);
		return -1;
	}
	return 0;
}

int db_migrate(struct db *db, const char *schema_dir, struct buf *report, const char **error_r)
{
	struct migration *list;
	struct applied *a;
	int n, na;
	if (db_schema_load(db, schema_dir, &list, &n, &a, &na, error_r) < 0)
		return -1;
	int applied = applied_max(a, na);
	int r = db_checksums_match(schema_dir, list, n, a, na, error_r);
	if (r == 0 && n > 0 && applied > list[n - 1].version) {
		snprintf(db_errbuf, sizeof(db_errbuf),
		         "database schema version %d is newer than this cairn knows (%d); "
		         "refusing to migrate",
		         applied, list[n - 1].version);
		*error_r = db_errbuf;
		r = -1;
	}
	for (int i = 0; r == 0 && i < n; i++) {
		if (list[i].version <= applied)
			continue;
		r = db_apply_one(db, &list[i], error_r);
		if (r == 0 && report)
			buf_printf(report, "applied %04d %s\n", list[i].version, list[i].name);
	}
	applied_free(a, na);
	migrations_free(list, n);
	return r;
}

static const struct applied *applied_find(const struct applied *a, int n, int version)
{
	for (int i = 0; i < n; i++)
		if (a[i].version == version)
			return &a[i];
	return NULL;
}

/* One status line for migration m; returns 1 when its file changed since applied. */
static int db_status_line(struct buf *out, const struct migration *m, const struct applied *row,
                          int applied)
{
	if (row == NULL) {
		buf_printf(out, "%04d %s %s\n", m->version, m->name,
		           m->version <= applied ? "applied (no schema_version row)" : "pending");
		return 0;
	}
	if (row->checksum != NULL && strcmp(row->checksum, m->sha) != 0) {
		buf_printf(out,
		           "%04d %s CHANGED since applied: database sha256 %s, file sha256 %s\n",
		           m->version, m->name, row->checksum, m->sha);
		return 1;
	}
	buf_printf(out, "%04d %s applied%s\n", m->version, m->name,
	           row->checksum == NULL ? " (checksum unknown)"
	           : row->backfilled     ? " (checksum backfilled)"
	                                 : "");
	return 0;
}

int db_status(struct db *db, const char *schema_dir, struct buf *out,
              struct db_status_counts *counts_r, const char **error_r)
{
	struct migration *list;
	struct applied *a;
	int n, na;
	if (db_schema_load(db, schema_dir, &list, &n, &a, &na, error_r) < 0)
		return -1;
	int applied = applied_max(a, na);
	memset(counts_r, 0, sizeof(*counts_r));
	counts_r->current = applied;
	counts_r->newer = n == 0 ? applied > 0 : applied > list[n - 1].version;
	for (int i = 0; i < n; i++) {
		const struct applied *row = applied_find(a, na, list[i].version);
		counts_r->pending += row == NULL && list[i].version > applied;
		counts_r->changed += db_status_line(out, &list[i], row, applied);
	}
	applied_free(a, na);
	migrations_free(list, n);
	return 0;
}

int db_verify(struct db *db, const char *schema_dir, int *verified_r, const char **error_r)
{
	struct migration *list;
	struct applied *a;
	int n, na, has;
	*verified_r = 0;
	if (db_has_checksums(db, &has, error_r) < 0)
		return 0; /* the database failed (went down?): nothing compared */
	if (!has) {
		*error_r = "schema_version has no checksums yet (run cairnctl db migrate)";
		return 0;
	}
	if (migrations_scan(schema_dir, &list, &n, error_r) < 0)
		return 0; /* no schema files here: nothing to compare with */
	int r = db_applied_load(db, &a, &na, error_r);
	if (r == 0) {
		r = db_checksums_match(schema_dir, list, n, a, na, error_r);
		applied_free(a, na);
		*verified_r = r == 0;
	} else {
		r = 0; /* the database failed: unverified, not refused */
	}
	migrations_free(list, n);
	return r;
}
