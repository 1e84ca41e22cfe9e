/*
 * tls_test.c - TLS under struct conn over socketpairs: handshake and echo,
 * certificate verification, STARTTLS discarding pipelined plaintext, STARTTLS twice,
 * TLS 1.1 refused, TLS 1.2 with an intermediate cipher, big transfers, input held
 * inside OpenSSL seen by conn_has_input, handshake timeout, context errors and the
 * self-signed certificate writer.  The client side runs in a thread.
 */
#include "unit.h"

#include "base/conn.h"
#include "base/tls.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static char tls_dir[64];
static char cert1[128], key1[128], cert2[128], key2[128];
static struct tls_ctx *server_ctx;

static int tls_suite_init(void)
{
	const char *err;
	snprintf(tls_dir, sizeof(tls_dir), "/tmp/cairn-tls-test-XXXXXX");
	if (mkdtemp(tls_dir) == NULL)
		return -1;
	snprintf(cert1, sizeof(cert1), "%s/cert1.pem", tls_dir);
	snprintf(key1, sizeof(key1), "%s/key1.pem", tls_dir);
	snprintf(cert2, sizeof(cert2), "%s/cert2.pem", tls_dir);
	snprintf(key2, sizeof(key2), "%s/key2.pem", tls_dir);
	if (tls_selfsigned_write(cert1, key1, "localhost", &err) < 0 ||
	    tls_selfsigned_write(cert2, key2, "127.0.0.1", &err) < 0) {
		fprintf(stderr, "tls_selfsigned_write: %s\n", err);
		return -1;
	}
	server_ctx = tls_server_ctx_new(cert1, key1, &err);
	return server_ctx == NULL ? -1 : 0;
}

static int tls_suite_cleanup(void)
{
	tls_ctx_free(&server_ctx);
	unlink(cert1);
	unlink(key1);
	unlink(cert2);
	unlink(key2);
	rmdir(tls_dir);
	return 0;
}

/* The client side: a script run in a thread on its own conn. */
struct client {
	int fd;
	struct tls_ctx *ctx;
	void (*script)(struct client *cl, struct conn *c);
	int tls_ok;
	char got[128];
	char err[256];
	pthread_t th;
};

static void *client_run(void *arg)
{
	struct client *cl = arg;
	struct conn *c = conn_new(cl->fd);
	conn_set_timeouts(c, 5000, 5000);
	cl->script(cl, c);
	conn_free(&c);
	return NULL;
}

static int client_tls(struct client *cl, struct conn *c)
{
	const char *err;
	cl->tls_ok = conn_start_tls(c, cl->ctx, TLS_CLIENT, NULL, &err) == 0;
	if (!cl->tls_ok)
		snprintf(cl->err, sizeof(cl->err), "%s", err);
	return cl->tls_ok ? 0 : -1;
}

static void client_read_line(struct client *cl, struct conn *c)
{
	const char *line, *err;
	size_t len;
	if (conn_read_line(c, 100, &line, &len, &err) == CONN_OK)
		snprintf(cl->got, sizeof(cl->got), "%s", line);
	else
		snprintf(cl->err, sizeof(cl->err), "%s", err);
}

/* Start the client thread on one end of a new socketpair; returns the server conn. */
static struct conn *start_pair(struct client *cl, struct tls_ctx *ctx,
                               void (*script)(struct client *, struct conn *))
{
	int sv[2];
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	memset(cl, 0, sizeof(*cl));
	cl->fd = sv[1];
	cl->ctx = ctx;
	cl->script = script;
	CU_ASSERT_FATAL(pthread_create(&cl->th, NULL, client_run, cl) == 0);
	struct conn *c = conn_new(sv[0]);
	conn_set_timeouts(c, 5000, 5000);
	return c;
}

static void script_hello(struct client *cl, struct conn *c)
{
	const char *err;
	if (client_tls(cl, c) < 0)
		return;
	conn_write_str(c, "hello\r\n");
	if (conn_flush(c, &err) == CONN_OK)
		client_read_line(cl, c);
}

static void test_handshake_and_echo(void)
{
	const char *err, *line;
	size_t len, discarded = 99;
	struct tls_ctx *cctx = tls_client_ctx_new(NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cctx);
	struct client cl;
	struct conn *c = start_pair(&cl, cctx, script_hello);
	CU_ASSERT_FALSE(tls_conn_active(c));
	CU_ASSERT_PTR_NULL(tls_conn_version(c));
	CU_ASSERT_EQUAL_FATAL(conn_start_tls(c, server_ctx, TLS_SERVER, &discarded, &err), 0);
	CU_ASSERT_EQUAL(discarded, 0);
	CU_ASSERT(tls_conn_active(c));
	CU_ASSERT_STRING_EQUAL(tls_conn_version(c), "TLSv1.3");
	CU_ASSERT_PTR_NOT_NULL(tls_conn_cipher(c));
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "hello");
	conn_write_str(c, "world\r\n");
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_OK);
	pthread_join(cl.th, NULL);
	CU_ASSERT(cl.tls_ok);
	CU_ASSERT_STRING_EQUAL(cl.got, "world");
	/* The client closed (close_notify): EOF, not an error. */
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_EOF);
	conn_free(&c);
	tls_ctx_free(&cctx);
	CU_ASSERT_PTR_NULL(cctx);
}

