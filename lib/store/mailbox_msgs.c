/*
 * mailbox_msgs.c - message metadata for FETCH and flag changes for STORE
 * (mailbox_msgs.h).  Expunge, copy and move live in mailbox_expunge.c.
 *
 * FETCH reads only the messages rows (the parse-once index): ENVELOPE and
 * BODYSTRUCTURE come rendered, BODY[...] sections resolve through the stored
 * section map to byte ranges of the blob, which the caller reads itself.
 */
#include "mailbox_msgs.h"

#include "keyword.h"
#include "mailbox.h"
#include "store-util.h"

#include "base/arena.h"
#include "base/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mailbox_uid_ranges_params(const struct mailbox_uid_ranges *uids, struct arena *arena,
                               const char **lo_r, const char **hi_r)
{
	struct buf lo, hi;
	buf_init_arena(&lo, arena);
	buf_init_arena(&hi, arena);
	buf_append_char(&lo, '{');
	buf_append_char(&hi, '{');
	for (size_t i = 0; i < uids->n; i++) {
		buf_printf(&lo, "%s%u", i ? "," : "", uids->lo[i]);
		buf_printf(&hi, "%s%u", i ? "," : "", uids->hi[i]);
	}
	buf_append_char(&lo, '}');
	buf_append_char(&hi, '}');
	*lo_r = buf_cstr(&lo);
	*hi_r = buf_cstr(&hi);
}

/* ---- FETCH ---- */

static void mailbox_fetch_decode(PGresult *res, int r, unsigned what, struct arena *arena,
                                 struct mailbox_fetch_row *row)
{
	memset(row, 0, sizeof(*row));
	row->m.uid = (uint32_t)store_get_i64(res, r, 0);
	row->m.flags = (unsigned)store_get_i64(res, r, 1);
	const char *kw = PQgetvalue(res, r, 2);
	if (strcmp(kw, "{}") != 0 &&
	    keyword_parse_array(kw, arena, &row->m.keywords, &row->m.n_keywords) < 0)
		row->m.n_keywords = 0;
	row->m.modseq = (uint64_t)store_get_i64(res, r, 3);
	row->internaldate = store_get_i64(res, r, 4);
	row->size = (uint64_t)store_get_i64(res, r, 5);
	row->header_size = (uint64_t)store_get_i64(res, r, 6);
	const char **text[] = {&row->envelope, &row->bodystructure, &row->body};
	for (int i = 0; i < 3; i++)
		if (!PQgetisnull(res, r, 7 + i))
			*text[i] = arena_strndup(arena, PQgetvalue(res, r, 7 + i),
			                         (size_t)PQgetlength(res, r, 7 + i));
	if ((what & MAILBOX_FETCH_PARTS) == 0)
		return;
	size_t len = 0;
	if (!PQgetisnull(res, r, 10)) {
		const char *hex = PQgetvalue(res, r, 10);
		unsigned char *parts = arena_alloc(arena, strlen(hex) / 2 + 1);
		if (store_hex_decode(hex, parts, strlen(hex) / 2 + 1, &len) == 0) {
			row->parts = parts;
			row->parts_len = len;
		}
	}
	if (store_hex_decode(PQgetvalue(res, r, 11), row->sha256, sizeof(row->sha256), &len) < 0)
		memset(row->sha256, 0, sizeof(row->sha256));
}

