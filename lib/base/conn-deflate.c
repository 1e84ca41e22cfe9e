/*
 * conn-deflate.c - the DEFLATE conn layer (conn-deflate.h) on zlib: raw deflate,
 * Z_SYNC_FLUSH on each flush, bounded inflate output per read.
 *
 * Exports conn_deflate_start and conn_deflate_active.  The layer blocks through
 * conn_layer_read_below / conn_layer_write_below (with the conn's timeouts), so it
 * never returns CONN_IO_WANT_*.  Reading inflates straight into the caller's
 * buffer; afterwards it reads ahead into zbuf (without waiting) whenever compressed
 * input is left here or below, so pending() is exact: conn_has_input() == 1 means a
 * read returns at once, and a trailing sync marker, which inflates to nothing, is
 * consumed instead of looking like input.
 */
#include "conn-deflate.h"

#include "conn-layer.h"
#include "xalloc.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define DEFLATE_BUF 16384
#define DEFLATE_WINDOW_BITS (-15) /* negative: raw deflate, as RFC 4978 wants */
#define DEFLATE_MEM_LEVEL 8

struct deflate_layer {
	z_stream inf;
	z_stream def;
	int inf_more; /* the last inflate filled its output: it may hold more */
	int inf_end; /* the peer ended its stream (RFC 4978 peers never do): EOF */
	int failed; /* corrupt input found while reading ahead; errbuf says why */
	int def_dirty; /* deflate got input since the last sync flush */
	size_t olen; /* compressed bytes in obuf not yet written below */
	size_t zstart, zend; /* inflated, unread bytes: zbuf[zstart..zend) */
	char errbuf[160];
	unsigned char ibuf[DEFLATE_BUF]; /* compressed input read from below */
	unsigned char obuf[DEFLATE_BUF]; /* compressed output for below */
	unsigned char zbuf[DEFLATE_BUF]; /* inflated read-ahead */
};

/* zlib allocates through xalloc: out of memory is fatal in one place. */
static voidpf deflate_zalloc(voidpf opaque, uInt items, uInt size)
{
	return xcalloc(items, size);
}

static void deflate_zfree(voidpf opaque, voidpf p)
{
	free(p);
}

static int deflate_fail(struct deflate_layer *d, const char *what, const z_stream *z,
                        const char **error_r)
{
	snprintf(d->errbuf, sizeof(d->errbuf), "DEFLATE %s: %s", what,
	         z->msg != NULL ? z->msg : "stream error");
	*error_r = d->errbuf;
	return CONN_ERROR;
}

/* Inflate buffered compressed input into dst: bytes produced (maybe 0) or CONN_ERROR. */
static ssize_t deflate_inflate(struct deflate_layer *d, void *dst, size_t len, const char **error_r)
{
	d->inf.next_out = dst;
	d->inf.avail_out = len > UINT_MAX ? UINT_MAX : (uInt)len;
	uInt avail = d->inf.avail_out;
	int r = inflate(&d->inf, Z_SYNC_FLUSH);
	if (r == Z_STREAM_END)
		d->inf_end = 1;
	else if (r != Z_OK && r != Z_BUF_ERROR) /* Z_BUF_ERROR: no input, not fatal */
		return deflate_fail(d, "input", &d->inf, error_r);
	d->inf_more = d->inf.avail_out == 0 && !d->inf_end;
	/* zlib takes all input while it has output space: never spin on leftovers. */
	if (d->inf.avail_in > 0 && d->inf.avail_out == avail && !d->inf_end)
		return deflate_fail(d, "input", &d->inf, error_r);
	return (ssize_t)(avail - d->inf.avail_out);
}

/* Record an error met while reading ahead: the next read reports it (and pending()
 * makes sure that read comes). */
static void deflate_defer_error(struct deflate_layer *d, const char *error)
{
	if (error != d->errbuf)
		snprintf(d->errbuf, sizeof(d->errbuf), "%s", error);
	d->failed = 1;
}

/*
 * While nothing inflated is buffered, inflate what compressed input is left, and
 * pull more from below as long as the layers below already hold some (a TLS record
 * with only a sync marker in it must not make conn_has_input() say yes while a read
 * would block).  Never waits.  Afterwards zbuf holds data, or this layer and the
 * ones below hold nothing complete: pending() is exact.
 */
static void deflate_read_ahead(struct conn_layer *l)
{
	struct deflate_layer *d = l->ctx;
	const char *err = NULL;
	while (d->zend == d->zstart && !d->failed && !d->inf_end) {
		if (d->inf.avail_in == 0 && !d->inf_more) {
			ssize_t n = conn_layer_read_below_nowait(l, d->ibuf, sizeof(d->ibuf), &err);
			if (n == CONN_IO_WANT_READ || n == CONN_IO_WANT_WRITE || n == 0)
				return; /* nothing complete below (EOF: the next read sees it) */
			if (n < 0) {
				deflate_defer_error(d, err);
				return;
			}
			d->inf.next_in = d->ibuf;
			d->inf.avail_in = (uInt)n;
		}
		ssize_t n = deflate_inflate(d, d->zbuf, sizeof(d->zbuf), &err);
		d->zstart = 0;
		d->zend = n > 0 ? (size_t)n : 0;
		if (n < 0)
			deflate_defer_error(d, err);
	}
}

