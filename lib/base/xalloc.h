/*
 * xalloc.h - allocation wrappers for which out-of-memory is fatal.
 *
 * Every heap allocation in cairn goes through these (jemalloc underneath in the
 * daemons).  They never return NULL: on failure they log and abort, so callers
 * need no error path for memory.
 */
#ifndef CAIRN_XALLOC_H
#define CAIRN_XALLOC_H

#include <stddef.h>

/* Allocate size bytes (uninitialised); size 0 is treated as 1. */
void *xmalloc(size_t size);
/* Allocate n*size zeroed bytes; aborts on multiplication overflow. */
void *xcalloc(size_t n, size_t size);
/* Resize ptr (may be NULL) to size bytes. */
void *xrealloc(void *ptr, size_t size);
/* Copy a NUL-terminated string. */
char *xstrdup(const char *s);
/* Copy n bytes of s and NUL-terminate the copy. */
char *xstrndup(const char *s, size_t n);
/* Free *ptr and set it to NULL. */
void xfree(void **ptr);

#define XFREE(p) xfree((void **)&(p))

#endif
