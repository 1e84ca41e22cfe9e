"""SEARCH conformance with Dovecot's imaptest (issue 9), end to end: SENTBEFORE/
SENTON/SENTSINCE on the Date: header's own calendar date (schema 0053 sent_day, and
its backfill of existing rows), BEFORE/ON/SINCE on the internal date's UTC date,
sequence numbers past the end of the mailbox in SEARCH (an empty result, not BAD;
FETCH still BAD, and the connection survives both), and the MODSEQ of ESEARCH
results with RETURN (MIN/MAX) plus the HIGHESTMODSEQ of the first implicit
CONDSTORE enable.  Real cairn-master + cairn-imapd + PostgreSQL, raw protocol."""
import itertools
import re
import subprocess
import unittest

from cairntest import binary
from cairntest.pg import shared_server
from imap_msg_util import PASSWORD, Raw, message, new_node


def dated(i, date):
    head = "Date: %s\r\n" % date if date else ""
    return ("From: s%d@example.test\r\nSubject: d%d\r\n%s\r\nbody %d\r\n" %
            (i, i, head, i)).encode()


# (Date: header, the day it names in its own zone); imaptest's search-date edges.
SENT = [
    ("Sat, 24 Mar 2007 23:00:00 +0200", "24"),
    ("Sun, 25 Mar 2007 00:00:00 +0200", "25"),  # 24 Mar in UTC
    ("Sun, 25 Mar 2007 23:00:00 +0300", "25"),
    ("Mon, 26 Mar 2007 00:00:00 +0300", "26"),  # 25 Mar in UTC
    ("Sun, 25 Mar 2007 22:30:00 EDT", "25"),  # named zone: 26 Mar in UTC
    ("Sun, 25 Mar 2007 23:30 (comment) -0100", "25"),  # no seconds, a comment: 26 in UTC
]


