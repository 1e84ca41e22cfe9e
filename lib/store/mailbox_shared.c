/*
 * mailbox_shared.c - mailbox_list_shared() (mailbox.h): the mailboxes of other
 * accounts of a user's domain that the user has rights on, for cairn-imapd's
 * "Other Users/" and "Shared Folders/" namespaces (DESIGN 4).
 *
 * Only mailboxes with at least one ACL entry can grant a non-owner anything, so
 * those are the candidates; the rights of each are computed by acl_rights_for()
 * (the one implementation of the RFC 4314 rules).
 */
#include "mailbox.h"

#include "acl.h"
#include "store-util.h"

#include "base/arena.h"

#include <stdlib.h>

static void mailbox_shared_row(PGresult *res, int i, struct arena *arena, struct mailbox_shared *m)
{
	struct mailbox_info *info = &m->info;
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
	m->owner_localpart = arena_strdup(arena, PQgetvalue(res, i, 11));
	m->is_public = PQgetvalue(res, i, 12)[0] == 't';
}

int mailbox_list_shared(struct db *db, int64_t account_id, struct arena *arena,
                        struct mailbox_shared **list_r, size_t *n_r, const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, account_id)};
	PGresult *res = db_exec(
	        db,
	        "SELECT m.id, m.owner_id, m.name, m.uidvalidity, m.uidnext, m.highestmodseq, "
	        "m.messages, m.unseen, m.size, m.special_use, m.deleted_msgs, a.localpart, "
	        "a.kind = 'public' FROM mailboxes m JOIN accounts a ON a.id = m.owner_id "
	        "WHERE a.domain_id = (SELECT domain_id FROM accounts WHERE id = $1::bigint) "
	        "AND a.id <> $1::bigint AND a.kind IN ('user', 'public') "
	        "AND m.deleted_at IS NULL AND EXISTS (SELECT 1 FROM acl WHERE acl.mailbox_id = "
	        "m.id) ORDER BY a.kind = 'public', a.localpart COLLATE \"C\", m.name COLLATE \"C\"",
	        1, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res);
	struct mailbox_shared *list = arena_zalloc(arena, sizeof(*list) * (size_t)(n + 1));
	for (int i = 0; i < n; i++)
		mailbox_shared_row(res, i, arena, &list[i]);
	PQclear(res);
	size_t kept = 0;
	for (int i = 0; i < n; i++) {
		if (acl_rights_for(db, account_id, list[i].info.id, &list[i].rights, error_r) < 0)
			return STORE_EDB;
		if (list[i].rights != 0)
			list[kept++] = list[i];
	}
	*list_r = list;
	*n_r = kept;
	return 0;
}

int mailbox_unseen_private(struct db *db, int64_t account_id, int64_t mailbox_id, int64_t *n_r,
                           const char **error_r)
{
	char abuf[24], mbuf[24];
	const char *params[] = {store_i64(mbuf, mailbox_id), store_i64(abuf, account_id)};
	PGresult *res = db_exec(db,
	                        "SELECT count(*) FROM mailbox_messages mm WHERE mm.mailbox_id = "
	                        "$1::bigint AND NOT EXISTS (SELECT 1 FROM seen_private sp WHERE "
	                        "sp.account_id = $2::bigint AND sp.mailbox_id = $1::bigint AND "
	                        "sp.uid = mm.uid)",
	                        2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	*n_r = store_get_i64(res, 0, 0);
	PQclear(res);
	return 0;
}
