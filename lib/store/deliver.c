/*
 * deliver.c - the delivery API of deliver.h: recipient lookup and the delivery
 * transaction.
 *
 * Order of work (DESIGN.md section 3): the slow parts (blob write + fsync, parse)
 * happen before the transaction.  The transaction itself is one call of the
 * server-side function cairn_deliver() (schema/0010_delivery_perf.sql): it locks
 * the target mailboxes by id, then their quota roots by id, then the blob row (one
 * global order, so deliveries never deadlock each other), checks quota, suppresses
 * duplicates, allocates UID and MODSEQ from each mailbox row and references the
 * blob.  Run as a single statement it is its own transaction, so a delivery is one
 * network round trip; both statements are prepared once per connection.
 *
 * A new blob is parsed before the call (it cannot be indexed yet); a blob that was
 * stored already is not, and the function says when its index is missing after all.
 * When garbage collection may have removed a blob file that was there before this
 * delivery, the function refuses (CB001) and the delivery runs inside BEGIN ...
 * COMMIT instead, checking the file under the blob row lock (GC deletes files only
 * under that lock).
 */
#include "deliver.h"

#include "blob.h"
#include "message.h"
#include "store-private.h"
#include "store-util.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/xalloc.h"

#include "imap/message_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deadlock / serialization failures are retried this many times in all. */
#define DELIVER_TXN_ATTEMPTS 3

/* cairn_deliver() result codes (schema/0010_delivery_perf.sql). */
#define DELIVER_SQL_OK 0
#define DELIVER_SQL_DUPLICATE 1
#define DELIVER_SQL_GONE 2
#define DELIVER_SQL_OVER_QUOTA 3

/* The function's arguments before the index, and all of them. */
#define DELIVER_CALL_FIXED 9
#define DELIVER_CALL_PARAMS (DELIVER_CALL_FIXED + MESSAGE_INDEX_PARAMS)

struct deliver {
	char *conninfo;
	struct db *db;
	struct blob_store *blobs;
	struct deliver_settings set;
	struct arena *arena; /* per call */
	char sqlstate[6]; /* of the last failed statement */
	int borrowed; /* db belongs to the caller (deliver_new_db) */
	int prepared; /* our statements exist on db, as of db->prepared_gen: */
	unsigned prepared_gen;
};

/* One delivery: the blob and the function's parameters. */
struct deliver_call {
	const void *msg;
	size_t len;
	struct blob_id blob;
	int created; /* this delivery wrote the blob file */
	int64_t *boxes; /* distinct target mailboxes, ascending */
	size_t nboxes;
	const char *p[DELIVER_CALL_PARAMS];
	struct message_index idx;
};

static char deliver_errbuf[1024];

/*
 * Recipients $1 domains, $2 local parts, $3 details (NULL = none), in order: one row
 * (ordinal, target mailbox or NULL, over quota) per address whose account exists.
 */
static const char deliver_lookup_sql[] =
        "SELECT u.ord, t.mbox, EXISTS (SELECT 1 FROM quota_roots q WHERE q.id IN"
        "   (coalesce((SELECT quota_root_id FROM mailboxes WHERE id = t.mbox), t.aroot), t.droot)"
        "   AND ((q.storage_limit IS NOT NULL AND q.storage_used + $4::int8 > q.storage_limit)"
        "     OR (q.message_limit IS NOT NULL AND q.messages_used + 1 > q.message_limit)))"
        " FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u(dom, lp, det, ord)"
        " JOIN LATERAL (SELECT a.quota_root_id AS aroot, d.quota_root_id AS droot,"
        "  coalesce((SELECT m.id FROM mailboxes m WHERE m.owner_id = a.id AND m.name = u.det"
        "             AND m.deleted_at IS NULL),"
        "           (SELECT m.id FROM mailboxes m WHERE m.owner_id = a.id AND m.name = 'INBOX'"
        "             AND m.deleted_at IS NULL)) AS mbox"
        "  FROM accounts a JOIN domains d ON d.id = a.domain_id"
        "  WHERE d.name = u.dom AND a.localpart = u.lp AND NOT a.disabled) t ON true";