class SearchConformanceTest(unittest.TestCase):
    ids = itertools.count(1)

    @classmethod
    def setUpClass(cls):
        cls.node = new_node()
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def user(self):
        login = "sc%d@example.test" % next(self.ids)
        self.node.add_user(login, PASSWORD)
        c = Raw(self.node, login)
        self.addCleanup(c.close)
        return login, c

    def search(self, c, q):
        untagged, _ = c.ok("SEARCH " + q)
        lines = [u for u in untagged if u.startswith(b"SEARCH") or u.startswith(b"ESEARCH")]
        self.assertEqual(len(lines), 1, (q, untagged))
        return lines[0].decode()

    def test_sent_dates_use_the_headers_own_zone(self):
        login, c = self.user()
        for i, (date, _) in enumerate(SENT):
            c.ok("APPEND INBOX", dated(i, date))
        # No Date: header: the internal date (27 Mar in UTC) stands in for it.
        c.ok('APPEND INBOX "27-Mar-2007 12:00:00 +0000"', dated(99, None))
        c.ok("SELECT INBOX")
        expect = {
            "SENTON 24-Mar-2007": "1", "SENTON 25-Mar-2007": "2 3 5 6",
            "SENTON 26-Mar-2007": "4", "SENTON 27-Mar-2007": "7",
            "SENTBEFORE 25-Mar-2007": "1", "SENTBEFORE 26-Mar-2007": "1 2 3 5 6",
            "SENTSINCE 26-Mar-2007": "4 7", "SENTSINCE 25-Mar-2007": "2 3 4 5 6 7",
            "NOT SENTON 25-Mar-2007": "1 4 7", "SENTBEFORE 27-Mar-2007": "1 2 3 4 5 6",
            "NOT SENTSINCE 1-Jan-1990": "",
        }
        for q, want in expect.items():
            self.assertEqual(self.search(c, q), ("SEARCH " + want).strip(), q)
        self.assertEqual(self.node.sql(
            "SELECT string_agg(sent_day::text, ',' ORDER BY mm.uid) FROM mailbox_messages mm "
            "JOIN messages m ON m.id = mm.message_id JOIN mailboxes b ON b.id = mm.mailbox_id "
            "JOIN accounts a ON a.id = b.owner_id WHERE a.localpart = '%s'"
            % login.split("@")[0]).strip(),
            ",".join("2007-03-%s" % d for _, d in SENT))

    def test_internal_dates_use_the_utc_date(self):
        login, c = self.user()
        # 00:30 +0200 on 25 Mar is 24 Mar 22:30 UTC, the zone INTERNALDATE is shown in.
        c.ok('APPEND INBOX "25-Mar-2007 00:30:00 +0200"', message(1))
        c.ok('APPEND INBOX "25-Mar-2007 23:30:00 -0200"', message(2))  # 26 Mar UTC
        c.ok("SELECT INBOX")
        untagged, _ = c.ok("FETCH 1:2 INTERNALDATE")
        self.assertIn(b'24-Mar-2007 22:30:00 +0000', untagged[0])
        expect = {"ON 24-Mar-2007": "1", "ON 25-Mar-2007": "", "ON 26-Mar-2007": "2",
                  "BEFORE 25-Mar-2007": "1", "SINCE 25-Mar-2007": "2",
                  "SINCE 24-Mar-2007 BEFORE 27-Mar-2007": "1 2"}
        for q, want in expect.items():
            self.assertEqual(self.search(c, q), ("SEARCH " + want).strip(), q)

    def test_sequence_numbers_past_the_end_match_nothing(self):
        login, c = self.user()
        for i in range(3):
            c.ok("APPEND INBOX", message(i))
        c.ok("SELECT INBOX")
        tag = lambda: 't%d' % (c.n + 1)  # noqa: E731
        expect = {"1000": "SEARCH", "2:1000": "SEARCH 2 3", "1000:*": "SEARCH 3",
                  "UID 1000": "SEARCH", "OR 1000 1": "SEARCH 1", "NOT 1000": "SEARCH 1 2 3",
                  "4,5 ALL": "SEARCH", "1:4294967295": "SEARCH 1 2 3"}
        for q, want in expect.items():
            self.assertEqual(self.search(c, q), want, q)
        for q, want in {"RETURN () 1000": '(TAG "%s")',
                        "RETURN (MIN MAX) 1000": '(TAG "%s")',
                        "RETURN (COUNT) 1000": '(TAG "%s") COUNT 0'}.items():
            t = tag()
            self.assertEqual(self.search(c, q), "ESEARCH " + want % t, q)
        t = tag()
        untagged, _ = c.ok("UID SEARCH RETURN (COUNT) 4000000000")
        self.assertEqual(untagged, [b'ESEARCH (TAG "%s") UID COUNT 0' % t.encode()])
        untagged, _ = c.ok("UID SEARCH 4000000000")
        self.assertEqual(untagged, [b"SEARCH"])
        # FETCH and STORE keep answering BAD (RFC 9051 9), and BAD never disconnects.
        for bad in ("FETCH 1000 FLAGS", "STORE 4 +FLAGS (\\Seen)", "SEARCH FOO"):
            st, _, text = c.cmd(bad)
            self.assertEqual(st, "BAD", bad)
            untagged, _ = c.ok("NOOP")
        self.assertEqual(self.search(c, "ALL"), "SEARCH 1 2 3")
        # An empty mailbox: "*" and any number match nothing.
        c.ok("CREATE Empty")
        c.ok("SELECT Empty")
        for q in ("*", "1", "1:*", "UID *"):
            self.assertEqual(self.search(c, q), "SEARCH", q)

    def test_esearch_modseq_of_min_and_max(self):
        login, c = self.user()
        for i in range(4):
            c.ok("APPEND INBOX", message(i))
        c.ok("SELECT INBOX")
        # The first implicit CONDSTORE enable announces HIGHESTMODSEQ, only once.
        untagged, _ = c.ok("FETCH 1 MODSEQ")
        self.assertEqual(len([u for u in untagged if u.startswith(b"OK [HIGHESTMODSEQ ")]), 1,
                         untagged)
        untagged, _ = c.ok("FETCH 1 MODSEQ")
        self.assertFalse([u for u in untagged if b"HIGHESTMODSEQ" in u], untagged)
        ms = {}
        for seq in (1, 3, 2, 4):
            untagged, _ = c.ok("STORE %d +FLAGS (\\Seen)" % seq)
            ms[seq] = int(re.search(rb"MODSEQ \((\d+)\)", untagged[0]).group(1))
        self.assertTrue(ms[1] < ms[3] < ms[2] < ms[4], ms)
        key = 'MODSEQ "/flags/\\\\seen" all'
        cases = [("(MIN) 1:3", 1, "MIN 1 MODSEQ %d" % ms[1]),
                 ("(MAX) 1:3", 1, "MAX 3 MODSEQ %d" % ms[3]),
                 ("() 1:3", 1, "ALL 1:3 MODSEQ %d" % ms[2]),
                 ("(MIN MAX) 1:3", 1, "MIN 1 MAX 3 MODSEQ %d" % ms[3]),
                 ("(MIN MAX) 2:3", 1, "MIN 2 MAX 3 MODSEQ %d" % ms[2]),
                 ("(MIN COUNT) 1:3", 1, "MIN 1 COUNT 3 MODSEQ %d" % ms[2]),
                 ("(ALL) 2:3", ms[2], "ALL 2 MODSEQ %d" % ms[2]),
                 ("(ALL) 2:3", ms[4], "")]
        for ret, since, want in cases:
            q = "RETURN %s %s %d" % (ret, key, since)
            t = "t%d" % (c.n + 1)
            self.assertEqual(self.search(c, q), ('ESEARCH (TAG "%s") %s' % (t, want)).strip(), q)
        self.assertEqual(self.search(c, "MODSEQ %d" % ms[2]), "SEARCH 2 4 (MODSEQ %d)" % ms[4])


