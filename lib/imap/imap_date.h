/*
 * imap_date.h - IMAP date-time ("17-Jul-1996 02:44:25 -0700": APPEND,
 * INTERNALDATE) and date ("1-Feb-1994": SEARCH BEFORE/ON/SINCE...) parsing and
 * formatting.
 *
 * No libc time zone state is used (no TZ, no mktime): conversions are pure
 * arithmetic on the proleptic Gregorian calendar, so results never depend on the
 * host's zone and the functions are safe after chroot.
 */
#ifndef CAIRN_IMAP_DATE_H
#define CAIRN_IMAP_DATE_H

#include <stddef.h>
#include <time.h>

struct buf;

/*
 * Parse a date-time without its surrounding DQUOTEs (the parser already removed
 * them): day-month-year SP time SP zone, where day is " D", "DD" or (lenient)
 * "D"; month an English three-letter name, any case; year four digits 0001..9999;
 * time hh:mm:ss (ss may be 60, a leap second); zone +hhmm / -hhmm with hh <= 23
 * and mm <= 59.  The day must exist in that month.  On success returns 0 and sets
 * *t_r (seconds since the epoch, UTC) and *tz_min_r (minutes east of UTC, e.g.
 * -420 for -0700); else returns -1 with *error_r.
 */
int imap_datetime_parse(const char *s, size_t len, time_t *t_r, int *tz_min_r,
                        const char **error_r);

/*
 * Parse a SEARCH date ("D-Mon-YYYY" or "DD-Mon-YYYY").  *t_r is 00:00:00 UTC of
 * that day (the caller applies its own notion of the day's zone).
 */
int imap_date_parse(const char *s, size_t len, time_t *t_r, const char **error_r);

/*
 * Append t as a quoted IMAP date-time in the zone tz_min minutes east of UTC:
 * "\"DD-Mon-YYYY hh:mm:ss +hhmm\"" (the DQUOTEs are part of the grammar).
 */
void imap_datetime_format(time_t t, int tz_min, struct buf *out);

/* Append the UTC day of t as "D-Mon-YYYY" (no quotes). */
void imap_date_format(time_t t, struct buf *out);

#endif
