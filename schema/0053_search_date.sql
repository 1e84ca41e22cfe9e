-- 0053_search_date.sql - the sent date's own calendar date, for SENTBEFORE/ON/SINCE.
--
-- RFC 3501/9051 6.4.4: SENTBEFORE, SENTON and SENTSINCE compare the date of the
-- Date: header "disregarding time and timezone", i.e. the calendar date as the
-- sender wrote it ("Sun, 25 Mar 2007 00:30 +0200" is on 25 March, although it is
-- 24 March in UTC).  messages.sent_date keeps only the instant (UTC); the zone is
-- still stored, as text, in the rendered ENVELOPE, whose first element is the
-- Date: value.  messages.sent_day is derived from both: a generated column, so the
-- existing rows are backfilled by this ALTER (a table rewrite) and new rows need
-- no change to cairn_deliver().
--
-- cairn_sent_zone() mirrors read_zone() of lib/mail/mail_date.c, which made
-- sent_date: "+hhmm"/"-hhmm", the RFC 5322 4.3 names (UT GMT EST EDT CST CDT MST
-- MDT PST PDT, also UTC and Z), anything else (military letters, unknown names,
-- no zone) as UTC.  It reads the zone after the first hh:mm[:ss] of the date
-- string (every quantifier greedy: PostgreSQL gives a whole regex the greediness
-- of its first quantifier, and a lazy one would leave the optional zone out); a date it cannot read this way (a literal with quotes in it, ...)
-- counts as UTC, which is what every row meant before this migration.

CREATE FUNCTION cairn_sent_zone(p_envelope text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE
	       WHEN z IS NULL THEN 0
	       WHEN z ~ '^[+-][0-9]{4}$' THEN
	            (CASE WHEN left(z, 1) = '-' THEN -1 ELSE 1 END) *
	            (substr(z, 2, 2)::integer * 60 + substr(z, 4, 2)::integer)
	       ELSE CASE upper(z)
	            WHEN 'EST' THEN -300 WHEN 'EDT' THEN -240
	            WHEN 'CST' THEN -360 WHEN 'CDT' THEN -300
	            WHEN 'MST' THEN -420 WHEN 'MDT' THEN -360
	            WHEN 'PST' THEN -480 WHEN 'PDT' THEN -420
	            ELSE 0 END
	       END
	  FROM (SELECT (regexp_match(substr(p_envelope, 1, 400),
	                '^\((?:"|\{[0-9]+\}\r\n)[^"\r\n:]*[0-9]{1,2}:[0-9]{1,2}(?::[0-9]{1,2})?'
	                '(?:[ \t,]|\([^()]*\))*([+-][0-9]{4}|[A-Za-z]+)?'))[1] AS z) AS s
$$;

-- The calendar date of sent_date in the Date: header's own zone; NULL without one.
CREATE FUNCTION cairn_sent_day(p_sent_date timestamptz, p_envelope text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT ((p_sent_date AT TIME ZONE 'UTC') +
	        cairn_sent_zone(p_envelope) * interval '1 minute')::date
$$;

ALTER TABLE messages
	ADD COLUMN sent_day date GENERATED ALWAYS AS (cairn_sent_day(sent_date, envelope)) STORED;
