/*
 * buf.c - growable binary-safe buffer (see buf.h).
 */
#include "buf.h"

#include "arena.h"
#include "xalloc.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

static char buf_empty[1];

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->arena = NULL;
}

void buf_init_arena(struct buf *b, struct arena *arena)
{
	buf_init(b);
	b->arena = arena;
}

void buf_free(struct buf *b)
{
	if (b->arena == NULL)
		XFREE(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_reserve(struct buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1)
		xmalloc(SIZE_MAX); /* fatal: cannot represent */
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (b->arena != NULL) {
		char *p = arena_alloc(b->arena, cap);
		if (b->len)
			memcpy(p, b->data, b->len);
		b->data = p;
	} else {
		b->data = xrealloc(b->data, cap);
	}
	b->cap = cap;
	b->data[b->len] = '\0';
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_truncate(struct buf *b, size_t len)
{
	assert(len <= b->len);
	b->len = len;
	if (b->data)
		b->data[len] = '\0';
}

void buf_consume(struct buf *b, size_t n)
{
	assert(n <= b->len);
	if (n == 0)
		return; /* an empty buffer may have no data: memmove(NULL, ...) is undefined */
	memmove(b->data, b->data + n, b->len - n);
	buf_truncate(b, b->len - n);
}

void buf_append(struct buf *b, const void *data, size_t len)
{
	if (len == 0)
		return;
	buf_reserve(b, len);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_append_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_append_char(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_append_u64(struct buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	buf_append(b, tmp + i, sizeof(tmp) - i);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n <= 0)
		return;
	buf_reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *buf_cstr(struct buf *b)
{
	return b->data ? b->data : buf_empty;
}

char *buf_steal(struct buf *b, size_t *len_r)
{
	assert(b->arena == NULL);
	buf_reserve(b, 0);
	char *p = b->data;
	if (len_r)
		*len_r = b->len;
	buf_init(b);
	return p;
}
