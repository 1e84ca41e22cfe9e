/*
 * conn.c - buffered, blocking-with-timeouts network connection (see conn.h).
 *
 * Exports conn_new/free, the line/chunk/exact/stream readers, corked writes with
 * conn_flush, conn_write_direct/conn_write_fd for big data.  Everything goes through
 * the top of the layer stack (conn-layer.c: raw fd, then TLS, then DEFLATE); only
 * sendfile(2) talks to the fd itself, and only while no layer is pushed.  This file
 * never calls SSL_*, so programs that never use TLS (cairn-master) need no libssl.
 *
 * Input lives in one linear buffer [in_start, in_end) that grows only as far as the
 * longest line the caller allows; literals stream through it in buffer-sized pieces.
 */
#include "conn-private.h"

#include "xalloc.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONN_IN_MIN 8192 /* first input buffer; enough for most commands */
#define CONN_OUT_HIGH 65536 /* flush early past this much output */
#define CONN_OUT_KEEP (4 * CONN_OUT_HIGH) /* larger output buffers are released */
#define CONN_DIRECT_MIN 16384 /* below this, direct writes are just copied */
#define CONN_DEFAULT_WRITE_MS 300000

struct conn *conn_new(int fd)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->owns_fd = 1;
	c->read_timeout_ms = -1;
	c->write_timeout_ms = CONN_DEFAULT_WRITE_MS;
	buf_init(&c->out);
	conn_layer_init_raw(c);

	int type = 0, domain = 0;
	socklen_t sl = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) == 0) {
		c->is_socket = 1;
		sl = sizeof(domain);
		if (type == SOCK_STREAM &&
		    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &sl) == 0 &&
		    (domain == AF_INET || domain == AF_INET6)) {
			int one = 1;
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		}
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return c;
}

struct conn *conn_new_borrowed(int fd)
{
	struct conn *c = conn_new(fd);
	c->owns_fd = 0;
	return c;
}

void conn_free(struct conn **cp)
{
	struct conn *c = *cp;
	if (c == NULL)
		return;
	conn_layers_free(c);
	if (c->owns_fd && c->fd >= 0)
		close(c->fd);
	XFREE(c->in);
	buf_free(&c->out);
	XFREE(c);
	*cp = NULL;
}

int conn_fd(const struct conn *c)
{
	return c->fd;
}

void conn_set_timeouts(struct conn *c, int read_ms, int write_ms)
{
	c->read_timeout_ms = read_ms;
	c->write_timeout_ms = write_ms;
}

int conn_has_input(const struct conn *c)
{
	if (c->in_end > c->in_start)
		return 1;
	return conn_layers_pending(c) > 0;
}

uint64_t conn_bytes_in(const struct conn *c)
{
	return c->bytes_in;
}

uint64_t conn_bytes_out(const struct conn *c)
{
	return c->bytes_out;
}

/* One read of up to len bytes from the top layer, waiting as needed: > 0 or a status. */
static ssize_t conn_top_read(struct conn *c, void *dst, size_t len, const char **error_r)
{
	ssize_t n = conn_layer_read(c->top, dst, len, error_r);
	if (n > 0) {
		c->bytes_in += (uint64_t)n;
		return n;
	}
	if (n == 0) {
		*error_r = "connection closed by peer";
		return CONN_EOF;
	}
	return n;
}

/* Write all of iov (modified) to the top layer, waiting as needed.  A conn_status. */
static int conn_top_writev(struct conn *c, struct iovec *iov, int iovcnt, const char **error_r)
{
	uint64_t total = 0;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	int r = conn_layer_writev_all(c->top, iov, iovcnt, error_r);
	if (r == CONN_OK)
		c->bytes_out += total;
	return r;
}