int mailbox_msgs_fetch(struct db *db, int64_t mailbox_id, int64_t seen_account,
                       const struct mailbox_uid_ranges *uids, unsigned what, struct arena *arena,
                       struct mailbox_fetch_row **rows_r, size_t *n_r, const char **error_r)
{
	char idbuf[24], seenbuf[24];
	const char *p[4] = {store_i64(idbuf, mailbox_id), NULL, NULL,
	                    store_i64(seenbuf, seen_account)};
	mailbox_uid_ranges_params(uids, arena, &p[1], &p[2]);
	/* Unrequested columns are NULL so that the big text columns stay on the server. */
	const char *sql = arena_printf(
	        arena,
	        "SELECT mm.uid, " MAILBOX_SYNC_FLAGS_SQL(
	                "4") ", mm.keywords, mm.modseq, "
	                     "extract(epoch FROM mm.internaldate)::int8, m.size, m.header_size, "
	                     "%s, %s, %s, "
	                     "%s, %s FROM mailbox_messages mm" MAILBOX_UID_RANGES_JOIN(
	                             "2", "3") "JOIN messages m ON m.id = mm.message_id WHERE "
	                                       "mm.mailbox_id = $1::int8 "
	                                       "ORDER BY mm.uid",
	        what & MAILBOX_FETCH_ENVELOPE ? "m.envelope" : "NULL",
	        what & MAILBOX_FETCH_BODYSTRUCTURE ? "m.bodystructure" : "NULL",
	        what & MAILBOX_FETCH_BODY ? "m.body" : "NULL",
	        what & MAILBOX_FETCH_PARTS ? "encode(m.parts, 'hex')" : "NULL",
	        what & MAILBOX_FETCH_PARTS ? "encode(m.sha256, 'hex')" : "NULL");
	PGresult *res = db_exec(db, sql, 4, p, error_r);
	if (res == NULL)
		return STORE_EDB;
	size_t n = (size_t)PQntuples(res);
	struct mailbox_fetch_row *rows = arena_alloc(arena, (n + 1) * sizeof(*rows));
	for (size_t i = 0; i < n; i++)
		mailbox_fetch_decode(res, (int)i, what, arena, &rows[i]);
	PQclear(res);
	*rows_r = rows;
	*n_r = n;
	return 0;
}

/* ---- STORE ---- */

