/*
 * bench-imap.c - cairn-bench imap: an IMAP session mix against any IMAP server.
 *
 *   cairn-bench imap [-H host] [-p port] [-c clients] [-d seconds] [-k ops]
 *                    [-u user] [-w password] [-m mailbox] [-F runs]
 *
 * Each client is a process running sessions back to back for -d seconds: connect +
 * LOGIN (plaintext), SELECT, then -k operations drawn from the mix 40% FETCH of 50
 * messages' FLAGS and ENVELOPE, 20% FETCH BODY.PEEK[] of one message, 20% STORE
 * +FLAGS/-FLAGS \Flagged on one message, 20% SEARCH (FLAGGED, or FROM), then
 * LOGOUT.  Prints key=value lines: operations per second overall and per kind with
 * latency percentiles (ms).  -F runs instead times "FETCH 1:* (FLAGS ENVELOPE
 * BODYSTRUCTURE)" on the mailbox, runs times in one session.  Exports bench_imap_run.
 */
#include "bench.h"

#include "base/buf.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum bench_op {
	OP_LOGIN,
	OP_SELECT,
	OP_FETCH_ENV,
	OP_FETCH_BODY,
	OP_STORE,
	OP_SEARCH,
	OP_LOGOUT,
	OP_N
};
static const char *const bench_op_names[OP_N] = {"login", "select", "fetch_env", "fetch_body",
                                                 "store", "search", "logout"};

#define BENCH_SLOTS 200000 /* latency records per client */

struct bench_rec {
	float ms; /* < 0: failed */
	unsigned char op;
};

struct bench_imap {
	const char *host, *port, *user, *pass, *mailbox;
	int clients, seconds, ops, fetch_runs;
	struct bench_rec *recs; /* shared: BENCH_SLOTS per client */
	int *counts; /* shared: records per client */
};

struct bench_conn {
	int fd;
	struct buf in;
	unsigned tag;
	uint32_t exists;
};

/* One line (CRLF included) at the start of c->in, reading as needed: its length. */
static ssize_t bench_line(struct bench_conn *c)
{
	for (;;) {
		char *lf = c->in.len ? memchr(c->in.data, '\n', c->in.len) : NULL;
		if (lf != NULL)
			return lf - c->in.data + 1;
		buf_reserve(&c->in, 65536);
		ssize_t n = read(c->fd, c->in.data + c->in.len, 65536);
		if (n <= 0)
			return -1;
		c->in.len += (size_t)n;
	}
}

/* Make sure n bytes are buffered. */
static int bench_fill(struct bench_conn *c, size_t n)
{
	while (c->in.len < n) {
		buf_reserve(&c->in, n - c->in.len + 65536);
		ssize_t r = read(c->fd, c->in.data + c->in.len, n - c->in.len + 65536);
		if (r <= 0)
			return -1;
		c->in.len += (size_t)r;
	}
	return 0;
}

/*
 * Read responses up to the tagged one; 0 when it is OK.  Literals are skipped,
 * "* n EXISTS" updates c->exists.
 */
static int bench_reply(struct bench_conn *c, const char *tag)
{
	size_t tlen = strlen(tag);
	for (;;) {
		ssize_t n = bench_line(c);
		if (n < 0)
			return -1;
		const char *l = c->in.data;
		unsigned long v;
		char word[16];
		if (sscanf(l, "* %lu %15s", &v, word) == 2 && strcmp(word, "EXISTS") == 0)
			c->exists = (uint32_t)v;
		int ok = (size_t)n > tlen && memcmp(l, tag, tlen) == 0 && l[tlen] == ' ';
		int good = ok && strncmp(l + tlen + 1, "OK", 2) == 0;
		size_t lit = 0;
		if (n >= 3 && l[n - 3] == '}') {
			const char *brace = memrchr(l, '{', (size_t)n);
			lit = brace ? strtoul(brace + 1, NULL, 10) : 0;
		}
		buf_consume(&c->in, (size_t)n);
		if (ok)
			return good ? 0 : -1;
		if (lit > 0) {
			if (bench_fill(c, lit) < 0)
				return -1;
			buf_consume(&c->in, lit);
		}
	}
}

static int bench_cmd(struct bench_conn *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static int bench_cmd(struct bench_conn *c, const char *fmt, ...)
{
	char tag[16], line[1024];
	va_list ap;
	snprintf(tag, sizeof(tag), "b%u", ++c->tag);
	int n = snprintf(line, sizeof(line), "%s ", tag);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap);
	va_end(ap);
	memcpy(line + n, "\r\n", 2);
	if (write(c->fd, line, (size_t)n + 2) != n + 2)
		return -1;
	return bench_reply(c, tag);
}

