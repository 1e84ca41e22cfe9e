/*
 * conn_layer_test.c - the conn layer stack (conn-layer.h) with the DEFLATE layer
 * (conn-deflate.h): raw -> TLS -> DEFLATE on a socketpair exchanging lines and
 * literals (direct and file writes included, which must not bypass the layers),
 * conn_has_input seeing lines buffered inside the inflater, compressed input that
 * arrived with the COMPRESS command handed to the new layer, a compression bomb
 * refused as an over-long line with memory bounded, corrupt input, input one
 * compressed byte at a time, and the order rules (TLS only directly on the fd).
 *
 * The peer is written independently of conn, straight on OpenSSL and zlib (the one
 * place outside lib/base/tls.c that calls SSL_*: a test peer must not share the
 * code it checks), and runs in a thread on a blocking socket.
 */
#include "unit.h"

#include "base/buf.h"
#include "base/conn-deflate.h"
#include "base/conn-layer.h"
#include "base/conn.h"
#include "base/tls.h"

#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

static char layer_dir[64], layer_cert[128], layer_key[128];
static struct tls_ctx *layer_server_ctx;

static int layer_suite_init(void)
{
	const char *err;
	snprintf(layer_dir, sizeof(layer_dir), "/tmp/cairn-layer-test-XXXXXX");
	if (mkdtemp(layer_dir) == NULL)
		return -1;
	snprintf(layer_cert, sizeof(layer_cert), "%s/cert.pem", layer_dir);
	snprintf(layer_key, sizeof(layer_key), "%s/key.pem", layer_dir);
	if (tls_selfsigned_write(layer_cert, layer_key, "localhost", &err) < 0)
		return -1;
	layer_server_ctx = tls_server_ctx_new(layer_cert, layer_key, &err);
	return layer_server_ctx == NULL ? -1 : 0;
}

static int layer_suite_cleanup(void)
{
	tls_ctx_free(&layer_server_ctx);
	unlink(layer_cert);
	unlink(layer_key);
	rmdir(layer_dir);
	return 0;
}

/* Byte i of the test data: a hash, so DEFLATE cannot shrink it much and its output
 * buffers fill up. */
static unsigned char pat(size_t i)
{
	uint32_t x = (uint32_t)i * 0x9E3779B1u;
	x ^= x >> 15;
	x *= 0x85EBCA77u;
	x ^= x >> 13;
	return (unsigned char)x;
}

/* ---- the independent peer: blocking socket, OpenSSL, zlib ---- */

struct peer {
	int fd;
	int tls; /* run a TLS client handshake first */
	SSL_CTX *sctx;
	SSL *ssl;
	int z; /* DEFLATE on for output (z_in: for input) */
	int z_in;
	int zmore; /* the last inflate filled its output */
	z_stream zi, zo;
	int byte_at_a_time; /* one write(2) per wire byte */
	int corking; /* collect wire bytes in cork, sent by peer_uncork */
	struct buf cork;
	unsigned char in[70000]; /* plain (inflated) input not yet used */
	size_t in_len;
	unsigned char wire[16384];
	void (*script)(struct peer *p);
	int ok;
	char err[200];
	pthread_t th;
};

static int peer_send_wire(struct peer *p, const void *data, size_t len)
{
	const char *s = data;
	if (p->corking) {
		buf_append(&p->cork, data, len);
		return 0;
	}
	while (len > 0) {
		size_t k = p->byte_at_a_time ? 1 : len;
		int n = p->ssl != NULL ? SSL_write(p->ssl, s, (int)k) : (int)write(p->fd, s, k);
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
		if (p->byte_at_a_time)
			usleep(20);
	}
	return 0;
}

static int peer_uncork(struct peer *p)
{
	p->corking = 0;
	int r = peer_send_wire(p, p->cork.data, p->cork.len);
	buf_free(&p->cork);
	return r;
}

