/*
 * conn-layer.h - the stackable layer interface under struct conn, for tls.c,
 * conn-deflate.c and tests only (daemons use conn.h, tls.h, conn-deflate.h).
 *
 * A conn owns a stack of layers.  The bottom one is always the raw fd (read(2),
 * send(2) / sendmsg(2)); TLS and DEFLATE are pushed on top at run time, in that order for
 * IMAP (STARTTLS, then COMPRESS: RFC 4978 section 4 wants compression above TLS).
 * conn.c reads and writes only the top layer; each layer reads and writes the one
 * below it through conn_layer_read_below() / conn_layer_write_below().
 *
 * Contract of the ops (l is the layer, l->ctx its state):
 *   read    up to len bytes: > 0 a count, 0 for EOF, CONN_IO_WANT_READ /
 *           CONN_IO_WANT_WRITE when the fd must become readable / writable first
 *           (the caller polls and calls again with the same arguments), or a
 *           negative enum conn_status (CONN_ERROR, CONN_TIMEOUT, ...) with *error_r.
 *   writev  like read, > 0 = bytes taken from the front of iov (may be fewer than
 *           all; never 0).  A layer that buffers output (DEFLATE) takes everything.
 *   flush   push whatever the layer buffers into the layer below (conn then
 *           flushes that one: the stack is flushed top down): CONN_OK,
 *           CONN_IO_WANT_*, or a negative conn_status.  NULL: nothing to do.
 *   pending bytes of input held inside the layer that the fd will not signal
 *           (decrypted TLS records, inflated output).  Never under-estimate; an
 *           over-estimate (TLS counts a partial record as 1) must mean the peer is
 *           still sending, or conn_has_input() could make a daemon block in a read
 *           with replies unflushed (DEFLATE reads ahead to stay exact).
 *   close   free the state (best-effort shutdown, e.g. close_notify, no waiting).
 * Layers that wait through the *_below() helpers (DEFLATE) never return WANT_*.
 */
#ifndef CAIRN_CONN_LAYER_H
#define CAIRN_CONN_LAYER_H

#include "conn.h"

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Not conn_status values: "poll the fd for POLLIN / POLLOUT, then retry". */
#define CONN_IO_WANT_READ (-100)
#define CONN_IO_WANT_WRITE (-101)

struct conn_layer;

struct conn_layer_ops {
	const char *name;
	ssize_t (*read)(struct conn_layer *l, void *dst, size_t len, const char **error_r);
	ssize_t (*writev)(struct conn_layer *l, const struct iovec *iov, int iovcnt,
	                  const char **error_r);
	int (*flush)(struct conn_layer *l, const char **error_r);
	size_t (*pending)(const struct conn_layer *l);
	void (*close)(struct conn_layer *l);
};

struct conn_layer {
	const struct conn_layer_ops *ops;
	void *ctx;
	struct conn *conn;
	struct conn_layer *below; /* NULL for the raw fd layer */
	/* Input read from below before this layer was pushed (CONN_PUSH_KEEP_INPUT):
	 * conn_layer_read_below() serves it first. */
	char *handover;
	size_t handover_len, handover_off;
};

enum conn_push_input {
	/* Throw buffered input away (STARTTLS: plaintext pipelined after the command
	 * must never be taken as part of the TLS session). */
	CONN_PUSH_DISCARD_INPUT,
	/* Buffered input already belongs to the new layer's stream (COMPRESS: the
	 * client may send compressed bytes right after the server's OK): feed it in. */
	CONN_PUSH_KEEP_INPUT,
};

/*
 * Push a layer with ops and state ctx (owned by the conn from now on; ops->close
 * frees it) on top of c's stack.  First flushes pending output through the current
 * stack (the STARTTLS / COMPRESS reply goes out in the old framing), then handles
 * buffered input as `input` says; *discarded_r (may be NULL) gets the number of
 * bytes thrown away.  On a flush failure returns -1 and ctx is NOT taken.
 */
int conn_push_layer(struct conn *c, const struct conn_layer_ops *ops, void *ctx,
                    enum conn_push_input input, size_t *discarded_r, const char **error_r);

/* The ctx of the topmost layer with these ops, or NULL if none is on the stack. */
void *conn_layer_find(const struct conn *c, const struct conn_layer_ops *ops);

/* 1 if the top of the stack is the raw fd (no TLS, no DEFLATE): zero-copy allowed. */
int conn_top_is_raw(const struct conn *c);

/* Sum of pending() over the stack: input held inside layers, not in conn's buffer. */
size_t conn_layers_pending(const struct conn *c);

/*
 * For a layer's ops: read up to len bytes from the layer below l (handover bytes
 * first), polling with the read timeout as needed.  Returns > 0, 0 for EOF, or a
 * negative conn_status with *error_r.
 */
ssize_t conn_layer_read_below(struct conn_layer *l, void *dst, size_t len, const char **error_r);

/*
 * The same without waiting, for reading ahead: reads only if the layers below hold
 * input (handover bytes or pending() > 0), else returns CONN_IO_WANT_READ; a
 * CONN_IO_WANT_* from below also just means "nothing complete yet".
 */
ssize_t conn_layer_read_below_nowait(struct conn_layer *l, void *dst, size_t len,
                                     const char **error_r);

/* Write all len bytes to the layer below l, polling with the write timeout. */
int conn_layer_write_below(struct conn_layer *l, const void *src, size_t len, const char **error_r);

/*
 * Wait until the fd is readable (events POLLIN) or writable (POLLOUT), for at most the
 * read resp. write timeout.  Returns CONN_OK, CONN_TIMEOUT or CONN_ERROR.
 */
int conn_wait(struct conn *c, short events, const char **error_r);

#endif
