/*
 * mailbox.c - mailbox create / lookup / list / rename / delete (mailbox.h).
 *
 * Every change runs in one transaction that locks the rows it touches, so two
 * administrators (or an administrator and an IMAP client) renaming the same tree
 * serialise instead of interleaving.  UIDs and MODSEQs are taken from the mailbox
 * row, as everywhere in cairn (DESIGN 3).
 */
#include "mailbox.h"

#include "quota.h"
#include "store-util.h"

#include "base/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const mailbox_special_uses[] = {"\\All",  "\\Archive", "\\Drafts", "\\Flagged",
                                                   "\\Junk", "\\Sent",    "\\Trash",  NULL};

int mailbox_special_use_valid(const char *s)
{
	for (int i = 0; mailbox_special_uses[i]; i++)
		if (strcmp(s, mailbox_special_uses[i]) == 0)
			return 1;
	return 0;
}

/* Length of the UTF-8 sequence at p (1..4), or 0 when it is malformed. */
static size_t mailbox_utf8_len(const unsigned char *p)
{
	unsigned c = p[0], cp;
	size_t n;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

static int mailbox_name_chars_ok(const char *name, const char **why_r)
{
	const unsigned char *p = (const unsigned char *)name;
	int depth = 1;
	if (*p == '/' || *p == '\0') {
		*why_r = "empty level";
		return 0;
	}
	while (*p) {
		size_t n = mailbox_utf8_len(p);
		if (n == 0) {
			*why_r = "not valid UTF-8";
			return 0;
		}
		if (*p < 0x20 || *p == 0x7f || *p == '*' || *p == '%') {
			*why_r = "control character or wildcard";
			return 0;
		}
		if (*p == '/' && (p[1] == '/' || p[1] == '\0')) {
			*why_r = "empty level";
			return 0;
		}
		if (*p == '/' && ++depth > MAILBOX_DEPTH_MAX) {
			*why_r = "too deep";
			return 0;
		}
		p += n;
	}
	return 1;
}

int mailbox_name_normalize(const char *name, struct arena *arena, const char **name_r,
                           const char **error_r)
{
	const char *why;
	size_t len = strlen(name);
	if (len > MAILBOX_NAME_MAX)
		return store_fail(STORE_EINVAL, error_r, "mailbox name longer than %d bytes",
		                  MAILBOX_NAME_MAX);
	if (!mailbox_name_chars_ok(name, &why))
		return store_fail(STORE_EINVAL, error_r, "invalid mailbox name '%.200s': %s", name,
		                  why);
	char *out = arena_strdup(arena, name);
	/* INBOX is case-insensitive (RFC 3501 5.1), and so is it as a parent. */
	if (strncasecmp(out, "INBOX", 5) == 0 && (out[5] == '\0' || out[5] == '/'))
		memcpy(out, "INBOX", 5);
	*name_r = out;
	return 0;
}

int mailbox_create(struct db *db, int64_t owner_id, const char *name, const char *special_use,
                   int64_t *id_r, const char **error_r)
{
	if (special_use && !mailbox_special_use_valid(special_use))
		return store_fail(STORE_EINVAL, error_r, "unknown special-use attribute '%.100s'",
		                  special_use);
	struct arena *a = arena_new(0);
	const char *norm;
	char idbuf[24];
	int r = mailbox_name_normalize(name, a, &norm, error_r);
	if (r == 0) {
		const char *params[] = {store_i64(idbuf, owner_id), norm, special_use};
		PGresult *res =
		        db_exec(db,
		                "INSERT INTO mailboxes (owner_id, name, special_use, uidvalidity) "
		                "SELECT $1::bigint, $2, $3, LEAST(4294967295, GREATEST("
		                "extract(epoch FROM clock_timestamp())::bigint, "
		                "(SELECT coalesce(max(uidvalidity), 0) + 1 FROM mailboxes "
		                "WHERE owner_id = $1::bigint))) "
		                "ON CONFLICT (owner_id, name) WHERE deleted_at IS NULL DO NOTHING "
		                "RETURNING id",
		                3, params, error_r);
		if (res == NULL)
			r = STORE_EDB;
		else if (PQntuples(res) == 0)
			r = store_fail(STORE_EEXISTS, error_r, "mailbox %s already exists", norm);
		else if (id_r)
			*id_r = store_get_i64(res, 0, 0);
		PQclear(res);
	}
	arena_free(&a);
	return r;
}

#define MAILBOX_COLUMNS                                                                            \
	"id, owner_id, name, uidvalidity, uidnext, highestmodseq, messages, unseen, size, "        \
	"special_use, deleted_msgs "

static void mailbox_row(PGresult *res, int i, struct arena *arena, struct mailbox_info *info)
{
	int64_t uidnext = store_get_i64(res, i, 4);
	info->id = store_get_i64(res, i, 0);
	info->owner_id = store_get_i64(res, i, 1);
	info->name = arena_strdup(arena, PQgetvalue(res, i, 2));
	info->uidvalidity = (uint32_t)store_get_i64(res, i, 3);
	info->uidnext = uidnext > 4294967295LL ? 0 : (uint32_t)uidnext;
	info->highestmodseq = (uint64_t)store_get_i64(res, i, 5);
	info->messages = store_get_i64(res, i, 6);
	info->unseen = store_get_i64(res, i, 7);
	info->size = store_get_i64(res, i, 8);
	info->special_use =
	        PQgetisnull(res, i, 9) ? NULL : arena_strdup(arena, PQgetvalue(res, i, 9));
	info->deleted = store_get_i64(res, i, 10);
}

/* Look up an already normalised name; lock adds FOR UPDATE. */
static int mailbox_get(struct db *db, int64_t owner_id, const char *norm, int lock,
                       struct arena *arena, struct mailbox_info *info_r, const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, owner_id), norm};
	PGresult *res = db_exec(db,
	                        lock ? "SELECT " MAILBOX_COLUMNS "FROM mailboxes WHERE owner_id = "
	                               "$1::bigint AND name = $2 AND deleted_at IS NULL FOR UPDATE"
	                             : "SELECT " MAILBOX_COLUMNS "FROM mailboxes WHERE owner_id = "
	                               "$1::bigint AND name = $2 AND deleted_at IS NULL",
	                        2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int r = 0;
	if (PQntuples(res) == 0)
		r = store_fail(STORE_ENOTFOUND, error_r, "no such mailbox: %s", norm);
	else
		mailbox_row(res, 0, arena, info_r);
	PQclear(res);
	return r;
}

