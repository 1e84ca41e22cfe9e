/*
 * ctl-progress.c - progress bar (terminal) or progress lines (anything else) for
 * cairnctl's long jobs; see ctl-progress.h.
 */
#include "ctl-progress.h"

#include "cairnctl.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#define CTL_PROGRESS_TTY_INTERVAL 0.1 /* seconds between redraws */
#define CTL_PROGRESS_LINE_INTERVAL 5.0 /* seconds between plain lines */
#define CTL_PROGRESS_BAR 30

static double ctl_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ctl_progress_start(struct ctl_progress *p, FILE *out, const char *what, const char *unit,
                        uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->unit = unit;
	p->total = total;
	p->out = out;
	p->tty = isatty(fileno(out));
	p->started = p->last_draw = ctl_now();
}

double ctl_progress_elapsed(const struct ctl_progress *p)
{
	return ctl_now() - p->started;
}

static void ctl_progress_eta(double seconds, char *out, size_t size)
{
	long s = (long)(seconds + 0.5);
	if (s >= 3600)
		snprintf(out, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, size, "%ld:%02ld", s / 60, s % 60);
}

static void ctl_progress_draw(struct ctl_progress *p, double elapsed)
{
	double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
	char eta[32] = "?", size[32];
	if (p->total && rate > 0 && p->done <= p->total)
		ctl_progress_eta((double)(p->total - p->done) / rate, eta, sizeof(eta));
	if (!p->tty) {
		fprintf(p->out, "%s: %llu", p->what, (unsigned long long)p->done);
		if (p->total)
			fprintf(p->out, "/%llu", (unsigned long long)p->total);
		fprintf(p->out, " %s, %.0f/s, eta %s\n", p->unit, rate, eta);
		fflush(p->out);
		return;
	}
	char bar[CTL_PROGRESS_BAR + 1];
	int fill =
	        p->total ? (int)((double)CTL_PROGRESS_BAR * (double)p->done / (double)p->total) : 0;
	if (fill > CTL_PROGRESS_BAR)
		fill = CTL_PROGRESS_BAR;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(CTL_PROGRESS_BAR - fill));
	bar[CTL_PROGRESS_BAR] = '\0';
	fprintf(p->out, "\r%s [%s] %llu", p->what, bar, (unsigned long long)p->done);
	if (p->total)
		fprintf(p->out, "/%llu", (unsigned long long)p->total);
	fprintf(p->out, " %s %s %.0f/s ETA %s\033[K", p->unit,
	        ctl_format_size((int64_t)p->bytes, size), rate, eta);
	fflush(p->out);
}

void ctl_progress_add(struct ctl_progress *p, uint64_t n, uint64_t bytes)
{
	p->done += n;
	p->bytes += bytes;
	if (p->quiet)
		return;
	double now = ctl_now();
	if (now - p->last_draw < (p->tty ? CTL_PROGRESS_TTY_INTERVAL : CTL_PROGRESS_LINE_INTERVAL))
		return;
	p->last_draw = now;
	ctl_progress_draw(p, now - p->started);
}

void ctl_progress_end(struct ctl_progress *p)
{
	double elapsed = ctl_now() - p->started;
	char size[32];
	if (p->quiet)
		return;
	if (p->tty)
		fputs("\r\033[K", p->out);
	fprintf(p->out, "%s: %llu %s, %s in %.1f s (%.0f/s)\n", p->what,
	        (unsigned long long)p->done, p->unit, ctl_format_size((int64_t)p->bytes, size),
	        elapsed, elapsed > 0 ? (double)p->done / elapsed : 0.0);
	fflush(p->out);
}