static const char deliver_call_sql[] =
        "SELECT status, uid, modseq FROM cairn_deliver($1::int8[], $2::bytea,"
        " $3::int8, $4::int, $5::bool, $6::bool, $7::int, $8::int8[], $9::float8, $10::int8,"
        " $11::int8, $12::float8, $13, $14, $15, $16::bytea, $17, $18, $19, $20, $21, $22,"
        " $23, $24, $25, $26)";

/* Prepared statement names: prefixed, since the connection may be shared. */
static const struct {
	const char *name, *sql;
} deliver_statements[] = {
        {"cairn_deliver_lookup", deliver_lookup_sql},
        {"cairn_deliver_call", deliver_call_sql},
};
enum { DELIVER_STMT_LOOKUP, DELIVER_STMT_CALL };

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
	struct deliver *d = deliver_new("", blobs, set);
	d->db = db;
	d->borrowed = 1;
	return d;
}

void deliver_free(struct deliver **dp)
{
	struct deliver *d = *dp;
	if (d == NULL)
		return;
	/* Our prepared statements stay on a borrowed connection; a later context
	   on it finds them (42P05). */
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
		d->prepared = 0;
		d->db = db_connect(d->conninfo, error_r);
		return d->db ? 0 : -1;
	}
	return db_check(d->db, error_r);
}

/* Keep a failed result's SQLSTATE (for the retry decision) and message; clears res. */
static void deliver_failed(struct deliver *d, PGresult *res, const char **error_r)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	snprintf(d->sqlstate, sizeof(d->sqlstate), "%s", state ? state : "");
	snprintf(deliver_errbuf, sizeof(deliver_errbuf), "database: %s",
	         res ? PQresultErrorMessage(res) : PQerrorMessage(d->db->conn));
	deliver_errbuf[strcspn(deliver_errbuf, "\r\n")] = '\0';
	*error_r = deliver_errbuf;
	PQclear(res);
}

