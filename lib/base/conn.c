/*
 * conn.c - buffered, blocking-with-timeouts network connection (see conn.h).
 *
 * Exports conn_new/free, the line/chunk/exact/stream readers, corked writes with
 * conn_flush, conn_write_direct/conn_write_fd for big data, and the small transport
 * interface tls.c plugs into.  This file never calls SSL_*: TLS is a transport, so
 * programs that never use TLS (cairn-master) can use conn without libssl.
 *
 * Input lives in one linear buffer [in_start, in_end) that grows only as far as the
 * longest line the caller allows; literals stream through it in buffer-sized pieces.
 */
#include "conn.h"

#include "buf.h"
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
#include <time.h>
#include <unistd.h>

#define CONN_IN_MIN 8192 /* first input buffer; enough for most commands */
#define CONN_OUT_HIGH 65536 /* flush early past this much output */
#define CONN_OUT_KEEP (4 * CONN_OUT_HIGH) /* larger output buffers are released */
#define CONN_DIRECT_MIN 16384 /* below this, direct writes are just copied */
#define CONN_DEFAULT_WRITE_MS 300000

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

	const struct conn_transport *tr;
	void *tr_ctx;
	char errbuf[256];
};

static int conn_errno(struct conn *c, const char *what, const char **error_r)
{
	snprintf(c->errbuf, sizeof(c->errbuf), "%s: %s", what, strerror(errno));
	*error_r = c->errbuf;
	return CONN_ERROR;
}

struct conn *conn_new(int fd)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->owns_fd = 1;
	c->read_timeout_ms = -1;
	c->write_timeout_ms = CONN_DEFAULT_WRITE_MS;
	buf_init(&c->out);

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
	if (c->tr != NULL)
		c->tr->close(c->tr_ctx);
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
	return c->tr != NULL && c->tr->has_pending(c->tr_ctx);
}

uint64_t conn_bytes_in(const struct conn *c)
{
	return c->bytes_in;
}

uint64_t conn_bytes_out(const struct conn *c)
{
	return c->bytes_out;
}

void conn_set_transport(struct conn *c, const struct conn_transport *t, void *ctx)
{
	assert(c->tr == NULL);
	c->tr = t;
	c->tr_ctx = ctx;
}

void *conn_transport_ctx(const struct conn *c, const struct conn_transport *t)
{
	return c->tr == t ? c->tr_ctx : NULL;
}

int conn_has_transport(const struct conn *c)
{
	return c->tr != NULL;
}

static long conn_elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000L + (now.tv_nsec - since->tv_nsec) / 1000000L;
}

/* Wait for events on the fd for at most timeout_ms (-1: forever), surviving EINTR. */
static int conn_wait_ms(struct conn *c, short events, int timeout_ms, const char **error_r)
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

static ssize_t conn_plain_read(struct conn *c, void *dst, size_t len, const char **error_r)
{
	for (;;) {
		ssize_t n = read(c->fd, dst, len);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return CONN_IO_WANT_READ;
		if (errno != EINTR)
			return conn_errno(c, "read", error_r);
	}
}

static ssize_t conn_plain_write(struct conn *c, const void *src, size_t len, const char **error_r)
{
	for (;;) {
		/* send() with MSG_NOSIGNAL: a vanished client must not kill us by SIGPIPE. */
		ssize_t n =
		        c->is_socket ? send(c->fd, src, len, MSG_NOSIGNAL) : write(c->fd, src, len);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return CONN_IO_WANT_WRITE;
		if (errno != EINTR)
			return conn_errno(c, "write", error_r);
	}
}

/* One read of up to len bytes, waiting as needed: > 0 bytes or a conn_status. */
static ssize_t conn_raw_read(struct conn *c, void *dst, size_t len, const char **error_r)
{
	for (;;) {
		ssize_t n = c->tr != NULL ? c->tr->read(c->tr_ctx, dst, len, error_r)
		                          : conn_plain_read(c, dst, len, error_r);
		if (n > 0) {
			c->bytes_in += (uint64_t)n;
			return n;
		}
		if (n == 0) {
			*error_r = "connection closed by peer";
			return CONN_EOF;
		}
		if (n != CONN_IO_WANT_READ && n != CONN_IO_WANT_WRITE)
			return CONN_ERROR;
		short ev = n == CONN_IO_WANT_READ ? POLLIN : POLLOUT;
		int r = conn_wait_ms(c, ev, c->read_timeout_ms, error_r);
		if (r != CONN_OK)
			return r;
	}
}

/* Write all len bytes, waiting as needed.  Returns a conn_status. */
static int conn_raw_write(struct conn *c, const void *src, size_t len, const char **error_r)
{
	const char *p = src;
	while (len > 0) {
		ssize_t n = c->tr != NULL ? c->tr->write(c->tr_ctx, p, len, error_r)
		                          : conn_plain_write(c, p, len, error_r);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			c->bytes_out += (uint64_t)n;
			continue;
		}
		if (n != CONN_IO_WANT_READ && n != CONN_IO_WANT_WRITE) {
			if (n == 0)
				*error_r = "write: nothing written";
			return CONN_ERROR;
		}
		short ev = n == CONN_IO_WANT_READ ? POLLIN : POLLOUT;
		int r = conn_wait_ms(c, ev, c->write_timeout_ms, error_r);
		if (r != CONN_OK)
			return r;
	}
	return CONN_OK;
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
	ssize_t n = conn_raw_read(c, c->in + c->in_end, c->in_cap - c->in_end, error_r);
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

int conn_flush(struct conn *c, const char **error_r)
{
	if (c->write_status != CONN_OK) {
		*error_r = c->write_err;
		return c->write_status;
	}
	int r = CONN_OK;
	if (c->out.len > 0) {
		const char *err = NULL;
		r = conn_raw_write(c, c->out.data, c->out.len, &err);
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
		(void)conn_flush(c, &err); /* a failure is sticky; the next flush reports it */
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
		(void)conn_flush(c, &err);
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
	int r = conn_flush(c, error_r);
	if (r != CONN_OK)
		return r;
	const char *err = NULL;
	r = conn_raw_write(c, data, len, &err);
	if (r != CONN_OK) {
		conn_write_failed(c, r, err);
		*error_r = c->write_err;
	}
	return r;
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
			int r = conn_flush(c, error_r);
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
	if (len < CONN_DIRECT_MIN || c->tr != NULL || !c->is_socket)
		return conn_write_fd_copy(c, fd, offset, len, error_r);
	int r = conn_flush(c, error_r);
	if (r != CONN_OK)
		return r;
	return conn_write_fd_sendfile(c, fd, offset, len, error_r);
}
