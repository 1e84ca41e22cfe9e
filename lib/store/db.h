/*
 * db.h - the PostgreSQL connection of a cairn process and the schema migrator.
 *
 * lib/store is the only code that includes libpq-fe.h; everything above it
 * sees struct db as opaque.  Every statement is parameterised and prepared next
 * to the C wrapper that runs it (see db_prepare/db_exec_prepared in
 * store-private.h).
 */
#ifndef CAIRN_STORE_DB_H
#define CAIRN_STORE_DB_H

#include <stdint.h>

struct buf;
struct db;

/*
 * Called after every committed change of a mailbox's contents or name (flags,
 * expunges, deliveries, copies, renames, deletion), once per mailbox and commit, with
 * the highest mod-sequence the commit reached there (0 when not known).  Every writer
 * goes through lib/store, so announcing here (the daemons pass notify_changed) means
 * no writer can forget to.  Process-wide; NULL (the default) announces nothing.
 */
void store_on_change(void (*hook)(int64_t mailbox_id, uint64_t modseq));

/*
 * Connect with a libpq conninfo string ("host=/path dbname=cairn ..."), with
 * synchronous_commit on and the client encoding UTF8.  NULL with *error_r on failure
 * (static text, valid until the next call).
 */
struct db *db_connect(const char *conninfo, const char **error_r);
/* Close and free; sets *db to NULL. */
void db_close(struct db **db);
/*
 * Reconnect if the connection is broken (after a server restart).  0 when the
 * connection is usable afterwards, -1 with *error_r otherwise.
 */
int db_check(struct db *db, const char **error_r);

/*
 * Apply pending migrations from schema_dir (files NNNN_name.sql), in order, each in
 * its own transaction under an advisory lock, recording them in schema_version with
 * the SHA-256 of the file.  First adds the checksum columns to a schema_version made
 * by an older migrator and backfills them from the files (docs/store.md).  Appends
 * one line per applied file to report.  Refuses (-1) a database whose schema is newer
 * than the newest file here, and one where an applied migration's file changed since
 * (*error_r names the file and both checksums).  0 on success.
 */
int db_migrate(struct db *db, const char *schema_dir, struct buf *report, const char **error_r);

struct db_status_counts {
	int current; /* highest applied version, 0 when none */
	int pending; /* files not applied yet */
	int newer; /* 1: the database has versions this build does not know */
	int changed; /* applied files whose checksum differs from the recorded one */
};

/*
 * Describe applied and pending migrations into out, one line each:
 * "NNNN name applied|pending", "applied (checksum backfilled)" or "CHANGED since
 * applied: database sha256 X, file sha256 Y".  Bootstraps schema_version as
 * db_migrate does.  0, or -1 with *error_r.
 */
int db_status(struct db *db, const char *schema_dir, struct buf *out,
              struct db_status_counts *counts_r, const char **error_r);

/*
 * For daemons at start: compare the recorded checksum of every applied migration
 * with its file in schema_dir; read-only.  -1 only when one changed (*error_r names
 * the file and both checksums: refuse to start).  0 otherwise, with *verified_r = 1
 * when every recorded checksum was compared, 0 when that was not possible (no
 * checksums recorded yet, schema_dir unreadable, or the database failed mid-check,
 * e.g. going down while a worker starts: a daemon then serves 451/UNAVAILABLE as
 * when it is down at start; *error_r says why).
 */
int db_verify(struct db *db, const char *schema_dir, int *verified_r, const char **error_r);

#endif
