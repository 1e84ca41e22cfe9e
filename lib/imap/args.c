/*
 * args.c - typed getters over the parser's argument tree (see args.h): strings,
 * numbers, lists, sequence sets, mailbox names and patterns, flags, dates.
 */
#include "imap/args.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/flags.h"
#include "imap/imap_date.h"
#include "imap/imap_utf8.h"
#include "imap/mutf7.h"
#include "imap/seqset.h"

#include <string.h>
#include <strings.h>

bool imap_arg_is_atom(const struct imap_arg *a, const char *word)
{
	return a != NULL && a->type == IMAP_ARG_ATOM && strcasecmp(a->str, word) == 0;
}

bool imap_arg_get_atom(const struct imap_arg *a, const char **str_r)
{
	if (a == NULL || a->type != IMAP_ARG_ATOM)
		return false;
	*str_r = a->str;
	return true;
}

/* ASTRING-CHAR, extended with the list-wildcards when wild. */
static bool imap_args_astring_atom(const struct imap_arg *a, bool wild)
{
	for (size_t i = 0; i < a->len; i++) {
		char c = a->str[i];
		if (c == '\\' || (!wild && (c == '%' || c == '*')))
			return false;
	}
	return true;
}

bool imap_arg_get_string(const struct imap_arg *a, const char **str_r, size_t *len_r)
{
	if (a == NULL || (a->type != IMAP_ARG_QUOTED && a->type != IMAP_ARG_LITERAL) || a->literal8)
		return false;
	*str_r = a->str;
	*len_r = a->len;
	return true;
}

bool imap_arg_get_astring(const struct imap_arg *a, const char **str_r, size_t *len_r)
{
	if (a != NULL && (a->type == IMAP_ARG_NIL ||
	                  (a->type == IMAP_ARG_ATOM && imap_args_astring_atom(a, false)))) {
		*str_r = a->str;
		*len_r = a->len;
		return true;
	}
	return imap_arg_get_string(a, str_r, len_r);
}

bool imap_arg_get_nstring(const struct imap_arg *a, const char **str_r, size_t *len_r)
{
	if (a != NULL && a->type == IMAP_ARG_NIL) {
		*str_r = NULL;
		*len_r = 0;
		return true;
	}
	return imap_arg_get_string(a, str_r, len_r);
}