static void script_tls_only(struct client *cl, struct conn *c)
{
	(void)client_tls(cl, c);
}

static void test_verify_ca(void)
{
	const char *err;
	/* Trusting cert1: verification succeeds. */
	struct tls_ctx *good = tls_client_ctx_new(cert1, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(good);
	struct client cl;
	struct conn *c = start_pair(&cl, good, script_tls_only);
	CU_ASSERT_EQUAL(conn_start_tls(c, server_ctx, TLS_SERVER, NULL, &err), 0);
	pthread_join(cl.th, NULL);
	CU_ASSERT(cl.tls_ok);
	conn_free(&c);
	/* Trusting only cert2: the client refuses the server's cert1. */
	struct tls_ctx *bad = tls_client_ctx_new(cert2, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
	c = start_pair(&cl, bad, script_tls_only);
	CU_ASSERT_EQUAL(conn_start_tls(c, server_ctx, TLS_SERVER, NULL, &err), -1);
	pthread_join(cl.th, NULL);
	CU_ASSERT_FALSE(cl.tls_ok);
	CU_ASSERT_PTR_NOT_NULL(strstr(cl.err, "certificate verify failed"));
	conn_free(&c);
	tls_ctx_free(&good);
	tls_ctx_free(&bad);
}

/* An attacker-style client: STARTTLS and LOGIN in one packet, then TLS. */
static void script_starttls_inject(struct client *cl, struct conn *c)
{
	const char *err;
	conn_write_str(c, "a STARTTLS\r\nb LOGIN x y\r\n");
	if (conn_flush(c, &err) != CONN_OK)
		return;
	client_read_line(cl, c);
	if (strcmp(cl->got, "a OK Begin TLS") != 0 || client_tls(cl, c) < 0)
		return;
	conn_write_str(c, "c NOOP\r\n");
	if (conn_flush(c, &err) == CONN_OK)
		client_read_line(cl, c);
}

static void test_starttls_discards_plaintext(void)
{
	const char *err, *line;
	size_t len, discarded = 0;
	struct tls_ctx *cctx = tls_client_ctx_new(NULL, &err);
	struct client cl;
	struct conn *c = start_pair(&cl, cctx, script_starttls_inject);
	CU_ASSERT_EQUAL_FATAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "a STARTTLS");
	CU_ASSERT(conn_has_input(c)); /* "b LOGIN" came in the same packet */
	conn_write_str(c, "a OK Begin TLS\r\n"); /* flushed by conn_start_tls */
	CU_ASSERT_EQUAL_FATAL(conn_start_tls(c, server_ctx, TLS_SERVER, &discarded, &err), 0);
	CU_ASSERT_EQUAL(discarded, strlen("b LOGIN x y\r\n"));
	CU_ASSERT_FALSE(conn_has_input(c));
	/* The first command inside TLS is c, never the injected b. */
	CU_ASSERT_EQUAL(conn_read_line(c, 100, &line, &len, &err), CONN_OK);
	CU_ASSERT_STRING_EQUAL(line, "c NOOP");
	conn_write_str(c, "c OK\r\n");
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_OK);
	/* STARTTLS twice is refused. */
	CU_ASSERT_EQUAL(conn_start_tls(c, server_ctx, TLS_SERVER, &discarded, &err), -1);
	CU_ASSERT_STRING_EQUAL(err, "TLS is already active");
	pthread_join(cl.th, NULL);
	CU_ASSERT_STRING_EQUAL(cl.got, "c OK");
	conn_free(&c);
	tls_ctx_free(&cctx);
}

