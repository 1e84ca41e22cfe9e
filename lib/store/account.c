/*
 * account.c - domains, accounts, credentials and groups (account.h).
 *
 * Names are validated and lower-cased here, before SQL, so that the schema's CHECKs
 * are a backstop and never the error a user sees.  "Exists" is detected with
 * INSERT ... ON CONFLICT DO NOTHING RETURNING, never by parsing SQLSTATEs.
 */
#include "account.h"

#include "mailbox.h"
#include "store-util.h"

#include "base/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const account_kind_names[] = {"user", "group", "public"};

int domain_name_normalize(const char *name, struct arena *arena, const char **name_r,
                          const char **error_r)
{
	size_t len = strlen(name), label = 0;
	if (len == 0 || len > ACCOUNT_DOMAIN_MAX)
		return store_fail(STORE_EINVAL, error_r,
		                  "invalid domain name: length must be 1..%d", ACCOUNT_DOMAIN_MAX);
	char *out = arena_strdup(arena, name);
	for (size_t i = 0; i < len; i++) {
		char c = out[i];
		if (c >= 'A' && c <= 'Z')
			out[i] = c = (char)(c - 'A' + 'a');
		if (c == '.') {
			if (label == 0 || out[i - 1] == '-')
				goto bad;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') ||
		    (c == '-' && label == 0) || ++label > 63)
			goto bad;
	}
	if (label == 0 || out[len - 1] == '-')
		goto bad;
	*name_r = out;
	return 0;
bad:
	return store_fail(STORE_EINVAL, error_r,
	                  "invalid domain name '%.300s' (letters, digits, '-' and '.' only)", name);
}

static int account_localpart_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("!%&'*+=?^_`{|}~.-", c);
}

int account_login_split(const char *login, int allow_group, struct arena *arena,
                        const char **localpart_r, const char **domain_r, const char **error_r)
{
	if (allow_group && login[0] == '$')
		login++;
	const char *at = strrchr(login, '@');
	size_t llen = at ? (size_t)(at - login) : 0;
	if (at == NULL || llen == 0 || llen > ACCOUNT_LOCALPART_MAX)
		return store_fail(STORE_EINVAL, error_r,
		                  "invalid login '%.300s': expected localpart@domain", login);
	char *local = arena_strndup(arena, login, llen);
	for (size_t i = 0; i < llen; i++) {
		if (local[i] >= 'A' && local[i] <= 'Z')
			local[i] = (char)(local[i] - 'A' + 'a');
		if (!account_localpart_char(local[i]) ||
		    (local[i] == '.' && (i == 0 || i == llen - 1)))
			return store_fail(STORE_EINVAL, error_r,
			                  "invalid localpart in '%.300s' (letters, digits, "
			                  "\".!%%&'*+=?^_`{|}~-\" only)",
			                  login);
	}
	*localpart_r = local;
	return domain_name_normalize(at + 1, arena, domain_r, error_r);
}

int domain_add(struct db *db, const char *name, int64_t *id_r, const char **error_r)
{
	struct arena *a = arena_new(0);
	const char *dom;
	int r = domain_name_normalize(name, a, &dom, error_r);
	if (r == 0) {
		const char *params[] = {dom};
		PGresult *res = db_exec(db,
		                        "INSERT INTO domains (name) VALUES ($1) "
		                        "ON CONFLICT (name) DO NOTHING RETURNING id",
		                        1, params, error_r);
		if (res == NULL)
			r = STORE_EDB;
		else if (PQntuples(res) == 0)
			r = store_fail(STORE_EEXISTS, error_r, "domain %s already exists", dom);
		else if (id_r)
			*id_r = store_get_i64(res, 0, 0);
		PQclear(res);
	}
	arena_free(&a);
	return r;
}

int domain_lookup(struct db *db, const char *name, int64_t *id_r, const char **error_r)
{
	struct arena *a = arena_new(0);
	const char *dom;
	int r = domain_name_normalize(name, a, &dom, error_r);
	if (r == 0) {
		const char *params[] = {dom};
		PGresult *res =
		        db_exec(db, "SELECT id FROM domains WHERE name = $1", 1, params, error_r);
		if (res == NULL)
			r = STORE_EDB;
		else if (PQntuples(res) == 0)
			r = store_fail(STORE_ENOTFOUND, error_r, "no such domain: %s", dom);
		else
			*id_r = store_get_i64(res, 0, 0);
		PQclear(res);
	}
	arena_free(&a);
	return r;
}

