/*
 * conn_test.c - struct conn over socketpairs: line reads whole and byte by byte, line
 * limits, literals across buffer boundaries, streaming, timeouts, EOF, corked writes,
 * direct/fd writes, sticky write errors, TCP_NODELAY.
 */
#include "unit.h"

#include "base/conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A conn on one end of a socketpair; *peer_r is the other end. */
static struct conn *pair_conn(int *peer_r)
{
	int sv[2];
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	*peer_r = sv[1];
	return conn_new(sv[0]);
}

static void send_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		CU_ASSERT_FATAL(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

static void send_str(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

/* Background writer: sends len bytes of data (or fill, or a pattern), then tail. */
struct writer {
	int fd;
	const char *data; /* NULL: fill, or if fill is 0 the pattern byte i = i % 251 */
	char fill;
	size_t len;
	const char *tail;
	pthread_t th;
};

static void *writer_run(void *arg)
{
	struct writer *w = arg;
	char chunk[65536];
	size_t done = 0;
	while (done < w->len) {
		size_t n = w->len - done < sizeof(chunk) ? w->len - done : sizeof(chunk);
		for (size_t i = 0; i < n; i++)
			chunk[i] = w->data != NULL ? w->data[done + i]
			           : w->fill != 0  ? w->fill
			                           : (char)((done + i) % 251);
		if (write(w->fd, chunk, n) != (ssize_t)n) /* blocking fd: all or error */
			return NULL;
		done += n;
	}
	if (w->tail != NULL && write(w->fd, w->tail, strlen(w->tail)) < 0)
		return NULL;
	return NULL;
}

static void writer_start(struct writer *w)
{
	CU_ASSERT_FATAL(pthread_create(&w->th, NULL, writer_run, w) == 0);
}

/* Background reader: reads until EOF into a malloc'd buffer. */
struct reader {
	int fd;
	char *data;
	size_t len;
	pthread_t th;
};

static void *reader_run(void *arg)
{
	struct reader *r = arg;
	size_t cap = 1 << 16;
	r->data = malloc(cap);
	for (;;) {
		if (r->len == cap)
			r->data = realloc(r->data, cap *= 2);
		ssize_t n = read(r->fd, r->data + r->len, cap - r->len);
		if (n <= 0)
			break;
		r->len += (size_t)n;
	}
	return NULL;
}

static void reader_start(struct reader *r)
{
	CU_ASSERT_FATAL(pthread_create(&r->th, NULL, reader_run, r) == 0);
}

static void test_whole_lines(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	const char *line, *err;
	size_t len;
	send_str(peer, "a1 NOOP\r\nb2 LOGIN x y\nc3 a\rb\r\n\r\n");
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "a1 NOOP");
	CU_ASSERT_EQUAL(len, 7);
	CU_ASSERT(conn_has_input(c));
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "b2 LOGIN x y"); /* bare LF accepted */
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_EQUAL(len, 6); /* a CR inside the line is data */
	CU_ASSERT(memcmp(line, "c3 a\rb", 6) == 0);
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_FALSE(conn_has_input(c));
	CU_ASSERT_EQUAL(conn_bytes_in(c), 32);
	conn_free(&c);
	CU_ASSERT_PTR_NULL(c);
	close(peer);
}

