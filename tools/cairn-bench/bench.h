/*
 * bench.h - cairn-bench: load generators that print figures.  Each mode lives in
 * bench-<mode>.c and is listed in the table in main.c.  Results are printed as
 * `key=value` lines so that runs can be compared (quote ratios, not absolutes).
 */
#ifndef CAIRN_BENCH_H
#define CAIRN_BENCH_H

struct bench_mode {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv); /* argv[0] is the mode name; returns exit code */
};

/* Seconds on the monotonic clock. */
double bench_now(void);
/* Connected TCP socket to host:port with TCP_NODELAY, or -1. */
int bench_tcp_connect(const char *host, const char *port);

#endif
