/*
 * conn-layer.c - the layer stack under struct conn (conn-layer.h): the raw fd
 * layer at the bottom, conn_push_layer, the *_below helpers layers use to reach
 * the layer under them, the poll()-with-timeout waits, and stack-wide pending().
 *
 * Layers are non-blocking or blocking as suits them: raw and TLS return
 * CONN_IO_WANT_* and the helpers here poll the fd and retry; DEFLATE calls the
 * helpers, so it blocks (with the conn's timeouts) like the conn API itself.
 */
#include "conn-private.h"

#include "xalloc.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int conn_errno(struct conn *c, const char *what, const char **error_r)
{
	snprintf(c->errbuf, sizeof(c->errbuf), "%s: %s", what, strerror(errno));
	*error_r = c->errbuf;
	return CONN_ERROR;
}

static long conn_elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000L + (now.tv_nsec - since->tv_nsec) / 1000000L;
}

int conn_wait_ms(struct conn *c, short events, int timeout_ms, const char **error_r)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int left = timeout_ms;
		if (timeout_ms > 0) {
			long el = conn_elapsed_ms(&start);
			left = el >= timeout_ms ? 0 : timeout_ms - (int)el;
		}
		struct pollfd p = {.fd = c->fd, .events = events, .revents = 0};
		int n = poll(&p, 1, left);
		if (n > 0)
			return CONN_OK; /* POLLHUP/POLLERR too: the next read/write says what */
		if (n == 0) {
			*error_r = (events & POLLOUT) ? "write timed out" : "read timed out";
			return CONN_TIMEOUT;
		}
		if (errno != EINTR)
			return conn_errno(c, "poll", error_r);
	}
}

int conn_wait(struct conn *c, short events, const char **error_r)
{
	int ms = (events & POLLOUT) ? c->write_timeout_ms : c->read_timeout_ms;
	return conn_wait_ms(c, events, ms, error_r);
}

/* ---- the raw fd layer ---- */

static ssize_t raw_read(struct conn_layer *l, void *dst, size_t len, const char **error_r)
{
	for (;;) {
		ssize_t n = read(l->conn->fd, dst, len);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return CONN_IO_WANT_READ;
		if (errno != EINTR)
			return conn_errno(l->conn, "read", error_r);
	}
}

static ssize_t raw_writev(struct conn_layer *l, const struct iovec *iov, int iovcnt,
                          const char **error_r)
{
	struct conn *c = l->conn;
	struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
	for (;;) {
		/* MSG_NOSIGNAL: a vanished client must not kill us by SIGPIPE.  One buffer (the
		 * usual flush) goes by send(), which is cheaper than sendmsg(). */
		ssize_t n;
		if (iovcnt == 1)
			n = c->is_socket ? send(c->fd, iov->iov_base, iov->iov_len, MSG_NOSIGNAL)
			                 : write(c->fd, iov->iov_base, iov->iov_len);
		else
			n = c->is_socket ? sendmsg(c->fd, &msg, MSG_NOSIGNAL)
			                 : writev(c->fd, iov, iovcnt);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return CONN_IO_WANT_WRITE;
		if (errno != EINTR)
			return conn_errno(c, "write", error_r);
	}
}

static const struct conn_layer_ops raw_ops = {
        .name = "raw",
        .read = raw_read,
        .writev = raw_writev,
};

void conn_layer_init_raw(struct conn *c)
{
	c->raw.ops = &raw_ops;
	c->raw.conn = c;
	c->top = &c->raw;
}

/* ---- the stack ---- */

int conn_push_layer(struct conn *c, const struct conn_layer_ops *ops, void *ctx,
                    enum conn_push_input input, size_t *discarded_r, const char **error_r)
{
	if (conn_flush(c, error_r) != CONN_OK)
		return -1;
	struct conn_layer *l = xcalloc(1, sizeof(*l));
	l->ops = ops;
	l->ctx = ctx;
	l->conn = c;
	l->below = c->top;
	size_t buffered = c->in_end - c->in_start;
	if (input == CONN_PUSH_KEEP_INPUT && buffered > 0) {
		l->handover = xmalloc(buffered);
		memcpy(l->handover, c->in + c->in_start, buffered);
		l->handover_len = buffered;
	}
	(void)conn_discard_input(c);
	if (discarded_r != NULL)
		*discarded_r = input == CONN_PUSH_KEEP_INPUT ? 0 : buffered;
	c->top = l;
	return 0;
}

void conn_layers_free(struct conn *c)
{
	while (c->top != &c->raw) {
		struct conn_layer *l = c->top;
		c->top = l->below;
		l->ops->close(l);
		XFREE(l->handover);
		XFREE(l);
	}
}

