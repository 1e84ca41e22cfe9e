/*
 * imap_date.c - IMAP date-time and date parsing/formatting with calendar
 * arithmetic of our own (see imap_date.h).  Exports imap_datetime_parse,
 * imap_date_parse, imap_datetime_format, imap_date_format.
 */
#include "imap/imap_date.h"

#include "base/buf.h"

#include <stdbool.h>
#include <stdint.h>
#include <strings.h>

static const char imap_months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
static int64_t imap_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void imap_civil_from_days(int64_t z, int64_t *y_r, unsigned *m_r, unsigned *d_r)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d_r = doy - (153 * mp + 2) / 5 + 1;
	*m_r = mp < 10 ? mp + 3 : mp - 9;
	*y_r = (int64_t)yoe + era * 400 + (*m_r <= 2);
}

static unsigned imap_days_in_month(int64_t y, unsigned m)
{
	static const unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* Read exactly n digits at s[*pos]. */
static bool imap_digits(const char *s, size_t len, size_t *pos, unsigned n, unsigned *v_r)
{
	unsigned v = 0;
	if (len - *pos < n)
		return false;
	for (unsigned i = 0; i < n; i++) {
		char c = s[*pos + i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (unsigned)(c - '0');
	}
	*pos += n;
	*v_r = v;
	return true;
}

static bool imap_expect(const char *s, size_t len, size_t *pos, char c)
{
	if (*pos >= len || s[*pos] != c)
		return false;
	(*pos)++;
	return true;
}

/* "D-Mon-YYYY" / "DD-Mon-YYYY" (and " D-..." when space_day) -> days since epoch. */
static bool imap_parse_day(const char *s, size_t len, size_t *pos, bool space_day, int64_t *days_r)
{
	unsigned d, m, y;

	if (space_day && *pos < len && s[*pos] == ' ')
		(*pos)++;
	if (!imap_digits(s, len, pos, 2, &d) && !imap_digits(s, len, pos, 1, &d))
		return false;
	if (!imap_expect(s, len, pos, '-') || len - *pos < 3)
		return false;
	for (m = 0; m < 12; m++)
		if (strncasecmp(s + *pos, imap_months[m], 3) == 0)
			break;
	if (m == 12)
		return false;
	*pos += 3;
	if (!imap_expect(s, len, pos, '-') || !imap_digits(s, len, pos, 4, &y) || y == 0)
		return false;
	if (d == 0 || d > imap_days_in_month(y, m + 1))
		return false;
	*days_r = imap_days_from_civil(y, m + 1, d);
	return true;
}

static bool imap_parse_time(const char *s, size_t len, size_t *pos, int64_t *secs_r)
{
	unsigned h, m, sec;
	if (!imap_digits(s, len, pos, 2, &h) || !imap_expect(s, len, pos, ':') ||
	    !imap_digits(s, len, pos, 2, &m) || !imap_expect(s, len, pos, ':') ||
	    !imap_digits(s, len, pos, 2, &sec))
		return false;
	if (h > 23 || m > 59 || sec > 60)
		return false;
	*secs_r = (int64_t)h * 3600 + m * 60 + sec;
	return true;
}

static bool imap_parse_zone(const char *s, size_t len, size_t *pos, int *tz_min_r)
{
	unsigned hh, mm;
	if (*pos >= len || (s[*pos] != '+' && s[*pos] != '-'))
		return false;
	int sign = s[(*pos)++] == '-' ? -1 : 1;
	if (!imap_digits(s, len, pos, 2, &hh) || !imap_digits(s, len, pos, 2, &mm))
		return false;
	if (hh > 23 || mm > 59)
		return false;
	*tz_min_r = sign * (int)(hh * 60 + mm);
	return true;
}

int imap_datetime_parse(const char *s, size_t len, time_t *t_r, int *tz_min_r, const char **error_r)
{
	size_t pos = 0;
	int64_t days, secs;
	int tz;

	if (!imap_parse_day(s, len, &pos, true, &days) || !imap_expect(s, len, &pos, ' ') ||
	    !imap_parse_time(s, len, &pos, &secs) || !imap_expect(s, len, &pos, ' ') ||
	    !imap_parse_zone(s, len, &pos, &tz) || pos != len) {
		*error_r = "Invalid date-time";
		return -1;
	}
	*t_r = (time_t)(days * 86400 + secs - (int64_t)tz * 60);
	*tz_min_r = tz;
	return 0;
}

int imap_date_parse(const char *s, size_t len, time_t *t_r, const char **error_r)
{
	size_t pos = 0;
	int64_t days;

	if (!imap_parse_day(s, len, &pos, false, &days) || pos != len) {
		*error_r = "Invalid date";
		return -1;
	}
	*t_r = (time_t)(days * 86400);
	return 0;
}

static void imap_split_time(int64_t t, int64_t *days_r, unsigned *secs_r)
{
	int64_t days = t / 86400, secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	*days_r = days;
	*secs_r = (unsigned)secs;
}

void imap_datetime_format(time_t t, int tz_min, struct buf *out)
{
	int64_t days, y;
	unsigned secs, m, d;
	unsigned off = (unsigned)(tz_min < 0 ? -tz_min : tz_min);

	imap_split_time((int64_t)t + (int64_t)tz_min * 60, &days, &secs);
	imap_civil_from_days(days, &y, &m, &d);
	buf_printf(out, "\"%02u-%s-%04lld %02u:%02u:%02u %c%02u%02u\"", d, imap_months[m - 1],
	           (long long)y, secs / 3600, secs / 60 % 60, secs % 60, tz_min < 0 ? '-' : '+',
	           off / 60, off % 60);
}

void imap_date_format(time_t t, struct buf *out)
{
	int64_t days, y;
	unsigned secs, m, d;

	imap_split_time((int64_t)t, &days, &secs);
	imap_civil_from_days(days, &y, &m, &d);
	buf_printf(out, "%u-%s-%04lld", d, imap_months[m - 1], (long long)y);
}
