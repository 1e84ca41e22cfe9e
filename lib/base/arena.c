/*
 * arena.c - chained-block region allocator (see arena.h).
 */
#include "arena.h"

#include "xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_BLOCK 8192

struct arena_block {
	struct arena_block *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char mem[];
};

struct arena {
	struct arena_block *head; /* current block; the first block is last in the chain */
	size_t block_size;
	size_t used_total;
};

static struct arena_block *arena_block_new(size_t size)
{
	struct arena_block *b = xmalloc(sizeof(*b) + size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct arena *arena_new(size_t block_size)
{
	struct arena *a = xcalloc(1, sizeof(*a));
	a->block_size = block_size ? block_size : ARENA_DEFAULT_BLOCK;
	a->head = arena_block_new(a->block_size);
	return a;
}

void arena_free(struct arena **ap)
{
	struct arena *a = *ap;
	if (a == NULL)
		return;
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	free(a);
	*ap = NULL;
}

void arena_clear(struct arena *a)
{
	while (a->head->next) {
		struct arena_block *next = a->head->next;
		free(a->head);
		a->head = next;
	}
	a->head->used = 0;
	a->used_total = 0;
}

void *arena_alloc(struct arena *a, size_t size)
{
	if (size > SIZE_MAX - ARENA_ALIGN)
		xmalloc(SIZE_MAX); /* fatal */
	size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (rounded == 0)
		rounded = ARENA_ALIGN;
	struct arena_block *b = a->head;
	if (b->size - b->used < rounded) {
		size_t bsize = rounded > a->block_size ? rounded : a->block_size;
		b = arena_block_new(bsize);
		b->next = a->head;
		a->head = b;
	}
	void *p = b->mem + b->used;
	b->used += rounded;
	a->used_total += size;
	return p;
}

void *arena_zalloc(struct arena *a, size_t size)
{
	void *p = arena_alloc(a, size);
	memset(p, 0, size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	char *p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t arena_used(const struct arena *a)
{
	return a->used_total;
}
