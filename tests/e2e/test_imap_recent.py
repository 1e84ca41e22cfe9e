"""\\Recent end to end (issue 9, RFC 3501 2.3.2): a new message is \\Recent in exactly
one session, the first to SELECT its mailbox read-write (or to sync it while
selected) after it arrived, on whichever node: the claim is cluster-wide state in
PostgreSQL (mailboxes.recent_uid, schema/0052_recent.sql).  EXAMINE and STATUS only
look; IMAP4rev2 sessions neither see nor claim it.  Real cairn-master + cairn-imapd +
PostgreSQL; two masters on one database for the cross-node cases.
"""
import itertools
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unittest

from cairntest import ROOT, binary
from cairntest.pg import shared_server
from imap_msg_util import PASSWORD, Raw, fetch_map, message, new_node


def recent_count(untagged):
    """The n of "* n RECENT" (the last one), or None when there is none."""
    n = None
    for u in untagged:
        m = re.match(rb"(\d+) RECENT$", u)
        if m:
            n = int(m.group(1))
    return n


def recent_uids(c):
    """UIDs whose FETCH FLAGS carry \\Recent in session c."""
    untagged, _ = c.ok("UID FETCH 1:* (FLAGS)")
    out = set()
    for data in fetch_map(untagged).values():
        uid = int(re.search(rb"UID (\d+)", data).group(1))
        if b"\\Recent" in re.search(rb"FLAGS \(([^)]*)\)", data).group(1):
            out.add(uid)
    return out


def status_recent(c, box="INBOX"):
    untagged, _ = c.ok("STATUS %s (RECENT)" % box)
    return int(re.search(rb"RECENT (\d+)", b"".join(untagged)).group(1))


def search(c, keys):
    untagged, _ = c.ok("SEARCH " + keys)
    line = [u for u in untagged if u.startswith(b"SEARCH")][0]
    return [int(x) for x in line.split()[1:]]


