/*
 * conn-private.h - struct conn itself, shared by conn.c (buffering, the public
 * read/write API) and conn-layer.c (the layer stack, the raw fd layer, waiting).
 * Nothing else may include it.
 */
#ifndef CAIRN_CONN_PRIVATE_H
#define CAIRN_CONN_PRIVATE_H

#include "buf.h"
#include "conn-layer.h"

#include <stdint.h>

struct conn {
	int fd;
	int owns_fd;
	int is_socket;
	int read_timeout_ms;
	int write_timeout_ms;

	char *in;
	size_t in_cap;
	size_t in_start; /* first unread byte */
	size_t in_end; /* end of received data */
	size_t scan; /* bytes after in_start already searched for LF */
	int discarding; /* inside an over-long line: drop input up to LF */

	struct buf out;
	int write_status; /* sticky: CONN_OK or the first write failure */
	char write_err[256];

	uint64_t bytes_in;
	uint64_t bytes_out;

	struct conn_layer raw; /* the bottom of the stack: the fd */
	struct conn_layer *top; /* &raw, or the last pushed layer */
	char errbuf[256];
};

/* conn-layer.c: set up c->raw as the bottom layer (c->top = &c->raw). */
void conn_layer_init_raw(struct conn *c);
/* conn-layer.c: close and free every pushed layer, top first. */
void conn_layers_free(struct conn *c);
/* conn-layer.c: errno text "what: strerror" into c->errbuf; returns CONN_ERROR. */
int conn_errno(struct conn *c, const char *what, const char **error_r);
/* conn-layer.c: poll the fd for events for at most timeout_ms (-1: forever). */
int conn_wait_ms(struct conn *c, short events, int timeout_ms, const char **error_r);
/* conn-layer.c: read from layer l, polling as needed: > 0, 0 EOF, or a conn_status. */
ssize_t conn_layer_read(struct conn_layer *l, void *dst, size_t len, const char **error_r);
/* conn-layer.c: write all of iov[0..iovcnt) to layer l, polling as needed. */
int conn_layer_writev_all(struct conn_layer *l, struct iovec *iov, int iovcnt,
                          const char **error_r);
/* conn-layer.c: flush layer l and those below, polling as needed. */
int conn_layer_flush(struct conn_layer *l, const char **error_r);

#endif