int mailbox_lookup(struct db *db, int64_t owner_id, const char *name, struct arena *arena,
                   struct mailbox_info *info_r, const char **error_r)
{
	const char *norm;
	int r = mailbox_name_normalize(name, arena, &norm, error_r);
	return r < 0 ? r : mailbox_get(db, owner_id, norm, 0, arena, info_r, error_r);
}

int mailbox_list(struct db *db, int64_t owner_id, struct arena *arena, struct mailbox_info **list_r,
                 size_t *n_r, const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, owner_id)};
	PGresult *res = db_exec(db,
	                        "SELECT " MAILBOX_COLUMNS "FROM mailboxes WHERE owner_id = "
	                        "$1::bigint AND deleted_at IS NULL "
	                        "ORDER BY name <> 'INBOX', name COLLATE \"C\"",
	                        1, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res);
	struct mailbox_info *list = arena_zalloc(arena, sizeof(*list) * (size_t)(n + 1));
	for (int i = 0; i < n; i++)
		mailbox_row(res, i, arena, &list[i]);
	PQclear(res);
	*list_r = list;
	*n_r = (size_t)n;
	return 0;
}

/* ---- releasing messages (delete) ---- */

#define MAILBOX_SCOPE_ONE "mm.mailbox_id = $1::bigint"
#define MAILBOX_SCOPE_OWNER                                                                        \
	"mm.mailbox_id IN (SELECT id FROM mailboxes WHERE owner_id = $1::bigint)"