/* Make room to receive more input while keeping want bytes from in_start in memory. */
static void conn_make_room(struct conn *c, size_t want)
{
	if (c->in_start == c->in_end)
		c->in_start = c->in_end = c->scan = 0;
	if (c->in_end < c->in_cap)
		return;
	if (c->in_start > 0) {
		memmove(c->in, c->in + c->in_start, c->in_end - c->in_start);
		c->in_end -= c->in_start;
		c->in_start = 0;
		return;
	}
	/* Grow by doubling, but never past what the caller needs (the line limit). */
	size_t cap;
	if (c->in_cap == 0)
		cap = CONN_IN_MIN;
	else if (c->in_cap < want)
		cap = c->in_cap * 2 < want ? c->in_cap * 2 : want;
	else
		cap = c->in_cap * 2; /* the readers never get here; stay correct anyway */
	c->in = xrealloc(c->in, cap);
	c->in_cap = cap;
}

/* Receive more input after in_end (room must exist).  Returns > 0 or a conn_status. */
static ssize_t conn_fill(struct conn *c, const char **error_r)
{
	assert(c->in_end < c->in_cap);
	ssize_t n = conn_top_read(c, c->in + c->in_end, c->in_cap - c->in_end, error_r);
	if (n > 0)
		c->in_end += (size_t)n;
	return n;
}

size_t conn_discard_input(struct conn *c)
{
	size_t n = c->in_end - c->in_start;
	c->in_start = c->in_end = c->scan = 0;
	c->discarding = 0;
	return n;
}

void conn_unread(struct conn *c, const void *data, size_t len)
{
	size_t have = c->in_end - c->in_start;
	if (len == 0)
		return;
	if (c->in_start < len) {
		size_t cap = c->in_cap > have + len ? c->in_cap : have + len;
		char *in = xmalloc(cap);
		if (have > 0)
			memcpy(in + len, c->in + c->in_start, have);
		XFREE(c->in);
		c->in = in;
		c->in_cap = cap;
		c->in_start = len;
		c->in_end = len + have;
	}
	c->in_start -= len;
	memmove(c->in + c->in_start, data, len); /* data may be what the last read returned */
	c->scan = 0;
	c->discarding = 0;
}

/* Throw input away up to and including the next LF (an over-long line's tail). */
static int conn_discard_line(struct conn *c, const char **error_r)
{
	for (;;) {
		char *start = c->in + c->in_start;
		char *lf = memchr(start, '\n', c->in_end - c->in_start);
		if (lf != NULL) {
			c->in_start += (size_t)(lf - start) + 1;
			c->scan = 0;
			c->discarding = 0;
			*error_r = "line too long";
			return CONN_TOO_LONG;
		}
		c->in_start = c->in_end = c->scan = 0;
		conn_make_room(c, CONN_IN_MIN);
		ssize_t n = conn_fill(c, error_r);
		if (n < 0)
			return (int)n;
	}
}

/* Hand out the line ending at lf (consumed in any case). */
static int conn_take_line(struct conn *c, size_t max_len, char *lf, const char **line_r,
                          size_t *len_r, const char **error_r)
{
	char *start = c->in + c->in_start;
	size_t len = (size_t)(lf - start);
	c->in_start += len + 1;
	c->scan = 0;
	if (len > 0 && start[len - 1] == '\r')
		len--;
	if (len > max_len) {
		*error_r = "line too long";
		return CONN_TOO_LONG;
	}
	start[len] = '\0';
	*line_r = start;
	*len_r = len;
	return CONN_OK;
}

int conn_read_line(struct conn *c, size_t max_len, const char **line_r, size_t *len_r,
                   const char **error_r)
{
	for (;;) {
		if (c->discarding)
			return conn_discard_line(c, error_r);
		size_t avail = c->in_end - c->in_start;
		char *start = c->in + c->in_start;
		char *lf = avail > c->scan ? memchr(start + c->scan, '\n', avail - c->scan) : NULL;
		if (lf != NULL)
			return conn_take_line(c, max_len, lf, line_r, len_r, error_r);
		c->scan = avail;
		/* max_len bytes plus a CR, and still no LF: too long whatever comes next. */
		if (avail > max_len + 1) {
			c->in_start = c->in_end = c->scan = 0;
			c->discarding = 1;
			continue;
		}
		conn_make_room(c, max_len + 2);
		ssize_t n = conn_fill(c, error_r);
		if (n < 0)
			return (int)n;
	}
}

