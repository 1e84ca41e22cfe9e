/*
 * passdb.h - the password database interface every daemon authenticates through.
 *
 * A passdb is a backend (a struct of function pointers) plus the policy that is the
 * same for every backend: logins without '@' get the default domain, and an unknown
 * user costs the same work as a known one (a fake SCRAM record derived from a
 * cluster-wide secret, so "no such user" and "wrong password" look alike from
 * outside, in the reply and in the time it takes).
 *
 * Backends: `sql` (passdb-sql.h: the accounts table through lib/store, SCRAM records);
 * later `ldap` (a bind checks a plaintext password and there is no SCRAM record, so
 * it offers no SCRAM mechanism: see sasl.h).
 */
#ifndef CAIRN_PASSDB_H
#define CAIRN_PASSDB_H

#include "auth/scram.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

/* Longest user name / password accepted (RFC 4616 fields are 255 octets). */
#define PASSDB_FIELD_MAX 255

struct passdb_backend {
	const char *name; /* "sql" */
	/*
	 * The SCRAM-SHA-256 record of login (normalised: "localpart@domain"): 1 found
	 * (*id_r, *rec_r), 0 unknown, disabled or without a password (all three alike),
	 * -1 temporary failure with *error_r.  NULL when the backend keeps no records.
	 */
	int (*lookup_scram)(void *ctx, const char *login, int64_t *id_r, struct scram_record *rec_r,
	                    const char **error_r);
	/*
	 * Check a plaintext password: 1 match (*id_r), 0 no match or unknown user, -1
	 * temporary failure.  NULL: passdb_verify_plain() checks the password against
	 * lookup_scram's record (with the fake record for unknown users).
	 */
	int (*verify_plain)(void *ctx, const char *login, const char *password, int64_t *id_r,
	                    const char **error_r);
	/* Release ctx (may be NULL). */
	void (*deinit)(void *ctx);
};

struct passdb_settings {
	const char *default_domain; /* appended to logins without '@' (NULL: none) */
	/* For scram_record_fake(): the cluster-wide secret (NULL: per process) and the
	 * iteration count shown for unknown users (match what real records use). */
	const unsigned char *fake_secret;
	size_t fake_secret_len;
	unsigned fake_iterations;
};

/* What a successful lookup or verification found. */
struct passdb_entry {
	int64_t account_id;
	const char *login; /* normalised login (from the caller's arena) */
};

struct passdb;

/*
 * A passdb on backend with context ctx (owned: backend->deinit frees it).  set is
 * copied; the strings and the secret it points to must outlive the passdb.
 */
struct passdb *passdb_new(const struct passdb_backend *backend, void *ctx,
                          const struct passdb_settings *set);
/* Free it (runs backend->deinit); *pdb = NULL.  Safe with NULL. */
void passdb_free(struct passdb **pdb);

/* The settings it was made with. */
const struct passdb_settings *passdb_settings(const struct passdb *pdb);

/* True when the backend has SCRAM records (so SCRAM-SHA-256 can be offered). */
bool passdb_has_scram(const struct passdb *pdb);

/*
 * The login to look up for user as typed: user itself when it has an '@' or no
 * default domain is configured, else "user@default_domain".  From arena.
 */
const char *passdb_login_name(const struct passdb *pdb, const char *user, struct arena *arena);

/*
 * Check user's plaintext password (LOGIN, PLAIN).  An unknown user costs the same
 * PBKDF2 run against a fake record.  Returns 1 (match; *entry_r set, login from
 * arena), 0 (no match, unknown user, disabled, empty or overlong fields) or -1
 * (temporary failure: *error_r).
 */
int passdb_verify_plain(struct passdb *pdb, const char *user, const char *password,
                        struct arena *arena, struct passdb_entry *entry_r, const char **error_r);

/*
 * The SCRAM record of user (as typed; normalised as by passdb_login_name).  Returns 1
 * (found: *rec_r, *entry_r), 0 (unknown, or the backend has no records: the caller
 * fakes one with passdb_fake_record) or -1 (temporary failure: *error_r).
 */
int passdb_lookup_scram(struct passdb *pdb, const char *user, struct arena *arena,
                        struct passdb_entry *entry_r, struct scram_record *rec_r,
                        const char **error_r);

/* The fake record of an unknown login (stable per login and secret). */
void passdb_fake_record(const struct passdb *pdb, const char *login, struct scram_record *rec_r);

#endif