static int peer_deflate(struct peer *p, const void *data, size_t len, int flush)
{
	unsigned char out[16384];
	p->zo.next_in = (unsigned char *)data;
	p->zo.avail_in = (uInt)len;
	do {
		p->zo.next_out = out;
		p->zo.avail_out = sizeof(out);
		if (deflate(&p->zo, flush) == Z_STREAM_ERROR ||
		    peer_send_wire(p, out, sizeof(out) - p->zo.avail_out) < 0)
			return -1;
	} while (p->zo.avail_out == 0);
	return 0;
}

static int peer_send(struct peer *p, const void *data, size_t len)
{
	return p->z ? peer_deflate(p, data, len, Z_NO_FLUSH) : peer_send_wire(p, data, len);
}

static int peer_send_str(struct peer *p, const char *s)
{
	return peer_send(p, s, strlen(s));
}

static int peer_flush(struct peer *p)
{
	return p->z ? peer_deflate(p, "", 0, Z_SYNC_FLUSH) : 0;
}

/* Compress output from now on (input: peer_zstart_input). */
static int peer_zstart(struct peer *p)
{
	memset(&p->zi, 0, sizeof(p->zi));
	memset(&p->zo, 0, sizeof(p->zo));
	if (inflateInit2(&p->zi, -15) != Z_OK ||
	    deflateInit2(&p->zo, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	p->z = 1;
	return 0;
}

/* Input is compressed from now on; what was read past the last line already is. */
static void peer_zstart_input(struct peer *p)
{
	memcpy(p->wire, p->in, p->in_len);
	p->zi.next_in = p->wire;
	p->zi.avail_in = (uInt)p->in_len;
	p->in_len = 0;
	p->z_in = 1;
}

static int peer_read_wire(struct peer *p, void *dst, size_t len)
{
	return p->ssl != NULL ? SSL_read(p->ssl, dst, (int)len) : (int)read(p->fd, dst, len);
}

/* Append more plain input to p->in.  -1: EOF, error or no room. */
static int peer_fill(struct peer *p)
{
	for (;;) {
		size_t room = sizeof(p->in) - p->in_len;
		if (room == 0)
			return -1;
		if (!p->z_in) {
			int n = peer_read_wire(p, p->in + p->in_len, room);
			if (n <= 0)
				return -1;
			p->in_len += (size_t)n;
			return 0;
		}
		if (p->zi.avail_in > 0 || p->zmore) {
			p->zi.next_out = p->in + p->in_len;
			p->zi.avail_out = (uInt)room;
			int r = inflate(&p->zi, Z_SYNC_FLUSH);
			if (r != Z_OK && r != Z_BUF_ERROR)
				return -1;
			p->zmore = p->zi.avail_out == 0;
			p->in_len += room - p->zi.avail_out;
			if (room > p->zi.avail_out)
				return 0;
			continue;
		}
		int n = peer_read_wire(p, p->wire, sizeof(p->wire));
		if (n <= 0)
			return -1;
		p->zi.next_in = p->wire;
		p->zi.avail_in = (uInt)n;
	}
}

/* One line without CRLF into line (truncated to cap - 1).  -1 on failure. */
static int peer_read_line(struct peer *p, char *line, size_t cap)
{
	for (;;) {
		unsigned char *lf = memchr(p->in, '\n', p->in_len);
		if (lf != NULL) {
			size_t len = (size_t)(lf - p->in), take = len + 1;
			if (len > 0 && p->in[len - 1] == '\r')
				len--;
			if (len >= cap)
				len = cap - 1;
			memcpy(line, p->in, len);
			line[len] = '\0';
			memmove(p->in, p->in + take, p->in_len - take);
			p->in_len -= take;
			return 0;
		}
		if (peer_fill(p) < 0)
			return -1;
	}
}

/* Read n bytes and check they are the pattern. */
static int peer_read_pattern(struct peer *p, size_t n)
{
	for (size_t seen = 0; seen < n;) {
		if (p->in_len == 0 && peer_fill(p) < 0)
			return -1;
		size_t k = n - seen < p->in_len ? n - seen : p->in_len;
		for (size_t i = 0; i < k; i++)
			if (p->in[i] != pat(seen + i))
				return -1;
		memmove(p->in, p->in + k, p->in_len - k);
		p->in_len -= k;
		seen += k;
	}
	return 0;
}

static int peer_expect(struct peer *p, const char *want)
{
	char line[200];
	if (peer_read_line(p, line, sizeof(line)) == 0 && strcmp(line, want) == 0)
		return 0;
	snprintf(p->err, sizeof(p->err), "expected '%s'", want);
	return -1;
}

static void *peer_run(void *arg)
{
	struct peer *p = arg;
	if (p->tls) {
		p->sctx = SSL_CTX_new(TLS_client_method());
		p->ssl = SSL_new(p->sctx);
		SSL_set_fd(p->ssl, p->fd);
		if (SSL_connect(p->ssl) != 1)
			snprintf(p->err, sizeof(p->err), "SSL_connect failed");
	}
	if (p->err[0] == '\0')
		p->script(p);
	if (p->ssl != NULL) {
		SSL_shutdown(p->ssl);
		SSL_free(p->ssl);
		SSL_CTX_free(p->sctx);
	}
	if (p->z) {
		inflateEnd(&p->zi);
		deflateEnd(&p->zo);
	}
	buf_free(&p->cork);
	close(p->fd);
	return NULL;
}

/* Start the peer thread; returns the server conn, TLS started if tls. */
static struct conn *peer_start(struct peer *p, int tls, void (*script)(struct peer *))
{
	int sv[2];
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	memset(p, 0, sizeof(*p));
	buf_init(&p->cork);
	p->fd = sv[1];
	p->tls = tls;
	p->script = script;
	CU_ASSERT_FATAL(pthread_create(&p->th, NULL, peer_run, p) == 0);
	struct conn *c = conn_new(sv[0]);
	conn_set_timeouts(c, 10000, 10000);
	const char *err;
	if (tls)
		CU_ASSERT_EQUAL_FATAL(conn_start_tls(c, layer_server_ctx, TLS_SERVER, NULL, &err),
		                      0);
	return c;
}

/* The peer's side of "a COMPRESS DEFLATE" (uncompressed command and OK, then zlib). */
static int peer_compress(struct peer *p)
{
	if (peer_send_wire(p, "a COMPRESS DEFLATE\r\n", 20) < 0 || peer_expect(p, "a OK") < 0 ||
	    peer_zstart(p) < 0)
		return -1;
	peer_zstart_input(p);
	return 0;
}

/* The server's side: read the command, answer uncompressed, push DEFLATE. */
static void server_compress(struct conn *c)
{
	const char *line, *err;
	size_t len;
	CU_ASSERT_EQUAL_FATAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "a COMPRESS DEFLATE");
	conn_write_str(c, "a OK\r\n");
	CU_ASSERT_EQUAL_FATAL(conn_deflate_start(c, -1, &err), 0);
}

static void server_expect(struct conn *c, const char *want)
{
	const char *line, *err = "";
	size_t len = 0;
	int r = conn_read_line(c, 65536, &line, &len, &err);
	CU_ASSERT_EQUAL(r, CONN_OK);
	if (r != CONN_OK)
		fprintf(stderr, "conn_read_line: %s (wanted '%s')\n", err, want);
	else
		CU_ASSERT_STRING_EQUAL(line, want);
}

static void peer_join(struct peer *p)
{
	pthread_join(p->th, NULL);
	if (!p->ok)
		fprintf(stderr, "peer: %s\n", p->err[0] ? p->err : "script did not finish");
	CU_ASSERT(p->ok);
}

static unsigned char *pattern_new(size_t n)
{
	unsigned char *b = malloc(n);
	for (size_t i = 0; i < n; i++)
		b[i] = pat(i);
	return b;
}

struct count {
	size_t seen;
	int bad;
};

static int count_cb(void *ctx, const void *data, size_t len, const char **error_r)
{
	struct count *k = ctx;
	const unsigned char *d = data;
	for (size_t i = 0; i < len; i++)
		if (d[i] != pat(k->seen + i))
			k->bad = 1;
	k->seen += len;
	return 0;
}

#define LIT_IN 300000u /* the peer's APPEND literal */
#define LIT_DIRECT 200000u /* the server's conn_write_direct */
#define LIT_FILE 150000u /* the server's conn_write_fd */

static void script_stack(struct peer *p)
{
	char hdr[64];
	if (peer_compress(p) < 0)
		return;
	snprintf(hdr, sizeof(hdr), "b APPEND INBOX {%u}\r\n", LIT_IN);
	unsigned char *lit = pattern_new(LIT_IN);
	int r = peer_send_str(p, hdr) < 0 || peer_send(p, lit, LIT_IN) < 0 ||
	                        peer_send_str(p, " FLAGS\r\nc NOOP\r\n") < 0 || peer_flush(p) < 0
	                ? -1
	                : 0;
	free(lit);
	snprintf(hdr, sizeof(hdr), "* 1 FETCH (BODY[] {%u}", LIT_DIRECT);
	if (r < 0 || peer_expect(p, hdr) < 0 || peer_read_pattern(p, LIT_DIRECT) < 0)
		return;
	snprintf(hdr, sizeof(hdr), " FILE {%u}", LIT_FILE);
	if (peer_expect(p, hdr) < 0 || peer_read_pattern(p, LIT_FILE) < 0 ||
	    peer_expect(p, ")") < 0 || peer_expect(p, "c OK") < 0)
		return;
	p->ok = 1;
}

/* raw -> TLS -> DEFLATE on both ends: lines and literals both ways. */
static void test_tls_deflate_stack(void)
{
	const char *err;
	struct peer p;
	struct conn *c = peer_start(&p, 1, script_stack);
	server_compress(c);
	CU_ASSERT(tls_conn_active(c));
	CU_ASSERT(conn_deflate_active(c));
	CU_ASSERT_FALSE(conn_top_is_raw(c));
	CU_ASSERT_EQUAL(conn_deflate_start(c, -1, &err), -1);
	CU_ASSERT_EQUAL(conn_start_tls(c, layer_server_ctx, TLS_SERVER, NULL, &err), -1);
	server_expect(c, "b APPEND INBOX {300000}");
	struct count k = {0};
	CU_ASSERT_EQUAL(conn_read_stream(c, LIT_IN, count_cb, &k, &err), CONN_OK);
	CU_ASSERT(k.seen == LIT_IN && !k.bad);
	server_expect(c, " FLAGS");
	server_expect(c, "c NOOP");

	char path[] = "/tmp/cairn-layer-file-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	unsigned char *data = pattern_new(LIT_DIRECT);
	CU_ASSERT_FATAL(write(fd, data, LIT_FILE) == LIT_FILE);
	conn_printf(c, "* 1 FETCH (BODY[] {%u}\r\n", LIT_DIRECT);
	CU_ASSERT_EQUAL(conn_write_direct(c, data, LIT_DIRECT, &err), CONN_OK);
	conn_printf(c, " FILE {%u}\r\n", LIT_FILE);
	/* Under layers this must not be sendfile(2): the peer would see raw bytes. */
	CU_ASSERT_EQUAL(conn_write_fd(c, fd, 0, LIT_FILE, &err), CONN_OK);
	conn_write_str(c, ")\r\nc OK\r\n");
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_OK);
	free(data);
	close(fd);
	peer_join(&p);
	conn_free(&c);
}

