/*
 * main.c - cairn-bench: dispatch to a benchmark mode.
 *
 *   cairn-bench MODE [options]     (cairn-bench --help lists the modes)
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

/* One line per mode; declare each mode's run function here. */
int bench_connect_run(int argc, char **argv);
int bench_lmtp_run(int argc, char **argv);
int bench_imap_run(int argc, char **argv);
int bench_view_run(int argc, char **argv);

static const struct bench_mode bench_modes[] = {
        {"connect", "sequential connect+greeting+close cycles per second", bench_connect_run},
        {"lmtp", "LMTP deliveries: msgs/s, rcpts/s, latency (bench-lmtp.c)", bench_lmtp_run},
        {"imap", "IMAP session mix: ops/s, latency percentiles (bench-imap.c)", bench_imap_run},
        {"view", "imapd's mailbox view in-process: mass expunge time per message (bench-view.c)",
         bench_view_run},
        {NULL, NULL, NULL},
};

static int bench_usage(FILE *out, int code)
{
	fprintf(out, "usage: cairn-bench MODE [options]\n\nmodes:\n");
	for (const struct bench_mode *m = bench_modes; m->name; m++)
		fprintf(out, "  %-10s %s\n", m->name, m->summary);
	if (bench_modes[0].name == NULL)
		fprintf(out, "  (none built yet)\n");
	return code;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return bench_usage(stderr, 2);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return bench_usage(stdout, 0);
	for (const struct bench_mode *m = bench_modes; m->name; m++)
		if (strcmp(m->name, argv[1]) == 0)
			return m->run(argc - 1, argv + 1);
	fprintf(stderr, "cairn-bench: unknown mode '%s'\n", argv[1]);
	return bench_usage(stderr, 2);
}
