/*
 * mailbox_expunge.c - EXPUNGE, COPY and MOVE at the store level (mailbox_msgs.h).
 *
 * Lock order, the same as delivery's (deliver.c) so that none of these can
 * deadlock with a delivery: mailbox rows by id, then quota roots (quota_charge
 * locks them by id), then blob rows by sha256.
 */
#include "mailbox_msgs.h"

#include "mailbox.h"
#include "quota.h"
#include "store-util.h"

#include "base/arena.h"
#include "base/buf.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* What the removed or copied rows add up to. */
struct mailbox_moved {
	size_t n;
	uint32_t *uids;
	int64_t bytes, unseen, deleted;
	const char *shas; /* text[] literal of the blobs' hex SHA-256, one per row */
};

/* Sum rows (uid, flags, size, sha256 hex) of res into mv. */
static void mailbox_moved_collect(PGresult *res, struct arena *arena, struct mailbox_moved *mv)
{
	struct buf shas;
	buf_init_arena(&shas, arena);
	buf_append_char(&shas, '{');
	mv->n = (size_t)PQntuples(res);
	mv->uids = arena_alloc(arena, (mv->n + 1) * sizeof(*mv->uids));
	mv->bytes = mv->unseen = mv->deleted = 0;
	for (size_t i = 0; i < mv->n; i++) {
		unsigned flags = (unsigned)store_get_i64(res, (int)i, 1);
		mv->uids[i] = (uint32_t)store_get_i64(res, (int)i, 0);
		mv->bytes += store_get_i64(res, (int)i, 2);
		mv->unseen += (flags & MAILBOX_FLAG_SEEN) == 0;
		mv->deleted += (flags & MAILBOX_FLAG_DELETED) != 0;
		buf_printf(&shas, "%s%s", i ? "," : "", PQgetvalue(res, (int)i, 3));
	}
	buf_append_char(&shas, '}');
	mv->shas = buf_cstr(&shas);
}

/* Add sign * (rows per blob) to the blob refcounts, locking the blob rows in order. */
static int mailbox_blob_refs(struct db *db, const char *shas, int sign, const char **error_r)
{
	const char *p[] = {shas, sign > 0 ? "1" : "-1"};
	if (db_cmd(db,
	           "SELECT 1 FROM blobs WHERE sha256 IN (SELECT decode(s, 'hex') FROM "
	           "unnest($1::text[]) s) ORDER BY sha256 FOR UPDATE",
	           1, p, error_r) < 0 ||
	    db_cmd(db,
	           "UPDATE blobs b SET refcount = GREATEST(b.refcount + $2::int8 * x.n, 0), "
	           "last_ref_at = now() FROM (SELECT decode(s, 'hex') AS sha, count(*) AS n FROM "
	           "unnest($1::text[]) s GROUP BY 1) x WHERE b.sha256 = x.sha",
	           2, p, error_r) < 0)
		return STORE_EDB;
	return 0;
}

/* Change a mailbox's counters by sign * mv (the caller holds its row lock). */
static int mailbox_counters(struct db *db, const char *id, const struct mailbox_moved *mv, int sign,
                            const char **error_r)
{
	char n[24], u[24], d[24], b[24];
	int64_t count = (int64_t)mv->n;
	bool neg = sign < 0;
	const char *p[] = {id, store_i64(n, neg ? -count : count),
	                   store_i64(u, neg ? -mv->unseen : mv->unseen),
	                   store_i64(d, neg ? -mv->deleted : mv->deleted),
	                   store_i64(b, neg ? -mv->bytes : mv->bytes)};
	return db_cmd(db,
	              "UPDATE mailboxes SET messages = GREATEST(messages + $2::int8, 0), unseen = "
	              "GREATEST(unseen + $3::int8, 0), deleted_msgs = GREATEST(deleted_msgs + "
	              "$4::int8, 0), size = GREATEST(size + $5::int8, 0) WHERE id = $1::int8",
	              5, p, error_r) < 0
	               ? STORE_EDB
	               : 0;
}