class RecentTest(unittest.TestCase):
    ids = itertools.count(1)

    @classmethod
    def setUpClass(cls):
        cls.node = new_node()
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def user(self):
        self.login = "r%d@example.test" % next(self.ids)
        self.node.add_user(self.login, PASSWORD)
        return self.login

    def conn(self, node=None):
        c = Raw(node or self.node, self.login)
        self.addCleanup(c.close)
        return c

    def append(self, c, i, flags="", box="INBOX"):
        msg = message(i, extra="X-User: %s\r\n" % self.login)
        c.ok("APPEND %s%s" % (box, " (%s)" % flags if flags else ""), msg)

    def test_only_the_first_selector_sees_recent(self):
        self.user()
        w, a, b = self.conn(), self.conn(), self.conn()
        self.append(w, 1)
        self.append(w, 2)
        untagged, _ = a.ok("SELECT INBOX")
        self.assertEqual(recent_count(untagged), 2)
        self.assertEqual(recent_uids(a), {1, 2})
        untagged, _ = b.ok("SELECT INBOX")
        self.assertEqual(recent_count(untagged), 0)
        self.assertEqual(recent_uids(b), set())
        # A new arrival goes to the selected session that syncs first, and only to it.
        self.append(w, 3)
        untagged, _ = a.ok("NOOP")
        self.assertIn(b"3 EXISTS", untagged)
        self.assertEqual(recent_count(untagged), 3)
        untagged, _ = b.ok("NOOP")
        self.assertIn(b"3 EXISTS", untagged)
        self.assertEqual(recent_count(untagged), 0)
        self.assertEqual(recent_uids(a), {1, 2, 3})
        self.assertEqual(recent_uids(b), set())
        # A's messages stay recent in A for the session; a re-SELECT gets none.
        a.ok("CLOSE")
        untagged, _ = a.ok("SELECT INBOX")
        self.assertEqual(recent_count(untagged), 0)

    def test_status_recent_counts_unclaimed(self):
        self.user()
        w, a = self.conn(), self.conn()
        for i in range(1, 4):
            self.append(w, i)
        self.assertEqual(status_recent(w), 3)
        self.assertEqual(status_recent(w), 3)  # STATUS does not claim
        a.ok("SELECT INBOX")
        self.assertEqual(status_recent(w), 0)
        self.append(w, 4)
        self.assertEqual(status_recent(w), 1)  # a has not synced yet
        untagged, _ = a.ok("NOOP")
        self.assertEqual(recent_count(untagged), 4)
        self.assertEqual(status_recent(w), 0)
        # LIST RETURN (STATUS (RECENT)) goes the same way.
        self.append(w, 5)
        untagged, _ = w.ok('LIST "" INBOX RETURN (STATUS (RECENT MESSAGES))')
        self.assertIn(b"STATUS INBOX (MESSAGES 5 RECENT 1)", untagged)

    def test_examine_does_not_claim(self):
        self.user()
        w, e, s = self.conn(), self.conn(), self.conn()
        self.append(w, 1)
        self.append(w, 2)
        untagged, text = e.ok("EXAMINE INBOX")
        self.assertTrue(text.startswith("[READ-ONLY]"), text)
        self.assertEqual(recent_count(untagged), 2)  # shown, not taken
        self.assertEqual(recent_uids(e), {1, 2})
        self.assertEqual(status_recent(w), 2)
        self.append(w, 3)
        untagged, _ = e.ok("NOOP")
        self.assertIn(b"3 EXISTS", untagged)
        self.assertEqual(recent_count(untagged), 3)
        self.assertEqual(status_recent(w), 3)
        untagged, _ = s.ok("SELECT INBOX")
        self.assertEqual(recent_count(untagged), 3)
        self.assertEqual(status_recent(w), 0)

    def test_rev2_neither_sees_nor_claims(self):
        self.user()
        w, r2, r1 = self.conn(), self.conn(), self.conn()
        self.append(w, 1)
        r2.ok("ENABLE IMAP4rev2")
        untagged, _ = r2.ok("SELECT INBOX")
        self.assertIsNone(recent_count(untagged))
        untagged, _ = r2.ok("FETCH 1 (FLAGS)")
        self.assertEqual(fetch_map(untagged)[1], b"FLAGS ()")
        self.append(w, 2)
        untagged, _ = r2.ok("NOOP")
        self.assertIn(b"2 EXISTS", untagged)
        self.assertIsNone(recent_count(untagged))
        untagged, _ = r2.ok("SEARCH RETURN (COUNT) RECENT")
        self.assertIn(b"COUNT 0", b"".join(untagged))
        untagged, _ = r2.ok("STORE 1 +FLAGS (\\Flagged)")
        self.assertNotIn(b"\\Recent", b"".join(untagged))
        # Nothing was claimed: the first IMAP4rev1 selector still gets both.
        self.assertEqual(status_recent(w), 2)
        untagged, _ = r1.ok("SELECT INBOX")
        self.assertEqual(recent_count(untagged), 2)

    def test_search_recent_new_old(self):
        self.user()
        w, a, b = self.conn(), self.conn(), self.conn()
        self.append(w, 1)
        self.append(w, 2, "\\Seen")
        a.ok("SELECT INBOX")  # claims 1, 2
        a.ok("CLOSE")
        self.append(w, 3, "\\Seen")
        self.append(w, 4)
        self.append(w, 5)
        untagged, _ = b.ok("SELECT INBOX")
        self.assertEqual(recent_count(untagged), 3)
        self.assertEqual(search(b, "RECENT"), [3, 4, 5])
        self.assertEqual(search(b, "NEW"), [4, 5])
        self.assertEqual(search(b, "OLD"), [1, 2])
        self.assertEqual(search(b, "NOT NEW"), [1, 2, 3])
        self.assertEqual(search(b, "OR OLD SEEN"), [1, 2, 3])
        self.assertEqual(search(b, "RECENT SEEN"), [3])
        b.ok("STORE 1 +FLAGS (\\Deleted)")
        b.ok("EXPUNGE")
        self.assertEqual(search(b, "RECENT"), [2, 3, 4])  # sequence numbers moved
        untagged, _ = b.ok("UID SEARCH NEW")
        self.assertIn(b"SEARCH 4 5", untagged)
        # a has nothing recent now, so OLD is everything and NEW nothing.
        a.ok("SELECT INBOX")
        self.assertEqual(search(a, "RECENT"), [])
        self.assertEqual(search(a, "NEW"), [])
        self.assertEqual(search(a, "OLD"), [1, 2, 3, 4])

    def test_copy_move_append_destination_recent(self):
        self.user()
        src, dst, later = self.conn(), self.conn(), self.conn()
        src.ok("CREATE Dest")
        for i in range(1, 4):
            self.append(src, i, "\\Seen" if i == 1 else "")
        src.ok("SELECT INBOX")
        dst.ok("SELECT Dest")
        src.ok("COPY 1:2 Dest")
        untagged, _ = dst.ok("NOOP")
        self.assertIn(b"2 EXISTS", untagged)
        self.assertEqual(recent_count(untagged), 2)
        untagged, _ = dst.ok("FETCH 1:2 (FLAGS)")
        self.assertEqual(fetch_map(untagged), {1: b"FLAGS (\\Seen \\Recent)",
                                               2: b"FLAGS (\\Recent)"})
        src.ok("MOVE 3 Dest")
        untagged, _ = dst.ok("NOOP")
        self.assertIn(b"3 EXISTS", untagged)
        self.assertEqual(recent_count(untagged), 3)
        # The destination's own session APPENDs: recent for it (RFC 3501 6.3.11).
        untagged, _ = dst.ok("APPEND Dest", message(9))  # announced with its tagged OK
        self.assertIn(b"4 EXISTS", untagged)
        self.assertEqual(recent_count(untagged), 4)
        self.assertEqual(recent_uids(dst), {1, 2, 3, 4})
        untagged, _ = later.ok("SELECT Dest")
        self.assertEqual(recent_count(untagged), 0)
        # A copy into a mailbox nobody has selected waits for its first selector.
        src.ok("CREATE Other")
        src.ok("COPY 1:2 Other")
        self.assertEqual(status_recent(src, "Other"), 2)
        untagged, _ = later.ok("SELECT Other")
        self.assertEqual(recent_count(untagged), 2)

    def test_store_cannot_set_or_clear_recent(self):
        self.user()
        w, a, b = self.conn(), self.conn(), self.conn()
        self.append(w, 1)
        self.append(w, 2)
        a.ok("SELECT INBOX")
        untagged, _ = a.ok("STORE 1 -FLAGS (\\Recent)")
        self.assertEqual(fetch_map(untagged)[1], b"FLAGS (\\Recent)")
        untagged, _ = a.ok("STORE 2 FLAGS (\\Seen)")
        self.assertEqual(fetch_map(untagged)[2], b"FLAGS (\\Seen \\Recent)")
        b.ok("SELECT INBOX")
        untagged, _ = b.ok("STORE 1 +FLAGS (\\Recent \\Flagged)")
        self.assertEqual(fetch_map(untagged)[1], b"FLAGS (\\Flagged)")
        self.assertEqual(recent_uids(b), set())
        # The other session's change reaches a with \Recent still on.
        untagged, _ = a.ok("NOOP")
        self.assertEqual(fetch_map(untagged)[1], b"UID 1 FLAGS (\\Flagged \\Recent)")
        self.assertEqual(self.node.sql(
            "SELECT string_agg(mm.flags::text, ',' ORDER BY mm.uid) FROM mailbox_messages mm "
            "JOIN mailboxes m ON m.id = mm.mailbox_id JOIN accounts ac ON ac.id = m.owner_id "
            "WHERE ac.localpart = '%s' AND m.name = 'INBOX'"
            % self.login.split("@")[0]).strip(), "4,1")

    def test_concurrent_selectors_get_disjoint_recent_sets(self):
        """Sessions selecting and syncing while messages arrive: every message is
        recent in exactly one of them (the claim is atomic)."""
        self.user()
        w = self.conn()
        sessions = [self.conn() for _ in range(4)]
        for i in range(1, 4):
            self.append(w, i)
        errors = []

        def run(c):
            try:
                c.ok("SELECT INBOX")
                for _ in range(15):
                    c.ok("NOOP")
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=run, args=(c,)) for c in sessions]
        for t in threads:
            t.start()
        for i in range(4, 24):
            self.append(w, i)
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        sets = []
        for c in sessions:
            c.ok("NOOP")  # picks up (and claims) anything still unseen
            sets.append(recent_uids(c))
        union = set().union(*sets)
        self.assertEqual(union, set(range(1, 24)))
        self.assertEqual(sum(len(s) for s in sets), 23, sets)
        self.assertEqual(status_recent(w), 0)


