/*
 * keyword.c - keyword names <-> ids (keyword.h).
 *
 * Lookups go through the unique index on lower(name) of migration 0051; a name
 * inserted concurrently by another session is found by the second SELECT.
 */
#include "keyword.h"

#include "store-util.h"

#include "base/arena.h"
#include "base/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int keyword_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* "{a,b}" text[] literal of names, each double-quoted with \ and " escaped. */
static const char *keyword_text_array(const char *const *names, size_t n, struct arena *arena)
{
	struct buf b;
	buf_init_arena(&b, arena);
	buf_append_char(&b, '{');
	for (size_t i = 0; i < n; i++) {
		buf_append_str(&b, i ? ",\"" : "\"");
		for (const char *p = names[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_append_char(&b, '\\');
			buf_append_char(&b, *p);
		}
		buf_append_char(&b, '"');
	}
	buf_append_char(&b, '}');
	return buf_cstr(&b);
}

int keyword_ids(struct db *db, const char *const *names, size_t n, struct arena *arena,
                int64_t **ids_r, size_t *n_ids_r, const char **error_r)
{
	*ids_r = arena_alloc(arena, (n ? n : 1) * sizeof(**ids_r));
	*n_ids_r = 0;
	if (n == 0)
		return 0;
	if (n > KEYWORD_MAX_PER_MESSAGE)
		return store_fail(STORE_EINVAL, error_r, "too many keywords");
	const char *params[] = {keyword_text_array(names, n, arena)};
	if (db_cmd(db,
	           "INSERT INTO keywords (name) SELECT DISTINCT ON (lower(k)) k FROM"
	           " unnest($1::text[]) k ON CONFLICT ((lower(name))) DO NOTHING",
	           1, params, error_r) < 0)
		return STORE_EDB;
	PGresult *res = db_exec(db,
	                        "SELECT id FROM keywords WHERE lower(name) IN"
	                        " (SELECT lower(k) FROM unnest($1::text[]) k) ORDER BY id",
	                        1, params, error_r);
	if (res == NULL)
		return STORE_EDB;
	size_t rows = (size_t)PQntuples(res);
	for (size_t i = 0; i < rows && i < n; i++)
		(*ids_r)[i] = store_get_i64(res, (int)i, 0);
	*n_ids_r = rows < n ? rows : n;
	PQclear(res);
	return 0;
}

int keyword_lookup(struct db *db, const char *name, int64_t *id_r, const char **error_r)
{
	const char *params[] = {name};
	PGresult *res = db_exec(db, "SELECT id FROM keywords WHERE lower(name) = lower($1)", 1,
	                        params, error_r);
	if (res == NULL)
		return STORE_EDB;
	*id_r = PQntuples(res) > 0 ? store_get_i64(res, 0, 0) : 0;
	PQclear(res);
	return 0;
}

int keyword_names(struct db *db, const int64_t *ids, size_t n, struct arena *arena,
                  const char ***names_r, const char **error_r)
{
	const char **names = arena_zalloc(arena, (n ? n : 1) * sizeof(*names));
	*names_r = names;
	if (n == 0)
		return 0;
	const char *params[] = {keyword_format_array(ids, n, arena)};
	PGresult *res = db_exec(db, "SELECT id, name FROM keywords WHERE id = ANY($1::int8[])", 1,
	                        params, error_r);
	if (res == NULL)
		return STORE_EDB;
	for (int r = 0; r < PQntuples(res); r++) {
		int64_t id = store_get_i64(res, r, 0);
		for (size_t i = 0; i < n; i++)
			if (ids[i] == id)
				names[i] = arena_strdup(arena, PQgetvalue(res, r, 1));
	}
	PQclear(res);
	return 0;
}

int keyword_parse_array(const char *text, struct arena *arena, int64_t **ids_r, size_t *n_r)
{
	size_t len = strlen(text), cap = 1;
	*n_r = 0;
	if (len < 2 || text[0] != '{' || text[len - 1] != '}')
		return -1;
	for (const char *p = text; *p; p++)
		cap += *p == ',';
	int64_t *ids = arena_alloc(arena, cap * sizeof(*ids));
	const char *p = text + 1;
	while (*p != '}') {
		char *end;
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end == p || errno != 0 || (*end != ',' && *end != '}') || *n_r >= cap)
			return -1;
		ids[(*n_r)++] = v;
		p = *end == ',' ? end + 1 : end;
	}
	qsort(ids, *n_r, sizeof(*ids), keyword_cmp);
	*ids_r = ids;
	return 0;
}

const char *keyword_format_array(const int64_t *ids, size_t n, struct arena *arena)
{
	struct buf b;
	buf_init_arena(&b, arena);
	buf_append_char(&b, '{');
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%lld", i ? "," : "", (long long)ids[i]);
	buf_append_char(&b, '}');
	return buf_cstr(&b);
}