/*
 * blobs.refcount counts mailbox_messages rows referencing the blob's message (as
 * delivery increments it).  Locks are taken in delivery's order -- mailboxes by id,
 * quota roots by id (quota_charge), then blob rows by sha256 -- so that a delete
 * cannot deadlock with a delivery.  GREATEST keeps a drifted count from violating
 * the CHECK: `cairnctl verify --repair` recounts.
 */
#define MAILBOX_RELEASE_SQL(scope)                                                                 \
	"SELECT coalesce(sum(m.size), 0), count(*) FROM mailbox_messages mm "                      \
	"JOIN messages m ON m.id = mm.message_id WHERE " scope,                                    \
	        "SELECT b.sha256 FROM blobs b WHERE b.sha256 IN (SELECT m.sha256 FROM "            \
	        "mailbox_messages mm JOIN messages m ON m.id = mm.message_id WHERE " scope         \
	        ") ORDER BY b.sha256 FOR UPDATE",                                                  \
	        "UPDATE blobs b SET refcount = GREATEST(b.refcount - x.n, 0), last_ref_at = "      \
	        "now() "                                                                           \
	        "FROM (SELECT m.sha256, count(*) AS n FROM mailbox_messages mm JOIN messages m "   \
	        "ON m.id = mm.message_id WHERE " scope " GROUP BY m.sha256) x "                    \
	        "WHERE b.sha256 = x.sha256",                                                       \
	        "DELETE FROM mailbox_messages mm WHERE " scope

static const char *const mailbox_release_one[] = {MAILBOX_RELEASE_SQL(MAILBOX_SCOPE_ONE)};
static const char *const mailbox_release_all[] = {MAILBOX_RELEASE_SQL(MAILBOX_SCOPE_OWNER)};

/*
 * Release the messages selected by sql[] (id = mailbox or owner), charging account.
 * lock_sql (may be NULL when the caller holds them) locks the mailboxes concerned.
 */
static int mailbox_release(struct db *db, const char *const *sql, const char *lock_sql, int64_t id,
                           int64_t account, const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, id)};
	if (lock_sql && db_cmd(db, lock_sql, 1, params, error_r) < 0)
		return STORE_EDB;
	PGresult *res = db_exec(db, sql[0], 1, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int64_t bytes = store_get_i64(res, 0, 0), count = store_get_i64(res, 0, 1);
	PQclear(res);
	if (count == 0)
		return 0;
	if (quota_charge(db, account, -bytes, -count, error_r) < 0 ||
	    db_cmd(db, sql[1], 1, params, error_r) < 0 ||
	    db_cmd(db, sql[2], 1, params, error_r) < 0 ||
	    db_cmd(db, sql[3], 1, params, error_r) < 0)
		return STORE_EDB;
	return 0;
}

int mailbox_release_owner(struct db *db, int64_t owner_id, const char **error_r)
{
	return mailbox_release(db, mailbox_release_all,
	                       "SELECT id FROM mailboxes WHERE owner_id = $1::bigint ORDER BY id "
	                       "FOR UPDATE",
	                       owner_id, owner_id, error_r);
}

int mailbox_delete(struct db *db, int64_t owner_id, const char *name, const char **error_r)
{
	struct arena *a = arena_new(0);
	struct mailbox_info info;
	const char *norm;
	char idbuf[24];
	int r = mailbox_name_normalize(name, a, &norm, error_r);
	if (r == 0 && strcmp(norm, "INBOX") == 0)
		r = store_fail(STORE_EREFUSED, error_r, "INBOX cannot be deleted");
	if (r == 0 && (r = store_begin(db, error_r)) == 0) {
		r = mailbox_get(db, owner_id, norm, 1, a, &info, error_r);
		if (r == 0)
			r = mailbox_release(db, mailbox_release_one, NULL, info.id, owner_id,
			                    error_r);
		const char *params[] = {store_i64(idbuf, info.id)};
		if (r == 0 &&
		    (db_cmd(db,
		            "UPDATE mailboxes SET deleted_at = now(), messages = 0, unseen = 0, "
		            "deleted_msgs = 0, size = 0, highestmodseq = highestmodseq + 1 "
		            "WHERE id = $1::bigint",
		            1, params, error_r) < 0 ||
		     db_cmd(db, "DELETE FROM acl WHERE mailbox_id = $1::bigint", 1, params,
		            error_r) < 0))
			r = STORE_EDB;
		if (r == 0) {
			store_changed(db, info.id, 0);
			r = store_commit(db, error_r);
		} else
			store_rollback(db);
	}
	arena_free(&a);
	return r;
}

