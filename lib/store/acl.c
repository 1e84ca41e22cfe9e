/*
 * acl.c - RFC 4314 rights: parsing and formatting rights strings and identifiers,
 * the rights computation, and the acl table (acl.h).
 *
 * The pure functions come first so that unit tests can exercise them without a
 * database; the stored form of an entry is (mailbox_id, "[-]identifier", letters).
 */
#include "acl.h"

#include "account.h"
#include "store-util.h"

#include "base/arena.h"

#include <string.h>

int acl_rights_parse(const char *s, unsigned *rights_r, const char **error_r)
{
	unsigned rights = 0;
	for (const char *p = s; *p; p++) {
		const char *hit = strchr(ACL_RIGHTS_LETTERS, *p);
		if (hit != NULL)
			rights |= 1u << (hit - ACL_RIGHTS_LETTERS);
		else if (*p == 'c') /* RFC 2086 "create" */
			rights |= ACL_CREATE;
		else if (*p == 'd') /* RFC 2086 "delete" */
			rights |= ACL_DELETE_MBOX | ACL_DELETE_MSG | ACL_EXPUNGE;
		else if ((unsigned char)*p >= 0x21 && (unsigned char)*p < 0x7f)
			return store_fail(
			        STORE_EINVAL, error_r,
			        "malformed rights '%.40s': unknown right '%c' (valid: %s)", s, *p,
			        ACL_RIGHTS_LETTERS);
		else
			return store_fail(STORE_EINVAL, error_r,
			                  "malformed rights: unexpected byte 0x%02x",
			                  (unsigned char)*p);
	}
	*rights_r = rights;
	return 0;
}

int acl_modify_parse(const char *s, enum acl_modify *mod_r, unsigned *rights_r,
                     const char **error_r)
{
	*mod_r = s[0] == '+' ? ACL_MOD_ADD : s[0] == '-' ? ACL_MOD_REMOVE : ACL_MOD_REPLACE;
	return acl_rights_parse(s + (*mod_r != ACL_MOD_REPLACE), rights_r, error_r);
}

unsigned acl_modify_apply(unsigned current, enum acl_modify mod, unsigned rights)
{
	switch (mod) {
	case ACL_MOD_ADD:
		return current | rights;
	case ACL_MOD_REMOVE:
		return current & ~rights;
	case ACL_MOD_REPLACE:
		break;
	}
	return rights;
}

void acl_rights_format(unsigned rights, int obsolete, char *out)
{
	char *p = out;
	for (int i = 0; ACL_RIGHTS_LETTERS[i]; i++)
		if (rights & (1u << i))
			*p++ = ACL_RIGHTS_LETTERS[i];
	if (obsolete && (rights & ACL_CREATE))
		*p++ = 'c';
	if (obsolete && (rights & (ACL_DELETE_MBOX | ACL_DELETE_MSG | ACL_EXPUNGE)))
		*p++ = 'd';
	*p = '\0';
}

int acl_identifier_parse(const char *s, struct arena *arena, const char **identifier_r,
                         int *negative_r, const char **error_r)
{
	const char *local, *dom;
	*negative_r = s[0] == '-';
	s += *negative_r;
	if (strlen(s) > ACL_IDENTIFIER_MAX)
		return store_fail(STORE_EINVAL, error_r, "identifier too long");
	if (strcmp(s, "anyone") == 0 || strcmp(s, "anonymous") == 0) {
		*identifier_r = arena_strdup(arena, s);
		return 0;
	}
	if (account_login_split(s, 1, arena, &local, &dom, error_r) < 0)
		return store_fail(
		        STORE_EINVAL, error_r,
		        "malformed identifier '%.200s' (anyone, anonymous, user@domain or "
		        "$group@domain)",
		        s);
	*identifier_r = arena_printf(arena, "%s%s@%s", s[0] == '$' ? "$" : "", local, dom);
	return 0;
}

static int acl_subject_matches(const struct acl_entry *e, const struct acl_subject *s)
{
	if (strcmp(e->identifier, "anyone") == 0)
		return 1;
	if (s->login == NULL)
		return strcmp(e->identifier, "anonymous") == 0;
	if (strcmp(e->identifier, s->login) == 0)
		return 1;
	for (size_t i = 0; e->identifier[0] == '$' && i < s->n_groups; i++)
		if (strcmp(e->identifier, s->groups[i]) == 0)
			return 1;
	return 0;
}

