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

#endif
