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
 * its own transaction under an advisory lock, recording them in schema_version.
 * Appends one line per applied file to report.  Refuses (-1) a database whose schema
 * is newer than the newest file here.  0 on success.
 */
int db_migrate(struct db *db, const char *schema_dir, struct buf *report, const char **error_r);

/*
 * Describe applied and pending migrations into out (one "NNNN name applied|pending"
 * line each); *current_r = highest applied version (0 when none), *pending_r = number
 * pending, *newer_r = 1 when the database has versions this build does not know.
 */
int db_status(struct db *db, const char *schema_dir, struct buf *out, int *current_r,
              int *pending_r, int *newer_r, const char **error_r);

#endif