/* ---- rename ---- */

/* Inside a transaction, INBOX locked: move its messages to a new mailbox new_name. */
static int mailbox_rename_inbox(struct db *db, const struct mailbox_info *inbox,
                                const char *new_name, const char **error_r)
{
	char idbuf[24], newbuf[24];
	const char *params[] = {store_i64(idbuf, inbox->id), new_name};
	const char *moves[] = {idbuf, newbuf};
	PGresult *res = db_exec(
	        db,
	        "INSERT INTO mailboxes (owner_id, name, uidvalidity, uidnext, highestmodseq, "
	        "messages, unseen, deleted_msgs, size, recent_uid) SELECT i.owner_id, $2, "
	        "LEAST(4294967295, GREATEST(extract(epoch FROM clock_timestamp())::bigint, (SELECT "
	        "max(uidvalidity) + 1 FROM mailboxes WHERE owner_id = i.owner_id))), i.uidnext, "
	        "i.highestmodseq, i.messages, i.unseen, i.deleted_msgs, i.size, i.recent_uid "
	        "FROM mailboxes i "
	        "WHERE i.id = $1::bigint "
	        "ON CONFLICT (owner_id, name) WHERE deleted_at IS NULL DO NOTHING RETURNING id",
	        2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int r = PQntuples(res) == 0
	                ? store_fail(STORE_EEXISTS, error_r, "mailbox %s already exists", new_name)
	                : 0;
	if (r == 0) {
		store_i64(newbuf, store_get_i64(res, 0, 0));
		store_changed(db, inbox->id, 0);
		store_changed(db, store_get_i64(res, 0, 0), 0);
	}
	PQclear(res);
	/* The moved UIDs become expunges of INBOX at a new MODSEQ: sessions see them go. */
	if (r == 0 &&
	    (db_cmd(db,
	            "WITH m AS (UPDATE mailboxes SET highestmodseq = highestmodseq + 1, "
	            "messages = 0, unseen = 0, deleted_msgs = 0, size = 0 WHERE id = $1::bigint "
	            "RETURNING highestmodseq) INSERT INTO expunged (mailbox_id, uid, modseq) "
	            "SELECT $1::bigint, mm.uid, m.highestmodseq FROM mailbox_messages mm, m "
	            "WHERE mm.mailbox_id = $1::bigint ON CONFLICT (mailbox_id, uid) "
	            "DO UPDATE SET modseq = EXCLUDED.modseq, expunged_at = now()",
	            1, params, error_r) < 0 ||
	     db_cmd(db,
	            "UPDATE mailbox_messages SET mailbox_id = $2::bigint WHERE mailbox_id = "
	            "$1::bigint",
	            2, moves, error_r) < 0 ||
	     db_cmd(db,
	            "UPDATE seen_private SET mailbox_id = $2::bigint WHERE mailbox_id = $1::bigint",
	            2, moves, error_r) < 0))
		r = STORE_EDB;
	return r;
}

/* Inside a transaction: rename old and its inferiors to new.  old itself may be an
 * implied parent (only "old/x" exists): its inferiors move all the same (RFC 9051
 * 6.3.6); ENOTFOUND only when there is neither old nor an inferior. */
static int mailbox_rename_tree(struct db *db, int64_t owner_id, const char *old_name,
                               const char *new_name, const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, owner_id), old_name, new_name};