static void test_byte_by_byte(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	conn_set_timeouts(c, 0, 1000); /* poll without waiting: partial lines stay buffered */
	const char *msg = "tag SELECT \"a\0b\"\r\nnext\r\n";
	size_t msg_len = 24, first_len = 17;
	const char *line, *err;
	size_t len;
	for (size_t i = 0; i < first_len + 1; i++) {
		send_all(peer, msg + i, 1);
		int r = conn_read_line(c, 64, &line, &len, &err);
		if (i < first_len) {
			CU_ASSERT_EQUAL(r, CONN_TIMEOUT);
		} else {
			CU_ASSERT_EQUAL_FATAL(r, CONN_OK);
			CU_ASSERT_EQUAL(len, 16);
			CU_ASSERT(memcmp(line, "tag SELECT \"a\0b\"", 16) == 0); /* NUL kept */
		}
	}
	for (size_t i = first_len + 1; i < msg_len; i++)
		send_all(peer, msg + i, 1);
	conn_set_timeouts(c, 1000, 1000);
	CU_ASSERT_EQUAL(conn_read_line(c, 64, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "next");
	conn_free(&c);
	close(peer);
}

static void test_line_limit_boundary(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	const char *line, *err;
	size_t len;
	send_str(peer, "0123456789\r\n0123456789A\r\n0123456789\nshort\r\n");
	CU_ASSERT_EQUAL(conn_read_line(c, 10, &line, &len, &err), CONN_OK);
	CU_ASSERT_EQUAL(len, 10);
	CU_ASSERT_EQUAL(conn_read_line(c, 10, &line, &len, &err), CONN_TOO_LONG);
	CU_ASSERT_STRING_EQUAL(err, "line too long");
	CU_ASSERT_EQUAL(conn_read_line(c, 10, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "0123456789");
	CU_ASSERT_EQUAL(conn_read_line(c, 10, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "short");
	conn_free(&c);
	close(peer);
}

static void test_line_too_long_huge(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	conn_set_timeouts(c, 5000, 5000);
	struct writer w = {.fd = peer, .len = 10 << 20, .fill = 'x', .tail = "\r\nafter\r\n"};
	writer_start(&w);
	const char *line, *err;
	size_t len;
	CU_ASSERT_EQUAL(conn_read_line(c, 1024, &line, &len, &err), CONN_TOO_LONG);
	CU_ASSERT_EQUAL(conn_read_line(c, 1024, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "after");
	CU_ASSERT_EQUAL(conn_bytes_in(c), (10 << 20) + 9);
	pthread_join(w.th, NULL);
	conn_free(&c);
	close(peer);
}

static void test_too_long_then_eof(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	char big[5000];
	memset(big, 'x', sizeof(big));
	send_all(peer, big, sizeof(big));
	close(peer);
	const char *line, *err;
	size_t len;
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_EOF);
	conn_free(&c);
}

static void test_eof_mid_line(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	send_str(peer, "whole\r\npart");
	close(peer);
	const char *line, *err;
	size_t len;
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_EOF);
	CU_ASSERT_PTR_NOT_NULL(err);
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_EOF);
	conn_free(&c);
}

static void test_literal_across_boundary(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	conn_set_timeouts(c, 0, 1000);
	const char *line, *err;
	size_t len;
	char lit[11] = {0};
	send_str(peer, "A1 APPEND INBOX {10}\r\n01234");
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "A1 APPEND INBOX {10}");
	/* Only 5 of 10 bytes are there: times out, and what came stays consumed. */
	CU_ASSERT_EQUAL(conn_read_exact(c, lit, 10, &err), CONN_TIMEOUT);
	conn_free(&c);
	close(peer);

	c = pair_conn(&peer);
	conn_set_timeouts(c, 2000, 1000);
	send_str(peer, "A1 APPEND INBOX {10}\r\n012");
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	struct writer w = {.fd = peer, .data = "3456789 rest\r\n", .len = 14};
	writer_start(&w);
	CU_ASSERT_EQUAL(conn_read_exact(c, lit, 10, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(lit, "0123456789");
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, " rest");
	pthread_join(w.th, NULL);
	conn_free(&c);
	close(peer);
}

struct stream_check {
	uint64_t seen;
	size_t chunks;
	size_t max_chunk;
	int bad;
	uint64_t stop_after; /* 0: never */
};

static int stream_cb(void *ctx, const void *data, size_t len, const char **error_r)
{
	struct stream_check *s = ctx;
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		if (p[i] != (s->seen + i) % 251)
			s->bad = 1;
	s->seen += len;
	s->chunks++;
	if (len > s->max_chunk)
		s->max_chunk = len;
	if (s->stop_after != 0 && s->seen >= s->stop_after) {
		*error_r = "callback says stop";
		return -1;
	}
	return 0;
}

static void test_stream_large_literal(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	conn_set_timeouts(c, 5000, 5000);
	size_t total = 50u << 20; /* a 50 MB APPEND, in bounded memory */
	struct writer w = {.fd = peer, .len = total, .tail = ")\r\nEND\r\n"};
	writer_start(&w);
	struct stream_check s = {0};
	const char *line, *err;
	size_t len;
	CU_ASSERT_EQUAL(conn_read_stream(c, total, stream_cb, &s, &err), CONN_OK);
	CU_ASSERT_EQUAL(s.seen, total);
	CU_ASSERT_FALSE(s.bad);
	CU_ASSERT(s.chunks > 100);
	CU_ASSERT(s.max_chunk <= 65536); /* never more than one input buffer */
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, ")");
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "END");
	pthread_join(w.th, NULL);
	conn_free(&c);
	close(peer);
}