static ssize_t deflate_layer_read(struct conn_layer *l, void *dst, size_t len, const char **error_r)
{
	struct deflate_layer *d = l->ctx;
	if (d->zend > d->zstart) {
		size_t n = d->zend - d->zstart < len ? d->zend - d->zstart : len;
		memcpy(dst, d->zbuf + d->zstart, n);
		d->zstart += n;
		deflate_read_ahead(l);
		return (ssize_t)n;
	}
	for (;;) {
		if (d->failed) {
			*error_r = d->errbuf;
			return CONN_ERROR;
		}
		if (d->inf_end)
			return 0;
		if (d->inf.avail_in > 0 || d->inf_more) {
			ssize_t n = deflate_inflate(d, dst, len, error_r);
			if (n != 0) {
				deflate_read_ahead(l);
				return n;
			}
			continue; /* all input consumed, nothing came out (a sync marker) */
		}
		ssize_t n = conn_layer_read_below(l, d->ibuf, sizeof(d->ibuf), error_r);
		if (n <= 0)
			return n; /* EOF or an error status */
		d->inf.next_in = d->ibuf;
		d->inf.avail_in = (uInt)n;
	}
}

/* Run deflate over its pending input with flush (Z_NO_FLUSH / Z_SYNC_FLUSH),
 * writing obuf below whenever it fills, and for a sync flush at the end. */
static int deflate_run(struct conn_layer *l, int flush, const char **error_r)
{
	struct deflate_layer *d = l->ctx;
	for (;;) {
		d->def.next_out = d->obuf + d->olen;
		d->def.avail_out = (uInt)(sizeof(d->obuf) - d->olen);
		int r = deflate(&d->def, flush);
		d->olen = sizeof(d->obuf) - d->def.avail_out;
		if (r == Z_STREAM_ERROR)
			return deflate_fail(d, "output", &d->def, error_r);
		if (d->def.avail_out > 0)
			break; /* all input taken (and, for a sync flush, all output made) */
		int w = conn_layer_write_below(l, d->obuf, d->olen, error_r);
		d->olen = 0;
		if (w != CONN_OK)
			return w;
	}
	if (flush == Z_NO_FLUSH || d->olen == 0)
		return CONN_OK;
	int w = conn_layer_write_below(l, d->obuf, d->olen, error_r);
	d->olen = 0;
	return w;
}

static ssize_t deflate_layer_writev(struct conn_layer *l, const struct iovec *iov, int iovcnt,
                                    const char **error_r)
{
	struct deflate_layer *d = l->ctx;
	ssize_t total = 0;
	for (int i = 0; i < iovcnt; i++) {
		const unsigned char *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;
		while (left > 0) {
			uInt n = left > UINT_MAX ? UINT_MAX : (uInt)left;
			d->def.next_in = (unsigned char *)p;
			d->def.avail_in = n;
			int r = deflate_run(l, Z_NO_FLUSH, error_r);
			if (r != CONN_OK)
				return r;
			p += n;
			left -= n;
			d->def_dirty = 1;
		}
		total += (ssize_t)iov[i].iov_len;
	}
	return total;
}

static int deflate_layer_flush(struct conn_layer *l, const char **error_r)
{
	struct deflate_layer *d = l->ctx;
	if (!d->def_dirty)
		return CONN_OK; /* a second sync flush would only add an empty block */
	d->def_dirty = 0;
	return deflate_run(l, Z_SYNC_FLUSH, error_r);
}

static size_t deflate_layer_pending(const struct conn_layer *l)
{
	const struct deflate_layer *d = l->ctx;
	/* A stored error or the end of the stream: a read would not block either. */
	return d->zend - d->zstart + (d->failed || d->inf_end ? 1 : 0);
}

static void deflate_free(struct deflate_layer *d)
{
	(void)inflateEnd(&d->inf);
	(void)deflateEnd(&d->def);
	free(d);
}

static void deflate_layer_close(struct conn_layer *l)
{
	deflate_free(l->ctx);
	l->ctx = NULL;
}

static const struct conn_layer_ops deflate_layer_ops = {
        .name = "deflate",
        .read = deflate_layer_read,
        .writev = deflate_layer_writev,
        .flush = deflate_layer_flush,
        .pending = deflate_layer_pending,
        .close = deflate_layer_close,
};

int conn_deflate_start(struct conn *c, int level, const char **error_r)
{
	if (conn_deflate_active(c)) {
		*error_r = "DEFLATE is already active";
		return -1;
	}
	if (level < -1 || level > 9) {
		*error_r = "DEFLATE level must be -1..9";
		return -1;
	}
	struct deflate_layer *d = xcalloc(1, sizeof(*d));
	d->inf.zalloc = d->def.zalloc = deflate_zalloc;
	d->inf.zfree = d->def.zfree = deflate_zfree;
	if (inflateInit2(&d->inf, DEFLATE_WINDOW_BITS) != Z_OK ||
	    deflateInit2(&d->def, level, Z_DEFLATED, DEFLATE_WINDOW_BITS, DEFLATE_MEM_LEVEL,
	                 Z_DEFAULT_STRATEGY) != Z_OK) {
		*error_r = "DEFLATE: zlib initialisation failed";
		deflate_free(d);
		return -1;
	}
	if (conn_push_layer(c, &deflate_layer_ops, d, CONN_PUSH_KEEP_INPUT, NULL, error_r) < 0) {
		deflate_free(d);
		return -1;
	}
	return 0;
}

int conn_deflate_active(const struct conn *c)
{
	return conn_layer_find(c, &deflate_layer_ops) != NULL;
}
