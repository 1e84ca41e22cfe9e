/*
 * xalloc.c - the one place where running out of memory is handled: it is fatal.
 */
#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

static void __attribute__((noreturn)) xalloc_fail(size_t size)
{
	/* No log_* here: logging may itself allocate. */
	fprintf(stderr, "event=fatal reason=out_of_memory size=%zu\n", size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p == NULL)
		xalloc_fail(size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		xalloc_fail(SIZE_MAX);
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		xalloc_fail(n * size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (p == NULL)
		xalloc_fail(size);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void xfree(void **ptr)
{
	free(*ptr);
	*ptr = NULL;
}