/*
 * Inside a transaction with the mailbox locked: take a MODSEQ, delete the rows of
 * p[0] within ranges p[1]/p[2] (only \Deleted ones when deleted_only; only UIDs
 * below p[3]), write tombstones, fix the counters.  *owner_r = the mailbox owner.
 */
static int mailbox_remove_rows(struct db *db, const char **p, int deleted_only, struct arena *arena,
                               struct mailbox_moved *mv, int64_t *owner_r, const char **error_r)
{
	PGresult *res = db_exec(db,
	                        "UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = "
	                        "$1::int8 AND deleted_at IS NULL RETURNING highestmodseq, owner_id",
	                        1, p, error_r);
	if (res == NULL)
		return STORE_EDB;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return store_fail(STORE_ENOTFOUND, error_r, "no such mailbox");
	}
	p[4] = arena_strdup(arena, PQgetvalue(res, 0, 0));
	*owner_r = store_get_i64(res, 0, 1);
	PQclear(res);
	const char *sql = arena_printf(
	        arena,
	        "WITH d AS (DELETE FROM mailbox_messages mm USING unnest($2::int8[], $3::int8[]) "
	        "AS r(lo, hi) WHERE mm.mailbox_id = $1::int8 AND mm.uid BETWEEN r.lo AND r.hi AND "
	        "mm.uid < $4::int8 %s RETURNING mm.uid, mm.message_id, mm.flags), "
	        "t AS (INSERT INTO expunged (mailbox_id, uid, modseq) SELECT $1::int8, uid, "
	        "$5::int8 FROM d ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = "
	        "EXCLUDED.modseq, expunged_at = now()), "
	        "s AS (DELETE FROM seen_private sp USING d WHERE sp.mailbox_id = $1::int8 AND "
	        "sp.uid = d.uid) "
	        "SELECT d.uid, d.flags, m.size, encode(m.sha256, 'hex') FROM d JOIN messages m ON "
	        "m.id = d.message_id ORDER BY d.uid",
	        deleted_only ? "AND mm.flags & 8 <> 0" : "");
	res = db_exec(db, sql, 5, p, error_r);
	if (res == NULL)
		return STORE_EDB;
	mailbox_moved_collect(res, arena, mv);
	PQclear(res);
	return mv->n == 0 ? 0 : mailbox_counters(db, p[0], mv, -1, error_r);
}

int mailbox_msgs_expunge(struct db *db, int64_t mailbox_id, const struct mailbox_uid_ranges *uids,
                         struct arena *arena, uint32_t **uids_r, size_t *n_r, const char **error_r)
{
	static const uint32_t all_lo = 1, all_hi = UINT32_MAX;
	const struct mailbox_uid_ranges all = {&all_lo, &all_hi, 1};
	char idbuf[24];
	const char *p[5] = {store_i64(idbuf, mailbox_id), NULL, NULL, "4294967296", NULL};
	mailbox_uid_ranges_params(uids ? uids : &all, arena, &p[1], &p[2]);
	struct mailbox_moved mv = {0};
	int64_t owner = 0;
	*uids_r = NULL;
	*n_r = 0;
	int r = store_begin(db, error_r);
	if (r == 0)
		r = mailbox_remove_rows(db, p, 1, arena, &mv, &owner, error_r);
	if (r == 0 && mv.n == 0) {
		store_rollback(db);
		return 0;
	}
	if (r == 0 && (quota_charge(db, owner, -mv.bytes, -(int64_t)mv.n, error_r) < 0 ||
	               mailbox_blob_refs(db, mv.shas, -1, error_r) < 0))
		r = STORE_EDB;
	if (r == 0)
		store_changed(db, mailbox_id, 0);
	if (r == 0 && (r = store_commit(db, error_r)) == 0) {
		*uids_r = mv.uids;
		*n_r = mv.n;
		return 0;
	}
	store_rollback(db);
	return r;
}

