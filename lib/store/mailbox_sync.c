/*
 * mailbox_sync.c - mailbox snapshots and change lists for IMAP sessions
 * (mailbox_sync.h), with the cluster-wide \Recent claim folded in.  Both are
 * single round trips in the common case; the change query uses the (mailbox_id,
 * modseq) indexes of mailbox_messages and expunged.
 */
#include "mailbox_sync.h"

#include "keyword.h"
#include "store-util.h"

#include "base/arena.h"

#include <string.h>

static void mailbox_sync_row(PGresult *res, int r, int first_col, struct arena *arena,
                             struct mailbox_sync_msg *m)
{
	m->uid = (uint32_t)store_get_i64(res, r, first_col);
	m->flags = (unsigned)store_get_i64(res, r, first_col + 1);
	m->modseq = (uint64_t)store_get_i64(res, r, first_col + 3);
	m->keywords = NULL;
	m->n_keywords = 0;
	const char *kw = PQgetvalue(res, r, first_col + 2);
	if (!PQgetisnull(res, r, first_col + 2) && strcmp(kw, "{}") != 0 &&
	    keyword_parse_array(kw, arena, &m->keywords, &m->n_keywords) < 0)
		m->n_keywords = 0;
}

static int mailbox_sync_read(struct db *db, const char *const *params, struct arena *arena,
                             struct mailbox_sync_state *st, const char **error_r)
{
	PGresult *res =
	        db_exec(db,
	                "SELECT owner_id, uidvalidity, uidnext, highestmodseq, deletedmodseq, "
	                "recent_uid FROM mailboxes WHERE id = $1::int8 AND deleted_at IS NULL",
	                1, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return store_fail(STORE_ENOTFOUND, error_r, "no such mailbox");
	}
	int64_t uidnext = store_get_i64(res, 0, 2);
	st->owner_id = store_get_i64(res, 0, 0);
	st->uidvalidity = (uint32_t)store_get_i64(res, 0, 1);
	st->uidnext = uidnext > 4294967295LL ? 0 : (uint32_t)uidnext;
	st->highestmodseq = (uint64_t)store_get_i64(res, 0, 3);
	st->deletedmodseq = (uint64_t)store_get_i64(res, 0, 4);
	st->recent_uid = (uint32_t)store_get_i64(res, 0, 5);
	PQclear(res);
	res = db_exec(db,
	              "SELECT mm.uid, " MAILBOX_SYNC_FLAGS_SQL(
	                      "2") ", mm.keywords, mm.modseq "
	                           "FROM mailbox_messages mm WHERE mm.mailbox_id = $1::int8 ORDER "
	                           "BY mm.uid",
	              2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	st->count = (size_t)PQntuples(res);
	st->msgs = arena_alloc(arena, (st->count + 1) * sizeof(*st->msgs));
	for (size_t i = 0; i < st->count; i++)
		mailbox_sync_row(res, (int)i, 0, arena, &st->msgs[i]);
	PQclear(res);
	return 0;
}

/*
 * After the snapshot's COMMIT (a REPEATABLE READ transaction cannot take the row
 * lock without risking serialization failures against deliveries): claim the
 * snapshot's unclaimed UIDs, up to its uidnext - 1, so that exactly the messages
 * the session holds are claimed.  Later arrivals are claimed by its syncs.
 */
static int mailbox_sync_claim(struct db *db, const char *idparam, struct mailbox_sync_state *st,
                              const char **error_r)
{
	int64_t upto = st->uidnext ? (int64_t)st->uidnext - 1 : 4294967295LL;
	if (upto <= (int64_t)st->recent_uid)
		return 0; /* all claimed already: nothing new to anyone */
	char upbuf[24];
	const char *params[] = {idparam, store_i64(upbuf, upto)};
	PGresult *res =
	        db_exec(db, "SELECT cairn_recent_claim($1::int8, $2::int8)", 2, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	/* NULL: deleted meanwhile; the session's first sync finds that out. */
	int64_t before =
	        PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) ? store_get_i64(res, 0, 0) : upto;
	st->recent_uid = (uint32_t)(before < upto ? before : upto);
	PQclear(res);
	return 0;
}

int mailbox_sync_open(struct db *db, int64_t mailbox_id, int64_t seen_account, bool claim_recent,
                      struct arena *arena, struct mailbox_sync_state *st_r, const char **error_r)
{
	char idbuf[24], seenbuf[24];
	const char *params[] = {store_i64(idbuf, mailbox_id), store_i64(seenbuf, seen_account)};
	memset(st_r, 0, sizeof(*st_r));
	st_r->id = mailbox_id;
	if (db_cmd(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, error_r) < 0)
		return STORE_EDB;
	int r = mailbox_sync_read(db, params, arena, st_r, error_r);
	if (r < 0) {
		store_rollback(db);
		return r;
	}
	if (store_commit(db, error_r) < 0)
		return STORE_EDB;
	return claim_recent ? mailbox_sync_claim(db, idbuf, st_r, error_r) : 0;
}

/*
 * Row kind 0 is the mailbox (highestmodseq, uidnext, and the recent mark: before
 * this session's claim when $4 asks to claim and the snapshot shows unclaimed
 * UIDs, else as it is), 1 a changed row, 2 a tombstone.  The claim goes up to the
 * snapshot's uidnext - 1, i.e. exactly the new rows this statement returns.
 */
static const char mailbox_sync_changes_sql[] =
        "WITH h AS (SELECT highestmodseq, uidnext, recent_uid FROM mailboxes WHERE id = "
        "$1::int8 AND deleted_at IS NULL), "
        "c AS (SELECT cairn_recent_claim($1::int8, h.uidnext - 1) AS before FROM h "
        "WHERE $4::bool AND h.uidnext - 1 > h.recent_uid) "
        "SELECT 0 AS kind, h.highestmodseq AS uid, h.uidnext AS flags, NULL::int8[] AS kw, "
        "least(coalesce((SELECT before FROM c), h.recent_uid), h.uidnext - 1) AS modseq "
        "FROM h "
        "UNION ALL SELECT 1, mm.uid, " MAILBOX_SYNC_FLAGS_SQL(
                "3") ", mm.keywords, mm.modseq "
                     "FROM mailbox_messages mm WHERE mm.mailbox_id = $1::int8 AND mm.modseq > "
                     "$2::int8 "
                     "UNION ALL SELECT 2, e.uid, 0, NULL, e.modseq FROM expunged e "
                     "WHERE e.mailbox_id = $1::int8 AND e.modseq > $2::int8 "
                     "ORDER BY 1, 2";

int mailbox_sync_changes(struct db *db, int64_t mailbox_id, int64_t seen_account, uint64_t since,
                         bool claim_recent, struct arena *arena, struct mailbox_sync_delta *d_r,
                         const char **error_r)
{
	char idbuf[24], sincebuf[24], seenbuf[24];
	const char *params[] = {store_i64(idbuf, mailbox_id), store_i64(sincebuf, (int64_t)since),
	                        store_i64(seenbuf, seen_account), claim_recent ? "t" : "f"};
	memset(d_r, 0, sizeof(*d_r));
	PGresult *res = db_exec(db, mailbox_sync_changes_sql, 4, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res);
	if (n == 0 || store_get_i64(res, 0, 0) != 0) {
		PQclear(res);
		return store_fail(STORE_ENOTFOUND, error_r, "mailbox was deleted");
	}
	d_r->highestmodseq = (uint64_t)store_get_i64(res, 0, 1);
	int64_t uidnext = store_get_i64(res, 0, 2);
	d_r->uidnext = uidnext > 4294967295LL ? 0 : (uint32_t)uidnext;
	d_r->recent_uid = (uint32_t)store_get_i64(res, 0, 4);
	d_r->changed = arena_alloc(arena, (size_t)n * sizeof(*d_r->changed));
	d_r->expunged = arena_alloc(arena, (size_t)n * sizeof(*d_r->expunged));
	for (int r = 1; r < n; r++) {
		if (store_get_i64(res, r, 0) == 1)
			mailbox_sync_row(res, r, 1, arena, &d_r->changed[d_r->n_changed++]);
		else
			d_r->expunged[d_r->n_expunged++] = (uint32_t)store_get_i64(res, r, 1);
	}
	PQclear(res);
	return 0;
}

int mailbox_recent_unclaimed(struct db *db, int64_t mailbox_id, int64_t *n_r, const char **error_r)
{
	char idbuf[24];
	const char *params[] = {store_i64(idbuf, mailbox_id)};
	PGresult *res =
	        db_exec(db,
	                "SELECT count(*) FROM mailbox_messages mm JOIN mailboxes m ON m.id = "
	                "mm.mailbox_id WHERE m.id = $1::int8 AND mm.uid > m.recent_uid",
	                1, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	*n_r = store_get_i64(res, 0, 0);
	PQclear(res);
	return 0;
}
