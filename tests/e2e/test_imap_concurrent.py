"""Concurrent IMAP sessions see each other's changes (DESIGN 4, RFC 9051 7.5.1):
APPEND -> EXISTS, STORE -> FETCH FLAGS (and FLAGS for new keywords), EXPUNGE ->
EXPUNGE but never during FETCH / STORE / SEARCH, LMTP deliveries -> EXISTS, a
mailbox deleted under a session, parallel APPENDs with strictly ascending UIDs, and
a worker reused by the next client after a session.  A worker serves one client at
a time, so concurrent sessions are always on different worker processes.
"""
import itertools
import socket
import threading
import unittest

from cairntest import binary
from cairntest.lmtpnode import LmtpClient
from imap_msg_util import PASSWORD, Raw, fetch_map, message, new_node


class ConcurrentTest(unittest.TestCase):
    ids = itertools.count(1)

    @classmethod
    def setUpClass(cls):
        cls.node = new_node()
        m = cls.node.master
        m.section("lmtp", hostname="lmtp.test")
        m.service("lmtp", cmd=binary("cairn-lmtpd"), min_idle=1)
        m.service("imap", cmd=binary("cairn-imapd"), min_idle=3, max_use=50)
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def pair(self):
        login = "c%d@example.test" % next(self.ids)
        self.node.add_user(login, PASSWORD)
        a, b = Raw(self.node, login), Raw(self.node, login)
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        self.login = login
        return login, a, b

    def msg(self, i):
        return message(i, extra="X-User: %s\r\n" % self.login)

    def test_append_store_expunge_seen_by_other(self):
        login, a, b = self.pair()
        b.ok("APPEND INBOX", self.msg(1))
        a.ok("SELECT INBOX")
        b.ok("SELECT INBOX")
        b.ok("APPEND INBOX (\\Seen)", self.msg(2))
        untagged, _ = a.ok("NOOP")
        # b's own APPEND reply claimed message 2 as \Recent; a still has message 1.
        self.assertEqual(untagged, [b"2 EXISTS", b"1 RECENT"])
        self.assertEqual(fetch_map(a.ok("FETCH 2 FLAGS")[0]), {2: b"FLAGS (\\Seen)"})
        b.ok("STORE 1 +FLAGS.SILENT (\\Flagged)")
        untagged, _ = a.ok("NOOP")
        self.assertEqual(untagged, [b"1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))"])
        untagged, _ = a.ok("NOOP")
        self.assertEqual(untagged, [])  # reported once
        b.ok("STORE 2 +FLAGS.SILENT ($Shared)")
        untagged, _ = a.ok("NOOP")
        self.assertEqual(untagged[0][:6], b"FLAGS ")
        self.assertIn(b"$Shared", untagged[0])
        self.assertEqual(untagged[-1], b"2 FETCH (UID 2 FLAGS (\\Seen $Shared))")

    def test_no_expunge_during_fetch_store_search(self):
        login, a, b = self.pair()
        for i in range(3):
            b.ok("APPEND INBOX", self.msg(i))
        a.ok("SELECT INBOX")
        b.ok("SELECT INBOX")
        b.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        untagged, _ = b.ok("EXPUNGE")
        self.assertEqual(untagged, [b"1 EXPUNGE"])
        for cmd in ("FETCH 1:3 (UID FLAGS)", "STORE 3 +FLAGS (\\Answered)", "SEARCH ALL"):
            untagged, _ = a.ok(cmd)
            self.assertFalse([u for u in untagged if u.endswith(b"EXPUNGE")], (cmd, untagged))
        # Sequence numbers did not move meanwhile: 3 is still the third message.
        f = fetch_map(a.ok("FETCH 3 UID")[0])
        self.assertEqual(f, {3: b"UID 3"})
        untagged, _ = a.ok("SEARCH ALL")
        self.assertEqual(untagged, [b"SEARCH 2 3"])  # the expunged one is not found
        untagged, _ = a.ok("NOOP")
        self.assertEqual(untagged, [b"1 EXPUNGE"])
        self.assertEqual(fetch_map(a.ok("FETCH 2 UID")[0]), {2: b"UID 3"})
        # UID commands may carry expunges (RFC 9051 7.5.1).
        b.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        b.ok("EXPUNGE")
        untagged, _ = a.ok("UID FETCH 1:* FLAGS")
        self.assertIn(b"1 EXPUNGE", untagged)

    def test_lmtp_delivery_seen_by_session(self):
        login, a, b = self.pair()
        a.ok("SELECT INBOX")
        lc = LmtpClient(*self.node.addr("lmtp"))
        try:
            self.assertEqual(lc.lhlo()[0], 250)
            rcodes, dcodes = lc.deliver("s@example.test", [login], self.msg(7))
            self.assertEqual((rcodes, dcodes), ([250], [250]))
        finally:
            lc.close()
        untagged, _ = a.ok("NOOP")
        self.assertEqual(untagged, [b"1 EXISTS", b"1 RECENT"])
        body = fetch_map(a.ok("FETCH 1 BODY.PEEK[HEADER.FIELDS (Subject)]")[0])[1]
        self.assertTrue(body.endswith(b"Subject: message 7\r\n\r\n"), body)

    def test_selected_mailbox_deleted_elsewhere(self):
        login, a, b = self.pair()
        b.ok("CREATE Doomed")
        b.ok("APPEND Doomed", self.msg(1))
        b.ok("APPEND Doomed", self.msg(2))
        a.ok("SELECT Doomed")
        b.ok("DELETE Doomed")
        untagged, _ = a.ok("FETCH 1:2 FLAGS")  # no expunges here
        self.assertFalse([u for u in untagged if u.endswith(b"EXPUNGE")])
        untagged, _ = a.ok("NOOP")
        self.assertEqual(untagged, [b"2 EXPUNGE", b"1 EXPUNGE"])
        untagged, _ = a.ok("SEARCH ALL")
        self.assertEqual(untagged, [b"SEARCH"])

    def test_parallel_appends_ascending_uids(self):
        login, a, b = self.pair()
        a.ok("SELECT INBOX")
        results, errors = [], []

        def worker(k):
            try:
                c = Raw(self.node, login)
                for i in range(10):
                    _, text = c.ok("APPEND INBOX", self.msg(100 * k + i))
                    results.append(int(text.split()[2].rstrip("]")))
                c.close()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(sorted(results), list(range(1, 41)))
        untagged, _ = a.ok("NOOP")
        self.assertEqual(untagged, [b"40 EXISTS", b"40 RECENT"])
        untagged, _ = a.ok("UID SEARCH ALL")
        self.assertEqual(untagged, [b"SEARCH " + b" ".join(b"%d" % i for i in range(1, 41))])
        counters = self.node.sql("SELECT messages, uidnext FROM mailboxes m JOIN accounts x ON "
                                 "x.id = m.owner_id WHERE x.localpart = '%s' AND m.name = "
                                 "'INBOX'" % login.split("@")[0]).strip()
        self.assertEqual(counters, "40|41")

    def test_worker_reused_after_session(self):
        login, a, b = self.pair()
        a.ok("APPEND INBOX", self.msg(1))
        a.ok("SELECT INBOX")
        a.close()
        b.close()
        # Many short sessions in a row: workers serve one client after another
        # (max_use 50), and none may carry the previous client's selected mailbox.
        for i in range(8):
            c = Raw(self.node, login)
            st, _, _ = c.cmd("FETCH 1 FLAGS")
            self.assertEqual(st, "BAD")  # not selected in a new session
            untagged, _ = c.ok("SELECT INBOX")
            self.assertIn(b"%d EXISTS" % (i + 1), untagged)
            c.ok("APPEND INBOX", self.msg(10 + i))
            c.close()


if __name__ == "__main__":
    unittest.main()