static bool imap_args_digits(const struct imap_arg *a, uint64_t max, uint64_t *n_r)
{
	uint64_t v = 0;

	if (a == NULL || a->type != IMAP_ARG_ATOM || a->len == 0 || a->len > 19)
		return false;
	for (size_t i = 0; i < a->len; i++) {
		if (a->str[i] < '0' || a->str[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(a->str[i] - '0');
	}
	if (v > max)
		return false;
	*n_r = v;
	return true;
}

bool imap_arg_get_number(const struct imap_arg *a, uint32_t *n_r)
{
	uint64_t v;
	if (!imap_args_digits(a, UINT32_MAX, &v))
		return false;
	*n_r = (uint32_t)v;
	return true;
}

bool imap_arg_get_nz_number(const struct imap_arg *a, uint32_t *n_r)
{
	if (a == NULL || a->len == 0 || a->str[0] == '0')
		return false;
	return imap_arg_get_number(a, n_r);
}

bool imap_arg_get_number64(const struct imap_arg *a, uint64_t *n_r)
{
	return imap_args_digits(a, UINT64_C(0x7fffffffffffffff), n_r);
}

bool imap_arg_get_list(const struct imap_arg *a, const struct imap_arg **first_r, unsigned *count_r)
{
	if (a == NULL || a->type != IMAP_ARG_LIST)
		return false;
	*first_r = a->list;
	*count_r = a->list_count;
	return true;
}

int imap_arg_get_seqset(const struct imap_arg *a, struct seqset *set, const char **error_r)
{
	if (a == NULL || a->type != IMAP_ARG_ATOM) {
		*error_r = "Invalid sequence set";
		return -1;
	}
	return seqset_parse(set, a->str, a->len, error_r);
}

/* Decode an astring name (mUTF-7 unless utf8) into arena. */
static int imap_args_decode_name(const char *s, size_t len, bool utf8, struct arena *arena,
                                 const char **name_r, size_t *len_r, const char **error_r)
{
	struct buf out;

	buf_init_arena(&out, arena);
	if (utf8) {
		if (!imap_utf8_valid(s, len)) {
			*error_r = "Mailbox name is not valid UTF-8";
			return -1;
		}
		buf_append(&out, s, len);
	} else if (mutf7_decode(s, len, &out, error_r) < 0) {
		return -1;
	}
	*name_r = buf_cstr(&out);
	*len_r = out.len;
	return 0;
}

int imap_arg_get_mailbox(const struct imap_arg *a, bool utf8, struct arena *arena,
                         const char **name_r, size_t *len_r, const char **error_r)
{
	const char *s;
	size_t len;

	if (!imap_arg_get_astring(a, &s, &len)) {
		*error_r = "Invalid mailbox name";
		return -1;
	}
	if (imap_args_decode_name(s, len, utf8, arena, name_r, len_r, error_r) < 0)
		return -1;
	if (*len_r == 5 && strcasecmp(*name_r, "INBOX") == 0)
		*name_r = "INBOX";
	return imap_mailbox_name_check(*name_r, *len_r, IMAP_HIERARCHY_SEP, error_r);
}

int imap_arg_get_list_pattern(const struct imap_arg *a, bool utf8, struct arena *arena,
                              const char **pattern_r, size_t *len_r, const char **error_r)
{
	const char *s;
	size_t len;

	if (a != NULL && a->type == IMAP_ARG_ATOM && imap_args_astring_atom(a, true)) {
		s = a->str;
		len = a->len;
	} else if (!imap_arg_get_astring(a, &s, &len)) {
		*error_r = "Invalid mailbox pattern";
		return -1;
	}
	if (imap_args_decode_name(s, len, utf8, arena, pattern_r, len_r, error_r) < 0)
		return 1;
	for (size_t i = 0; i < *len_r; i++) {
		unsigned char c = (unsigned char)(*pattern_r)[i];
		if (c < 0x20 || c == 0x7f) {
			*error_r = "Mailbox pattern contains control characters";
			return -1;
		}
	}
	return 0;
}

static int imap_args_add_flag(const struct imap_arg *a, struct arena *arena,
                              struct imap_flag_set *set, unsigned *cap, const char **error_r)
{
	/* NIL is an atom like any other here: the keyword "NIL" (RFC 9051 flag-keyword). */
	if (a->type != IMAP_ARG_ATOM && a->type != IMAP_ARG_NIL) {
		*error_r = "Invalid flag";
		return -1;
	}
	if (a->str[0] == '\\') {
		unsigned bit = imap_flag_from_name(a->str, a->len);
		if (bit == 0) {
			*error_r = "Invalid system flag";
			return -1;
		}
		set->system |= bit;
		return 0;
	}
	if (!imap_keyword_valid(a->str, a->len)) {
		*error_r = "Invalid keyword";
		return -1;
	}
	for (unsigned i = 0; i < set->keyword_count; i++)
		if (strcasecmp(set->keywords[i], a->str) == 0)
			return 0;
	if (set->keyword_count == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		const char **k = arena_alloc(arena, *cap * sizeof(*k));
		if (set->keyword_count > 0)
			memcpy(k, set->keywords, set->keyword_count * sizeof(*k));
		set->keywords = k;
	}
	set->keywords[set->keyword_count++] = a->str;
	return 0;
}

int imap_arg_get_flags(const struct imap_arg *a, struct arena *arena, struct imap_flag_set *flags_r,
                       const char **error_r)
{
	unsigned cap = 0;

	memset(flags_r, 0, sizeof(*flags_r));
	if (a == NULL) {
		*error_r = "Missing flags";
		return -1;
	}
	if (a->type == IMAP_ARG_LIST)
		a = a->list;
	for (; a != NULL; a = a->next)
		if (imap_args_add_flag(a, arena, flags_r, &cap, error_r) < 0)
			return -1;
	return 0;
}

int imap_arg_get_datetime(const struct imap_arg *a, time_t *t_r, int *tz_min_r,
                          const char **error_r)
{
	const char *s;
	size_t len;

	if (!imap_arg_get_string(a, &s, &len)) {
		*error_r = "Invalid date-time";
		return -1;
	}
	return imap_datetime_parse(s, len, t_r, tz_min_r, error_r);
}

int imap_arg_get_date(const struct imap_arg *a, time_t *t_r, const char **error_r)
{
	const char *s;
	size_t len;

	if (a != NULL && a->type == IMAP_ARG_ATOM) {
		s = a->str;
		len = a->len;
	} else if (!imap_arg_get_string(a, &s, &len)) {
		*error_r = "Invalid date";
		return -1;
	}
	return imap_date_parse(s, len, t_r, error_r);
}