/* ---- COPY / MOVE ---- */

struct mailbox_copy_ctx {
	const char *p[5]; /* src, lo, hi, dst, first new UID */
	int64_t src_owner, dst_owner;
	struct mailbox_moved mv;
};

/* Lock both mailboxes (id order) and read the owners and dst's UIDVALIDITY. */
static int mailbox_copy_lock(struct db *db, struct mailbox_copy_ctx *c,
                             struct mailbox_copy_result *res_r, const char **error_r)
{
	const char *q[] = {c->p[0], c->p[3]};
	PGresult *res =
	        db_exec(db,
	                "SELECT id, owner_id, uidvalidity FROM mailboxes WHERE id IN "
	                "($1::int8, $2::int8) AND deleted_at IS NULL ORDER BY id FOR UPDATE",
	                2, q, error_r);
	if (res == NULL)
		return STORE_EDB;
	int found = 0;
	for (int r = 0; r < PQntuples(res); r++) {
		const char *id = PQgetvalue(res, r, 0);
		if (strcmp(id, c->p[0]) == 0) {
			c->src_owner = store_get_i64(res, r, 1);
			found |= 1;
		}
		if (strcmp(id, c->p[3]) == 0) {
			c->dst_owner = store_get_i64(res, r, 1);
			res_r->dst_uidvalidity = (uint32_t)store_get_i64(res, r, 2);
			found |= 2;
		}
	}
	PQclear(res);
	return found == 3 ? 0 : store_fail(STORE_ENOTFOUND, error_r, "no such mailbox");
}

/* Allocate the UID block in dst, insert the copies; fills res_r's UID pairs. */
static int mailbox_copy_insert(struct db *db, struct mailbox_copy_ctx *c, struct arena *arena,
                               struct mailbox_copy_result *res_r, const char **error_r)
{
	char n[24];
	const char *q[] = {c->p[3], store_i64(n, (int64_t)c->mv.n)};
	PGresult *res =
	        db_exec(db,
	                "UPDATE mailboxes SET uidnext = uidnext + $2::int8, highestmodseq = "
	                "highestmodseq + 1 WHERE id = $1::int8 RETURNING uidnext - $2::int8, "
	                "highestmodseq",
	                2, q, error_r);
	if (res == NULL)
		return STORE_EDB;
	int64_t first = store_get_i64(res, 0, 0);
	c->p[4] = arena_printf(arena, "%lld", (long long)first);
	const char *ip[] = {c->p[0], c->p[1], c->p[2],
	                    c->p[3], c->p[4], arena_strdup(arena, PQgetvalue(res, 0, 1))};
	PQclear(res);
	if (db_cmd(db,
	           "INSERT INTO mailbox_messages (mailbox_id, uid, message_id, modseq, flags, "
	           "keywords, internaldate) SELECT $4::int8, $5::int8 + row_number() OVER (ORDER "
	           "BY "
	           "mm.uid) - 1, mm.message_id, $6::int8, mm.flags, mm.keywords, mm.internaldate "
	           "FROM mailbox_messages mm" MAILBOX_UID_RANGES_JOIN(
	                   "2", "3") "WHERE mm.mailbox_id = $1::int8",
	           6, ip, error_r) < 0 ||
	    mailbox_counters(db, c->p[3], &c->mv, 1, error_r) < 0)
		return STORE_EDB;
	res_r->n = c->mv.n;
	res_r->src_uids = c->mv.uids;
	res_r->dst_uids = arena_alloc(arena, (c->mv.n + 1) * sizeof(uint32_t));
	for (size_t i = 0; i < c->mv.n; i++)
		res_r->dst_uids[i] = (uint32_t)(first + (int64_t)i);
	return 0;
}

