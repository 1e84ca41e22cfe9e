/*
 * imap_date_test.c - IMAP date-time and date parsing and formatting.
 */
#include "unit.h"

#include "base/buf.h"
#include "imap/imap_date.h"

#include <string.h>

static void test_datetime_parse(void)
{
	static const struct {
		const char *in;
		long long t;
		int tz;
	} good[] = {
	        {" 7-Feb-1994 21:52:25 -0800", 760686745, -480},
	        {"07-Feb-1994 21:52:25 -0800", 760686745, -480},
	        {"7-feb-1994 21:52:25 -0800", 760686745, -480}, /* lenient day, any case */
	        {"08-FEB-1994 05:52:25 +0000", 760686745, 0},
	        {"08-Feb-1994 11:22:25 +0530", 760686745, 330},
	        {"29-Feb-2000 12:00:00 +0000", 951825600, 0},
	        {"01-Jan-1970 00:00:00 +0000", 0, 0},
	        {"31-Dec-1969 23:59:59 +0000", -1, 0},
	        {"31-Dec-1969 23:59:60 +0000", 0, 0}, /* leap second */
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		time_t t = 12345;
		int tz = 999;
		const char *err = NULL;
		CU_ASSERT_EQUAL(imap_datetime_parse(good[i].in, strlen(good[i].in), &t, &tz, &err),
		                0);
		CU_ASSERT_EQUAL((long long)t, good[i].t);
		CU_ASSERT_EQUAL(tz, good[i].tz);
	}
}

static void test_datetime_rejects(void)
{
	static const char *const bad[] = {
	        "",
	        "31-Feb-2020 00:00:00 +0000",
	        "29-Feb-2021 00:00:00 +0000",
	        "29-Feb-1900 00:00:00 +0000",
	        "00-Feb-2020 00:00:00 +0000",
	        "07-Foo-1994 21:52:25 -0800",
	        "07-Feb-94 21:52:25 -0800",
	        "07-Feb-0000 21:52:25 -0800",
	        "07-Feb-1994 24:00:00 -0800",
	        "07-Feb-1994 12:60:00 -0800",
	        "07-Feb-1994 12:00:61 -0800",
	        "07-Feb-1994 12:00:00 +2400",
	        "07-Feb-1994 12:00:00 +0060",
	        "07-Feb-1994 12:00:00 0800",
	        "07-Feb-1994 12:00:00",
	        "07-Feb-1994 12:00:00 -0800 ",
	        "07-Feb-1994  12:00:00 -0800",
	        "107-Feb-1994 12:00:00 -0800",
	        "07-Feb-1994 1:00:00 -0800",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		time_t t;
		int tz;
		const char *err = NULL;
		CU_ASSERT_EQUAL(imap_datetime_parse(bad[i], strlen(bad[i]), &t, &tz, &err), -1);
		CU_ASSERT_STRING_EQUAL(err, "Invalid date-time");
	}
}

static void test_date_parse(void)
{
	time_t t;
	const char *err;

	CU_ASSERT_EQUAL(imap_date_parse("1-Feb-1994", 10, &t, &err), 0);
	CU_ASSERT_EQUAL((long long)t, 760060800);
	CU_ASSERT_EQUAL(imap_date_parse("01-feb-1994", 11, &t, &err), 0);
	CU_ASSERT_EQUAL((long long)t, 760060800);
	CU_ASSERT_EQUAL(imap_date_parse(" 1-Feb-1994", 11, &t, &err), -1);
	CU_ASSERT_EQUAL(imap_date_parse("1-Feb-1994 ", 11, &t, &err), -1);
	CU_ASSERT_EQUAL(imap_date_parse("32-Jan-1994", 11, &t, &err), -1);
	CU_ASSERT_STRING_EQUAL(err, "Invalid date");
}

static void test_format(void)
{
	struct buf out = BUF_INIT;

	imap_datetime_format(760686745, -480, &out);
	buf_append_char(&out, ' ');
	imap_datetime_format(760686745, 0, &out);
	buf_append_char(&out, ' ');
	imap_datetime_format(760686745, 330, &out);
	buf_append_char(&out, ' ');
	imap_datetime_format(-1, 0, &out);
	buf_append_char(&out, ' ');
	imap_date_format(760060800, &out);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "\"07-Feb-1994 21:52:25 -0800\" "
	                                       "\"08-Feb-1994 05:52:25 +0000\" "
	                                       "\"08-Feb-1994 11:22:25 +0530\" "
	                                       "\"31-Dec-1969 23:59:59 +0000\" "
	                                       "1-Feb-1994");
	buf_free(&out);
}

/* format then parse gives back the same instant and zone, over a wide range. */
static void test_round_trip(void)
{
	static const int zones[] = {0, -480, 330, 840, -720, -1, 1439, -1439};
	long long t = -2208988800LL; /* 1900 */

	for (int i = 0; i < 5000; i++) {
		struct buf out = BUF_INIT;
		time_t back;
		int tz = zones[i % 8], tz_back;
		const char *err = NULL;

		imap_datetime_format((time_t)t, tz, &out);
		CU_ASSERT_EQUAL(out.len, 28);
		CU_ASSERT_EQUAL(
		        imap_datetime_parse(out.data + 1, out.len - 2, &back, &tz_back, &err), 0);
		CU_ASSERT_EQUAL((long long)back, t);
		CU_ASSERT_EQUAL(tz_back, tz);
		buf_free(&out);
		t += 1234567 + i * 7919LL;
	}
}

static const struct unit_test imap_date_tests[] = {
        {"datetime_parse", test_datetime_parse}, {"datetime_rejects", test_datetime_rejects},
        {"date_parse", test_date_parse},         {"format", test_format},
        {"round_trip", test_round_trip},         {NULL, NULL},
};
UNIT_SUITE("imap_date", imap_date_tests)