void *conn_layer_find(const struct conn *c, const struct conn_layer_ops *ops)
{
	for (const struct conn_layer *l = c->top; l != NULL; l = l->below)
		if (l->ops == ops)
			return l->ctx;
	return NULL;
}

int conn_top_is_raw(const struct conn *c)
{
	return c->top == &c->raw;
}

/* Input held in l and the layers below it. */
static size_t conn_stack_pending(const struct conn_layer *l)
{
	size_t n = 0;
	for (; l != NULL; l = l->below) {
		n += l->handover_len - l->handover_off;
		if (l->ops->pending != NULL)
			n += l->ops->pending(l);
	}
	return n;
}

size_t conn_layers_pending(const struct conn *c)
{
	return conn_stack_pending(c->top);
}

/* Poll for what a layer asked for (want is CONN_IO_WANT_READ or _WRITE). */
static int conn_layer_wait(struct conn *c, ssize_t want, int timeout_ms, const char **error_r)
{
	return conn_wait_ms(c, want == CONN_IO_WANT_READ ? POLLIN : POLLOUT, timeout_ms, error_r);
}

ssize_t conn_layer_read(struct conn_layer *l, void *dst, size_t len, const char **error_r)
{
	for (;;) {
		ssize_t n = l->ops->read(l, dst, len, error_r);
		if (n != CONN_IO_WANT_READ && n != CONN_IO_WANT_WRITE)
			return n;
		int r = conn_layer_wait(l->conn, n, l->conn->read_timeout_ms, error_r);
		if (r != CONN_OK)
			return r;
	}
}

ssize_t conn_layer_read_below(struct conn_layer *l, void *dst, size_t len, const char **error_r)
{
	size_t left = l->handover_len - l->handover_off;
	if (left == 0)
		return conn_layer_read(l->below, dst, len, error_r);
	size_t n = left < len ? left : len;
	memcpy(dst, l->handover + l->handover_off, n);
	l->handover_off += n;
	if (l->handover_off == l->handover_len) {
		XFREE(l->handover);
		l->handover_len = l->handover_off = 0;
	}
	return (ssize_t)n;
}

ssize_t conn_layer_read_below_nowait(struct conn_layer *l, void *dst, size_t len,
                                     const char **error_r)
{
	if (l->handover_len > l->handover_off)
		return conn_layer_read_below(l, dst, len, error_r); /* served from memory */
	if (conn_stack_pending(l->below) == 0)
		return CONN_IO_WANT_READ;
	return l->below->ops->read(l->below, dst, len, error_r);
}

int conn_layer_writev_all(struct conn_layer *l, struct iovec *iov, int iovcnt, const char **error_r)
{
	for (;;) {
		while (iovcnt > 0 && iov->iov_len == 0) {
			iov++;
			iovcnt--;
		}
		if (iovcnt == 0)
			return CONN_OK;
		ssize_t n = l->ops->writev(l, iov, iovcnt > IOV_MAX ? IOV_MAX : iovcnt, error_r);
		if (n == CONN_IO_WANT_READ || n == CONN_IO_WANT_WRITE) {
			int r = conn_layer_wait(l->conn, n, l->conn->write_timeout_ms, error_r);
			if (r != CONN_OK)
				return r;
			continue;
		}
		if (n <= 0) {
			if (n == 0)
				*error_r = "write: nothing written";
			return n == 0 ? CONN_ERROR : (int)n;
		}
		for (size_t done = (size_t)n; done > 0;) {
			size_t k = done < iov->iov_len ? done : iov->iov_len;
			iov->iov_base = (char *)iov->iov_base + k;
			iov->iov_len -= k;
			done -= k;
			if (iov->iov_len == 0) {
				iov++;
				iovcnt--;
			}
		}
	}
}

int conn_layer_write_below(struct conn_layer *l, const void *src, size_t len, const char **error_r)
{
	struct iovec iov = {.iov_base = (void *)src, .iov_len = len};
	return conn_layer_writev_all(l->below, &iov, 1, error_r);
}

int conn_layer_flush(struct conn_layer *l, const char **error_r)
{
	for (; l != NULL; l = l->below) {
		if (l->ops->flush == NULL)
			continue;
		for (;;) {
			ssize_t r = l->ops->flush(l, error_r);
			if (r == CONN_OK)
				break;
			if (r != CONN_IO_WANT_READ && r != CONN_IO_WANT_WRITE)
				return (int)r;
			r = conn_layer_wait(l->conn, r, l->conn->write_timeout_ms, error_r);
			if (r != CONN_OK)
				return (int)r;
		}
	}
	return CONN_OK;
}
