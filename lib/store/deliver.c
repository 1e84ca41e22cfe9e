/*
 * deliver.c - the delivery API of deliver.h: recipient lookup and the delivery
 * transaction.
 *
 * Order of work (DESIGN.md section 3): the slow parts (blob write + fsync, parse)
 * happen before the transaction; inside it, rows are locked in one global order
 * -- target mailboxes by id, then quota roots by id, then the blob row -- so two
 * deliveries never deadlock each other.  UID and MODSEQ come from the mailbox row
 * (`UPDATE mailboxes SET uidnext = uidnext + 1 ... RETURNING`), whose row lock
 * orders commits per mailbox, so UIDs ascend in commit order.
 *
 * The blob is referenced (blobs.refcount) in the same transaction; holding that
 * row lock, the file is checked and re-written if garbage collection removed it
 * in between (GC deletes files only under the row lock).
 */
#include "deliver.h"

#include "blob.h"
#include "message.h"
#include "store-private.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/xalloc.h"

#include "imap/message_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deadlock / serialization failures are retried this many times in all. */
#define DELIVER_TXN_ATTEMPTS 3
/* Longer Message-IDs are not deduplicated (they would not fit a btree entry). */
#define DELIVER_DEDUP_ID_MAX 900

struct deliver {
	char *conninfo;
	struct db *db;
	struct blob_store *blobs;
	struct deliver_settings set;
	struct arena *arena; /* per call */
	char sqlstate[6]; /* of the last failed statement */
	int borrowed; /* db belongs to the caller (deliver_new_db) */
	int statements; /* run in the current attempt (0: a failure is a stale connection) */
};

/* One distinct target mailbox during the transaction. */
struct deliver_box {
	int64_t id;
	int64_t root[2]; /* quota roots: mailbox-or-account, domain (0 = none) */
	enum deliver_status status;
	int64_t uid, modseq;
};

struct deliver_root {
	int64_t id;
	int64_t storage_limit, message_limit; /* -1 = unlimited */
	int64_t storage_used, messages_used;
	int64_t add_bytes, add_msgs;
};

struct deliver_txn {
	const struct blob_id *blob;
	uint64_t len;
	const void *msg;
	const struct message_index *idx; /* NULL when the blob was already indexed */
	int64_t message_row; /* 0 until known */
	const char *message_id; /* for dedup, NULL = none */
	const struct deliver_options *opts; /* initial flags etc., never NULL */
	struct deliver_box *boxes;
	size_t nboxes;
	struct deliver_root *roots;
	size_t nroots;
};

static char deliver_errbuf[1024];

struct deliver *deliver_new(const char *conninfo, struct blob_store *blobs,
                            const struct deliver_settings *set)
{
	struct deliver *d = xcalloc(1, sizeof(*d));
	d->conninfo = xstrdup(conninfo);
	d->blobs = blobs;
	d->set = *set;
	d->arena = arena_new(0);
	return d;
}

struct deliver *deliver_new_db(struct db *db, struct blob_store *blobs,
                               const struct deliver_settings *set)
{
	struct deliver *d = xcalloc(1, sizeof(*d));
	d->conninfo = xstrdup("");
	d->db = db;
	d->borrowed = 1;
	d->blobs = blobs;
	d->set = *set;
	d->arena = arena_new(0);
	return d;
}

void deliver_free(struct deliver **dp)
{
	struct deliver *d = *dp;
	if (d == NULL)
		return;
	if (!d->borrowed)
		db_close(&d->db);
	arena_free(&d->arena);
	XFREE(d->conninfo);
	XFREE(*dp);
}

uint64_t deliver_fsync_count(const struct deliver *d)
{
	return blob_fsync_count(d->blobs);
}

int deliver_connect(struct deliver *d, const char **error_r)
{
	if (d->db == NULL) {
		d->db = db_connect(d->conninfo, error_r);
		return d->db ? 0 : -1;
	}
	return db_check(d->db, error_r);
}

