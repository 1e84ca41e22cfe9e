/*
 * passdb.c - the backend-independent half of passdb.h: login normalisation, the fake
 * record for unknown users, and plaintext verification against a SCRAM record for
 * backends that keep records (passdb_new/free, passdb_verify_plain,
 * passdb_lookup_scram, passdb_fake_record, passdb_login_name).
 */
#include "auth/passdb.h"

#include "base/arena.h"
#include "base/xalloc.h"

#include <string.h>

struct passdb {
	const struct passdb_backend *backend;
	void *ctx;
	struct passdb_settings set;
};

struct passdb *passdb_new(const struct passdb_backend *backend, void *ctx,
                          const struct passdb_settings *set)
{
	struct passdb *pdb = xcalloc(1, sizeof(*pdb));
	pdb->backend = backend;
	pdb->ctx = ctx;
	pdb->set = *set;
	return pdb;
}

void passdb_free(struct passdb **pdbp)
{
	struct passdb *pdb = *pdbp;
	if (pdb == NULL)
		return;
	if (pdb->backend->deinit != NULL)
		pdb->backend->deinit(pdb->ctx);
	xfree((void **)pdbp);
}

const struct passdb_settings *passdb_settings(const struct passdb *pdb)
{
	return &pdb->set;
}

bool passdb_has_scram(const struct passdb *pdb)
{
	return pdb->backend->lookup_scram != NULL;
}

const char *passdb_login_name(const struct passdb *pdb, const char *user, struct arena *arena)
{
	if (strchr(user, '@') != NULL || pdb->set.default_domain == NULL)
		return arena_strdup(arena, user);
	return arena_printf(arena, "%s@%s", user, pdb->set.default_domain);
}

void passdb_fake_record(const struct passdb *pdb, const char *login, struct scram_record *rec_r)
{
	scram_record_fake(pdb->set.fake_secret, pdb->set.fake_secret_len, login,
	                  pdb->set.fake_iterations, rec_r);
}

int passdb_lookup_scram(struct passdb *pdb, const char *user, struct arena *arena,
                        struct passdb_entry *entry_r, struct scram_record *rec_r,
                        const char **error_r)
{
	entry_r->account_id = 0;
	entry_r->login = passdb_login_name(pdb, user, arena);
	if (pdb->backend->lookup_scram == NULL)
		return 0;
	return pdb->backend->lookup_scram(pdb->ctx, entry_r->login, &entry_r->account_id, rec_r,
	                                  error_r);
}

int passdb_verify_plain(struct passdb *pdb, const char *user, const char *password,
                        struct arena *arena, struct passdb_entry *entry_r, const char **error_r)
{
	if (pdb->backend->verify_plain != NULL) {
		entry_r->login = passdb_login_name(pdb, user, arena);
		return pdb->backend->verify_plain(pdb->ctx, entry_r->login, password,
		                                  &entry_r->account_id, error_r);
	}
	struct scram_record rec;
	int found = passdb_lookup_scram(pdb, user, arena, entry_r, &rec, error_r);
	if (found < 0)
		return -1;
	if (found == 0) /* the same PBKDF2 cost as a real user */
		passdb_fake_record(pdb, entry_r->login, &rec);
	int ok = scram_verify_plain(&rec, password);
	explicit_bzero(&rec, sizeof(rec));
	return found && ok ? 1 : 0;
}