static void bench_record(const struct bench_imap *b, int client, enum bench_op op, double t0, int r)
{
	int *count = &b->counts[client];
	if (*count >= BENCH_SLOTS)
		return;
	struct bench_rec *rec = &b->recs[(size_t)client * BENCH_SLOTS + (size_t)*count];
	rec->op = (unsigned char)op;
	rec->ms = r == 0 ? (float)((bench_now() - t0) * 1000.0) : -1.0f;
	(*count)++;
}

/* One operation of the mix on a selected mailbox of c->exists messages. */
static int bench_op(struct bench_conn *c, unsigned *seed, enum bench_op *op_r)
{
	uint32_t n = c->exists ? c->exists : 1;
	uint32_t m = 1 + (uint32_t)rand_r(seed) % n;
	int pick = rand_r(seed) % 10;
	if (pick < 4) {
		*op_r = OP_FETCH_ENV;
		uint32_t hi = m + 49 > n ? n : m + 49;
		return bench_cmd(c, "FETCH %u:%u (FLAGS ENVELOPE)", m, hi);
	}
	if (pick < 6) {
		*op_r = OP_FETCH_BODY;
		return bench_cmd(c, "FETCH %u BODY.PEEK[]", m);
	}
	if (pick < 8) {
		*op_r = OP_STORE;
		return bench_cmd(c, "STORE %u %cFLAGS (\\Flagged)", m, pick == 6 ? '+' : '-');
	}
	*op_r = OP_SEARCH;
	return pick == 8 ? bench_cmd(c, "SEARCH FLAGGED") : bench_cmd(c, "SEARCH FROM \"bench\"");
}

/* One session: connect + LOGIN, SELECT, ops, LOGOUT.  -1 when the server failed. */
static int bench_session(const struct bench_imap *b, int client, unsigned *seed)
{
	struct bench_conn c = {.fd = -1, .in = BUF_INIT};
	double t0 = bench_now();
	int r = -1;
	c.fd = bench_tcp_connect(b->host, b->port);
	if (c.fd >= 0 && bench_line(&c) > 0) {
		buf_consume(&c.in, (size_t)bench_line(&c));
		r = bench_cmd(&c, "LOGIN \"%s\" \"%s\"", b->user, b->pass);
	}
	bench_record(b, client, OP_LOGIN, t0, r);
	if (r == 0) {
		t0 = bench_now();
		r = bench_cmd(&c, "SELECT \"%s\"", b->mailbox);
		bench_record(b, client, OP_SELECT, t0, r);
	}
	for (int i = 0; r == 0 && i < b->ops; i++) {
		enum bench_op op;
		t0 = bench_now();
		r = bench_op(&c, seed, &op);
		bench_record(b, client, op, t0, r);
	}
	if (r == 0) {
		t0 = bench_now();
		r = bench_cmd(&c, "LOGOUT");
		bench_record(b, client, OP_LOGOUT, t0, r);
	}
	if (c.fd >= 0)
		close(c.fd);
	buf_free(&c.in);
	return r;
}

static void bench_client(const struct bench_imap *b, int client)
{
	unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	double end = bench_now() + b->seconds;
	while (bench_now() < end)
		if (bench_session(b, client, &seed) < 0)
			usleep(100000); /* a refused login: do not spin */
}

static int bench_cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

static void bench_percentiles(const char *name, float *v, size_t n, double secs)
{
	qsort(v, n, sizeof(*v), bench_cmp_float);
	printf("%s_ops=%zu %s_per_s=%.1f", name, n, name, (double)n / secs);
	if (n > 0)
		printf(" %s_p50_ms=%.2f %s_p90_ms=%.2f %s_p99_ms=%.2f %s_max_ms=%.2f", name,
		       v[n / 2], name, v[n * 9 / 10], name, v[n * 99 / 100], name, v[n - 1]);
	printf("\n");
}