/* Run one statement; keeps the SQLSTATE of a failure for the retry decision. */
static PGresult *deliver_exec(struct deliver *d, const char *sql, int n, const char *const *params,
                              const char **error_r)
{
	PGresult *res = PQexecParams(d->db->conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	d->statements++;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	snprintf(d->sqlstate, sizeof(d->sqlstate), "%s", state ? state : "");
	snprintf(deliver_errbuf, sizeof(deliver_errbuf), "database: %s",
	         res ? PQresultErrorMessage(res) : PQerrorMessage(d->db->conn));
	deliver_errbuf[strcspn(deliver_errbuf, "\r\n")] = '\0';
	*error_r = deliver_errbuf;
	PQclear(res);
	return NULL;
}

static int deliver_cmd(struct deliver *d, const char *sql, int n, const char *const *params,
                       const char **error_r)
{
	PGresult *res = deliver_exec(d, sql, n, params, error_r);
	PQclear(res);
	return res ? 0 : -1;
}

/* A failed first statement on a connection that turned out dead: reconnect, retry. */
static int deliver_retry_stale(struct deliver *d)
{
	return d->statements <= 1 && d->db != NULL && PQstatus(d->db->conn) != CONNECTION_OK;
}

static int64_t deliver_int(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* ---- recipient lookup ---- */

static const char deliver_lookup_sql[] =
        "WITH t AS (SELECT a.id AS account, a.quota_root_id AS aroot, d.quota_root_id AS droot,"
        "  coalesce((SELECT m.id FROM mailboxes m WHERE m.owner_id = a.id AND m.name = $3"
        "             AND m.deleted_at IS NULL),"
        "           (SELECT m.id FROM mailboxes m WHERE m.owner_id = a.id AND m.name = 'INBOX'"
        "             AND m.deleted_at IS NULL)) AS mbox"
        " FROM accounts a JOIN domains d ON d.id = a.domain_id"
        " WHERE d.name = $1 AND a.localpart = $2 AND NOT a.disabled)"
        " SELECT t.mbox, EXISTS (SELECT 1 FROM quota_roots q WHERE q.id IN"
        "   (coalesce((SELECT quota_root_id FROM mailboxes WHERE id = t.mbox), t.aroot), t.droot)"
        "   AND ((q.storage_limit IS NOT NULL AND q.storage_used + $4::int8 > q.storage_limit)"
        "     OR (q.message_limit IS NOT NULL AND q.messages_used + 1 > q.message_limit)))"
        " FROM t";

/* Split "user+detail@Domain" into lower-case user, detail (case kept) and domain. */
static int deliver_split_address(struct arena *a, const char *address, const char **user_r,
                                 const char **detail_r, const char **domain_r)
{
	const char *at = strrchr(address, '@');
	if (at == NULL || at == address || at[1] == '\0')
		return -1;
	char *local = arena_strndup(a, address, (size_t)(at - address));
	char *domain = arena_strdup(a, at + 1);
	char *plus = strchr(local, '+');
	*detail_r = NULL;
	if (plus != NULL) {
		*plus = '\0';
		if (plus[1] != '\0')
			*detail_r = plus + 1;
	}
	for (char *p = local; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	for (char *p = domain; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	*user_r = message_utf8_clean(a, local);
	*domain_r = message_utf8_clean(a, domain);
	if (*detail_r)
		*detail_r = message_utf8_clean(a, *detail_r);
	return local[0] ? 0 : -1;
}

enum deliver_status deliver_lookup(struct deliver *d, const char *address, uint64_t size,
                                   int64_t *mailbox_id_r, const char **error_r)
{
	const char *p[4];
	arena_clear(d->arena);
	if (deliver_split_address(d->arena, address, &p[1], &p[2], &p[0]) < 0)
		return DELIVER_UNKNOWN;
	p[3] = arena_printf(d->arena, "%llu", (unsigned long long)size);
	for (int attempt = 0; attempt < 2; attempt++) {
		if (deliver_connect(d, error_r) < 0)
			return DELIVER_TEMPFAIL;
		d->statements = 0;
		PGresult *res = deliver_exec(d, deliver_lookup_sql, 4, p, error_r);
		if (res == NULL) {
			if (attempt == 0 && deliver_retry_stale(d))
				continue;
			return DELIVER_TEMPFAIL;
		}
		enum deliver_status st = DELIVER_UNKNOWN;
		if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
			*mailbox_id_r = deliver_int(res, 0, 0);
			st = PQgetvalue(res, 0, 1)[0] == 't' ? DELIVER_OVER_QUOTA : DELIVER_OK;
		}
		PQclear(res);
		return st;
	}
	return DELIVER_TEMPFAIL;
}

/* ---- the delivery transaction ---- */

static int deliver_cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The distinct target mailboxes, ascending by id (the lock order). */
static void deliver_boxes_init(struct deliver_txn *t, const struct deliver_target *targets,
                               size_t n, struct arena *a)
{
	int64_t *ids = arena_alloc(a, (n ? n : 1) * sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = targets[i].mailbox_id;
	qsort(ids, n, sizeof(*ids), deliver_cmp_id);
	t->boxes = arena_zalloc(a, (n ? n : 1) * sizeof(*t->boxes));
	t->nboxes = 0;
	for (size_t i = 0; i < n; i++) {
		if (t->nboxes > 0 && t->boxes[t->nboxes - 1].id == ids[i])
			continue;
		t->boxes[t->nboxes].id = ids[i];
		t->boxes[t->nboxes].status = DELIVER_TEMPFAIL; /* until locked */
		t->nboxes++;
	}
}

static struct deliver_box *deliver_box_find(struct deliver_txn *t, int64_t id)
{
	for (size_t i = 0; i < t->nboxes; i++)
		if (t->boxes[i].id == id)
			return &t->boxes[i];
	return NULL;
}

/* "{1,2,3}" of the boxes whose status is st. */
static const char *deliver_box_array(struct arena *a, const struct deliver_txn *t,
                                     enum deliver_status st, size_t *count_r)
{
	struct buf b;
	buf_init_arena(&b, a);
	buf_append_char(&b, '{');
	size_t count = 0;
	for (size_t i = 0; i < t->nboxes; i++) {
		if (t->boxes[i].status != st)
			continue;
		buf_printf(&b, "%s%lld", count++ ? "," : "", (long long)t->boxes[i].id);
	}
	buf_append_char(&b, '}');
	if (count_r)
		*count_r = count;
	return buf_cstr(&b);
}

static int deliver_lock_boxes(struct deliver *d, struct deliver_txn *t, const char **error_r)
{
	for (size_t i = 0; i < t->nboxes; i++)
		t->boxes[i].status = DELIVER_TEMPFAIL;
	const char *p[] = {deliver_box_array(d->arena, t, DELIVER_TEMPFAIL, NULL)};
	PGresult *res = deliver_exec(
	        d,
	        "SELECT m.id, coalesce(m.quota_root_id, a.quota_root_id), d.quota_root_id"
	        " FROM mailboxes m JOIN accounts a ON a.id = m.owner_id"
	        " JOIN domains d ON d.id = a.domain_id"
	        " WHERE m.id = ANY($1::int8[]) AND m.deleted_at IS NULL ORDER BY m.id FOR UPDATE "
	        "OF m",
	        1, p, error_r);
	if (res == NULL)
		return -1;
	for (int r = 0; r < PQntuples(res); r++) {
		struct deliver_box *box = deliver_box_find(t, deliver_int(res, r, 0));
		if (box == NULL)
			continue;
		box->status = DELIVER_OK; /* a mailbox deleted since RCPT stays TEMPFAIL */
		box->root[0] = deliver_int(res, r, 1);
		box->root[1] = deliver_int(res, r, 2);
		if (box->root[1] == box->root[0])
			box->root[1] = 0;
	}
	PQclear(res);
	return 0;
}

static struct deliver_root *deliver_root_find(struct deliver_txn *t, int64_t id)
{
	for (size_t i = 0; i < t->nroots; i++)
		if (t->roots[i].id == id)
			return &t->roots[i];
	return NULL;
}

/* Lock the quota roots of the live targets (by id) and read limits and usage. */
static int deliver_lock_roots(struct deliver *d, struct deliver_txn *t, const char **error_r)
{
	struct buf ids;
	buf_init_arena(&ids, d->arena);
	buf_append_char(&ids, '{');
	for (size_t i = 0; i < t->nboxes; i++)
		for (int k = 0; k < 2 && t->boxes[i].status == DELIVER_OK; k++)
			if (t->boxes[i].root[k] != 0)
				buf_printf(&ids, "%s%lld", ids.len > 1 ? "," : "",
				           (long long)t->boxes[i].root[k]);
	buf_append_char(&ids, '}');
	t->nroots = 0;
	if (ids.len == 2)
		return 0;
	const char *p[] = {buf_cstr(&ids)};
	PGresult *res =
	        deliver_exec(d,
	                     "SELECT id, coalesce(storage_limit, -1), coalesce(message_limit,"
	                     " -1), storage_used, messages_used FROM quota_roots"
	                     " WHERE id = ANY($1::int8[]) ORDER BY id FOR UPDATE",
	                     1, p, error_r);
	if (res == NULL)
		return -1;
	t->nroots = (size_t)PQntuples(res);
	t->roots = arena_zalloc(d->arena, (t->nroots + 1) * sizeof(*t->roots));
	for (size_t r = 0; r < t->nroots; r++) {
		struct deliver_root *q = &t->roots[r];
		q->id = deliver_int(res, (int)r, 0);
		q->storage_limit = deliver_int(res, (int)r, 1);
		q->message_limit = deliver_int(res, (int)r, 2);
		q->storage_used = deliver_int(res, (int)r, 3);
		q->messages_used = deliver_int(res, (int)r, 4);
	}
	PQclear(res);
	return 0;
}

static int deliver_root_fits(const struct deliver_root *q, uint64_t len)
{
	if (q->storage_limit >= 0 &&
	    (uint64_t)(q->storage_used + q->add_bytes) + len > (uint64_t)q->storage_limit)
		return 0;
	return q->message_limit < 0 || q->messages_used + q->add_msgs + 1 <= q->message_limit;
}

/*
 * Charge the live targets to their roots in id order; a target that does not fit
 * becomes OVER_QUOTA.  With check = 0 only recompute the charges (after dedup).
 */
static void deliver_quota(struct deliver_txn *t, int check)
{
	for (size_t r = 0; r < t->nroots; r++)
		t->roots[r].add_bytes = t->roots[r].add_msgs = 0;
	for (size_t i = 0; i < t->nboxes; i++) {
		struct deliver_box *box = &t->boxes[i];
		struct deliver_root *q[2] = {NULL, NULL};
		if (box->status != DELIVER_OK)
			continue;
		for (int k = 0; k < 2; k++) {
			q[k] = box->root[k] ? deliver_root_find(t, box->root[k]) : NULL;
			if (check && q[k] && !deliver_root_fits(q[k], t->len))
				box->status = DELIVER_OVER_QUOTA;
		}
		for (int k = 0; k < 2 && box->status == DELIVER_OK; k++) {
			if (q[k]) {
				q[k]->add_bytes += (int64_t)t->len;
				q[k]->add_msgs++;
			}
		}
	}
}

/*
 * Duplicate suppression: record (mailbox, Message-ID) for the live targets; a
 * target whose pair was recorded within the window gets no row back: DUPLICATE.
 */
static int deliver_dedup(struct deliver *d, struct deliver_txn *t, const char **error_r)
{
	size_t live;
	const char *ids = deliver_box_array(d->arena, t, DELIVER_OK, &live);
	if (live == 0 || d->set.dedup_window <= 0 || t->message_id == NULL ||
	    t->message_id[0] == '\0' || strlen(t->message_id) > DELIVER_DEDUP_ID_MAX)
		return 0;
	const char *p[] = {ids, message_utf8_clean(d->arena, t->message_id),
	                   arena_printf(d->arena, "%d", d->set.dedup_window)};
	PGresult *res = deliver_exec(
	        d,
	        "INSERT INTO delivery_dedup (mailbox_id, message_id)"
	        " SELECT unnest($1::int8[]), $2"
	        " ON CONFLICT (mailbox_id, message_id) DO UPDATE SET delivered_at = now()"
	        " WHERE delivery_dedup.delivered_at < now() - make_interval(secs => $3::int)"
	        " RETURNING mailbox_id",
	        3, p, error_r);
	if (res == NULL)
		return -1;
	for (size_t i = 0; i < t->nboxes; i++)
		if (t->boxes[i].status == DELIVER_OK)
			t->boxes[i].status = DELIVER_DUPLICATE;
	for (int r = 0; r < PQntuples(res); r++) {
		struct deliver_box *box = deliver_box_find(t, deliver_int(res, r, 0));
		if (box != NULL && box->status == DELIVER_DUPLICATE)
			box->status = DELIVER_OK;
	}
	PQclear(res);
	return 0;
}

/* UID + MODSEQ from each mailbox row, counters, and the mailbox_messages rows. */
static int deliver_insert_rows(struct deliver *d, struct deliver_txn *t, const char **error_r)
{
	const struct deliver_options *o = t->opts;
	unsigned seen = (o->flags & 1u) != 0, deleted = (o->flags & 8u) != 0;
	struct buf kw;
	buf_init_arena(&kw, d->arena);
	buf_append_char(&kw, '{');
	for (size_t i = 0; i < o->n_keywords; i++)
		buf_printf(&kw, "%s%lld", i ? "," : "", (long long)o->keywords[i]);
	buf_append_char(&kw, '}');
	const char *p[] = {
	        deliver_box_array(d->arena, t, DELIVER_OK, NULL),
	        arena_printf(d->arena, "%lld", (long long)t->message_row),
	        arena_printf(d->arena, "%llu", (unsigned long long)t->len),
	        arena_printf(d->arena, "%u", o->flags & 31u),
	        buf_cstr(&kw),
	        o->internaldate ? arena_printf(d->arena, "%lld", (long long)o->internaldate) : NULL,
	        seen ? "0" : "1",
	        deleted ? "1" : "0"};
	PGresult *res = deliver_exec(
	        d,
	        "WITH a AS (UPDATE mailboxes SET uidnext = uidnext + 1,"
	        "   highestmodseq = highestmodseq + 1, messages = messages + 1,"
	        "   unseen = unseen + $7::int8, deleted_msgs = deleted_msgs + $8::int8,"
	        "   size = size + $3::int8"
	        "  WHERE id = ANY($1::int8[]) RETURNING id, uidnext - 1 AS uid, highestmodseq)"
	        " INSERT INTO mailbox_messages (mailbox_id, uid, message_id, modseq, flags, "
	        "keywords,"
	        "   internaldate)"
	        " SELECT id, uid, $2::int8, highestmodseq, $4::int, $5::int8[],"
	        "   coalesce(to_timestamp($6::float8), now()) FROM a RETURNING mailbox_id, uid, "
	        "modseq",
	        8, p, error_r);
	if (res == NULL)
		return -1;
	for (int r = 0; r < PQntuples(res); r++) {
		struct deliver_box *box = deliver_box_find(t, deliver_int(res, r, 0));
		if (box != NULL) {
			box->uid = deliver_int(res, r, 1);
			box->modseq = deliver_int(res, r, 2);
		}
	}
	PQclear(res);
	return 0;
}

static int deliver_charge_quota(struct deliver *d, struct deliver_txn *t, const char **error_r)
{
	struct buf ids, bytes, msgs;
	buf_init_arena(&ids, d->arena);
	buf_init_arena(&bytes, d->arena);
	buf_init_arena(&msgs, d->arena);
	size_t n = 0;
	for (size_t r = 0; r < t->nroots; r++) {
		const struct deliver_root *q = &t->roots[r];
		if (q->add_msgs == 0)
			continue;
		const char *sep = n++ ? "," : "{";
		buf_printf(&ids, "%s%lld", sep, (long long)q->id);
		buf_printf(&bytes, "%s%lld", sep, (long long)q->add_bytes);
		buf_printf(&msgs, "%s%lld", sep, (long long)q->add_msgs);
	}
	if (n == 0)
		return 0;
	buf_append_char(&ids, '}');
	buf_append_char(&bytes, '}');
	buf_append_char(&msgs, '}');
	const char *p[] = {buf_cstr(&ids), buf_cstr(&bytes), buf_cstr(&msgs)};
	return deliver_cmd(d,
	                   "UPDATE quota_roots q SET storage_used = q.storage_used + c.b,"
	                   " messages_used = q.messages_used + c.n"
	                   " FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS c(id, b, n)"
	                   " WHERE q.id = c.id",
	                   3, p, error_r);
}

/*
 * Reference the blob (refcount += delivered rows).  The row lock keeps GC away
 * until commit; under it, make sure the file is (still) there.
 */
static int deliver_ref_blob(struct deliver *d, struct deliver_txn *t, size_t rows,
                            const char **error_r)
{
	const char *p[] = {message_sha_param(d->arena, t->blob),
	                   arena_printf(d->arena, "%llu", (unsigned long long)t->len),
	                   arena_printf(d->arena, "%zu", rows)};
	if (deliver_cmd(d,
	                "INSERT INTO blobs (sha256, size, refcount) VALUES ($1::bytea, $2::int8,"
	                " $3::int8) ON CONFLICT (sha256) DO UPDATE"
	                " SET refcount = blobs.refcount + EXCLUDED.refcount, last_ref_at = now()",
	                3, p, error_r) < 0)
		return -1;
	uint64_t size;
	const char *ignored;
	if (blob_stat(d->blobs, t->blob, &size, &ignored) == 0 && size == t->len)
		return 0;
	struct blob_id again;
	return blob_put(d->blobs, t->msg, t->len, &again, error_r);
}

/* Everything between BEGIN and COMMIT; on -1 the caller rolls back. */
static int deliver_txn_body(struct deliver *d, struct deliver_txn *t, const char **error_r)
{
	if (deliver_lock_boxes(d, t, error_r) < 0 || deliver_lock_roots(d, t, error_r) < 0)
		return -1;
	deliver_quota(t, 1);
	if (deliver_dedup(d, t, error_r) < 0)
		return -1;
	deliver_quota(t, 0);
	size_t rows = 0;
	for (size_t i = 0; i < t->nboxes; i++)
		rows += t->boxes[i].status == DELIVER_OK;
	if (rows == 0)
		return 0;
	if (t->message_row == 0) {
		struct message_index empty;
		const struct message_index *idx = t->idx;
		if (idx == NULL) {
			/* Indexed before, row gone since (cannot happen without GC of rows). */
			memset(&empty, 0, sizeof(empty));
			empty.size = t->len;
			idx = &empty;
		}
		if (message_insert(d->db, t->blob, t->len, idx, d->arena, &t->message_row,
		                   error_r) < 0)
			return -1;
	}
	if (deliver_insert_rows(d, t, error_r) < 0 || deliver_charge_quota(d, t, error_r) < 0)
		return -1;
	return deliver_ref_blob(d, t, rows, error_r);
}

static int deliver_txn_run(struct deliver *d, struct deliver_txn *t, const char **error_r)
{
	d->statements = 0;
	d->sqlstate[0] = '\0';
	if (deliver_cmd(d, "BEGIN", 0, NULL, error_r) < 0)
		return -1;
	if (deliver_txn_body(d, t, error_r) == 0 && deliver_cmd(d, "COMMIT", 0, NULL, error_r) == 0)
		return 0;
	if (PQstatus(d->db->conn) == CONNECTION_OK)
		PQclear(PQexec(d->db->conn, "ROLLBACK"));
	return -1;
}

static int deliver_retryable(struct deliver *d)
{
	return strcmp(d->sqlstate, "40P01") == 0 || strcmp(d->sqlstate, "40001") == 0 ||
	       deliver_retry_stale(d);
}

/* Find or build the parse-once index; sets t->message_row or t->idx, t->message_id. */
static int deliver_index(struct deliver *d, struct deliver_txn *t, struct message_index *idx,
                         const char **error_r)
{
	char *mid = NULL;
	int r = -1;
	for (int attempt = 0; attempt < 2 && r < 0; attempt++) {
		if (deliver_connect(d, error_r) < 0)
			return -1;
		d->statements = 0;
		r = message_find(d->db, t->blob, d->arena, &t->message_row, &mid, error_r);
		d->statements = 1;
		if (r < 0 && !deliver_retry_stale(d))
			return -1;
	}
	if (r < 0)
		return -1;
	if (r == 1) {
		t->message_id = mid;
		return 0;
	}
	const char *perr;
	if (message_index_build(t->msg, t->len, d->arena, idx, &perr) < 0) {
		/* Unparsable: still stored byte-exact, indexed by size only. */
		memset(idx, 0, sizeof(*idx));
		idx->size = t->len;
	}
	t->idx = idx;
	t->message_id = idx->message_id;
	return 0;
}

int deliver_message(struct deliver *d, const void *msg, size_t len, struct deliver_target *targets,
                    size_t n, const char **error_r)
{
	return deliver_message_opts(d, msg, len, targets, n, NULL, error_r);
}

int deliver_message_opts(struct deliver *d, const void *msg, size_t len,
                         struct deliver_target *targets, size_t n,
                         const struct deliver_options *opts, const char **error_r)
{
	static const struct deliver_options none;
	struct blob_id blob;
	struct message_index idx;
	struct deliver_txn t = {.blob = &blob, .len = len, .msg = msg, .opts = opts ? opts : &none};
	arena_clear(d->arena);
	for (size_t i = 0; i < n; i++)
		targets[i].status = DELIVER_TEMPFAIL;
	if (n == 0)
		return 0;
	if (blob_put(d->blobs, msg, len, &blob, error_r) < 0 ||
	    deliver_index(d, &t, &idx, error_r) < 0)
		return -1;
	deliver_boxes_init(&t, targets, n, d->arena);
	int r = -1;
	for (int attempt = 0; attempt < DELIVER_TXN_ATTEMPTS && r < 0; attempt++) {
		if (attempt > 0 && !deliver_retryable(d))
			break;
		if (deliver_connect(d, error_r) < 0)
			return -1;
		r = deliver_txn_run(d, &t, error_r);
	}
	if (r < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct deliver_box *box = deliver_box_find(&t, targets[i].mailbox_id);
		targets[i].status = box->status;
		targets[i].uid = (uint32_t)box->uid;
		targets[i].modseq = box->modseq;
	}
	return 0;
}
