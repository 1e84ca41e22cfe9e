/*
 * seqset.c - IMAP sequence sets: parse, resolve "*", normalise, test, iterate,
 * format (see seqset.h).  Exports the seqset_* functions.
 */
#include "imap/seqset.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/xalloc.h"

#include <stdlib.h>
#include <string.h>

void seqset_init(struct seqset *set, struct arena *arena)
{
	memset(set, 0, sizeof(*set));
	set->arena = arena;
	set->normalised = true;
}

void seqset_free(struct seqset *set)
{
	struct arena *arena = set->arena;
	if (arena == NULL)
		free(set->ranges);
	seqset_init(set, arena);
}

static void seqset_grow(struct seqset *set)
{
	unsigned cap = set->cap ? set->cap * 2 : 8;
	size_t size = (size_t)cap * sizeof(*set->ranges);

	if (set->arena == NULL) {
		set->ranges = xrealloc(set->ranges, size);
	} else {
		struct seqset_range *r = arena_alloc(set->arena, size);
		if (set->count > 0)
			memcpy(r, set->ranges, set->count * sizeof(*r));
		set->ranges = r;
	}
	set->cap = cap;
}

void seqset_add(struct seqset *set, uint32_t lo, uint32_t hi)
{
	if (set->count == set->cap)
		seqset_grow(set);
	if (lo == SEQSET_STAR || hi == SEQSET_STAR)
		set->has_star = true;
	if (set->count > 0 && set->normalised) {
		const struct seqset_range *last = &set->ranges[set->count - 1];
		/* Still normalised if strictly after the last range with a gap. */
		if (lo == SEQSET_STAR || hi == SEQSET_STAR || lo > hi ||
		    lo <= (uint64_t)last->hi + 1)
			set->normalised = false;
	} else if (lo == SEQSET_STAR || hi == SEQSET_STAR || lo > hi) {
		set->normalised = false;
	}
	set->ranges[set->count].lo = lo;
	set->ranges[set->count].hi = hi;
	set->count++;
}

/* Parse one seq-number (nz-number or "*") at s[*pos]. */
static int seqset_number(const char *s, size_t len, size_t *pos, uint32_t *n_r,
                         const char **error_r)
{
	size_t i = *pos;
	uint64_t v = 0;

	if (i < len && s[i] == '*') {
		*n_r = SEQSET_STAR;
		*pos = i + 1;
		return 0;
	}
	if (i >= len || s[i] < '1' || s[i] > '9') {
		*error_r = i < len && s[i] == '0' ? "Invalid sequence set: 0 or leading zero"
		                                  : "Invalid sequence set";
		return -1;
	}
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX) {
			*error_r = "Invalid sequence set: number too large";
			return -1;
		}
	}
	*n_r = (uint32_t)v;
	*pos = i;
	return 0;
}

int seqset_parse(struct seqset *set, const char *s, size_t len, const char **error_r)
{
	size_t i = 0;

	if (len == 1 && s[0] == '$') {
		set->searchres = true;
		return 0;
	}
	if (len == 0) {
		*error_r = "Empty sequence set";
		return -1;
	}
	for (;;) {
		uint32_t lo, hi;
		if (seqset_number(s, len, &i, &lo, error_r) < 0)
			return -1;
		hi = lo;
		if (i < len && s[i] == ':') {
			i++;
			if (seqset_number(s, len, &i, &hi, error_r) < 0)
				return -1;
		}
		seqset_add(set, lo, hi);
		if (i == len)
			return 0;
		if (s[i] != ',' || ++i == len) {
			*error_r = "Invalid sequence set";
			return -1;
		}
	}
}

static int seqset_range_cmp(const void *a, const void *b)
{
	const struct seqset_range *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

void seqset_normalise(struct seqset *set)
{
	unsigned out = 0;

	if (set->normalised)
		return;
	for (unsigned i = 0; i < set->count; i++) {
		struct seqset_range *r = &set->ranges[i];
		if (r->lo > r->hi) {
			uint32_t t = r->lo;
			r->lo = r->hi;
			r->hi = t;
		}
	}
	qsort(set->ranges, set->count, sizeof(*set->ranges), seqset_range_cmp);
	for (unsigned i = 0; i < set->count; i++) {
		struct seqset_range r = set->ranges[i];
		if (out > 0 && r.lo <= (uint64_t)set->ranges[out - 1].hi + 1) {
			if (r.hi > set->ranges[out - 1].hi)
				set->ranges[out - 1].hi = r.hi;
			continue;
		}
		set->ranges[out++] = r;
	}
	set->count = out;
	set->normalised = true;
}

void seqset_resolve(struct seqset *set, uint32_t max)
{
	unsigned out = 0;

	for (unsigned i = 0; i < set->count; i++) {
		struct seqset_range r = set->ranges[i];
		if (r.lo == SEQSET_STAR)
			r.lo = max;
		if (r.hi == SEQSET_STAR)
			r.hi = max;
		if (r.lo == 0 && r.hi == 0)
			continue; /* "*" in an empty mailbox */
		if (r.lo == 0)
			r.lo = 1;
		if (r.hi == 0)
			r.hi = 1;
		set->ranges[out++] = r;
	}
	set->count = out;
	set->has_star = false;
	set->normalised = false;
	seqset_normalise(set);
}

bool seqset_contains(const struct seqset *set, uint32_t n)
{
	unsigned lo = 0, hi = set->count;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct seqset_range *r = &set->ranges[mid];
		if (n < r->lo)
			hi = mid;
		else if (n > r->hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

uint64_t seqset_count(const struct seqset *set)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < set->count; i++)
		n += (uint64_t)set->ranges[i].hi - set->ranges[i].lo + 1;
	return n;
}

uint32_t seqset_max(const struct seqset *set)
{
	return set->count == 0 ? 0 : set->ranges[set->count - 1].hi;
}

void seqset_iter_init(struct seqset_iter *it, const struct seqset *set)
{
	it->set = set;
	it->idx = 0;
	it->next = set->count > 0 ? set->ranges[0].lo : 0;
}

bool seqset_iter_next(struct seqset_iter *it, uint32_t *n_r)
{
	const struct seqset *set = it->set;

	while (it->idx < set->count) {
		if (it->next <= set->ranges[it->idx].hi) {
			*n_r = (uint32_t)it->next++;
			return true;
		}
		if (++it->idx < set->count)
			it->next = set->ranges[it->idx].lo;
	}
	return false;
}

static void seqset_format_number(uint32_t n, struct buf *out)
{
	if (n == SEQSET_STAR)
		buf_append_char(out, '*');
	else
		buf_append_u64(out, n);
}

void seqset_format(const struct seqset *set, struct buf *out)
{
	if (set->searchres && set->count == 0) {
		buf_append_char(out, '$');
		return;
	}
	for (unsigned i = 0; i < set->count; i++) {
		const struct seqset_range *r = &set->ranges[i];
		if (i > 0)
			buf_append_char(out, ',');
		seqset_format_number(r->lo, out);
		if (r->lo != r->hi) {
			buf_append_char(out, ':');
			seqset_format_number(r->hi, out);
		}
	}
}
