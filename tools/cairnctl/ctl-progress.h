/*
 * ctl-progress.h - progress reporting for cairnctl's long jobs (import, export,
 * verify, gc): a redrawn bar with rate and ETA on a terminal, plain
 * "import: 5000/10000 messages, 812/s" lines at most every few seconds otherwise
 * (logs and pipes), and one summary line at the end either way.
 */
#ifndef CAIRNCTL_PROGRESS_H
#define CAIRNCTL_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

struct ctl_progress {
	const char *what; /* "import" */
	const char *unit; /* "messages" */
	uint64_t total; /* 0 when unknown */
	uint64_t done;
	uint64_t bytes;
	double started; /* monotonic seconds */
	double last_draw;
	int tty;
	int quiet; /* --json: no progress at all */
	FILE *out;
};

/* Start reporting on out (stderr normally); total may be 0 (unknown). */
void ctl_progress_start(struct ctl_progress *p, FILE *out, const char *what, const char *unit,
                        uint64_t total);
/* Count n more items of bytes size; redraws when due. */
void ctl_progress_add(struct ctl_progress *p, uint64_t n, uint64_t bytes);
/* Final line: "import: 10000 messages, 48.2 MiB in 12.3 s (813/s)". */
void ctl_progress_end(struct ctl_progress *p);
/* Seconds since start. */
double ctl_progress_elapsed(const struct ctl_progress *p);

#endif
