"""cairn-imapd CONDSTORE and QRESYNC (RFC 7162) end to end: ENABLE, FETCH MODSEQ and
CHANGEDSINCE, STORE UNCHANGEDSINCE with [MODIFIED] between two sessions, SEARCH
MODSEQ, STATUS HIGHESTMODSEQ, SELECT (QRESYNC ...) with VANISHED (EARLIER) after
another session's expunges, VANISHED instead of EXPUNGE in a QRESYNC session's sync,
and bad syntax.  Real cairn-master + cairn-imapd + PostgreSQL, raw protocol."""
import itertools
import re
import unittest

from imap_msg_util import PASSWORD, Raw, fetch_map, message, new_node


def modseq_of(data):
    m = re.search(rb"MODSEQ \((\d+)\)", data)
    return int(m.group(1)) if m else None


class CondstoreTest(unittest.TestCase):
    ids = itertools.count(1)

    @classmethod
    def setUpClass(cls):
        cls.node = new_node()
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def sessions(self, n=2):
        login = "cs%d@example.test" % next(self.ids)
        self.node.add_user(login, PASSWORD)
        self.local = login.split("@")[0]
        out = []
        for _ in range(n):
            c = Raw(self.node, login)
            self.addCleanup(c.close)
            out.append(c)
        for i in range(1, 6):
            out[0].ok("APPEND INBOX", message(i, extra="X-User: %s\r\n" % login))
        return out

    def highestmodseq(self, untagged):
        for u in untagged:
            m = re.search(rb"\[HIGHESTMODSEQ (\d+)\]", u)
            if m:
                return int(m.group(1))
        self.fail("no HIGHESTMODSEQ in %r" % untagged)

    def test_capability_enable_and_status(self):
        a, = self.sessions(1)
        untagged, _ = a.ok("CAPABILITY")
        caps = untagged[0].split()
        self.assertIn(b"CONDSTORE", caps)
        self.assertIn(b"QRESYNC", caps)
        untagged, _ = a.ok("ENABLE QRESYNC")
        self.assertEqual(untagged, [b"ENABLED CONDSTORE QRESYNC"])
        untagged, _ = a.ok("ENABLE CONDSTORE QRESYNC")
        self.assertEqual(untagged, [b"ENABLED"])
        untagged, _ = a.ok("STATUS INBOX (MESSAGES HIGHESTMODSEQ)")
        hms = int(self.node.sql("SELECT m.highestmodseq FROM mailboxes m JOIN accounts a ON "
                                "a.id = m.owner_id WHERE a.localpart = '%s' AND m.name = "
                                "'INBOX'" % self.local).strip())
        self.assertEqual(untagged, [b"STATUS INBOX (MESSAGES 5 HIGHESTMODSEQ %d)" % hms])

    def test_fetch_modseq_and_changedsince(self):
        a, b = self.sessions()
        untagged, _ = a.ok("SELECT INBOX (CONDSTORE)")
        hms = self.highestmodseq(untagged)
        f = fetch_map(a.ok("FETCH 1:* (UID MODSEQ)")[0])
        self.assertEqual(sorted(f), [1, 2, 3, 4, 5])
        self.assertTrue(all(modseq_of(v) and modseq_of(v) <= hms for v in f.values()))
        b.ok("SELECT INBOX")
        b.ok("STORE 2,4 +FLAGS (\\Flagged)")
        untagged, _ = a.ok("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % hms)
        f = fetch_map(untagged)
        # the sync before the tagged reply may also report them; both carry MODSEQ
        self.assertEqual(sorted(f), [2, 4], untagged)
        for v in f.values():
            self.assertGreater(modseq_of(v), hms)
            self.assertIn(b"\\Flagged", v)
        untagged, _ = a.ok("FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % (hms + 100))
        self.assertEqual(fetch_map(untagged), {})

    def test_store_unchangedsince_conflict(self):
        a, b = self.sessions()
        untagged, _ = a.ok("SELECT INBOX")
        hms = self.highestmodseq(untagged)
        b.ok("SELECT INBOX")
        # b changes message 3 first; a's conditional store on 1:5 must skip it
        b.ok("STORE 3 +FLAGS (\\Answered)")
        untagged, text = a.ok("STORE 1:5 (UNCHANGEDSINCE %d) +FLAGS (\\Seen)" % hms)
        self.assertTrue(text.startswith("[MODIFIED 3]"), text)
        f = fetch_map(untagged)
        for seq in (1, 2, 4, 5):
            self.assertIn(b"\\Seen", f[seq])
            self.assertGreater(modseq_of(f[seq]), hms)
        self.assertNotIn(b"\\Seen", f.get(3, b""))
        flags3 = fetch_map(b.ok("FETCH 3 FLAGS")[0])[3]
        self.assertNotIn(b"\\Seen", flags3)
        self.assertIn(b"\\Answered", flags3)
        # UID form reports UIDs; 0 always fails (RFC 7162 3.1.3)
        _, text = a.ok("UID STORE 2 (UNCHANGEDSINCE 0) -FLAGS (\\Seen)")
        self.assertTrue(text.startswith("[MODIFIED 2]"), text)
        # a passing .SILENT store under CONDSTORE still reports the new MODSEQ only
        cur = modseq_of(fetch_map(a.ok("FETCH 1 MODSEQ")[0])[1])
        untagged, text = a.ok("STORE 1 (UNCHANGEDSINCE %d) +FLAGS.SILENT (\\Draft)" % cur)
        self.assertNotIn("MODIFIED", text)
        f = fetch_map(untagged)
        self.assertNotIn(b"FLAGS", f[1])
        self.assertGreater(modseq_of(f[1]), cur)

    def test_search_modseq(self):
        a, b = self.sessions()
        untagged, _ = a.ok("SELECT INBOX")
        hms = self.highestmodseq(untagged)
        b.ok("SELECT INBOX")
        b.ok("STORE 5 +FLAGS (\\Flagged)")
        untagged, _ = a.ok("SEARCH MODSEQ %d" % (hms + 1))
        line = [u for u in untagged if u.startswith(b"SEARCH")][0]
        m = re.match(rb"SEARCH 5 \(MODSEQ (\d+)\)$", line)
        self.assertIsNotNone(m, line)
        self.assertGreater(int(m.group(1)), hms)
        untagged, _ = a.ok('UID SEARCH RETURN (COUNT) MODSEQ "/flags/\\\\flagged" all 1')
        line = [u for u in untagged if u.startswith(b"ESEARCH")][0]
        self.assertRegex(line, rb"UID COUNT 5 MODSEQ \d+$")

    def test_qresync_select_after_expunges(self):
        a, b = self.sessions()
        a.ok("ENABLE QRESYNC")
        untagged, _ = a.ok("SELECT INBOX")
        hms = self.highestmodseq(untagged)
        uv = int([re.search(rb"UIDVALIDITY (\d+)", u).group(1) for u in untagged
                  if b"UIDVALIDITY" in u][0])
        a.ok("UNSELECT")
        b.ok("SELECT INBOX")
        b.ok("STORE 2,4 +FLAGS (\\Deleted)")
        b.ok("STORE 5 +FLAGS (\\Flagged)")
        b.ok("EXPUNGE")
        untagged, _ = a.ok("SELECT INBOX (QRESYNC (%d %d 1:5))" % (uv, hms))
        self.assertIn(b"VANISHED (EARLIER) 2,4", untagged)
        f = fetch_map(untagged)
        self.assertEqual(list(f), [3], untagged)  # UID 5 is now sequence 3
        self.assertIn(b"UID 5 ", f[3])
        self.assertIn(b"\\Flagged", f[3])
        self.assertIn(b"3 EXISTS", untagged)
        # wrong UIDVALIDITY: a plain SELECT, no VANISHED, no FETCH
        untagged, _ = a.ok("SELECT INBOX (QRESYNC (%d %d))" % (uv + 1, hms))
        self.assertIn(b"OK [CLOSED] Previous mailbox closed", untagged)
        self.assertFalse([u for u in untagged if b"VANISHED" in u or b"FETCH" in u])
        # purged tombstones (deletedmodseq above the client's): the full answer
        self.node.sql("UPDATE mailboxes m SET deletedmodseq = highestmodseq FROM accounts a "
                      "WHERE a.id = m.owner_id AND a.localpart = '%s' AND m.name = 'INBOX'"
                      % self.local)
        untagged, _ = a.ok("SELECT INBOX (QRESYNC (%d %d 1:9))" % (uv, hms))
        self.assertIn(b"VANISHED (EARLIER) 2,4,6:9", untagged)

    def test_qresync_sync_sends_vanished(self):
        a, b = self.sessions()
        a.ok("ENABLE QRESYNC")
        a.ok("SELECT INBOX")
        b.ok("SELECT INBOX")
        b.ok("STORE 1,3 +FLAGS (\\Deleted)")
        b.ok("EXPUNGE")
        untagged, _ = a.ok("NOOP")
        self.assertIn(b"VANISHED 1,3", untagged)
        self.assertFalse([u for u in untagged if u.endswith(b"EXPUNGE")], untagged)
        # the session's own EXPUNGE is announced as VANISHED too
        a.ok("STORE 1 +FLAGS (\\Deleted)")
        untagged, _ = a.ok("EXPUNGE")
        self.assertIn(b"VANISHED 2", untagged)
        self.assertFalse([u for u in untagged if u.endswith(b"EXPUNGE")], untagged)
        # UID FETCH (CHANGEDSINCE n VANISHED) lists the expunged UIDs of the set
        untagged, _ = a.ok("UID FETCH 1:5 (FLAGS) (CHANGEDSINCE 1 VANISHED)")
        self.assertIn(b"VANISHED (EARLIER) 1:3", untagged)
        self.assertEqual(sorted(fetch_map(untagged)), [1, 2])
        # without QRESYNC the other session still gets EXPUNGE
        b_untagged, _ = b.ok("NOOP")
        self.assertIn(b"1 EXPUNGE", b_untagged)

    def test_bad_syntax(self):
        a, b = self.sessions()
        a.ok("SELECT INBOX")
        for cmd in ["FETCH 1 FLAGS (CHANGEDSINCE 0)", "FETCH 1 FLAGS (CHANGEDSINCE -1)",
                    "FETCH 1 FLAGS (CHANGEDSINCE abc)", "FETCH 1 FLAGS (CHANGEDSINCE)",
                    "FETCH 1 FLAGS (CHANGEDSINCE 99999999999999999999)",
                    "UID FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED)",  # QRESYNC not enabled
                    "FETCH 1 FLAGS (FOO 1)",
                    "STORE 1 (UNCHANGEDSINCE -1) +FLAGS (\\Seen)",
                    "STORE 1 (UNCHANGEDSINCE x) +FLAGS (\\Seen)",
                    "STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)",
                    "STORE 1 (UNCHANGEDSINCE 1)",
                    "SEARCH MODSEQ", "SEARCH MODSEQ abc", "SEARCH MODSEQ -5",
                    "SELECT INBOX (QRESYNC (1 1))",  # QRESYNC not enabled
                    "SELECT INBOX (FOO)"]:
            st, _, text = a.cmd(cmd)
            self.assertEqual(st, "BAD", "%s -> %s %s" % (cmd, st, text))
            if cmd.startswith("SELECT"):
                a.ok("SELECT INBOX")
        b.ok("ENABLE QRESYNC")
        for cmd in ["SELECT INBOX (QRESYNC (1 0))", "SELECT INBOX (QRESYNC (0 1))",
                    "SELECT INBOX (QRESYNC (1))", "SELECT INBOX (QRESYNC (1 1 0:x))",
                    "SELECT INBOX (QRESYNC (1 1 1:5 (1:2)))",
                    "SELECT INBOX (QRESYNC (1 -1))"]:
            st, _, text = b.cmd(cmd)
            self.assertEqual(st, "BAD", "%s -> %s %s" % (cmd, st, text))
        b.ok("SELECT INBOX (QRESYNC (1 1 1:5 (1:2 1:2)))")  # seq-match accepted
        st, _, _ = b.cmd("FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED)")  # not UID FETCH
        self.assertEqual(st, "BAD")


if __name__ == "__main__":
    unittest.main()