int domain_list(struct db *db, struct arena *arena, struct domain_info **list_r, size_t *n_r,
                const char **error_r)
{
	PGresult *res = db_exec(db,
	                        "SELECT d.id, d.name, (SELECT count(*) FROM accounts a "
	                        "WHERE a.domain_id = d.id AND a.kind = 'user') "
	                        "FROM domains d ORDER BY d.name",
	                        0, NULL, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res);
	struct domain_info *list = arena_zalloc(arena, sizeof(*list) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		list[i].id = store_get_i64(res, i, 0);
		list[i].name = arena_strdup(arena, PQgetvalue(res, i, 1));
		list[i].users = store_get_i64(res, i, 2);
	}
	PQclear(res);
	*list_r = list;
	*n_r = (size_t)n;
	return 0;
}

/* Inside a transaction: release every message of the domain's accounts, then drop it. */
static int domain_delete_locked(struct db *db, int64_t id, const char *dom, int force,
                                const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, id)};
	PGresult *res = db_exec(db, "SELECT id FROM accounts WHERE domain_id = $1 FOR UPDATE", 1,
	                        params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res), r = 0;
	/* The public-folder owner alone does not make a domain "in use". */
	PGresult *users = db_exec(db,
	                          "SELECT count(*) FROM accounts WHERE domain_id = $1 "
	                          "AND kind <> 'public'",
	                          1, params, error_r);
	if (users == NULL)
		r = STORE_EDB;
	else if (store_get_i64(users, 0, 0) > 0 && !force)
		r = store_fail(STORE_EREFUSED, error_r,
		               "domain %s still has %lld accounts (use --force to delete them too)",
		               dom, (long long)store_get_i64(users, 0, 0));
	PQclear(users);
	for (int i = 0; r == 0 && i < n; i++)
		r = mailbox_release_owner(db, store_get_i64(res, i, 0), error_r);
	PQclear(res);
	if (r == 0 && db_cmd(db,
	                     "DELETE FROM quota_roots WHERE id IN (SELECT quota_root_id FROM "
	                     "accounts WHERE domain_id = $1 UNION SELECT quota_root_id FROM "
	                     "domains WHERE id = $1)",
	                     1, params, error_r) < 0)
		r = STORE_EDB;
	if (r == 0 && db_cmd(db, "DELETE FROM domains WHERE id = $1", 1, params, error_r) < 0)
		r = STORE_EDB;
	return r;
}

int domain_delete(struct db *db, const char *name, int force, const char **error_r)
{
	struct arena *a = arena_new(0);
	const char *dom;
	int64_t id = 0;
	int r = domain_name_normalize(name, a, &dom, error_r);
	if (r == 0)
		r = store_begin(db, error_r);
	if (r == 0) {
		const char *params[] = {dom};
		PGresult *res = db_exec(db, "SELECT id FROM domains WHERE name = $1 FOR UPDATE", 1,
		                        params, error_r);
		if (res == NULL)
			r = STORE_EDB;
		else if (PQntuples(res) == 0)
			r = store_fail(STORE_ENOTFOUND, error_r, "no such domain: %s", dom);
		else
			id = store_get_i64(res, 0, 0);
		PQclear(res);
		if (r == 0)
			r = domain_delete_locked(db, id, dom, force, error_r);
		if (r == 0)
			r = store_commit(db, error_r);
		else
			store_rollback(db);
	}
	arena_free(&a);
	return r;
}

/* "$g@d" or "u@d" -> kind-checked localpart/domain pair (arena strings). */
static int account_parse(const char *login, enum account_kind kind, struct arena *a,
                         const char **local_r, const char **dom_r, const char **error_r)
{
	if (kind != ACCOUNT_GROUP && login[0] == '$')
		return store_fail(STORE_EINVAL, error_r,
		                  "'%.300s' is a group identifier, not a user login", login);
	return account_login_split(login, kind == ACCOUNT_GROUP, a, local_r, dom_r, error_r);
}