/* Lines of exactly conn's first input buffer (8192 bytes with CRLF): after each line
 * conn's own buffer is empty, so only the layers can make conn_has_input() true. */
#define PENDING_LINES 5
#define PENDING_LEN 8190

static void script_pending(struct peer *p)
{
	char line[PENDING_LEN + 32];
	if (peer_compress(p) < 0)
		return;
	for (int i = 0; i < PENDING_LINES; i++) {
		snprintf(line, sizeof(line), "L%02d %0*d\r\n", i, PENDING_LEN - 4, 0);
		if (peer_send_str(p, line) < 0)
			return;
	}
	if (peer_flush(p) < 0 || peer_expect(p, "done") < 0)
		return;
	p->ok = 1;
}

/* 40 KB of lines in one small compressed burst: after the first line the socket and
 * the TLS layer are empty, the rest waits in the inflater, and conn_has_input says so
 * until the last line; the trailing sync marker leaves nothing behind. */
static void test_pending_sees_inflater(void)
{
	const char *line, *err;
	size_t len;
	char want[16];
	struct peer p;
	struct conn *c = peer_start(&p, 1, script_pending);
	server_compress(c);
	for (int i = 0; i < PENDING_LINES; i++) {
		if (i > 0)
			CU_ASSERT(conn_has_input(c));
		CU_ASSERT_EQUAL_FATAL(conn_read_line(c, PENDING_LEN, &line, &len, &err), CONN_OK);
		snprintf(want, sizeof(want), "L%02d ", i);
		CU_ASSERT(len == PENDING_LEN && strncmp(line, want, 4) == 0);
		if (i == 0) {
			struct pollfd pf = {.fd = conn_fd(c), .events = POLLIN};
			CU_ASSERT_EQUAL(poll(&pf, 1, 0), 0); /* nothing left on the socket */
			CU_ASSERT(conn_layers_pending(c) > 0); /* but in the inflater */
		}
	}
	CU_ASSERT_FALSE(conn_has_input(c));
	CU_ASSERT_EQUAL(conn_layers_pending(c), 0);
	conn_write_str(c, "done\r\n");
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_OK);
	peer_join(&p);
	conn_free(&c);
}

