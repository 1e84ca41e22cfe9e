/*
 * mail_date.h - RFC 5322 Date: values to Unix time.
 */
#ifndef CAIRN_MAIL_DATE_H
#define CAIRN_MAIL_DATE_H

#include <stdint.h>

/* Parse a date-time ("[Day,] DD Mon YYYY HH:MM[:SS] zone"), tolerating the obsolete
   forms of RFC 5322 4.3 (two-digit years, named and military zones, comments, missing
   seconds or zone).  Returns the Unix time, or INT64_MIN when it cannot be read. */
int64_t mail_date_parse(const char *value);

#endif