int account_add(struct db *db, const char *login, enum account_kind kind,
                const struct account_scram *scram, int64_t *id_r, const char **error_r)
{
	struct arena *a = arena_new(0);
	const char *local, *dom;
	char salt[70], stored[70], server[70], iter[24], domid[24];
	int64_t domain_id;
	int r = account_parse(login, kind, a, &local, &dom, error_r);
	if (r == 0)
		r = domain_lookup(db, dom, &domain_id, error_r);
	if (r == 0) {
		const char *params[] = {
		        store_i64(domid, domain_id),
		        local,
		        account_kind_names[kind],
		        scram ? store_bytea_param(salt, scram->salt, scram->salt_len) : NULL,
		        scram ? store_i64(iter, scram->iterations) : NULL,
		        scram ? store_bytea_param(stored, scram->stored_key, 32) : NULL,
		        scram ? store_bytea_param(server, scram->server_key, 32) : NULL,
		};
		PGresult *res =
		        db_exec(db,
		                "INSERT INTO accounts (domain_id, localpart, kind, scram_salt, "
		                "scram_iter, scram_stored, scram_server) VALUES ($1::bigint, "
		                "$2, $3, $4::bytea, $5::int, $6::bytea, $7::bytea) "
		                "ON CONFLICT (domain_id, localpart) DO NOTHING RETURNING id",
		                7, params, error_r);
		if (res == NULL)
			r = STORE_EDB;
		else if (PQntuples(res) == 0)
			r = store_fail(STORE_EEXISTS, error_r, "%s@%s already exists", local, dom);
		else if (id_r)
			*id_r = store_get_i64(res, 0, 0);
		PQclear(res);
	}
	arena_free(&a);
	return r;
}

#define ACCOUNT_COLUMNS                                                                            \
	"a.id, a.domain_id, a.localpart, d.name, a.kind, a.disabled, a.scram_stored IS NOT NULL, " \
	"(SELECT count(*) FROM mailboxes m WHERE m.owner_id = a.id AND m.deleted_at IS NULL), "    \
	"to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "

static void account_row(PGresult *res, int i, struct arena *arena, struct account_info *info)
{
	const char *kind = PQgetvalue(res, i, 4);
	info->id = store_get_i64(res, i, 0);
	info->domain_id = store_get_i64(res, i, 1);
	info->localpart = arena_strdup(arena, PQgetvalue(res, i, 2));
	info->domain = arena_strdup(arena, PQgetvalue(res, i, 3));
	info->kind = strcmp(kind, "group") == 0    ? ACCOUNT_GROUP
	             : strcmp(kind, "public") == 0 ? ACCOUNT_PUBLIC
	                                           : ACCOUNT_USER;
	info->login = arena_printf(arena, "%s%s@%s", info->kind == ACCOUNT_GROUP ? "$" : "",
	                           info->localpart, info->domain);
	info->disabled = PQgetvalue(res, i, 5)[0] == 't';
	info->has_password = PQgetvalue(res, i, 6)[0] == 't';
	info->mailboxes = store_get_i64(res, i, 7);
	info->created_at = arena_strdup(arena, PQgetvalue(res, i, 8));
}

int account_lookup(struct db *db, const char *login, struct arena *arena,
                   struct account_info *info_r, const char **error_r)
{
	const char *local, *dom;
	int group = login[0] == '$';
	int r = account_login_split(login, 1, arena, &local, &dom, error_r);
	if (r < 0)
		return r;
	const char *params[] = {local, dom, group ? "group" : "user"};
	PGresult *res = db_exec(db,
	                        "SELECT " ACCOUNT_COLUMNS "FROM accounts a JOIN domains d "
	                        "ON d.id = a.domain_id WHERE a.localpart = $1 AND d.name = $2 "
	                        "AND a.kind = $3",
	                        3, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	if (PQntuples(res) == 0)
		r = store_fail(STORE_ENOTFOUND, error_r, "no such %s: %s@%s",
		               group ? "group" : "user", local, dom);
	else
		account_row(res, 0, arena, info_r);
	PQclear(res);
	return r;
}

int account_list(struct db *db, const char *domain, enum account_kind kind, struct arena *arena,
                 struct account_info **list_r, size_t *n_r, const char **error_r)
{
	const char *dom = NULL;
	int64_t id;
	int r;
	if (domain && (r = domain_lookup(db, domain, &id, error_r)) < 0)
		return r;
	if (domain && (r = domain_name_normalize(domain, arena, &dom, error_r)) < 0)
		return r;
	const char *params[] = {dom, account_kind_names[kind]};
	PGresult *res = db_exec(db,
	                        "SELECT " ACCOUNT_COLUMNS "FROM accounts a JOIN domains d "
	                        "ON d.id = a.domain_id WHERE ($1::text IS NULL OR d.name = $1) "
	                        "AND a.kind = $2 ORDER BY d.name, a.localpart",
	                        2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res);
	struct account_info *list = arena_zalloc(arena, sizeof(*list) * (size_t)(n + 1));
	for (int i = 0; i < n; i++)
		account_row(res, i, arena, &list[i]);
	PQclear(res);
	*list_r = list;
	*n_r = (size_t)n;
	return 0;
}

/* Inside a transaction: release messages, drop ACL entries naming the account, delete. */
static int account_delete_locked(struct db *db, const struct account_info *info,
                                 const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, info->id), info->login};
	int r = mailbox_release_owner(db, info->id, error_r);
	if (r == 0 &&
	    (db_cmd(db, "DELETE FROM acl WHERE identifier = $1 OR identifier = '-' || $1", 1,
	            params + 1, error_r) < 0 ||
	     db_cmd(db,
	            "DELETE FROM quota_roots WHERE id = (SELECT quota_root_id FROM accounts "
	            "WHERE id = $1::bigint)",
	            1, params, error_r) < 0 ||
	     db_cmd(db, "DELETE FROM accounts WHERE id = $1::bigint", 1, params, error_r) < 0))
		r = STORE_EDB;
	return r;
}