static void test_tls11_refused(void)
{
	const char *err;
	struct tls_ctx *cctx = tls_client_ctx_new(NULL, &err);
	CU_ASSERT_EQUAL_FATAL(tls_ctx_set_versions(cctx, "TLSv1.1", "TLSv1.1", &err), 0);
	struct client cl;
	struct conn *c = start_pair(&cl, cctx, script_tls_only);
	CU_ASSERT_EQUAL(conn_start_tls(c, server_ctx, TLS_SERVER, NULL, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unsupported protocol"));
	pthread_join(cl.th, NULL);
	CU_ASSERT_FALSE(cl.tls_ok);
	/* The client did offer TLS 1.1 (it got the server's protocol_version alert). */
	CU_ASSERT_PTR_NOT_NULL(strstr(cl.err, "protocol version"));
	conn_free(&c);
	CU_ASSERT_EQUAL(tls_ctx_set_versions(cctx, "SSLv2", NULL, &err), -1);
	tls_ctx_free(&cctx);
}

static void test_tls12_intermediate(void)
{
	const char *err;
	struct tls_ctx *cctx = tls_client_ctx_new(NULL, &err);
	CU_ASSERT_EQUAL_FATAL(tls_ctx_set_versions(cctx, NULL, "TLSv1.2", &err), 0);
	struct client cl;
	struct conn *c = start_pair(&cl, cctx, script_tls_only);
	CU_ASSERT_EQUAL_FATAL(conn_start_tls(c, server_ctx, TLS_SERVER, NULL, &err), 0);
	CU_ASSERT_STRING_EQUAL(tls_conn_version(c), "TLSv1.2");
	/* RSA certificate + intermediate list: ECDHE-RSA with an AEAD. */
	CU_ASSERT(strncmp(tls_conn_cipher(c), "ECDHE-RSA-", 10) == 0);
	pthread_join(cl.th, NULL);
	conn_free(&c);
	tls_ctx_free(&cctx);
}

static int pattern_ok(const unsigned char *p, size_t len, uint64_t start)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (start + i) % 251)
			return 0;
	return 1;
}

struct count {
	uint64_t seen;
	int bad;
};

static int count_cb(void *ctx, const void *data, size_t len, const char **error_r)
{
	struct count *k = ctx;
	if (!pattern_ok(data, len, k->seen))
		k->bad = 1;
	k->seen += len;
	return 0;
}

#define BIG (3u << 20)

/* Receive BIG pattern bytes from the server, then send them back. */
static void script_big(struct client *cl, struct conn *c)
{
	const char *err;
	if (client_tls(cl, c) < 0)
		return;
	struct count k = {0};
	if (conn_read_stream(c, BIG, count_cb, &k, &err) != CONN_OK || k.bad) {
		snprintf(cl->err, sizeof(cl->err), "stream: %s", k.bad ? "bad data" : err);
		return;
	}
	unsigned char *buf = malloc(BIG);
	for (size_t i = 0; i < BIG; i++)
		buf[i] = (unsigned char)(i % 251);
	if (conn_write_direct(c, buf, BIG, &err) == CONN_OK && conn_flush(c, &err) == CONN_OK)
		snprintf(cl->got, sizeof(cl->got), "sent");
	free(buf);
}

static void test_big_transfer(void)
{
	const char *err;
	struct tls_ctx *cctx = tls_client_ctx_new(NULL, &err);
	struct client cl;
	char path[] = "/tmp/cairn-tls-big-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	unsigned char *buf = malloc(BIG);
	for (size_t i = 0; i < BIG; i++)
		buf[i] = (unsigned char)(i % 251);
	CU_ASSERT_FATAL(write(fd, buf, BIG) == (ssize_t)BIG);
	free(buf);
	struct conn *c = start_pair(&cl, cctx, script_big);
	CU_ASSERT_EQUAL_FATAL(conn_start_tls(c, server_ctx, TLS_SERVER, NULL, &err), 0);
	CU_ASSERT_EQUAL(conn_write_fd(c, fd, 0, BIG, &err), CONN_OK); /* pread path under TLS */
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_OK);
	struct count k = {0};
	CU_ASSERT_EQUAL(conn_read_stream(c, BIG, count_cb, &k, &err), CONN_OK);
	CU_ASSERT_EQUAL(k.seen, BIG);
	CU_ASSERT_FALSE(k.bad);
	pthread_join(cl.th, NULL);
	CU_ASSERT_STRING_EQUAL(cl.got, "sent");
	CU_ASSERT_STRING_EQUAL(cl.err, "");
	close(fd);
	conn_free(&c);
	tls_ctx_free(&cctx);
}

/* One TLS record of 16000 bytes, then wait for the server's go-ahead. */
static void script_one_record(struct client *cl, struct conn *c)
{
	const char *err;
	if (client_tls(cl, c) < 0)
		return;
	char data[16000];
	memset(data, 'r', sizeof(data));
	conn_write(c, data, sizeof(data));
	if (conn_flush(c, &err) == CONN_OK) /* one flush of < 16 KiB: one TLS record */
		client_read_line(cl, c);
}