class SentDayBackfillTest(unittest.TestCase):
    """Migration 0053 fills sent_day for the rows that were there before it."""

    def test_backfill_of_existing_rows(self):
        pg = shared_server()
        ci = pg.conninfo(pg.create_database())
        db = ci.split("dbname=")[1]

        def migrate():
            r = subprocess.run([binary("cairnctl"), "--db", ci, "db", "migrate"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertEqual(r.returncode, 0, r.stderr)
        migrate()
        # Back to the schema before 0053, with rows as the old code wrote them.
        pg.psql("ALTER TABLE messages DROP COLUMN sent_day; DROP FUNCTION cairn_sent_day; "
                "DROP FUNCTION cairn_sent_zone; DELETE FROM schema_version WHERE version = 53", db)
        rows = [("'2007-03-24 22:00:00+00'", '("Sun, 25 Mar 2007 00:00:00 +0200" "s" NIL)'),
                ("'2007-03-26 02:30:00+00'", '("Sun, 25 Mar 2007 22:30:00 EDT" NIL NIL)'),
                ("'2007-03-26 00:30:00+00'", '({31}\r\nMon, 26 Mar 2007 00:30 +0000 NIL)'),
                ("'2007-03-26 12:00:00+00'", "(NIL NIL NIL)"),
                ("NULL", '("garbage" NIL)')]
        for i, (sent, env) in enumerate(rows):
            pg.psql("INSERT INTO messages (sha256, size, sent_date, envelope) VALUES "
                    "(decode(lpad('%x', 64, '0'), 'hex'), 1, %s, $e$%s$e$)" % (i + 1, sent, env), db)
        migrate()
        got = pg.psql("SELECT string_agg(coalesce(sent_day::text, '-'), ',' ORDER BY id) "
                      "FROM messages", db).strip()
        self.assertEqual(got, "2007-03-25,2007-03-25,2007-03-26,2007-03-26,-")


if __name__ == "__main__":
    unittest.main()