unsigned acl_rights_compute(const struct acl_entry *entries, size_t n,
                            const struct acl_subject *subject)
{
	unsigned pos = 0, neg = 0;
	int owner_named = 0;
	if (!subject->is_owner && !subject->same_domain)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct acl_entry *e = &entries[i];
		if (!acl_subject_matches(e, subject))
			continue;
		if (e->negative)
			neg |= e->rights;
		else
			pos |= e->rights;
		if (subject->is_owner && !e->negative && subject->login &&
		    strcmp(e->identifier, subject->login) == 0)
			owner_named = 1;
	}
	if (subject->is_owner && !owner_named)
		pos = ACL_ALL;
	unsigned rights = pos & ~neg;
	if (subject->is_owner)
		rights |= ACL_LOOKUP | ACL_ADMIN;
	return rights;
}

/* ---- the acl table ---- */

static void acl_entry_row(PGresult *res, int i, struct arena *arena, struct acl_entry *e)
{
	const char *id = PQgetvalue(res, i, 0);
	const char *ignored;
	e->negative = id[0] == '-';
	e->identifier = arena_strdup(arena, id + e->negative);
	if (acl_rights_parse(PQgetvalue(res, i, 1), &e->rights, &ignored) < 0)
		e->rights = 0; /* the CHECK lets digits in; we grant nothing we do not know */
}

int acl_get(struct db *db, int64_t mailbox_id, struct arena *arena, struct acl_entry **list_r,
            size_t *n_r, const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, mailbox_id)};
	PGresult *res =
	        db_exec(db,
	                "SELECT identifier, rights FROM acl WHERE mailbox_id = $1::bigint "
	                "ORDER BY identifier LIKE '-%', ltrim(identifier, '-') COLLATE \"C\"",
	                1, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res);
	struct acl_entry *list = arena_zalloc(arena, sizeof(*list) * (size_t)(n + 1));
	for (int i = 0; i < n; i++)
		acl_entry_row(res, i, arena, &list[i]);
	PQclear(res);
	*list_r = list;
	*n_r = (size_t)n;
	return 0;
}