static void test_stream_abort_and_discard(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	conn_set_timeouts(c, 5000, 5000);
	struct writer w = {.fd = peer, .len = 200000, .tail = "\r\nx\r\n"};
	writer_start(&w);
	struct stream_check s = {.stop_after = 1000};
	const char *line, *err;
	size_t len;
	CU_ASSERT_EQUAL(conn_read_stream(c, 100000, stream_cb, &s, &err), CONN_ERROR);
	CU_ASSERT_STRING_EQUAL(err, "callback says stop");
	CU_ASSERT(s.seen >= 1000 && s.seen < 100000);
	/* Discard the rest of the 200000 bytes with fn == NULL. */
	CU_ASSERT_EQUAL(conn_read_stream(c, 200000 - s.seen, NULL, NULL, &err), CONN_OK);
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "x");
	pthread_join(w.th, NULL);
	conn_free(&c);
	close(peer);
}

static void test_read_chunk(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	send_str(peer, "abcdefgh");
	const void *data;
	size_t len;
	const char *err;
	CU_ASSERT_EQUAL(conn_read_chunk(c, 3, &data, &len, &err), CONN_OK);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT(memcmp(data, "abc", 3) == 0);
	CU_ASSERT_EQUAL(conn_read_chunk(c, 100, &data, &len, &err), CONN_OK);
	CU_ASSERT_EQUAL(len, 5);
	CU_ASSERT(memcmp(data, "defgh", 5) == 0);
	send_str(peer, "zz");
	CU_ASSERT_EQUAL(conn_discard_input(c), 0);
	CU_ASSERT_EQUAL(conn_read_chunk(c, 1, &data, &len, &err), CONN_OK);
	CU_ASSERT_EQUAL(conn_discard_input(c), 1); /* the second z was buffered */
	conn_free(&c);
	close(peer);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void test_read_timeout(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	conn_set_timeouts(c, 80, 1000);
	const char *line, *err;
	size_t len;
	send_str(peer, "partial");
	long t0 = now_ms();
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_TIMEOUT);
	long el = now_ms() - t0;
	CU_ASSERT(el >= 75 && el < 2000);
	CU_ASSERT_STRING_EQUAL(err, "read timed out");
	send_str(peer, " line\r\n"); /* the partial line was kept */
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "partial line");
	conn_free(&c);
	close(peer);
}

static void test_corked_writes(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	const char *err;
	char got[100];
	conn_write_str(c, "* 1 EXISTS\r\n");
	conn_printf(c, "* %d RECENT\r\n", 0);
	conn_write(c, "a OK done\r\n", 11);
	CU_ASSERT_EQUAL(conn_output_pending(c), 35);
	CU_ASSERT_EQUAL(recv(peer, got, sizeof(got), MSG_DONTWAIT), -1); /* nothing sent yet */
	CU_ASSERT_EQUAL(errno, EAGAIN);
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_OK);
	CU_ASSERT_EQUAL(conn_output_pending(c), 0);
	ssize_t n = recv(peer, got, sizeof(got), 0); /* one flush, one segment */
	CU_ASSERT_EQUAL(n, 35);
	CU_ASSERT(memcmp(got, "* 1 EXISTS\r\n* 0 RECENT\r\na OK done\r\n", 35) == 0);
	CU_ASSERT_EQUAL(conn_bytes_out(c), 35);
	conn_free(&c);
	close(peer);
}