#define BOMB_LEN (128u << 20)

static void script_bomb(struct peer *p)
{
	/* The command and the first compressed command in one write. */
	p->corking = 1;
	(void)peer_send_wire(p, "a COMPRESS DEFLATE\r\n", 20);
	if (peer_zstart(p) < 0 || peer_send_str(p, "b NOOP\r\n") < 0 || peer_flush(p) < 0 ||
	    peer_uncork(p) < 0 || peer_expect(p, "a OK") < 0)
		return;
	peer_zstart_input(p);
	if (peer_expect(p, "b OK") < 0)
		return;
	static char as[65536];
	memset(as, 'A', sizeof(as));
	if (peer_send_str(p, "c APPEND ") < 0)
		return;
	for (size_t sent = 0; sent < BOMB_LEN; sent += sizeof(as))
		if (peer_send(p, as, sizeof(as)) < 0)
			return;
	if (peer_send_str(p, "\r\nd NOOP\r\n") < 0 || peer_flush(p) < 0 ||
	    peer_expect(p, "d OK") < 0)
		return;
	p->ok = 1;
}

/* Resident memory in KiB: peak since the reset if peak, else current. */
static long rss_kb(int peak)
{
	char row[128];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (f == NULL)
		return -1;
	while (fgets(row, sizeof(row), f) != NULL)
		if (strncmp(row, peak ? "VmHWM:" : "VmRSS:", 6) == 0)
			v = atol(row + 6);
	fclose(f);
	return v;
}

