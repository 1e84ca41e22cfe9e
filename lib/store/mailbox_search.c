/*
 * mailbox_search.c - SEARCH keys to SQL (mailbox_search.h).
 *
 * The tree is walked once, writing the WHERE text and collecting parameters;
 * depth is bounded by the caller's parser (and checked again here).
 */
#include "mailbox_search.h"

#include "mailbox_sync.h"
#include "store-util.h"

#include "base/arena.h"
#include "base/buf.h"

#include <string.h>
#include <strings.h>

#define SEARCH_MAX_PARAMS 1000
#define SEARCH_MAX_DEPTH 200

struct search_sql {
	struct buf where;
	const char **params;
	int nparams;
	struct arena *arena;
	const char *error;
};

/* Add a parameter, return its "$n". */
static const char *search_param(struct search_sql *q, const char *value)
{
	if (q->nparams >= SEARCH_MAX_PARAMS) {
		q->error = "search program too large";
		return "NULL";
	}
	q->params[q->nparams++] = value;
	return arena_printf(q->arena, "$%d", q->nparams);
}

static const char *search_header_column(const char *field)
{
	static const char *const map[][2] = {{"FROM", "m.from_addr"},
	                                     {"TO", "m.to_addr"},
	                                     {"CC", "m.cc_addr"},
	                                     {"BCC", "m.bcc_addr"},
	                                     {"SUBJECT", "m.subject"}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(field, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

static void search_contains(struct search_sql *q, const char *column, const char *value)
{
	buf_printf(&q->where, "coalesce(strpos(lower(%s), lower(%s)) > 0, false)", column,
	           search_param(q, value));
}

static void search_header(struct search_sql *q, const struct search_key *k)
{
	const char *col = search_header_column(k->field);
	if (col != NULL && k->value[0] != '\0') {
		search_contains(q, col, k->value);
		return;
	}
	/* Any other field (or an empty value: "has the field"): the decoded header text. */
	const char *f = search_param(q, k->field), *v = search_param(q, k->value);
	buf_printf(&q->where,
	           "EXISTS (SELECT 1 FROM regexp_split_to_table(m.search_headers, E'\\n') l WHERE "
	           "lower(split_part(l, ':', 1)) = lower(%s) AND strpos(lower(substr(l, "
	           "length(%s) + 3)), lower(%s)) > 0)",
	           f, f, v);
}

/* BEFORE / ON / SINCE: the internal date's day in the server's zone, which is UTC
   (the zone FETCH INTERNALDATE is shown in, the same on every node). */
static void search_date(struct search_sql *q, const struct search_key *k, const char *column)
{
	const char *d = search_param(q, arena_printf(q->arena, "%lld", (long long)k->num));
	const char *day = arena_printf(q->arena, "to_timestamp(%s::int8)", d);
	switch (k->type) {
	case SEARCH_BEFORE:
	case SEARCH_SENTBEFORE:
		buf_printf(&q->where, "coalesce(%s < %s, false)", column, day);
		break;
	case SEARCH_SINCE:
	case SEARCH_SENTSINCE:
		buf_printf(&q->where, "coalesce(%s >= %s, false)", column, day);
		break;
	default:
		buf_printf(&q->where, "coalesce(%s >= %s AND %s < %s + interval '1 day', false)",
		           column, day, column, day);
		break;
	}
}

/*
 * SENTBEFORE / SENTON / SENTSINCE: the Date: header's calendar date in its own
 * zone (m.sent_day, schema 0053), ignoring time and zone; a message without a
 * readable Date: is compared by its internal date, as SORT does (RFC 5256).
 */
static void search_sent_date(struct search_sql *q, const struct search_key *k)
{
	int64_t days = k->num >= 0 ? k->num / 86400 : -((-k->num + 86399) / 86400);
	const char *d = search_param(q, arena_printf(q->arena, "%lld", (long long)days));
	const char *op = k->type == SEARCH_SENTBEFORE ? "<" : k->type == SEARCH_SENTON ? "=" : ">=";
	buf_printf(&q->where,
	           "(CASE WHEN m.sent_day IS NOT NULL THEN m.sent_day %s date '1970-01-01' + "
	           "%s::int4 ELSE ",
	           op, d);
	search_date(q, k, "mm.internaldate");
	buf_append_str(&q->where, " END)");
}

static void search_key_sql(struct search_sql *q, const struct search_key *k, int depth);

static void search_list(struct search_sql *q, const struct search_key *k, const char *op, int depth)
{
	buf_append_char(&q->where, '(');
	for (const struct search_key *c = k->children; c != NULL; c = c->next) {
		search_key_sql(q, c, depth + 1);
		if (c->next != NULL)
			buf_printf(&q->where, " %s ", op);
	}
	if (k->children == NULL)
		buf_append_str(&q->where, strcmp(op, "AND") == 0 ? "true" : "false");
	buf_append_char(&q->where, ')');
}

static void search_ranges(struct search_sql *q, const struct mailbox_uid_ranges *r)
{
	const char *lo, *hi;
	mailbox_uid_ranges_params(r, q->arena, &lo, &hi);
	buf_printf(&q->where,
	           "EXISTS (SELECT 1 FROM unnest(%s::int8[], %s::int8[]) AS r(lo, hi) WHERE mm.uid "
	           "BETWEEN r.lo AND r.hi)",
	           search_param(q, lo), search_param(q, hi));
}

/* The keys on the message's contents, dates and size. */
static void search_value_sql(struct search_sql *q, const struct search_key *k)
{
	switch (k->type) {
	case SEARCH_UIDS:
		search_ranges(q, &k->ranges);
		break;
	case SEARCH_HEADER:
		search_header(q, k);
		break;
	case SEARCH_BODY:
		search_contains(q, "m.search_text", k->value);
		break;
	case SEARCH_TEXT:
		buf_append_char(&q->where, '(');
		search_contains(q, "m.search_headers", k->value);
		buf_append_str(&q->where, " OR ");
		search_contains(q, "m.search_text", k->value);
		buf_append_char(&q->where, ')');
		break;
	case SEARCH_BEFORE:
	case SEARCH_ON:
	case SEARCH_SINCE:
		search_date(q, k, "mm.internaldate");
		break;
	case SEARCH_SENTBEFORE:
	case SEARCH_SENTON:
	case SEARCH_SENTSINCE:
		search_sent_date(q, k);
		break;
	case SEARCH_LARGER:
	case SEARCH_SMALLER:
		buf_printf(&q->where, "m.size %s %s::int8", k->type == SEARCH_LARGER ? ">" : "<",
		           search_param(q, arena_printf(q->arena, "%lld", (long long)k->num)));
		break;
	case SEARCH_MODSEQ:
		buf_printf(&q->where, "mm.modseq >= %s::int8",
		           search_param(q, arena_printf(q->arena, "%lld", (long long)k->num)));
		break;
	default:
		buf_append_str(&q->where, "false");
		break;
	}
}

static void search_key_sql(struct search_sql *q, const struct search_key *k, int depth)
{
	const char *flags = MAILBOX_SYNC_FLAGS_SQL("2");
	if (depth > SEARCH_MAX_DEPTH) {
		q->error = "search program nested too deeply";
		buf_append_str(&q->where, "false");
		return;
	}
	switch (k->type) {
	case SEARCH_ALL:
		buf_append_str(&q->where, "true");
		break;
	case SEARCH_NONE:
		buf_append_str(&q->where, "false");
		break;
	case SEARCH_AND:
		search_list(q, k, "AND", depth);
		break;
	case SEARCH_OR:
		search_list(q, k, "OR", depth);
		break;
	case SEARCH_NOT:
		buf_append_str(&q->where, "NOT ");
		search_list(q, k, "AND", depth);
		break;
	case SEARCH_FLAGS_SET:
		buf_printf(&q->where, "(%s & %u) = %u", flags, k->mask, k->mask);
		break;
	case SEARCH_FLAGS_UNSET:
		buf_printf(&q->where, "(%s & %u) = 0", flags, k->mask);
		break;
	case SEARCH_KEYWORD:
	case SEARCH_UNKEYWORD:
		buf_printf(&q->where, "%s(%s::int8 = ANY(mm.keywords))",
		           k->type == SEARCH_UNKEYWORD ? "NOT " : "",
		           search_param(q, arena_printf(q->arena, "%lld", (long long)k->num)));
		break;
	case SEARCH_MODSEQ:
		buf_printf(&q->where, "mm.modseq >= %s::int8",
		           search_param(q, arena_printf(q->arena, "%lld", (long long)k->num)));
		break;
	default:
		search_value_sql(q, k);
		break;
	}
}

int mailbox_search_sql(int64_t mailbox_id, int64_t seen_account, uint32_t max_uid,
                       const struct search_key *key, struct arena *arena, const char **sql_r,
                       const char *const **params_r, int *nparams_r, const char **error_r)
{
	struct search_sql q = {.arena = arena};
	q.params = arena_alloc(arena, (SEARCH_MAX_PARAMS + 3) * sizeof(*q.params));
	buf_init_arena(&q.where, arena);
	search_param(&q, arena_printf(arena, "%lld", (long long)mailbox_id));
	search_param(&q, arena_printf(arena, "%lld", (long long)seen_account));
	search_param(&q, arena_printf(arena, "%u", max_uid));
	search_key_sql(&q, key, 0);
	if (q.error != NULL)
		return store_fail(STORE_EINVAL, error_r, "%s", q.error);
	*sql_r = arena_printf(arena,
	                      "SELECT mm.uid FROM mailbox_messages mm JOIN messages m ON "
	                      "m.id = mm.message_id WHERE mm.mailbox_id = $1::int8 AND "
	                      "mm.uid <= $3::int8 AND $2::int8 IS NOT NULL AND (%s) "
	                      "ORDER BY mm.uid",
	                      buf_cstr(&q.where));
	*params_r = q.params;
	*nparams_r = q.nparams;
	return 0;
}

int mailbox_search(struct db *db, int64_t mailbox_id, int64_t seen_account, uint32_t max_uid,
                   const struct search_key *key, struct arena *arena, uint32_t **uids_r,
                   size_t *n_r, const char **error_r)
{
	const char *sql;
	const char *const *params;
	int nparams;
	int r = mailbox_search_sql(mailbox_id, seen_account, max_uid, key, arena, &sql, &params,
	                           &nparams, error_r);
	if (r < 0)
		return r;
	/* Dynamic text (one statement per search program): parameterised, not prepared. */
	PGresult *res = db_exec(db, sql, nparams, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	size_t n = (size_t)PQntuples(res);
	uint32_t *uids = arena_alloc(arena, (n + 1) * sizeof(*uids));
	for (size_t i = 0; i < n; i++)
		uids[i] = (uint32_t)store_get_i64(res, (int)i, 0);
	PQclear(res);
	*uids_r = uids;
	*n_r = n;
	return 0;
}