#define MAILBOX_TREE                                                                               \
	"owner_id = $1::bigint AND deleted_at IS NULL AND (name = $2 OR "                          \
	"left(name, length($2) + 1) = $2 || '/')"
	PGresult *res = db_exec(db,
	                        "SELECT count(*), (SELECT min(name) FROM "
	                        "mailboxes WHERE owner_id = $1::bigint AND deleted_at IS NULL AND "
	                        "name IN (SELECT $3 || substr(t.name, length($2) + 1) FROM "
	                        "mailboxes t WHERE t." MAILBOX_TREE ")) FROM (SELECT name FROM "
	                        "mailboxes WHERE " MAILBOX_TREE " ORDER BY id FOR UPDATE) s",
	                        3, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int r = 0;
	if (store_get_i64(res, 0, 0) == 0)
		r = store_fail(STORE_ENOTFOUND, error_r, "no such mailbox: %s", old_name);
	else if (!PQgetisnull(res, 0, 1))
		r = store_fail(STORE_EEXISTS, error_r, "mailbox %s already exists",
		               PQgetvalue(res, 0, 1));
	PQclear(res);
	if (r != 0)
		return r;
	res = db_exec(db,
	              "UPDATE mailboxes SET name = $3 || substr(name, length($2) + 1) "
	              "WHERE " MAILBOX_TREE " RETURNING id",
	              3, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	for (int i = 0; i < PQntuples(res); i++)
		store_changed(db, store_get_i64(res, i, 0), 0);
	PQclear(res);
	return 0;
#undef MAILBOX_TREE
}

int mailbox_rename(struct db *db, int64_t owner_id, const char *old_name, const char *new_name,
                   const char **error_r)
{
	struct arena *a = arena_new(0);
	const char *from, *to;
	struct mailbox_info inbox;
	int r = mailbox_name_normalize(old_name, a, &from, error_r);
	if (r == 0)
		r = mailbox_name_normalize(new_name, a, &to, error_r);
	size_t flen = r == 0 ? strlen(from) : 0;
	if (r == 0 && strcmp(from, "INBOX") != 0 && strncmp(to, from, flen) == 0 && to[flen] == '/')
		r = store_fail(STORE_EINVAL, error_r, "cannot rename %s into itself", from);
	if (r == 0 && (r = store_begin(db, error_r)) == 0) {
		if (strcmp(from, "INBOX") != 0)
			r = mailbox_rename_tree(db, owner_id, from, to, error_r);
		else if ((r = mailbox_get(db, owner_id, from, 1, a, &inbox, error_r)) == 0)
			r = mailbox_rename_inbox(db, &inbox, to, error_r);
		if (r == 0)
			r = store_commit(db, error_r);
		else
			store_rollback(db);
	}
	arena_free(&a);
	return r;
}

/* ---- messages ---- */

int mailbox_messages_list(struct db *db, int64_t mailbox_id, struct arena *arena,
                          struct mailbox_msg **list_r, size_t *n_r, const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, mailbox_id)};
	PGresult *res = db_exec(db,
	                        "SELECT mm.uid, encode(m.sha256, 'hex'), m.size, mm.flags, "
	                        "extract(epoch FROM mm.internaldate)::bigint, "
	                        "(SELECT string_agg(k.name, ' ' ORDER BY k.id) FROM keywords k "
	                        "WHERE k.id = ANY(mm.keywords)) FROM mailbox_messages "
	                        "mm JOIN messages m ON m.id = mm.message_id "
	                        "WHERE mm.mailbox_id = $1::bigint ORDER BY mm.uid",
	                        1, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res);
	struct mailbox_msg *list = arena_zalloc(arena, sizeof(*list) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		size_t len;
		list[i].uid = (uint32_t)store_get_i64(res, i, 0);
		if (store_hex_decode(PQgetvalue(res, i, 1), list[i].sha256, 32, &len) < 0 ||
		    len != 32) {
			PQclear(res);
			return store_fail(STORE_EDB, error_r, "malformed sha256 in messages");
		}
		list[i].size = store_get_i64(res, i, 2);
		list[i].flags = (unsigned)store_get_i64(res, i, 3);
		list[i].internaldate = store_get_i64(res, i, 4);
		list[i].keywords = arena_strdup(arena, PQgetvalue(res, i, 5));
	}
	PQclear(res);
	*list_r = list;
	*n_r = (size_t)n;
	return 0;
}
