/*
 * buf.h - the one growable, binary-safe byte buffer of cairn.
 *
 * A struct buf owns a heap block (or borrows an arena, see buf_init_arena) that
 * always has room for a trailing NUL, so buf_cstr() is O(1).  Lengths are size_t
 * and appends never truncate: memory exhaustion is fatal (xalloc.h).  Protocol
 * output is built with buf_append* / buf_printf, never raw sprintf.
 */
#ifndef CAIRN_BUF_H
#define CAIRN_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

struct buf {
	char *data; /* len bytes of content, then a NUL */
	size_t len;
	size_t cap; /* bytes allocated at data (>= len + 1 once allocated) */
	struct arena *arena; /* NULL: heap-owned; else allocated from (and freed with) arena */
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0, NULL                                                                   \
	}

/* Initialise an empty heap buffer. */
void buf_init(struct buf *b);
/* Initialise an empty buffer whose storage comes from arena (freed with it). */
void buf_init_arena(struct buf *b, struct arena *arena);
/* Release storage (heap buffers only; arena storage goes with the arena). */
void buf_free(struct buf *b);
/* Make room for at least extra more bytes (plus the NUL). */
void buf_reserve(struct buf *b, size_t extra);
/* Empty the buffer, keeping its storage. */
void buf_reset(struct buf *b);
/* Shorten to len bytes (len <= b->len). */
void buf_truncate(struct buf *b, size_t len);
/* Drop the first n bytes (n <= b->len), moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);

void buf_append(struct buf *b, const void *data, size_t len);
void buf_append_str(struct buf *b, const char *s);
void buf_append_char(struct buf *b, char c);
void buf_append_u64(struct buf *b, uint64_t v);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* The content as a NUL-terminated string (valid until the next change). */
const char *buf_cstr(struct buf *b);
/* Detach the heap block and return it (caller frees); b becomes empty. */
char *buf_steal(struct buf *b, size_t *len_r);

#endif