static int check_pattern(const char *data, size_t len, size_t start)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)data[i] != (start + i) % 251)
			return 0;
	return 1;
}

static void test_write_direct(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	size_t big = 3u << 20;
	char *data = malloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)(i % 251);
	struct reader r = {.fd = peer};
	reader_start(&r);
	const char *err;
	conn_write_str(c, "{3145728}\r\n");
	CU_ASSERT_EQUAL(conn_write_direct(c, data, big, &err), CONN_OK);
	CU_ASSERT_EQUAL(conn_write_direct(c, ")\r\n", 3, &err), CONN_OK); /* small: buffered */
	CU_ASSERT_EQUAL(conn_output_pending(c), 3);
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_OK);
	conn_free(&c); /* closes: the reader sees EOF */
	pthread_join(r.th, NULL);
	CU_ASSERT_EQUAL_FATAL(r.len, 11 + big + 3);
	CU_ASSERT(memcmp(r.data, "{3145728}\r\n", 11) == 0);
	CU_ASSERT(check_pattern(r.data + 11, big, 0));
	CU_ASSERT(memcmp(r.data + 11 + big, ")\r\n", 3) == 0);
	free(r.data);
	free(data);
	close(peer);
}

/* A temp file holding len pattern bytes. */
static int pattern_file(size_t len)
{
	char path[] = "/tmp/cairn-conn-test-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	char *data = malloc(len);
	for (size_t i = 0; i < len; i++)
		data[i] = (char)(i % 251);
	CU_ASSERT_FATAL(write(fd, data, len) == (ssize_t)len);
	free(data);
	return fd;
}

static void test_write_fd(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	size_t flen = 1u << 20;
	int fd = pattern_file(flen);
	struct reader r = {.fd = peer};
	reader_start(&r);
	const char *err;
	conn_write_str(c, "hdr");
	/* Large: sendfile from offset 251 (pattern restarts there); small: copied. */
	CU_ASSERT_EQUAL(conn_write_fd(c, fd, 251, flen - 251, &err), CONN_OK);
	CU_ASSERT_EQUAL(conn_write_fd(c, fd, 0, 100, &err), CONN_OK);
	CU_ASSERT_EQUAL(conn_output_pending(c), 100);
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_OK);
	conn_free(&c);
	pthread_join(r.th, NULL);
	CU_ASSERT_EQUAL_FATAL(r.len, 3 + flen - 251 + 100);
	CU_ASSERT(memcmp(r.data, "hdr", 3) == 0);
	CU_ASSERT(check_pattern(r.data + 3, flen - 251, 0));
	CU_ASSERT(check_pattern(r.data + 3 + flen - 251, 100, 0));
	free(r.data);
	close(peer);

	/* A file shorter than promised is an error, and it is sticky. */
	c = pair_conn(&peer);
	CU_ASSERT_EQUAL(conn_write_fd(c, fd, flen - 10, 20, &err), CONN_ERROR);
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_ERROR);
	conn_free(&c);
	close(peer);
	close(fd);
}

static void test_write_timeout_sticky(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	conn_set_timeouts(c, 1000, 100);
	const char *err;
	char *junk = calloc(1, 1 << 20);
	long t0 = now_ms();
	int r = CONN_OK;
	/* The peer never reads: the socket buffer fills, then the write times out. */
	for (int i = 0; i < 64 && r == CONN_OK; i++)
		r = conn_write_direct(c, junk, 1 << 20, &err);
	CU_ASSERT_EQUAL(r, CONN_TIMEOUT);
	CU_ASSERT(now_ms() - t0 < 5000);
	conn_write_str(c, "dropped");
	CU_ASSERT_EQUAL(conn_output_pending(c), 0);
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_TIMEOUT);
	CU_ASSERT_STRING_EQUAL(err, "write timed out");
	free(junk);
	conn_free(&c);
	close(peer);
}