/* Compressed input sent with the COMPRESS command (and already read past by the
 * caller: conn_unread) is inflated, not lost; a 128 MB line
 * from about 128 KB of compressed input is refused as too long, memory bounded. */
static void test_bomb_and_handover(void)
{
	const char *err;
	struct peer p;
	struct conn *c = peer_start(&p, 0, script_bomb);
	/* Wait until both parts of the peer's single write are in, then read like imapd:
	 * one chunk into a parser buffer, which ends up holding compressed bytes too. */
	struct pollfd pf = {.fd = conn_fd(c), .events = POLLIN};
	CU_ASSERT_EQUAL(poll(&pf, 1, 5000), 1);
	const void *data;
	size_t got;
	char parsed[4096];
	CU_ASSERT_EQUAL_FATAL(conn_read_chunk(c, sizeof(parsed), &data, &got, &err), CONN_OK);
	CU_ASSERT_FATAL(got > 20 && memcmp(data, "a COMPRESS DEFLATE\r\n", 20) == 0);
	memcpy(parsed, data, got);
	CU_ASSERT_FALSE(conn_has_input(c));
	conn_unread(c, parsed + 20, got - 20); /* what followed the command */
	conn_write_str(c, "a OK\r\n");
	CU_ASSERT_EQUAL_FATAL(conn_deflate_start(c, -1, &err), 0);
	CU_ASSERT(conn_has_input(c)); /* the compressed "b NOOP", handed to the inflater */
	server_expect(c, "b NOOP");
	conn_write_str(c, "b OK\r\n");
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_OK);
	/* TLS may not go above DEFLATE. */
	CU_ASSERT_EQUAL(conn_start_tls(c, layer_server_ctx, TLS_SERVER, NULL, &err), -1);
	FILE *f = fopen("/proc/self/clear_refs", "w");
	int reset = f != NULL && fputs("5", f) >= 0;
	if (f != NULL)
		reset = fclose(f) == 0 && reset;
	long before = rss_kb(0);
	const char *line;
	size_t len;
	CU_ASSERT_EQUAL(conn_read_line(c, 65536, &line, &len, &err), CONN_TOO_LONG);
	CU_ASSERT_STRING_EQUAL(err, "line too long");
	long after = rss_kb(reset);
	CU_ASSERT(after - before < 32 * 1024);
	server_expect(c, "d NOOP");
	conn_write_str(c, "d OK\r\n");
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_OK);
	peer_join(&p);
	conn_free(&c);
}

