/*
 * bench-connect.c - `cairn-bench connect`: N sequential connect -> greeting line
 * (-> one echo round trip with -e) -> close cycles against HOST:PORT; prints
 * connections/s and latency percentiles.  Measures the master + worker pool
 * path (accept in a warm worker), not a protocol.  Exports bench_connect_run.
 */
#include "bench.h"

#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Also declared next to the mode table in main.c. */
int bench_connect_run(int argc, char **argv);

/* Read until a newline; 0 on success. */
static int bench_read_line(int fd)
{
	char buf[512];
	size_t total = 0;
	while (total < sizeof(buf)) {
		ssize_t n = read(fd, buf + total, sizeof(buf) - total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (memchr(buf + total, '\n', (size_t)n))
			return 0;
		total += (size_t)n;
	}
	return -1;
}

static int bench_cycle(const struct addrinfo *ai, int echo)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int r = connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 || bench_read_line(fd) < 0 ? -1 : 0;
	if (r == 0 && echo)
		r = write(fd, "bench\r\n", 7) != 7 || bench_read_line(fd) < 0 ? -1 : 0;
	close(fd);
	return r;
}

static int bench_resolve(const char *hostport, struct addrinfo **ai_r)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host))
		return -1;
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	char *h = host;
	if (h[0] == '[' && h[strlen(h) - 1] == ']') {
		h[strlen(h) - 1] = '\0';
		h++;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	return getaddrinfo(h, colon + 1, &hints, ai_r) == 0 ? 0 : -1;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int bench_connect_usage(void)
{
	fprintf(stderr, "usage: cairn-bench connect [-n COUNT] [-e] HOST:PORT\n"
	                "  -n COUNT  sequential connections (default 1000)\n"
	                "  -e        also one echo round trip per connection\n");
	return 2;
}

int bench_connect_run(int argc, char **argv)
{
	long count = 1000;
	int echo = 0, c;
	while ((c = getopt(argc, argv, "n:e")) != -1) {
		if (c == 'n')
			count = strtol(optarg, NULL, 10);
		else if (c == 'e')
			echo = 1;
		else
			return bench_connect_usage();
	}
	struct addrinfo *ai;
	if (optind + 1 != argc || count < 1 || count > 10000000)
		return bench_connect_usage();
	if (bench_resolve(argv[optind], &ai) < 0) {
		fprintf(stderr, "cairn-bench connect: cannot resolve '%s'\n", argv[optind]);
		return 2;
	}
	double *lat = calloc((size_t)count, sizeof(double));
	long failed = 0;
	double t0 = bench_now();
	for (long i = 0; i < count; i++) {
		double s = bench_now();
		failed += bench_cycle(ai, echo) < 0;
		lat[i] = bench_now() - s;
	}
	double secs = bench_now() - t0;
	qsort(lat, (size_t)count, sizeof(double), bench_cmp_double);
	printf("mode=connect target=%s echo=%d connections=%ld failed=%ld seconds=%.3f "
	       "conn_per_s=%.0f p50_us=%.0f p99_us=%.0f max_us=%.0f\n",
	       argv[optind], echo, count, failed, secs, (double)count / secs, lat[count / 2] * 1e6,
	       lat[(count * 99) / 100] * 1e6, lat[count - 1] * 1e6);
	free(lat);
	freeaddrinfo(ai);
	return failed ? 1 : 0;
}