static void test_write_to_closed_peer(void)
{
	int peer;
	struct conn *c = pair_conn(&peer);
	close(peer);
	const char *err;
	conn_write_str(c, "* BYE\r\n");
	/* MSG_NOSIGNAL: an error, not a SIGPIPE that kills the test runner. */
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_ERROR);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "write"));
	conn_free(&c);
}

static void test_tcp_nodelay(void)
{
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(ls >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	CU_ASSERT_FATAL(bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(listen(ls, 1) == 0);
	CU_ASSERT_FATAL(getsockname(ls, (struct sockaddr *)&sa, &sl) == 0);
	int cl = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(connect(cl, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	int fd = accept(ls, NULL, NULL);
	CU_ASSERT_FATAL(fd >= 0);
	int v = 0;
	socklen_t vl = sizeof(v);
	getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &vl);
	CU_ASSERT_EQUAL(v, 0);
	struct conn *c = conn_new(fd);
	CU_ASSERT_EQUAL(conn_fd(c), fd);
	getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &vl);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT(fcntl(fd, F_GETFL) & O_NONBLOCK);
	const char *line, *err;
	size_t len;
	send_str(cl, "over tcp\r\n");
	conn_set_timeouts(c, 2000, 2000);
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "over tcp");
	conn_free(&c);
	close(cl);
	close(ls);
}

static void test_borrowed_fd(void)
{
	int peer;
	int sv[2];
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	peer = sv[1];
	struct conn *c = conn_new_borrowed(sv[0]);
	conn_free(&c);
	CU_ASSERT_EQUAL(fcntl(sv[0], F_GETFD), 0); /* still open */
	c = conn_new(sv[0]);
	conn_free(&c);
	CU_ASSERT_EQUAL(fcntl(sv[0], F_GETFD), -1); /* closed */
	close(peer);
}

/* Bytes put back come first, before what is still buffered; also on an empty conn. */
static void test_unread(void)
{
	int peer;
	const char *line, *err;
	size_t len;
	struct conn *c = pair_conn(&peer);
	conn_unread(c, "first\r\n", 7); /* no input buffer yet */
	send_str(peer, "abc\r\ndef\r\n");
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "first");
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "abc");
	conn_unread(c, "xy\r\nz", 5);
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "xy");
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "zdef");
	CU_ASSERT_FALSE(conn_has_input(c));
	conn_free(&c);
	close(peer);
}

static const struct unit_test conn_tests[] = {
        {"whole_lines", test_whole_lines},
        {"byte_by_byte", test_byte_by_byte},
        {"line_limit_boundary", test_line_limit_boundary},
        {"line_too_long_huge", test_line_too_long_huge},
        {"too_long_then_eof", test_too_long_then_eof},
        {"eof_mid_line", test_eof_mid_line},
        {"literal_across_boundary", test_literal_across_boundary},
        {"stream_large_literal", test_stream_large_literal},
        {"stream_abort_and_discard", test_stream_abort_and_discard},
        {"read_chunk", test_read_chunk},
        {"read_timeout", test_read_timeout},
        {"corked_writes", test_corked_writes},
        {"write_direct", test_write_direct},
        {"write_fd", test_write_fd},
        {"write_timeout_sticky", test_write_timeout_sticky},
        {"write_to_closed_peer", test_write_to_closed_peer},
        {"tcp_nodelay", test_tcp_nodelay},
        {"borrowed_fd", test_borrowed_fd},
        {"unread", test_unread},
        {NULL, NULL},
};
UNIT_SUITE("conn", conn_tests)
