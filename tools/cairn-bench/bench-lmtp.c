/*
 * bench-lmtp.c - cairn-bench lmtp: LMTP delivery load against any LMTP server.
 *
 *   cairn-bench lmtp [-H host] [-p port] [-c conns] [-n msgs] [-r rcpts/msg]
 *                    [-U users] [-R 'user%d@example.test'] [-m mix]
 *
 * Each connection is a process delivering its share of -n messages with
 * pipelining (MAIL + RCPTs + DATA in one write, then the body).  Sizes follow the
 * mix "PCT:BYTES[:att],..." (default 80:4096,18:76800:att,2:2097152:att; "att" = a
 * multipart message with a base64 attachment).  Recipients cycle through users
 * 1..U.  Prints key=value lines: msgs/s, recipients/s, latency percentiles (ms).
 * Exports bench_lmtp_run.
 */
#include "bench.h"

#include "base/buf.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MIX_MAX 8

struct bench_lmtp {
	const char *host, *port, *rcpt_fmt;
	int conns, msgs, rcpts, users;
	int mix_pct[BENCH_MIX_MAX], mix_att[BENCH_MIX_MAX];
	size_t mix_size[BENCH_MIX_MAX];
	int nmix;
	double *lat_ms; /* shared: one slot per message, -1 = failed */
};

static int bench_parse_mix(struct bench_lmtp *b, const char *mix)
{
	char *copy = strdup(mix), *save = NULL;
	b->nmix = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (b->nmix == BENCH_MIX_MAX)
			break;
		char att[8] = "";
		long pct = 0, size = 0;
		if (sscanf(tok, "%ld:%ld:%7s", &pct, &size, att) < 2 || pct <= 0 || size < 100)
			break;
		b->mix_pct[b->nmix] = (int)pct;
		b->mix_size[b->nmix] = (size_t)size;
		b->mix_att[b->nmix] = strcmp(att, "att") == 0;
		b->nmix++;
	}
	free(copy);
	return b->nmix > 0 ? 0 : -1;
}

