/*
 * event.c - periodic commands ([event NAME]: `every = SECONDS` or `at = HH:MM`
 * local time, daily), like Cyrus EVENTS.  A run still going when the next one is
 * due is skipped and logged, never stacked.
 * Exports master_events_schedule, master_events_run, master_events_next_due.
 */
#include "master/master.h"

#include "base/log.h"

#include <string.h>
#include <time.h>

/* Milliseconds from now until the next HH:MM local time (tomorrow if passed). */
static int64_t master_event_until_at(const struct master_event *ev)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	tm.tm_hour = ev->at_hour;
	tm.tm_min = ev->at_min;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	time_t at = mktime(&tm);
	if (at <= now) {
		tm.tm_mday++;
		tm.tm_isdst = -1;
		at = mktime(&tm);
	}
	return (int64_t)(at - now) * 1000;
}

static void master_event_plan(struct master_event *ev)
{
	ev->due = master_now() + (ev->every ? ev->every * 1000 : master_event_until_at(ev));
}

void master_events_schedule(struct master_conf *conf, const struct master_conf *old)
{
	for (struct master_event *ev = conf->events; ev; ev = ev->next) {
		const struct master_event *oe = NULL;
		for (oe = old ? old->events : NULL; oe; oe = oe->next)
			if (strcmp(oe->name, ev->name) == 0)
				break;
		/* An unchanged schedule keeps its next run time across a reload. */
		if (oe && oe->every == ev->every && oe->at_hour == ev->at_hour &&
		    oe->at_min == ev->at_min)
			ev->due = oe->due;
		else
			master_event_plan(ev);
	}
}

void master_events_run(struct master *m)
{
	int64_t now = master_now();
	for (struct master_event *ev = m->conf->events; ev; ev = ev->next) {
		if (now < ev->due)
			continue;
		master_event_plan(ev);
		if (ev->pid > 0) {
			log_warn("event_skipped",
			         "name=%s reason=\"previous run still going\" pid=%ld", ev->name,
			         (long)ev->pid);
			continue;
		}
		master_spawn_event(m, ev);
	}
}

int64_t master_events_next_due(const struct master_conf *conf)
{
	int64_t next = 0;
	for (const struct master_event *ev = conf->events; ev; ev = ev->next)
		if (next == 0 || ev->due < next)
			next = ev->due;
	return next;
}