static int deliver_result_ok(const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Prepare our statements on this connection unless done since it was (re)opened. */
static int deliver_prepare(struct deliver *d, const char **error_r)
{
	if (d->prepared && d->prepared_gen == d->db->prepared_gen)
		return 0;
	for (size_t i = 0; i < sizeof(deliver_statements) / sizeof(deliver_statements[0]); i++) {
		PGresult *res = PQprepare(d->db->conn, deliver_statements[i].name,
		                          deliver_statements[i].sql, 0, NULL);
		const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		/* 42P05: prepared already, by another context sharing the connection. */
		if (!deliver_result_ok(res) && (state == NULL || strcmp(state, "42P05") != 0)) {
			deliver_failed(d, res, error_r);
			return -1;
		}
		PQclear(res);
	}
	d->prepared = 1;
	d->prepared_gen = d->db->prepared_gen;
	return 0;
}

/*
 * Run prepared statement stmt, connecting and preparing first.  A connection that
 * turns out dead (PostgreSQL restarted since the last call) is re-opened and the
 * statement run once more, as is one the server no longer knows (26000), so the
 * first delivery after a restart succeeds -- unless in_txn: a new connection would
 * be outside the caller's transaction.  NULL with *error_r and d->sqlstate.
 */
static PGresult *deliver_run(struct deliver *d, int stmt, int in_txn, int n,
                             const char *const *params, const char **error_r)
{
	d->sqlstate[0] = '\0';
	for (int attempt = 0;; attempt++) {
		if (deliver_connect(d, error_r) < 0)
			return NULL;
		PGresult *res = NULL;
		if (deliver_prepare(d, error_r) == 0) {
			res = PQexecPrepared(d->db->conn, deliver_statements[stmt].name, n, params,
			                     NULL, NULL, 0);
			if (deliver_result_ok(res))
				return res;
			deliver_failed(d, res, error_r);
		}
		int stale = PQstatus(d->db->conn) != CONNECTION_OK;
		if (attempt > 0 || in_txn || (!stale && strcmp(d->sqlstate, "26000") != 0))
			return NULL;
		d->prepared = 0;
	}
}

static int64_t deliver_int(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* ---- recipient lookup ---- */

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

/* Append s as an element of a text array literal begun with '{' (quoted, or NULL). */
static void deliver_array_elem(struct buf *b, const char *s)
{
	if (b->len > 1)
		buf_append_char(b, ',');
	if (s == NULL) {
		buf_append_str(b, "NULL");
		return;
	}
	buf_append_char(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_append_char(b, '\\');
		buf_append_char(b, *s);
	}
	buf_append_char(b, '"');
}

/* The three text array parameters ($1..$3) of deliver_lookup_sql; bad_r[i] = unusable. */
static void deliver_lookup_params(struct deliver *d, const char *const *addresses, size_t n,
                                  const char **p, char *bad_r)
{
	struct buf arr[3];
	for (int k = 0; k < 3; k++) {
		buf_init_arena(&arr[k], d->arena);
		buf_append_char(&arr[k], '{');
	}
	for (size_t i = 0; i < n; i++) {
		const char *part[3]; /* domain, user, detail */
		bad_r[i] = deliver_split_address(d->arena, addresses[i], &part[1], &part[2],
		                                 &part[0]) < 0;
		/* Looked up as an empty user, it gets no row: unknown. */
		if (bad_r[i])
			part[0] = part[1] = "", part[2] = NULL;
		for (int k = 0; k < 3; k++)
			deliver_array_elem(&arr[k], part[k]);
	}
	for (int k = 0; k < 3; k++) {
		buf_append_char(&arr[k], '}');
		p[k] = buf_cstr(&arr[k]);
	}
}

void deliver_lookup_many(struct deliver *d, const char *const *addresses, size_t n, uint64_t size,
                         enum deliver_status *status_r, int64_t *mailbox_id_r, const char **error_r)
{
	if (n == 0)
		return;
	arena_clear(d->arena);
	const char *p[4];
	char *bad = arena_alloc(d->arena, n);
	deliver_lookup_params(d, addresses, n, p, bad);
	p[3] = arena_printf(d->arena, "%llu", (unsigned long long)size);
	PGresult *res = deliver_run(d, DELIVER_STMT_LOOKUP, 0, 4, p, error_r);
	for (size_t i = 0; i < n; i++)
		status_r[i] = res == NULL && !bad[i] ? DELIVER_TEMPFAIL : DELIVER_UNKNOWN;
	if (res == NULL)
		return;
	for (int r = 0; r < PQntuples(res); r++) {
		int64_t i = deliver_int(res, r, 0) - 1;
		if (i < 0 || (size_t)i >= n || PQgetisnull(res, r, 1))
			continue;
		mailbox_id_r[i] = deliver_int(res, r, 1);
		status_r[i] = PQgetvalue(res, r, 2)[0] == 't' ? DELIVER_OVER_QUOTA : DELIVER_OK;
	}
	PQclear(res);
}

enum deliver_status deliver_lookup(struct deliver *d, const char *address, uint64_t size,
                                   int64_t *mailbox_id_r, const char **error_r)
{
	enum deliver_status st;
	deliver_lookup_many(d, &address, 1, size, &st, mailbox_id_r, error_r);
	return st;
}

/* ---- the delivery transaction ---- */

static int deliver_cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The distinct target mailboxes, ascending by id (the lock order), and as "{1,2,3}". */
static const char *deliver_boxes_init(struct arena *a, struct deliver_call *c,
                                      const struct deliver_target *targets, size_t n)
{
	int64_t *ids = arena_alloc(a, n * sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = targets[i].mailbox_id;
	qsort(ids, n, sizeof(*ids), deliver_cmp_id);
	struct buf b;
	buf_init_arena(&b, a);
	buf_append_char(&b, '{');
	c->nboxes = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && ids[i] == ids[i - 1])
			continue;
		buf_printf(&b, "%s%lld", c->nboxes ? "," : "", (long long)ids[i]);
		ids[c->nboxes++] = ids[i];
	}
	buf_append_char(&b, '}');
	c->boxes = ids;
	return buf_cstr(&b);
}

/* Parse the message into c->idx and fill the index parameters. */
static void deliver_index(struct deliver *d, struct deliver_call *c)
{
	const char *perr;
	if (message_index_build(c->msg, c->len, d->arena, &c->idx, &perr) < 0) {
		/* Unparsable: still stored byte-exact, indexed by size only. */
		memset(&c->idx, 0, sizeof(c->idx));
		c->idx.size = c->len;
	}
	message_index_params(d->arena, &c->idx, c->p + DELIVER_CALL_FIXED);
}

static void deliver_call_init(struct deliver *d, struct deliver_call *c,
                              const struct deliver_target *targets, size_t n,
                              const struct deliver_options *o)
{
	c->p[0] = deliver_boxes_init(d->arena, c, targets, n);
	c->p[1] = message_sha_param(d->arena, &c->blob);
	c->p[2] = arena_printf(d->arena, "%zu", c->len);
	c->p[3] = arena_printf(d->arena, "%d", d->set.dedup_window);
	c->p[4] = c->created ? "t" : "f";
	c->p[5] = "f"; /* verify in transaction */
	c->p[6] = arena_printf(d->arena, "%u", o->flags & 31u);
	struct buf kw;
	buf_init_arena(&kw, d->arena);
	buf_append_char(&kw, '{');
	for (size_t i = 0; i < o->n_keywords; i++)
		buf_printf(&kw, "%s%lld", i ? "," : "", (long long)o->keywords[i]);
	buf_append_char(&kw, '}');
	c->p[7] = buf_cstr(&kw);
	/* internaldate: Unix time, NULL = now() */
	c->p[8] =
	        o->internaldate ? arena_printf(d->arena, "%lld", (long long)o->internaldate) : NULL;
	for (int i = DELIVER_CALL_FIXED; i < DELIVER_CALL_PARAMS; i++)
		c->p[i] = NULL;
	/* A blob new to the store has no index yet: parse it before any lock. */
	if (c->created)
		deliver_index(d, c);
}

/* The function returns NULL statuses when the blob has no index yet. */
static int deliver_need_index(const PGresult *res)
{
	return PQntuples(res) == 1 && PQgetisnull(res, 0, 0);
}

/*
 * The slow path, when GC may have removed a file that existed before: the same
 * call inside BEGIN ... COMMIT, and before COMMIT, holding the blob row lock, the
 * file re-written if it is gone.
 */
static PGresult *deliver_call_verified(struct deliver *d, struct deliver_call *c,
                                       const char **error_r)
{
	PGresult *res = PQexec(d->db->conn, "BEGIN");
	if (!deliver_result_ok(res)) {
		deliver_failed(d, res, error_r);
		return NULL;
	}
	PQclear(res);
	c->p[5] = "t";
	res = deliver_run(d, DELIVER_STMT_CALL, 1, DELIVER_CALL_PARAMS, c->p, error_r);
	c->p[5] = "f";
	uint64_t size;
	const char *ignored;
	struct blob_id again;
	if (res != NULL && (blob_stat(d->blobs, &c->blob, &size, &ignored) < 0 || size != c->len) &&
	    blob_put(d->blobs, c->msg, c->len, &again, error_r) < 0) {
		PQclear(res);
		res = NULL;
	}
	PGresult *end = PQexec(d->db->conn, res ? "COMMIT" : "ROLLBACK");
	if (res != NULL && !deliver_result_ok(end)) {
		PQclear(res);
		deliver_failed(d, end, error_r);
		return NULL;
	}
	PQclear(end);
	return res;
}

/* The call; again inside BEGIN ... COMMIT with the file check when the function asks. */
static PGresult *deliver_call_checked(struct deliver *d, struct deliver_call *c,
                                      const char **error_r)
{
	PGresult *res = deliver_run(d, DELIVER_STMT_CALL, 0, DELIVER_CALL_PARAMS, c->p, error_r);
	if (res == NULL && strcmp(d->sqlstate, "CB001") == 0)
		res = deliver_call_verified(d, c, error_r);
	return res;
}

/* One attempt at the transaction: the result row, or NULL with d->sqlstate. */
static PGresult *deliver_call_once(struct deliver *d, struct deliver_call *c, const char **error_r)
{
	PGresult *res = deliver_call_checked(d, c, error_r);
	if (res != NULL && deliver_need_index(res)) {
		/* Stored before but never indexed (an earlier delivery failed, or GC
		   removed the unreferenced row): parse it now and call again. */
		PQclear(res);
		deliver_index(d, c);
		res = deliver_call_checked(d, c, error_r);
	}
	return res;
}

/*
 * Deadlocks and serialization failures are retried, and so is a foreign key
 * violation: blob GC deleted the unreferenced messages row this delivery was about
 * to use (the next attempt indexes the blob again).
 */
static int deliver_retryable(const struct deliver *d)
{
	return strcmp(d->sqlstate, "40P01") == 0 || strcmp(d->sqlstate, "40001") == 0 ||
	       strcmp(d->sqlstate, "23503") == 0;
}

static enum deliver_status deliver_sql_status(int64_t code)
{
	switch (code) {
	case DELIVER_SQL_OK:
		return DELIVER_OK;
	case DELIVER_SQL_DUPLICATE:
		return DELIVER_DUPLICATE;
	case DELIVER_SQL_OVER_QUOTA:
		return DELIVER_OVER_QUOTA;
	default:
		return DELIVER_TEMPFAIL; /* mailbox deleted since RCPT */
	}
}

/*
 * Parse a one-dimensional int8 array in text form ("{1,NULL,3}") into out[0..n-1]
 * (NULL as 0); -1 when it does not have exactly n elements.
 */
static int deliver_parse_array(const char *s, int64_t *out, size_t n)
{
	size_t i = 0;
	if (*s++ != '{')
		return -1;
	while (*s != '}' && *s != '\0') {
		if (i == n)
			return -1;
		out[i++] = strncmp(s, "NULL", 4) == 0 ? 0 : strtoll(s, NULL, 10);
		s += strcspn(s, ",}");
		if (*s == ',')
			s++;
	}
	return *s == '}' && i == n ? 0 : -1;
}

/* Copy each target's outcome from the result row (arrays parallel to c->boxes). */
static int deliver_results(struct deliver *d, const struct deliver_call *c, const PGresult *res,
                           struct deliver_target *targets, size_t n, const char **error_r)
{
	int64_t *v[3];
	for (int col = 0; col < 3; col++) {
		v[col] = arena_alloc(d->arena, c->nboxes * sizeof(int64_t));
		if (PQntuples(res) != 1 ||
		    deliver_parse_array(PQgetvalue(res, 0, col), v[col], c->nboxes) < 0) {
			*error_r = "database: unexpected result from cairn_deliver()";
			return -1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const int64_t *hit = bsearch(&targets[i].mailbox_id, c->boxes, c->nboxes,
		                             sizeof(int64_t), deliver_cmp_id);
		size_t k = (size_t)(hit - c->boxes);
		targets[i].status = deliver_sql_status(v[0][k]);
		targets[i].uid = (uint32_t)v[1][k];
		targets[i].modseq = v[2][k];
	}
	return 0;
}

/*
 * Belt and braces after COMMIT: the referenced file is there (refcount > 0 now, so
 * GC leaves it alone).  Only a file lost outside the GC protocol can be missing;
 * it is written again, and if that fails every target reports a temporary failure,
 * so the MTA retries, the retry rewrites the bytes and is suppressed as a duplicate.
 */
static int deliver_check_blob(struct deliver *d, const struct deliver_call *c,
                              struct deliver_target *targets, size_t n, const char **error_r)
{
	uint64_t size;
	const char *ignored;
	struct blob_id again;
	size_t delivered = 0;
	for (size_t i = 0; i < n; i++)
		delivered += targets[i].status == DELIVER_OK;
	if (delivered == 0 ||
	    (blob_stat(d->blobs, &c->blob, &size, &ignored) == 0 && size == c->len))
		return 0;
	if (blob_put(d->blobs, c->msg, c->len, &again, error_r) == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		targets[i].status = DELIVER_TEMPFAIL;
	return -1;
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
	struct deliver_call c = {.msg = msg, .len = len};
	arena_clear(d->arena);
	for (size_t i = 0; i < n; i++)
		targets[i].status = DELIVER_TEMPFAIL;
	if (n == 0)
		return 0;
	if (blob_put_created(d->blobs, msg, len, &c.blob, &c.created, error_r) < 0)
		return -1;
	deliver_call_init(d, &c, targets, n, opts ? opts : &none);
	PGresult *res = NULL;
	for (int attempt = 0; attempt < DELIVER_TXN_ATTEMPTS && res == NULL; attempt++) {
		if (attempt > 0 && !deliver_retryable(d))
			break;
		res = deliver_call_once(d, &c, error_r);
	}
	if (res == NULL)
		return -1;
	int r = deliver_results(d, &c, res, targets, n, error_r);
	PQclear(res);
	if (r < 0 || deliver_check_blob(d, &c, targets, n, error_r) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) /* committed: announce */
		if (targets[i].status == DELIVER_OK)
			store_changed(d->db, targets[i].mailbox_id, (uint64_t)targets[i].modseq);
	return 0;
}