static void bench_report(const struct bench_imap *b, double secs)
{
	size_t total = 0, failed = 0;
	for (int c = 0; c < b->clients; c++)
		total += (size_t)b->counts[c];
	float *all = malloc((total + 1) * sizeof(*all)), *one = malloc((total + 1) * sizeof(*one));
	size_t n_all = 0;
	for (int op = -1; op < OP_N; op++) {
		size_t n = 0;
		for (int c = 0; c < b->clients; c++) {
			for (int i = 0; i < b->counts[c]; i++) {
				const struct bench_rec *r =
				        &b->recs[(size_t)c * BENCH_SLOTS + (size_t)i];
				if (op < 0 && r->ms < 0)
					failed++;
				else if (op < 0)
					all[n_all++] = r->ms;
				else if (r->op == op && r->ms >= 0)
					one[n++] = r->ms;
			}
		}
		if (op >= 0)
			bench_percentiles(bench_op_names[op], one, n, secs);
	}
	printf("clients=%d seconds=%.1f failed=%zu\n", b->clients, secs, failed);
	bench_percentiles("all", all, n_all, secs);
	free(all);
	free(one);
}

/* -F: time FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE) runs times in one session. */
static int bench_fetch_all(const struct bench_imap *b)
{
	struct bench_conn c = {.fd = bench_tcp_connect(b->host, b->port), .in = BUF_INIT};
	int r = -1;
	if (c.fd >= 0 && bench_line(&c) > 0) {
		buf_consume(&c.in, (size_t)bench_line(&c));
		r = bench_cmd(&c, "LOGIN \"%s\" \"%s\"", b->user, b->pass);
	}
	if (r == 0)
		r = bench_cmd(&c, "SELECT \"%s\"", b->mailbox);
	printf("messages=%u\n", c.exists);
	for (int i = 0; r == 0 && i < b->fetch_runs; i++) {
		double t0 = bench_now();
		r = bench_cmd(&c, "FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE)");
		printf("fetch_all_run=%d ms=%.1f\n", i + 1, (bench_now() - t0) * 1000.0);
	}
	if (r == 0)
		(void)bench_cmd(&c, "LOGOUT");
	if (c.fd >= 0)
		close(c.fd);
	buf_free(&c.in);
	if (r < 0)
		fprintf(stderr, "cairn-bench imap: the server refused or failed\n");
	return r < 0 ? 1 : 0;
}

static int bench_imap_usage(void)
{
	fprintf(stderr, "usage: cairn-bench imap [-H host] [-p port] [-c clients] [-d seconds] "
	                "[-k ops] [-u user] [-w password] [-m mailbox] [-F runs]\n");
	return 2;
}

static int bench_imap_args(struct bench_imap *b, int argc, char **argv)
{
	int opt;
	while ((opt = getopt(argc, argv, "H:p:c:d:k:u:w:m:F:")) != -1) {
		switch (opt) {
		case 'H':
			b->host = optarg;
			break;
		case 'p':
			b->port = optarg;
			break;
		case 'c':
			b->clients = atoi(optarg);
			break;
		case 'd':
			b->seconds = atoi(optarg);
			break;
		case 'k':
			b->ops = atoi(optarg);
			break;
		case 'u':
			b->user = optarg;
			break;
		case 'w':
			b->pass = optarg;
			break;
		case 'm':
			b->mailbox = optarg;
			break;
		case 'F':
			b->fetch_runs = atoi(optarg);
			break;
		default:
			return -1;
		}
	}
	return 0;
}

int bench_imap_run(int argc, char **argv);

int bench_imap_run(int argc, char **argv)
{
	struct bench_imap b = {.host = "127.0.0.1",
	                       .port = "143",
	                       .user = "bench@example.test",
	                       .pass = "bench",
	                       .mailbox = "INBOX",
	                       .clients = 8,
	                       .seconds = 10,
	                       .ops = 10};
	if (bench_imap_args(&b, argc, argv) < 0)
		return bench_imap_usage();
	if (b.clients < 1 || b.clients > 1000 || b.seconds < 1 || b.ops < 0 || b.fetch_runs < 0)
		return bench_imap_usage();
	if (b.fetch_runs > 0)
		return bench_fetch_all(&b);
	size_t bytes = sizeof(struct bench_rec) * BENCH_SLOTS * (size_t)b.clients;
	b.recs = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	b.counts = mmap(NULL, sizeof(int) * (size_t)b.clients, PROT_READ | PROT_WRITE,
	                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b.recs == MAP_FAILED || b.counts == MAP_FAILED)
		return 1;
	memset(b.counts, 0, sizeof(int) * (size_t)b.clients);
	double t0 = bench_now();
	for (int c = 0; c < b.clients; c++) {
		pid_t pid = fork();
		if (pid == 0) {
			bench_client(&b, c);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	bench_report(&b, bench_now() - t0);
	return 0;
}