static void script_bytewise(struct peer *p)
{
	char hdr[64];
	if (peer_compress(p) < 0)
		return;
	p->byte_at_a_time = 1;
	unsigned char *lit = pattern_new(5000);
	snprintf(hdr, sizeof(hdr), "b APPEND {%d}\r\n", 5000);
	int r = peer_send_str(p, hdr) < 0 || peer_send(p, lit, 5000) < 0 ||
	                        peer_send_str(p, "\r\nc NOOP\r\n") < 0 || peer_flush(p) < 0
	                ? -1
	                : 0;
	free(lit);
	if (r < 0 || peer_expect(p, "c OK") < 0)
		return;
	p->ok = 1;
}

/* raw -> DEFLATE, the compressed stream arriving one byte per write. */
static void test_bytewise(void)
{
	const char *err;
	struct peer p;
	struct conn *c = peer_start(&p, 0, script_bytewise);
	server_compress(c);
	CU_ASSERT_FALSE(tls_conn_active(c));
	server_expect(c, "b APPEND {5000}");
	struct count k = {0};
	CU_ASSERT_EQUAL(conn_read_stream(c, 5000, count_cb, &k, &err), CONN_OK);
	CU_ASSERT(k.seen == 5000 && !k.bad);
	server_expect(c, "");
	server_expect(c, "c NOOP");
	conn_write_str(c, "c OK\r\n");
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_OK);
	peer_join(&p);
	conn_free(&c);
}

static void script_corrupt(struct peer *p)
{
	static const unsigned char junk[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	if (peer_compress(p) < 0)
		return;
	/* Raw bytes, not through deflate: block type 3 is invalid. */
	p->ok = peer_send_wire(p, junk, sizeof(junk)) == 0;
}

static void test_corrupt_input(void)
{
	const char *line, *err = "";
	size_t len;
	struct peer p;
	struct conn *c = peer_start(&p, 1, script_corrupt);
	server_compress(c);
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_ERROR);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "DEFLATE input"));
	peer_join(&p);
	conn_free(&c);
}

static const struct unit_test conn_layer_tests[] = {
        {"tls_deflate_stack", test_tls_deflate_stack},
        {"pending_sees_inflater", test_pending_sees_inflater},
        {"bomb_and_handover", test_bomb_and_handover},
        {"bytewise", test_bytewise},
        {"corrupt_input", test_corrupt_input},
        {NULL, NULL},
};
UNIT_SUITE_FULL("conn_layer", conn_layer_tests, layer_suite_init, layer_suite_cleanup)
