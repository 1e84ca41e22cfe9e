/*
 * mail_date.c - lenient RFC 5322 date-time parser (see mail_date.h).
 */
#include "mail/mail_date.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

struct date_lex {
	const char *p;
};

static void skip_cfws(struct date_lex *l)
{
	int depth = 0;
	while (*l->p) {
		if (*l->p == '(')
			depth++;
		else if (*l->p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && *l->p != ' ' && *l->p != '\t' && *l->p != ',')
			return;
		l->p++;
	}
}

/* Up to max digits; -1 when there is no digit. */
static long read_num(struct date_lex *l, int max, int *ndigits_r)
{
	long v = 0;
	int n = 0;
	while (n < max && isdigit((unsigned char)*l->p)) {
		v = v * 10 + (*l->p++ - '0');
		n++;
	}
	if (ndigits_r)
		*ndigits_r = n;
	return n ? v : -1;
}

static int read_month(struct date_lex *l)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	for (int m = 0; m < 12; m++) {
		if (strncasecmp(l->p, months + m * 3, 3) == 0) {
			l->p += 3;
			while (isalpha((unsigned char)*l->p))
				l->p++; /* "January" */
			return m;
		}
	}
	return -1;
}

/* Zone offset in minutes east of UTC; unknown zones count as UTC (RFC 5322 4.3). */
static long read_zone(struct date_lex *l)
{
	static const struct {
		const char *name;
		int hours;
	} zones[] = {{"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"Z", 0},    {"EST", -5}, {"EDT", -4},
	             {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
	if ((*l->p == '+' || *l->p == '-') && isdigit((unsigned char)l->p[1])) {
		int sign = *l->p++ == '-' ? -1 : 1, n;
		long hhmm = read_num(l, 4, &n);
		if (n != 4)
			return 0;
		return sign * ((hhmm / 100) * 60 + hhmm % 100);
	}
	size_t len = 0;
	while (isalpha((unsigned char)l->p[len]))
		len++;
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strlen(zones[i].name) == len && strncasecmp(zones[i].name, l->p, len) == 0)
			return zones[i].hours * 60;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (month 0-11). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	m += 1;
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t mail_date_parse(const char *value)
{
	struct date_lex l = {value};
	skip_cfws(&l);
	if (isalpha((unsigned char)*l.p)) { /* day of week */
		while (isalpha((unsigned char)*l.p))
			l.p++;
		skip_cfws(&l);
	}
	long day = read_num(&l, 2, NULL);
	skip_cfws(&l);
	if (*l.p == '-')
		l.p++; /* "12-Jan-2020" */
	int month = read_month(&l);
	skip_cfws(&l);
	if (*l.p == '-')
		l.p++;
	int ydigits;
	long year = read_num(&l, 4, &ydigits);
	if (day < 1 || day > 31 || month < 0 || year < 0)
		return INT64_MIN;
	if (ydigits <= 2)
		year += year < 50 ? 2000 : 1900;
	else if (ydigits == 3)
		year += 1900;
	skip_cfws(&l);
	long hh = read_num(&l, 2, NULL), mm = -1, ss = 0;
	if (hh >= 0 && *l.p == ':') {
		l.p++;
		mm = read_num(&l, 2, NULL);
		if (*l.p == ':') {
			l.p++;
			ss = read_num(&l, 2, NULL);
		}
	}
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
		return INT64_MIN;
	skip_cfws(&l);
	long zone = read_zone(&l);
	int64_t days = days_from_civil(year, month, (int)day);
	return days * 86400 + hh * 3600 + mm * 60 + ss - zone * 60;
}