static void test_has_input_sees_openssl_buffer(void)
{
	const char *err;
	struct tls_ctx *cctx = tls_client_ctx_new(NULL, &err);
	struct client cl;
	struct conn *c = start_pair(&cl, cctx, script_one_record);
	CU_ASSERT_EQUAL_FATAL(conn_start_tls(c, server_ctx, TLS_SERVER, NULL, &err), 0);
	const void *data;
	size_t len, total = 0;
	/* conn's buffer (8 KiB) takes only part of the 16000-byte record. */
	int r = conn_read_chunk(c, 100000, &data, &len, &err);
	CU_ASSERT_EQUAL(r, CONN_OK);
	if (r != CONN_OK)
		fprintf(stderr, "read_chunk: %s\n", err);
	total += len;
	CU_ASSERT(len < 16000);
	CU_ASSERT(conn_has_input(c)); /* the rest waits inside OpenSSL */
	/* The socket itself has nothing more: a daemon polling only the fd would hang. */
	struct pollfd p = {.fd = conn_fd(c), .events = POLLIN};
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);
	while (total < 16000 && conn_read_chunk(c, 100000, &data, &len, &err) == CONN_OK)
		total += len;
	CU_ASSERT_EQUAL(total, 16000);
	CU_ASSERT_FALSE(conn_has_input(c));
	conn_write_str(c, "done\r\n");
	CU_ASSERT_EQUAL(conn_flush(c, &err), CONN_OK);
	pthread_join(cl.th, NULL);
	CU_ASSERT_STRING_EQUAL(cl.got, "done");
	conn_free(&c);
	tls_ctx_free(&cctx);
}

static void script_silent(struct client *cl, struct conn *c)
{
	const char *line, *err;
	size_t len;
	/* Never sends a ClientHello; waits for the server to give up and close. */
	(void)conn_read_line(c, 100, &line, &len, &err);
}

static void test_handshake_timeout(void)
{
	const char *err;
	struct client cl;
	struct conn *c = start_pair(&cl, NULL, script_silent);
	conn_set_timeouts(c, 100, 100);
	CU_ASSERT_EQUAL(conn_start_tls(c, server_ctx, TLS_SERVER, NULL, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "timed out"));
	conn_free(&c);
	pthread_join(cl.th, NULL);
}

static void test_ctx_errors(void)
{
	const char *err = NULL;
	CU_ASSERT_PTR_NULL(tls_server_ctx_new("/nonexistent/cert.pem", key1, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/cert.pem"));
	CU_ASSERT_PTR_NULL(tls_server_ctx_new(cert1, "/nonexistent/key.pem", &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/key.pem"));
	CU_ASSERT_PTR_NULL(tls_server_ctx_new(cert1, key2, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "mismatch"));
	CU_ASSERT_PTR_NULL(tls_client_ctx_new("/nonexistent/ca.pem", &err));
	/* A reload is just a new context. */
	struct tls_ctx *again = tls_server_ctx_new(cert2, key2, &err);
	CU_ASSERT_PTR_NOT_NULL(again);
	tls_ctx_free(&again);
}

static void test_selfsigned_files(void)
{
	struct stat st;
	CU_ASSERT_EQUAL_FATAL(stat(key1, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	char head[64] = {0};
	FILE *f = fopen(cert1, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT(fread(head, 1, sizeof(head) - 1, f) > 0);
	fclose(f);
	CU_ASSERT(strncmp(head, "-----BEGIN CERTIFICATE-----", 27) == 0);
	const char *err;
	char bad[128];
	snprintf(bad, sizeof(bad), "%s/bad.pem", tls_dir);
	CU_ASSERT_EQUAL(tls_selfsigned_write(bad, bad, "evil,DNS:x", &err), -1);
	CU_ASSERT_EQUAL(tls_selfsigned_write(bad, bad, "", &err), -1);
	CU_ASSERT_EQUAL(access(bad, F_OK), -1);
	CU_ASSERT_EQUAL(tls_selfsigned_write("/nonexistent/c.pem", "/nonexistent/k.pem", "x", &err),
	                -1);
}

static const struct unit_test tls_tests[] = {
        {"handshake_and_echo", test_handshake_and_echo},
        {"verify_ca", test_verify_ca},
        {"starttls_discards_plaintext", test_starttls_discards_plaintext},
        {"tls11_refused", test_tls11_refused},
        {"tls12_intermediate", test_tls12_intermediate},
        {"big_transfer", test_big_transfer},
        {"has_input_sees_openssl_buffer", test_has_input_sees_openssl_buffer},
        {"handshake_timeout", test_handshake_timeout},
        {"ctx_errors", test_ctx_errors},
        {"selfsigned_files", test_selfsigned_files},
        {NULL, NULL},
};
UNIT_SUITE_FULL("tls", tls_tests, tls_suite_init, tls_suite_cleanup)