int conn_read_chunk(struct conn *c, size_t max, const void **data_r, size_t *len_r,
                    const char **error_r)
{
	assert(max > 0);
	if (c->in_start == c->in_end) {
		conn_make_room(c, CONN_IN_MIN);
		ssize_t n = conn_fill(c, error_r);
		if (n < 0)
			return (int)n;
	}
	size_t n = c->in_end - c->in_start;
	if (n > max)
		n = max;
	*data_r = c->in + c->in_start;
	*len_r = n;
	c->in_start += n;
	c->scan = c->scan > n ? c->scan - n : 0;
	return CONN_OK;
}

int conn_read_exact(struct conn *c, void *dst, size_t len, const char **error_r)
{
	char *p = dst;
	while (len > 0) {
		const void *data = NULL;
		size_t n = 0;
		int r = conn_read_chunk(c, len, &data, &n, error_r);
		if (r != CONN_OK)
			return r;
		memcpy(p, data, n);
		p += n;
		len -= n;
	}
	return CONN_OK;
}

int conn_read_stream(struct conn *c, uint64_t len,
                     int (*fn)(void *ctx, const void *data, size_t len, const char **error_r),
                     void *ctx, const char **error_r)
{
	while (len > 0) {
		const void *data = NULL;
		size_t n = 0;
		size_t want = len > SIZE_MAX ? SIZE_MAX : (size_t)len;
		int r = conn_read_chunk(c, want, &data, &n, error_r);
		if (r != CONN_OK)
			return r;
		if (fn != NULL && fn(ctx, data, n, error_r) < 0)
			return CONN_ERROR;
		len -= n;
	}
	return CONN_OK;
}

/* Record the first write failure; later writes are dropped until conn_flush reports. */
static int conn_write_failed(struct conn *c, int status, const char *error)
{
	if (c->write_status == CONN_OK) {
		c->write_status = status;
		snprintf(c->write_err, sizeof(c->write_err), "%s", error);
	}
	buf_reset(&c->out);
	return c->write_status;
}

/* Hand the output buffer, then extra (may be NULL), to the top layer, without
 * flushing the layers (a DEFLATE sync flush per 64 KiB would cost compression). */
static int conn_drain(struct conn *c, const void *extra, size_t extra_len, const char **error_r)
{
	if (c->write_status != CONN_OK) {
		*error_r = c->write_err;
		return c->write_status;
	}
	struct iovec iov[2] = {{.iov_base = c->out.data, .iov_len = c->out.len},
	                       {.iov_base = (void *)extra, .iov_len = extra_len}};
	const char *err = NULL;
	int r = conn_top_writev(c, iov, extra_len > 0 ? 2 : 1, &err);
	if (r != CONN_OK) {
		conn_write_failed(c, r, err);
		*error_r = c->write_err;
		return r;
	}
	buf_reset(&c->out);
	return CONN_OK;
}

int conn_flush(struct conn *c, const char **error_r)
{
	int r = conn_drain(c, NULL, 0, error_r);
	if (r == CONN_OK && !conn_top_is_raw(c)) {
		const char *err = NULL;
		r = conn_layer_flush(c->top, &err);
		if (r != CONN_OK) {
			conn_write_failed(c, r, err);
			*error_r = c->write_err;
		}
	}
	if (c->out.cap > CONN_OUT_KEEP)
		buf_free(&c->out); /* a huge reply batch must not pin memory while idle */
	else
		buf_reset(&c->out);
	return r;
}

void conn_write(struct conn *c, const void *data, size_t len)
{
	if (c->write_status != CONN_OK)
		return;
	buf_append(&c->out, data, len);
	if (c->out.len >= CONN_OUT_HIGH) {
		const char *err;
		(void)conn_drain(c, NULL, 0, &err); /* sticky failure: the next flush reports it */
	}
}