int account_delete(struct db *db, const char *login, const char **error_r)
{
	struct arena *a = arena_new(0);
	struct account_info info;
	int r = store_begin(db, error_r);
	if (r == 0) {
		r = account_lookup(db, login, a, &info, error_r);
		if (r == 0)
			r = account_delete_locked(db, &info, error_r);
		if (r == 0)
			r = store_commit(db, error_r);
		else
			store_rollback(db);
	}
	arena_free(&a);
	return r;
}

int account_set_scram(struct db *db, int64_t account_id, const struct account_scram *scram,
                      const char **error_r)
{
	char idbuf[24], salt[70], stored[70], server[70], iter[24];
	const char *params[] = {
	        store_i64(idbuf, account_id),
	        store_bytea_param(salt, scram->salt, scram->salt_len),
	        store_i64(iter, scram->iterations),
	        store_bytea_param(stored, scram->stored_key, 32),
	        store_bytea_param(server, scram->server_key, 32),
	};
	PGresult *res = db_exec(db,
	                        "UPDATE accounts SET scram_salt = $2::bytea, scram_iter = $3::int, "
	                        "scram_stored = $4::bytea, scram_server = $5::bytea "
	                        "WHERE id = $1::bigint AND kind = 'user' RETURNING id",
	                        5, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int r = PQntuples(res) == 1 ? 0 : store_fail(STORE_ENOTFOUND, error_r, "no such user");
	PQclear(res);
	return r;
}

static int account_scram_row(PGresult *res, struct account_scram *scram, const char **error_r)
{
	size_t len;
	memset(scram, 0, sizeof(*scram));
	scram->iterations = (unsigned)store_get_i64(res, 0, 2);
	if (store_hex_decode(PQgetvalue(res, 0, 1), scram->salt, sizeof(scram->salt),
	                     &scram->salt_len) < 0 ||
	    store_hex_decode(PQgetvalue(res, 0, 3), scram->stored_key, 32, &len) < 0 || len != 32 ||
	    store_hex_decode(PQgetvalue(res, 0, 4), scram->server_key, 32, &len) < 0 || len != 32)
		return store_fail(STORE_EDB, error_r, "malformed SCRAM record in the database");
	return 0;
}

int account_get_scram(struct db *db, const char *login, int64_t *id_r,
                      struct account_scram *scram_r, const char **error_r)
{
	struct arena *a = arena_new(0);
	const char *local, *dom;
	int r = account_login_split(login, 0, a, &local, &dom, error_r);
	if (r == 0) {
		const char *params[] = {local, dom};
		PGresult *res =
		        db_exec(db,
		                "SELECT a.id, encode(a.scram_salt, 'hex'), a.scram_iter, "
		                "encode(a.scram_stored, 'hex'), encode(a.scram_server, 'hex') "
		                "FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE "
		                "a.localpart = $1 "
		                "AND d.name = $2 AND a.kind = 'user' AND NOT a.disabled "
		                "AND a.scram_stored IS NOT NULL",
		                2, params, error_r);
		if (res == NULL)
			r = STORE_EDB;
		else if (PQntuples(res) == 0)
			r = store_fail(STORE_ENOTFOUND, error_r, "no such user or no password");
		else if ((r = account_scram_row(res, scram_r, error_r)) == 0)
			*id_r = store_get_i64(res, 0, 0);
		PQclear(res);
	}
	arena_free(&a);
	return r;
}

int account_public_owner(struct db *db, const char *domain, int64_t *id_r, const char **error_r)
{
	int64_t domain_id;
	char domid[24];
	int r = domain_lookup(db, domain, &domain_id, error_r);
	if (r < 0)
		return r;
	const char *params[] = {store_i64(domid, domain_id), ACCOUNT_PUBLIC_LOCALPART};
	/* The no-op update makes RETURNING produce the row when it already exists. */
	PGresult *res =
	        db_exec(db,
	                "INSERT INTO accounts (domain_id, localpart, kind) "
	                "VALUES ($1::bigint, $2, 'public') ON CONFLICT (domain_id, localpart) "
	                "DO UPDATE SET kind = accounts.kind RETURNING id",
	                2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	*id_r = store_get_i64(res, 0, 0);
	PQclear(res);
	return 0;
}

/* Resolve a group and a member login to account ids. */
static int group_pair(struct db *db, const char *group, const char *member, struct arena *a,
                      int64_t *gid_r, int64_t *mid_r, const char **error_r)
{
	struct account_info g = {0}, m = {0};
	const char *gname = group[0] == '$' ? group : arena_printf(a, "$%s", group);
	int r = account_lookup(db, gname, a, &g, error_r);
	if (r == 0)
		r = account_lookup(db, member, a, &m, error_r);
	*gid_r = g.id;
	*mid_r = m.id;
	return r;
}

static int group_member_change(struct db *db, const char *group, const char *member,
                               const char *sql, const char **error_r)
{
	struct arena *a = arena_new(0);
	int64_t gid = 0, mid = 0;
	char gbuf[24], mbuf[24];
	int r = group_pair(db, group, member, a, &gid, &mid, error_r);
	if (r == 0) {
		const char *params[] = {store_i64(gbuf, gid), store_i64(mbuf, mid)};
		PGresult *res = db_exec(db, sql, 2, params, error_r);
		if (res == NULL)
			r = STORE_EDB;
		else if (PQntuples(res) == 0)
			r = store_fail(
			        strncmp(sql, "INSERT", 6) == 0 ? STORE_EEXISTS : STORE_ENOTFOUND,
			        error_r, "%s %s a member of %s", member,
			        strncmp(sql, "INSERT", 6) == 0 ? "is already" : "is not", group);
		PQclear(res);
	}
	arena_free(&a);
	return r;
}

int group_member_add(struct db *db, const char *group, const char *member, const char **error_r)
{
	return group_member_change(db, group, member,
	                           "INSERT INTO group_members (group_id, account_id) "
	                           "VALUES ($1::bigint, $2::bigint) ON CONFLICT DO NOTHING "
	                           "RETURNING group_id",
	                           error_r);
}

int group_member_del(struct db *db, const char *group, const char *member, const char **error_r)
{
	return group_member_change(db, group, member,
	                           "DELETE FROM group_members WHERE group_id = $1::bigint "
	                           "AND account_id = $2::bigint RETURNING group_id",
	                           error_r);
}

int group_members(struct db *db, const char *group, struct arena *arena, const char ***logins_r,
                  size_t *n_r, const char **error_r)
{
	struct account_info g;
	const char *gname = group[0] == '$' ? group : arena_printf(arena, "$%s", group);
	int r = account_lookup(db, gname, arena, &g, error_r);
	if (r < 0)
		return r;
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, g.id)};
	PGresult *res = db_exec(db,
	                        "SELECT a.localpart || '@' || d.name FROM group_members gm "
	                        "JOIN accounts a ON a.id = gm.account_id JOIN domains d "
	                        "ON d.id = a.domain_id WHERE gm.group_id = $1::bigint ORDER BY 1",
	                        1, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res);
	const char **list = arena_zalloc(arena, sizeof(*list) * (size_t)(n + 1));
	for (int i = 0; i < n; i++)
		list[i] = arena_strdup(arena, PQgetvalue(res, i, 0));
	PQclear(res);
	*logins_r = list;
	*n_r = (size_t)n;
	return 0;
}