/* An identifier naming a user or group must exist in the mailbox owner's domain. */
static int acl_identifier_check(struct db *db, int64_t owner_id, const char *identifier,
                                struct arena *arena, const char **error_r)
{
	struct account_info who;
	if (strcmp(identifier, "anyone") == 0 || strcmp(identifier, "anonymous") == 0)
		return 0;
	int r = account_lookup(db, identifier, arena, &who, error_r);
	if (r < 0)
		return r;
	char idbuf[24], dombuf[24];
	const char *params[] = {store_i64(idbuf, owner_id), store_i64(dombuf, who.domain_id)};
	PGresult *res = db_exec(db,
	                        "SELECT 1 FROM accounts WHERE id = $1::bigint AND domain_id = "
	                        "$2::bigint",
	                        2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	r = PQntuples(res) == 1 ? 0
	                        : store_fail(STORE_EINVAL, error_r,
	                                     "%s is not in the mailbox owner's domain", identifier);
	PQclear(res);
	return r;
}

/* Inside a transaction: read-modify-write one entry under its row lock. */
static int acl_set_locked(struct db *db, const char *const *params, enum acl_modify mod,
                          unsigned rights, unsigned *rights_r, const char **error_r)
{
	PGresult *res = db_exec(db,
	                        "SELECT rights FROM acl WHERE mailbox_id = $1::bigint "
	                        "AND identifier = $2 FOR UPDATE",
	                        2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	unsigned current = 0;
	const char *ignored;
	if (PQntuples(res) == 1 && acl_rights_parse(PQgetvalue(res, 0, 0), &current, &ignored) < 0)
		current = 0;
	PQclear(res);
	unsigned next = acl_modify_apply(current, mod, rights);
	char letters[ACL_RIGHTS_MAX];
	acl_rights_format(next, 0, letters);
	const char *p[] = {params[0], params[1], letters};
	int r = next == 0 ? db_cmd(db,
	                           "DELETE FROM acl WHERE mailbox_id = $1::bigint AND identifier = "
	                           "$2",
	                           2, p, error_r)
	                  : db_cmd(db,
	                           "INSERT INTO acl (mailbox_id, identifier, rights) VALUES "
	                           "($1::bigint, $2, $3) ON CONFLICT (mailbox_id, identifier) "
	                           "DO UPDATE SET rights = EXCLUDED.rights",
	                           3, p, error_r);
	if (rights_r)
		*rights_r = next;
	return r < 0 ? STORE_EDB : 0;
}

int acl_set(struct db *db, int64_t mailbox_id, int64_t owner_id, const char *identifier,
            const char *modification, unsigned *rights_r, const char **error_r)
{
	struct arena *a = arena_new(0);
	const char *id;
	int negative;
	enum acl_modify mod;
	unsigned rights;
	int r = acl_identifier_parse(identifier, a, &id, &negative, error_r);
	if (r == 0)
		r = acl_modify_parse(modification, &mod, &rights, error_r);
	if (r == 0)
		r = acl_identifier_check(db, owner_id, id, a, error_r);
	if (r == 0 && (r = store_begin(db, error_r)) == 0) {
		char idbuf[24];
		const char *params[] = {store_i64(idbuf, mailbox_id),
		                        negative ? arena_printf(a, "-%s", id) : id};
		r = acl_set_locked(db, params, mod, rights, rights_r, error_r);
		if (r == 0)
			r = store_commit(db, error_r);
		else
			store_rollback(db);
	}
	arena_free(&a);
	return r;
}

int acl_delete(struct db *db, int64_t mailbox_id, const char *identifier, const char **error_r)
{
	struct arena *a = arena_new(0);
	const char *id;
	int negative;
	int r = acl_identifier_parse(identifier, a, &id, &negative, error_r);
	if (r == 0) {
		char idbuf[24];
		const char *params[] = {store_i64(idbuf, mailbox_id),
		                        negative ? arena_printf(a, "-%s", id) : id};
		PGresult *res = db_exec(db,
		                        "DELETE FROM acl WHERE mailbox_id = $1::bigint AND "
		                        "identifier = $2 RETURNING 1",
		                        2, params, error_r);
		if (res == NULL)
			r = STORE_EDB;
		else if (PQntuples(res) == 0)
			r = store_fail(STORE_ENOTFOUND, error_r, "no ACL entry for %s", identifier);
		PQclear(res);
	}
	arena_free(&a);
	return r;
}

/* Split the space-separated group list (logins never contain blanks) into an array. */
static const char *const *acl_groups_split(const char *list, struct arena *arena, size_t *n_r)
{
	size_t n = 0, cap = 1;
	for (const char *p = list; *p; p++)
		cap += *p == ' ';
	const char **groups = arena_zalloc(arena, sizeof(*groups) * cap);
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		groups[n++] = arena_strndup(arena, p, len);
		p += len + (end != NULL);
	}
	*n_r = n;
	return groups;
}

int acl_rights_for(struct db *db, int64_t account_id, int64_t mailbox_id, unsigned *rights_r,
                   const char **error_r)
{
	char mbuf[24], abuf[24];
	const char *params[] = {store_i64(mbuf, mailbox_id), store_i64(abuf, account_id)};
	*rights_r = 0;
	/* Who is asking, relative to the owner, and its groups, in one round trip. */
	PGresult *who = db_exec(
	        db,
	        "SELECT s.localpart || '@' || sd.name, m.owner_id = s.id, o.domain_id = "
	        "s.domain_id, "
	        "coalesce((SELECT string_agg('$' || g.localpart || '@' || gd.name, ' ') FROM "
	        "group_members "
	        "gm JOIN accounts g ON g.id = gm.group_id JOIN domains gd ON gd.id = g.domain_id "
	        "WHERE gm.account_id = s.id), '') FROM mailboxes m JOIN accounts o ON o.id = "
	        "m.owner_id, accounts s JOIN domains sd ON sd.id = s.domain_id WHERE m.id = "
	        "$1::bigint "
	        "AND m.deleted_at IS NULL AND s.id = $2::bigint",
	        2, params, error_r);
	if (who == NULL)
		return STORE_EDB;
	int r = 0;
	if (PQntuples(who) == 1 &&
	    (PQgetvalue(who, 0, 1)[0] == 't' || PQgetvalue(who, 0, 2)[0] == 't')) {
		struct arena *a = arena_new(0);
		struct acl_entry *entries;
		size_t n;
		struct acl_subject subject = {
		        .login = PQgetvalue(who, 0, 0),
		        .is_owner = PQgetvalue(who, 0, 1)[0] == 't',
		        .same_domain = PQgetvalue(who, 0, 2)[0] == 't',
		};
		subject.groups = acl_groups_split(PQgetvalue(who, 0, 3), a, &subject.n_groups);
		r = acl_get(db, mailbox_id, a, &entries, &n, error_r);
		if (r == 0)
			*rights_r = acl_rights_compute(entries, n, &subject);
		arena_free(&a);
	}
	PQclear(who);
	return r;
}