void conn_write_str(struct conn *c, const char *s)
{
	conn_write(c, s, strlen(s));
}

void conn_vprintf(struct conn *c, const char *fmt, va_list ap)
{
	if (c->write_status != CONN_OK)
		return;
	buf_vprintf(&c->out, fmt, ap);
	if (c->out.len >= CONN_OUT_HIGH) {
		const char *err;
		(void)conn_drain(c, NULL, 0, &err);
	}
}

void conn_printf(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	conn_vprintf(c, fmt, ap);
	va_end(ap);
}

size_t conn_output_pending(const struct conn *c)
{
	return c->out.len;
}

int conn_write_direct(struct conn *c, const void *data, size_t len, const char **error_r)
{
	if (len < CONN_DIRECT_MIN) {
		conn_write(c, data, len);
		if (c->write_status != CONN_OK) {
			*error_r = c->write_err;
			return c->write_status;
		}
		return CONN_OK;
	}
	return conn_drain(c, data, len, error_r); /* one writev: buffered output + data */
}

/* Copy len bytes of fd at offset through the output buffer, CONN_OUT_HIGH at a time. */
static int conn_write_fd_copy(struct conn *c, int fd, off_t offset, uint64_t len,
                              const char **error_r)
{
	while (len > 0) {
		size_t want = len > CONN_OUT_HIGH ? CONN_OUT_HIGH : (size_t)len;
		buf_reserve(&c->out, want);
		ssize_t n = pread(fd, c->out.data + c->out.len, want, offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			conn_errno(c, "pread", error_r);
			return conn_write_failed(c, CONN_ERROR, *error_r);
		}
		if (n == 0) {
			*error_r = "conn_write_fd: file shorter than expected";
			return conn_write_failed(c, CONN_ERROR, *error_r);
		}
		c->out.len += (size_t)n;
		offset += n;
		len -= (uint64_t)n;
		if (c->out.len >= CONN_OUT_HIGH) {
			int r = conn_drain(c, NULL, 0, error_r);
			if (r != CONN_OK)
				return r;
		}
	}
	return CONN_OK;
}

/* sendfile(2) straight from the page cache; falls back to copying if unsupported. */
static int conn_write_fd_sendfile(struct conn *c, int fd, off_t offset, uint64_t len,
                                  const char **error_r)
{
	while (len > 0) {
		size_t want = len > (1u << 30) ? (1u << 30) : (size_t)len;
		ssize_t n = sendfile(c->fd, fd, &offset, want);
		if (n > 0) {
			len -= (uint64_t)n;
			c->bytes_out += (uint64_t)n;
			continue;
		}
		if (n == 0) {
			*error_r = "conn_write_fd: file shorter than expected";
			return conn_write_failed(c, CONN_ERROR, *error_r);
		}
		if (errno == EINVAL || errno == ENOSYS)
			return conn_write_fd_copy(c, fd, offset, len, error_r);
		if (errno == EAGAIN) {
			const char *err = NULL;
			int r = conn_wait_ms(c, POLLOUT, c->write_timeout_ms, &err);
			if (r != CONN_OK) {
				conn_write_failed(c, r, err);
				*error_r = c->write_err;
				return r;
			}
		} else if (errno != EINTR) {
			conn_errno(c, "sendfile", error_r);
			return conn_write_failed(c, CONN_ERROR, *error_r);
		}
	}
	return CONN_OK;
}

int conn_write_fd(struct conn *c, int fd, off_t offset, uint64_t len, const char **error_r)
{
	if (c->write_status != CONN_OK) {
		*error_r = c->write_err;
		return c->write_status;
	}
	/* Zero-copy only straight onto the socket: any layer must see every byte. */
	if (len < CONN_DIRECT_MIN || !conn_top_is_raw(c) || !c->is_socket)
		return conn_write_fd_copy(c, fd, offset, len, error_r);
	int r = conn_drain(c, NULL, 0, error_r);
	if (r != CONN_OK)
		return r;
	return conn_write_fd_sendfile(c, fd, offset, len, error_r);
}
