/*
 * passdb-sql.h - the `sql` passdb backend: SCRAM-SHA-256 records from the accounts
 * table through lib/store.  The only part of lib/auth that needs a database, so
 * only daemons that open one include it.
 */
#ifndef CAIRN_PASSDB_SQL_H
#define CAIRN_PASSDB_SQL_H

struct db;
struct passdb;
struct passdb_settings;

/* A passdb on db (borrowed: it must outlive the passdb).  Free with passdb_free(). */
struct passdb *passdb_sql_new(struct db *db, const struct passdb_settings *set);

#endif