class RecentTwoNodeTest(unittest.TestCase):
    """Two masters on one database: the claim made on one node holds on the other."""

    @classmethod
    def setUpClass(cls):
        cls.a = new_node()
        cls.b = new_node()
        cls.b.conninfo = cls.a.conninfo
        cls.b.master.section("database", conninfo=cls.a.conninfo)
        cls.b.master.section("blob", root=cls.a.blobs)
        cls.a.start()
        cls.b.start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.a.stop()
        finally:
            cls.b.stop()

    def test_claim_is_cluster_wide(self):
        login = "x@example.test"
        self.a.add_user(login, PASSWORD)
        wa, sa, sb = Raw(self.a, login), Raw(self.a, login), Raw(self.b, login)
        for c in (wa, sa, sb):
            self.addCleanup(c.close)
        for i in range(1, 3):
            wa.ok("APPEND INBOX", message(i))
        untagged, _ = sb.ok("SELECT INBOX")  # node b first
        self.assertEqual(recent_count(untagged), 2)
        untagged, _ = sa.ok("SELECT INBOX")
        self.assertEqual(recent_count(untagged), 0)
        wa.ok("APPEND INBOX", message(3))
        untagged, _ = sa.ok("NOOP")  # node a syncs first this time
        self.assertEqual(recent_count(untagged), 1)
        untagged, _ = sb.ok("NOOP")
        self.assertIn(b"3 EXISTS", untagged)
        self.assertEqual(recent_count(untagged), 2)
        self.assertEqual(recent_uids(sb), {1, 2})
        self.assertEqual(recent_uids(sa), {3})


