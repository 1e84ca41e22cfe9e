/*
 * arena.h - region allocator for the three lifetimes of cairn: process, client
 * and command (lmtpd adds transaction).
 *
 * Allocations are bump-pointer from chained blocks and are never freed one by one;
 * arena_clear() drops everything at once (keeping the first block for reuse), which
 * is how a daemon forgets a command after its tagged reply.  Large requests get a
 * block of their own.  Not thread-safe (cairn daemons are single-threaded).
 */
#ifndef CAIRN_ARENA_H
#define CAIRN_ARENA_H

#include <stddef.h>

struct arena;

/* Create an arena whose blocks are block_size bytes (0 = default 8 KiB). */
struct arena *arena_new(size_t block_size);
/* Free the arena and everything allocated from it; sets *a to NULL. */
void arena_free(struct arena **a);
/* Forget every allocation; memory of the first block is kept for reuse. */
void arena_clear(struct arena *a);

/* size bytes aligned for any type; never NULL (out of memory is fatal). */
void *arena_alloc(struct arena *a, size_t size);
/* Zeroed arena_alloc. */
void *arena_zalloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bytes currently handed out (for limits and tests). */
size_t arena_used(const struct arena *a);

#endif