/* Lock the mailbox row and take a new MODSEQ into modseq (text). */
static int mailbox_msgs_new_modseq(struct db *db, const char *id, char *modseq,
                                   const char **error_r)
{
	const char *p[] = {id};
	PGresult *res = db_exec(db,
	                        "UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = "
	                        "$1::int8 AND deleted_at IS NULL RETURNING highestmodseq",
	                        1, p, error_r);
	if (res == NULL)
		return STORE_EDB;
	int r = 0;
	if (PQntuples(res) == 0)
		r = store_fail(STORE_ENOTFOUND, error_r, "no such mailbox");
	else
		snprintf(modseq, 24, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return r;
}

/* The new flags / keywords SQL expressions of req over the row mm. */
static void mailbox_store_exprs(const struct mailbox_store_req *req, unsigned f,
                                struct arena *arena, const char **flags_r, const char **kw_r)
{
	/* Bits outside keep (not allowed, or \Seen kept privately) never change. */
	unsigned keep = ~req->allowed_flags & 31u;
	unsigned set = f & req->allowed_flags;
	switch (req->mode) {
	case MAILBOX_STORE_REPLACE:
		*flags_r = arena_printf(arena, "((mm.flags & %u) | %u)", keep, set);
		*kw_r = req->keywords_ok ? "$4::int8[]" : "mm.keywords";
		break;
	case MAILBOX_STORE_ADD:
		*flags_r = arena_printf(arena, "(mm.flags | %u)", set);
		*kw_r = req->keywords_ok && req->n_keywords ? "ARRAY(SELECT DISTINCT x FROM "
		                                              "unnest(mm.keywords || $4::int8[]) x "
		                                              "ORDER BY x)"
		                                            : "mm.keywords";
		break;
	default:
		*flags_r = arena_printf(arena, "(mm.flags & ~%u)", set);
		*kw_r = req->keywords_ok && req->n_keywords
		                ? "ARRAY(SELECT x FROM unnest(mm.keywords) x WHERE x <> "
		                  "ALL($4::int8[]) "
		                  "ORDER BY x)"
		                : "mm.keywords";
		break;
	}
}

static void mailbox_store_counts(PGresult *res, int64_t *unseen_r, int64_t *deleted_r)
{
	*unseen_r = *deleted_r = 0;
	for (int r = 0; r < PQntuples(res); r++) {
		unsigned nf = (unsigned)store_get_i64(res, r, 1),
		         of = (unsigned)store_get_i64(res, r, 4);
		*unseen_r +=
		        (int64_t)((of & MAILBOX_FLAG_SEEN) != 0) - ((nf & MAILBOX_FLAG_SEEN) != 0);
		*deleted_r += (int64_t)((nf & MAILBOX_FLAG_DELETED) != 0) -
		              ((of & MAILBOX_FLAG_DELETED) != 0);
	}
}

/* The flags column update; appends the changed UIDs to uids ("{1,2"). */
static int mailbox_store_rows(struct db *db, const char *const *p,
                              const struct mailbox_store_req *req, unsigned f, struct arena *arena,
                              struct buf *uids, const char **error_r)
{
	const char *fx, *kx;
	mailbox_store_exprs(req, f, arena, &fx, &kx);
	const char *sql = arena_printf(
	        arena,
	        "UPDATE mailbox_messages mm SET flags = %s, keywords = %s, modseq = $5::int8 "
	        "FROM (SELECT o.uid, o.flags FROM mailbox_messages o JOIN unnest($2::int8[], "
	        "$3::int8[]) AS r(lo, hi) ON o.uid BETWEEN r.lo AND r.hi WHERE o.mailbox_id = "
	        "$1::int8) old WHERE mm.mailbox_id = $1::int8 AND mm.uid = old.uid AND (%s <> "
	        "mm.flags OR %s <> mm.keywords) AND $4::int8[] IS NOT NULL RETURNING mm.uid, "
	        "mm.flags, mm.keywords, mm.modseq, "
	        "old.flags",
	        fx, kx, fx, kx);
	PGresult *res = db_exec(db, sql, 5, p, error_r);
	if (res == NULL)
		return STORE_EDB;
	int64_t unseen, deleted;
	mailbox_store_counts(res, &unseen, &deleted);
	for (int r = 0; r < PQntuples(res); r++)
		buf_printf(uids, "%s%s", uids->len > 1 ? "," : "", PQgetvalue(res, r, 0));
	PQclear(res);
	if (unseen == 0 && deleted == 0)
		return 0;
	char ub[24], db_[24];
	const char *cp[] = {p[0], store_i64(ub, unseen), store_i64(db_, deleted)};
	return db_cmd(db,
	              "UPDATE mailboxes SET unseen = GREATEST(unseen + $2::int8, 0), deleted_msgs "
	              "= "
	              "GREATEST(deleted_msgs + $3::int8, 0) WHERE id = $1::int8",
	              3, cp, error_r) < 0
	               ? STORE_EDB
	               : 0;
}

/*
 * Private \Seen (seen_private) of account p[5] for the ranges: set or cleared per
 * req; the message rows of changed UIDs are restamped with the new MODSEQ so that
 * every session's sync finds them.
 */
static int mailbox_store_private_seen(struct db *db, const char *const *p,
                                      const struct mailbox_store_req *req, struct buf *uids,
                                      const char **error_r)
{
	int seen = (req->flags & MAILBOX_FLAG_SEEN) != 0;
	if ((req->allowed_flags & MAILBOX_FLAG_SEEN) == 0 ||
	    (req->mode != MAILBOX_STORE_REPLACE && !seen))
		return 0;
	const char *sql =
	        req->mode == MAILBOX_STORE_REMOVE || !seen
	                ? "WITH s AS (DELETE FROM seen_private sp USING unnest($2::int8[], "
	                  "$3::int8[]) AS r(lo, hi) WHERE sp.account_id = $5::int8 AND "
	                  "sp.mailbox_id = $1::int8 AND sp.uid BETWEEN r.lo AND r.hi RETURNING "
	                  "sp.uid) UPDATE mailbox_messages mm SET modseq = $4::int8 FROM s WHERE "
	                  "mm.mailbox_id = $1::int8 AND mm.uid = s.uid RETURNING mm.uid"
	                : "WITH s AS (INSERT INTO seen_private (account_id, mailbox_id, uid, "
	                  "modseq) "
	                  "SELECT $5::int8, $1::int8, mm.uid, $4::int8 FROM mailbox_messages "
	                  "mm" MAILBOX_UID_RANGES_JOIN("2",
	                                               "3") "WHERE mm.mailbox_id = $1::int8 "
	                                                    "ON CONFLICT DO NOTHING RETURNING uid) "
	                                                    "UPDATE mailbox_messages mm SET "
	                                                    "modseq = $4::int8 FROM s WHERE "
	                                                    "mm.mailbox_id = $1::int8 AND mm.uid = "
	                                                    "s.uid RETURNING mm.uid";
	const char *q[] = {p[0], p[1], p[2], p[4], p[5]}; /* mailbox, lo, hi, modseq, account */
	PGresult *res = db_exec(db, sql, 5, q, error_r);
	if (res == NULL)
		return STORE_EDB;
	for (int r = 0; r < PQntuples(res); r++)
		buf_printf(uids, "%s%s", uids->len > 1 ? "," : "", PQgetvalue(res, r, 0));
	PQclear(res);
	return 0;
}

/* The state after the change of the UIDs listed in uids ("{1,2", closed here). */
static int mailbox_store_result(struct db *db, const char *const *p, struct buf *uids,
                                struct arena *arena, struct mailbox_sync_msg **changed_r,
                                size_t *n_r, const char **error_r)
{
	buf_append_char(uids, '}');
	const char *q[] = {p[0], buf_cstr(uids), p[5]};
	PGresult *res = db_exec(
	        db,
	        "SELECT mm.uid, " MAILBOX_SYNC_FLAGS_SQL(
	                "3") ", mm.keywords, "
	                     "mm.modseq FROM mailbox_messages mm WHERE mm.mailbox_id = $1::int8 "
	                     "AND mm.uid = ANY($2::int8[]) ORDER BY mm.uid",
	        3, q, error_r);
	if (res == NULL)
		return STORE_EDB;
	size_t n = (size_t)PQntuples(res);
	struct mailbox_sync_msg *out = arena_alloc(arena, (n + 1) * sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		out[i].uid = (uint32_t)store_get_i64(res, (int)i, 0);
		out[i].flags = (unsigned)store_get_i64(res, (int)i, 1);
		out[i].modseq = (uint64_t)store_get_i64(res, (int)i, 3);
		const char *kw = PQgetvalue(res, (int)i, 2);
		out[i].keywords = NULL;
		out[i].n_keywords = 0;
		if (strcmp(kw, "{}") != 0 &&
		    keyword_parse_array(kw, arena, &out[i].keywords, &out[i].n_keywords) < 0)
			out[i].n_keywords = 0;
	}
	PQclear(res);
	*changed_r = out;
	*n_r = n;
	return 0;
}

/*
 * UNCHANGEDSINCE: replace the ranges p[1], p[2] by the UIDs that pass the test and
 * list those that failed.  Runs after the mailbox row lock: every earlier writer
 * has committed, so the MODSEQs read here are final.
 */
static int mailbox_store_unchanged(struct db *db, const char **p, uint64_t since,
                                   struct arena *arena, uint32_t **modified_r, size_t *n_r,
                                   const char **error_r)
{
	char sb[24];
	const char *q[] = {p[0], p[1], p[2], store_i64(sb, (int64_t)since)};
	PGresult *res = db_exec(db,
	                        "SELECT mm.uid, (mm.modseq > $4::int8)::int FROM mailbox_messages "
	                        "mm" MAILBOX_UID_RANGES_JOIN("2", "3") "WHERE mm.mailbox_id = "
	                                                               "$1::int8 ORDER BY mm.uid",
	                        4, q, error_r);
	if (res == NULL)
		return STORE_EDB;
	int n = PQntuples(res);
	struct buf pass;
	buf_init_arena(&pass, arena);
	buf_append_char(&pass, '{');
	*modified_r = arena_alloc(arena, ((size_t)n + 1) * sizeof(**modified_r));
	*n_r = 0;
	for (int r = 0; r < n; r++) {
		if (store_get_i64(res, r, 1) != 0)
			(*modified_r)[(*n_r)++] = (uint32_t)store_get_i64(res, r, 0);
		else
			buf_printf(&pass, "%s%s", pass.len > 1 ? "," : "", PQgetvalue(res, r, 0));
	}
	PQclear(res);
	buf_append_char(&pass, '}');
	p[1] = p[2] = buf_cstr(&pass); /* one single-UID range per passing message */
	return 0;
}

int mailbox_msgs_store(struct db *db, int64_t mailbox_id, int64_t seen_account,
                       const struct mailbox_uid_ranges *uids, const struct mailbox_store_req *req,
                       struct arena *arena, struct mailbox_sync_msg **changed_r, size_t *n_r,
                       const char **error_r)
{
	uint32_t *modified;
	size_t n_modified;
	return mailbox_msgs_store_cond(db, mailbox_id, seen_account, uids, req, arena, changed_r,
	                               n_r, &modified, &n_modified, error_r);
}

int mailbox_msgs_store_cond(struct db *db, int64_t mailbox_id, int64_t seen_account,
                            const struct mailbox_uid_ranges *uids,
                            const struct mailbox_store_req *req, struct arena *arena,
                            struct mailbox_sync_msg **changed_r, size_t *n_r, uint32_t **modified_r,
                            size_t *n_modified_r, const char **error_r)
{
	char idbuf[24], seenbuf[24], modseq[24];
	const char *p[6] = {store_i64(idbuf, mailbox_id),
	                    NULL,
	                    NULL,
	                    keyword_format_array(req->keywords, req->n_keywords, arena),
	                    modseq,
	                    store_i64(seenbuf, seen_account)};
	struct buf changed;
	buf_init_arena(&changed, arena);
	buf_append_char(&changed, '{');
	mailbox_uid_ranges_params(uids, arena, &p[1], &p[2]);
	*n_r = *n_modified_r = 0;
	*changed_r = NULL;
	*modified_r = NULL;
	int r = store_begin(db, error_r);
	if (r == 0)
		r = mailbox_msgs_new_modseq(db, p[0], modseq, error_r);
	if (r == 0 && req->unchanged_test)
		r = mailbox_store_unchanged(db, p, req->unchangedsince, arena, modified_r,
		                            n_modified_r, error_r);
	/* A private \Seen is not the flags column's business. */
	struct mailbox_store_req col = *req;
	if (seen_account != 0)
		col.allowed_flags &= ~MAILBOX_FLAG_SEEN;
	if (r == 0)
		r = mailbox_store_rows(db, p, &col, req->flags, arena, &changed, error_r);
	if (r == 0 && seen_account != 0)
		r = mailbox_store_private_seen(db, p, req, &changed, error_r);
	if (r == 0 && changed.len == 1) {
		store_rollback(db); /* nothing changed: do not wake every session up */
		return 0;
	}
	if (r == 0)
		r = mailbox_store_result(db, p, &changed, arena, changed_r, n_r, error_r);
	if (r == 0) {
		store_changed(db, mailbox_id, strtoull(modseq, NULL, 10));
		return store_commit(db, error_r);
	}
	store_rollback(db);
	return r;
}

/* ---- QRESYNC ---- */

int mailbox_msgs_vanished(struct db *db, int64_t mailbox_id, uint64_t since,
                          const struct mailbox_uid_ranges *uids, struct arena *arena,
                          uint32_t **uids_r, size_t *n_r, const char **error_r)
{
	char idbuf[24], sb[24];
	const char *p[4] = {store_i64(idbuf, mailbox_id), store_i64(sb, (int64_t)since), "{0}",
	                    "{4294967295}"};
	if (uids != NULL)
		mailbox_uid_ranges_params(uids, arena, &p[2], &p[3]);
	PGresult *res = db_exec(db,
	                        "SELECT DISTINCT e.uid FROM expunged e JOIN unnest($3::int8[], "
	                        "$4::int8[]) AS r(lo, hi) ON e.uid BETWEEN r.lo AND r.hi WHERE "
	                        "e.mailbox_id = $1::int8 AND e.modseq > $2::int8 ORDER BY e.uid",
	                        4, p, error_r);
	if (res == NULL)
		return STORE_EDB;
	size_t n = (size_t)PQntuples(res);
	*uids_r = arena_alloc(arena, (n + 1) * sizeof(**uids_r));
	for (size_t i = 0; i < n; i++)
		(*uids_r)[i] = (uint32_t)store_get_i64(res, (int)i, 0);
	*n_r = n;
	PQclear(res);
	return 0;
}