class RecentMigrationTest(unittest.TestCase):
    """0052 marks what is already there as claimed: an upgrade makes nothing new."""

    def test_existing_messages_are_not_recent_after_upgrade(self):
        pg = shared_server()
        ci = pg.conninfo(pg.create_database())
        dbname = ci.split("dbname=")[1]
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        for f in sorted(os.listdir(os.path.join(ROOT, "schema"))):
            if f.endswith(".sql") and f < "0052":
                shutil.copy(os.path.join(ROOT, "schema", f), tmp)
        env = dict(os.environ, CAIRN_SCHEMA_DIR=tmp)
        ctl = [binary("cairnctl"), "--db", ci, "db", "migrate"]
        subprocess.run(ctl, env=env, check=True, stdout=subprocess.DEVNULL)
        pg.psql("INSERT INTO domains (name) VALUES ('example.test');"
                "INSERT INTO accounts (domain_id, localpart) SELECT id, 'u' FROM domains;"
                "INSERT INTO mailboxes (owner_id, name, uidvalidity, uidnext) "
                "SELECT id, 'INBOX', 1, 8 FROM accounts", dbname)
        shutil.copy(os.path.join(ROOT, "schema", "0052_recent.sql"), tmp)
        subprocess.run(ctl, env=env, check=True, stdout=subprocess.DEVNULL)
        self.assertEqual(pg.psql("SELECT recent_uid FROM mailboxes", dbname).strip(), "7")
        pg.psql("INSERT INTO mailboxes (owner_id, name, uidvalidity) "
                "SELECT id, 'New', 2 FROM accounts", dbname)
        self.assertEqual(pg.psql("SELECT recent_uid FROM mailboxes WHERE name = 'New'",
                                 dbname).strip(), "0")
        # The claim returns the old mark and moves it only upwards.
        self.assertEqual(pg.psql("SELECT cairn_recent_claim(id, 9) FROM mailboxes WHERE "
                                 "name = 'INBOX'", dbname).strip(), "7")
        self.assertEqual(pg.psql("SELECT cairn_recent_claim(id, 5) FROM mailboxes WHERE "
                                 "name = 'INBOX'", dbname).strip(), "9")
        self.assertEqual(pg.psql("SELECT recent_uid FROM mailboxes WHERE name = 'INBOX'",
                                 dbname).strip(), "9")


if __name__ == "__main__":
    unittest.main()