/* The source rows, their sizes and blobs. */
static int mailbox_copy_select(struct db *db, struct mailbox_copy_ctx *c, struct arena *arena,
                               const char **error_r)
{
	PGresult *res = db_exec(
	        db,
	        "SELECT mm.uid, mm.flags, m.size, encode(m.sha256, 'hex') FROM "
	        "mailbox_messages mm" MAILBOX_UID_RANGES_JOIN(
	                "2", "3") "JOIN messages m ON m.id = mm.message_id WHERE mm.mailbox_id = "
	                          "$1::int8 ORDER BY mm.uid",
	        3, c->p, error_r);
	if (res == NULL)
		return STORE_EDB;
	mailbox_moved_collect(res, arena, &c->mv);
	PQclear(res);
	return 0;
}

/* Quota and blob references of the copies; a move only shifts quota between owners. */
static int mailbox_copy_account(struct db *db, struct mailbox_copy_ctx *c, int move,
                                const char **error_r)
{
	int64_t n = (int64_t)c->mv.n;
	if (move && c->src_owner == c->dst_owner)
		return 0;
	int over = 0;
	if (quota_check(db, c->dst_owner, c->mv.bytes, n, &over, error_r) < 0)
		return STORE_EDB;
	if (over)
		return store_fail(STORE_EREFUSED, error_r, "quota exceeded");
	if (quota_charge(db, c->dst_owner, c->mv.bytes, n, error_r) < 0)
		return STORE_EDB;
	if (move)
		return quota_charge(db, c->src_owner, -c->mv.bytes, -n, error_r) < 0 ? STORE_EDB
		                                                                     : 0;
	return mailbox_blob_refs(db, c->mv.shas, 1, error_r);
}

static int mailbox_copy_body(struct db *db, struct mailbox_copy_ctx *c, int move,
                             struct arena *arena, struct mailbox_copy_result *res_r,
                             const char **error_r)
{
	int r = mailbox_copy_lock(db, c, res_r, error_r);
	if (r == 0)
		r = mailbox_copy_select(db, c, arena, error_r);
	if (r < 0 || c->mv.n == 0)
		return r;
	if ((r = mailbox_copy_account(db, c, move, error_r)) < 0 ||
	    (r = mailbox_copy_insert(db, c, arena, res_r, error_r)) < 0 || !move)
		return r;
	/* The originals; when src == dst, only those below the new block. */
	struct mailbox_moved gone = {0};
	int64_t owner;
	const char *below = strcmp(c->p[0], c->p[3]) == 0 ? c->p[4] : "4294967296";
	const char *p[5] = {c->p[0], c->p[1], c->p[2], below, NULL};
	return mailbox_remove_rows(db, p, 0, arena, &gone, &owner, error_r);
}

int mailbox_msgs_copy(struct db *db, int64_t src_id, int64_t dst_id,
                      const struct mailbox_uid_ranges *uids, int move, struct arena *arena,
                      struct mailbox_copy_result *res_r, const char **error_r)
{
	struct mailbox_copy_ctx c;
	memset(&c, 0, sizeof(c));
	memset(res_r, 0, sizeof(*res_r));
	c.p[0] = arena_printf(arena, "%lld", (long long)src_id);
	c.p[3] = arena_printf(arena, "%lld", (long long)dst_id);
	mailbox_uid_ranges_params(uids, arena, &c.p[1], &c.p[2]);
	int r = store_begin(db, error_r);
	if (r == 0)
		r = mailbox_copy_body(db, &c, move, arena, res_r, error_r);
	if (r == 0 && res_r->n == 0) {
		store_rollback(db);
		return 0;
	}
	if (r == 0) {
		store_changed(db, dst_id, 0);
		if (move)
			store_changed(db, src_id, 0);
	}
	if (r == 0 && (r = store_commit(db, error_r)) == 0)
		return 0;
	store_rollback(db);
	memset(res_r, 0, sizeof(*res_r));
	return r;
}