/* A message of about size bytes, unique by (conn, seq). */
static void bench_message(struct buf *m, size_t size, int att, int conn, int seq)
{
	buf_reset(m);
	buf_printf(m,
	           "From: bench@load.test\r\nTo: rcpt@example.test\r\nSubject: bench %d.%d\r\n"
	           "Message-ID: <%d.%d.%ld@load.test>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
	           "MIME-Version: 1.0\r\n",
	           conn, seq, conn, seq, (long)time(NULL));
	if (att)
		buf_append_str(m, "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"
		                  "Content-Type: text/plain\r\n\r\nSee attachment.\r\n--b1\r\n"
		                  "Content-Type: application/octet-stream\r\n"
		                  "Content-Transfer-Encoding: base64\r\n\r\n");
	else
		buf_append_str(m, "Content-Type: text/plain\r\n\r\n");
	static const char b64[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned x = (unsigned)(conn * 7919 + seq);
	while (m->len + 80 < size) {
		for (int i = 0; i < 76; i++) {
			x = x * 1103515245u + 12345u;
			buf_append_char(m,
			                att ? b64[(x >> 16) & 63] : (char)('a' + (x >> 16) % 26));
		}
		buf_append_str(m, "\r\n");
	}
	if (att)
		buf_append_str(m, "--b1--\r\n");
}

/* Read n complete replies; returns how many began with '2' (or 3 for 354), -1 on EOF. */
static int bench_replies(int fd, struct buf *in, int n, char ok)
{
	int good = 0;
	while (n > 0) {
		char *lf = in->len ? memchr(in->data, '\n', in->len) : NULL;
		if (lf == NULL) {
			char chunk[8192];
			ssize_t r = read(fd, chunk, sizeof(chunk));
			if (r <= 0)
				return -1;
			buf_append(in, chunk, (size_t)r);
			continue;
		}
		size_t len = (size_t)(lf - in->data) + 1;
		if (len >= 4 && in->data[3] != '-') {
			good += in->data[0] == ok;
			n--;
		}
		buf_consume(in, len);
	}
	return good;
}

static int bench_send(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w <= 0)
			return -1;
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

static size_t bench_pick(const struct bench_lmtp *b, unsigned *seed, int *att_r)
{
	int total = 0;
	for (int i = 0; i < b->nmix; i++)
		total += b->mix_pct[i];
	int r = (int)(rand_r(seed) % (unsigned)total);
	for (int i = 0; i < b->nmix; i++) {
		if (r < b->mix_pct[i]) {
			*att_r = b->mix_att[i];
			return b->mix_size[i];
		}
		r -= b->mix_pct[i];
	}
	*att_r = b->mix_att[0];
	return b->mix_size[0];
}

/* One transaction: returns 0 when every recipient got 250. */
static int bench_one(const struct bench_lmtp *b, int fd, struct buf *in, struct buf *cmd,
                     const struct buf *msg, int seq)
{
	buf_reset(cmd);
	buf_append_str(cmd, "MAIL FROM:<bench@load.test>\r\n");
	for (int r = 0; r < b->rcpts; r++) {
		buf_append_str(cmd, "RCPT TO:<");
		buf_printf(cmd, b->rcpt_fmt, 1 + (seq * b->rcpts + r) % b->users);
		buf_append_str(cmd, ">\r\n");
	}
	buf_append_str(cmd, "DATA\r\n");
	if (bench_send(fd, cmd->data, cmd->len) < 0)
		return -1;
	if (bench_replies(fd, in, 1 + b->rcpts, '2') != 1 + b->rcpts ||
	    bench_replies(fd, in, 1, '3') != 1)
		return -1;
	if (bench_send(fd, msg->data, msg->len) < 0 || bench_send(fd, ".\r\n", 3) < 0)
		return -1;
	return bench_replies(fd, in, b->rcpts, '2') == b->rcpts ? 0 : -1;
}

static void bench_conn(const struct bench_lmtp *b, int conn)
{
	struct buf in = BUF_INIT, cmd = BUF_INIT, msg = BUF_INIT;
	unsigned seed = (unsigned)conn * 2654435761u + 1;
	int fd = bench_tcp_connect(b->host, b->port);
	if (fd < 0 || bench_replies(fd, &in, 1, '2') != 1 ||
	    bench_send(fd, "LHLO bench\r\n", 12) < 0 || bench_replies(fd, &in, 1, '2') != 1) {
		fprintf(stderr, "cairn-bench: connection %d failed\n", conn);
		_exit(1);
	}
	for (int seq = conn; seq < b->msgs; seq += b->conns) {
		int att;
		size_t size = bench_pick(b, &seed, &att);
		bench_message(&msg, size, att, conn, seq);
		double t0 = bench_now();
		int r = bench_one(b, fd, &in, &cmd, &msg, seq);
		b->lat_ms[seq] = r == 0 ? (bench_now() - t0) * 1000.0 : -1;
		if (r < 0)
			break; /* a protocol error leaves the session in an unknown state */
	}
	bench_send(fd, "QUIT\r\n", 6);
	close(fd);
	_exit(0);
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void bench_report(const struct bench_lmtp *b, double secs)
{
	double *ok = malloc(sizeof(double) * (size_t)(b->msgs ? b->msgs : 1));
	int n = 0;
	for (int i = 0; i < b->msgs; i++)
		if (b->lat_ms[i] >= 0)
			ok[n++] = b->lat_ms[i];
	qsort(ok, (size_t)n, sizeof(double), bench_cmp_double);
	printf("mode=lmtp conns=%d rcpts_per_msg=%d messages=%d failed=%d seconds=%.2f\n", b->conns,
	       b->rcpts, n, b->msgs - n, secs);
	printf("msgs_per_s=%.1f rcpts_per_s=%.1f\n", n / secs, (double)n * b->rcpts / secs);
	if (n > 0)
		printf("latency_ms p50=%.2f p90=%.2f p99=%.2f max=%.2f\n", ok[n / 2],
		       ok[(int)(n * 0.9)], ok[(int)(n * 0.99)], ok[n - 1]);
	free(ok);
}

static int bench_lmtp_usage(void)
{
	fprintf(stderr, "usage: cairn-bench lmtp [-H host] [-p port] [-c conns] [-n msgs] "
	                "[-r rcpts] [-U users] [-R rcpt_fmt] [-m PCT:BYTES[:att],...]\n");
	return 2;
}

/* Declared again in main.c's mode table. */
int bench_lmtp_run(int argc, char **argv);

int bench_lmtp_run(int argc, char **argv)
{
	struct bench_lmtp b = {.host = "127.0.0.1",
	                       .port = "24",
	                       .conns = 4,
	                       .msgs = 1000,
	                       .rcpts = 1,
	                       .users = 100,
	                       .rcpt_fmt = "user%d@example.test"};
	const char *mix = "80:4096,18:76800:att,2:2097152:att";
	int opt;
	while ((opt = getopt(argc, argv, "H:p:c:n:r:U:R:m:")) != -1) {
		switch (opt) {
		case 'H':
			b.host = optarg;
			break;
		case 'p':
			b.port = optarg;
			break;
		case 'c':
			b.conns = atoi(optarg);
			break;
		case 'n':
			b.msgs = atoi(optarg);
			break;
		case 'r':
			b.rcpts = atoi(optarg);
			break;
		case 'U':
			b.users = atoi(optarg);
			break;
		case 'R':
			b.rcpt_fmt = optarg;
			break;
		case 'm':
			mix = optarg;
			break;
		default:
			return bench_lmtp_usage();
		}
	}
	if (b.conns < 1 || b.msgs < 1 || b.rcpts < 1 || b.users < 1 ||
	    bench_parse_mix(&b, mix) < 0 || strstr(b.rcpt_fmt, "%d") == NULL)
		return bench_lmtp_usage();
	b.lat_ms = mmap(NULL, sizeof(double) * (size_t)b.msgs, PROT_READ | PROT_WRITE,
	                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b.lat_ms == MAP_FAILED)
		return 1;
	for (int i = 0; i < b.msgs; i++)
		b.lat_ms[i] = -1;
	double t0 = bench_now();
	for (int c = 0; c < b.conns; c++)
		if (fork() == 0)
			bench_conn(&b, c);
	while (wait(NULL) > 0)
		;
	bench_report(&b, bench_now() - t0);
	return 0;
}
