"""`cairnctl expunged purge`: old expunge tombstones disappear and the mailbox's
deletedmodseq becomes their highest MODSEQ, younger ones stay, --dry-run changes
nothing, expired delivery_dedup rows go, bad arguments exit 2; and a QRESYNC client
still learns of a purged expunge (via deletedmodseq).  Real cairn-master +
cairn-imapd + PostgreSQL."""
import itertools
import json
import os
import re
import subprocess
import tempfile
import unittest

from cairntest import binary
from imap_msg_util import PASSWORD, Raw, message, new_node


class PurgeTest(unittest.TestCase):
    ids = itertools.count(1)

    @classmethod
    def setUpClass(cls):
        cls.node = new_node()
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def user(self):
        login = "pu%d@example.test" % next(self.ids)
        self.node.add_user(login, PASSWORD)
        return login

    def box_id(self, login, name):
        return int(self.node.sql(
            "SELECT m.id FROM mailboxes m JOIN accounts a ON a.id = m.owner_id "
            "WHERE a.localpart = '%s' AND m.name = '%s'" % (login.split("@")[0], name)))

    def tombstone(self, box, uid, modseq, age_days):
        self.node.sql("UPDATE mailboxes SET highestmodseq = greatest(highestmodseq, %d) "
                      "WHERE id = %d" % (modseq, box))
        self.node.sql("INSERT INTO expunged (mailbox_id, uid, modseq, expunged_at) VALUES "
                      "(%d, %d, %d, now() - make_interval(days => %d))"
                      % (box, uid, modseq, age_days))

    def uids(self, box):
        out = self.node.sql("SELECT uid FROM expunged WHERE mailbox_id = %d ORDER BY uid" % box)
        return [int(x) for x in out.split()]

    def deletedmodseq(self, box):
        return int(self.node.sql("SELECT deletedmodseq FROM mailboxes WHERE id = %d" % box))

    def purge(self, *args, conf=None):
        argv = [binary("cairnctl")]
        argv += ["-c", conf] if conf else ["--db", self.node.conninfo]
        r = subprocess.run(argv + ["--json", "expunged", "purge"] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return json.loads(r.stdout)

    def clear_all_tombstones(self):
        # other tests' mailboxes share the database: start each count from zero
        self.node.sql("DELETE FROM expunged")

    def test_old_tombstones_go_young_stay_dry_run_changes_nothing(self):
        self.clear_all_tombstones()
        login = self.user()
        inbox, drafts = self.box_id(login, "INBOX"), self.box_id(login, "Drafts")
        for uid, modseq in ((1, 2), (2, 3), (3, 4)):
            self.tombstone(inbox, uid, modseq, 40)
        self.tombstone(inbox, 4, 5, 0)
        self.tombstone(inbox, 5, 6, 0)
        self.tombstone(drafts, 1, 7, 31)
        before = self.node.sql("SELECT * FROM expunged ORDER BY 1, 2")
        out = self.purge("--dry-run")
        self.assertEqual((out["tombstones"], out["mailboxes"], out["dry_run"]), (4, 2, True))
        self.assertEqual(out["older_than"], 30 * 86400)
        self.assertEqual(self.node.sql("SELECT * FROM expunged ORDER BY 1, 2"), before)
        self.assertEqual((self.deletedmodseq(inbox), self.deletedmodseq(drafts)), (0, 0))
        out = self.purge()
        self.assertEqual((out["tombstones"], out["mailboxes"], out["dry_run"]), (4, 2, False))
        self.assertEqual(self.uids(inbox), [4, 5])
        self.assertEqual(self.uids(drafts), [])
        self.assertEqual((self.deletedmodseq(inbox), self.deletedmodseq(drafts)), (4, 7))
        # nothing old left: a second run changes nothing
        out = self.purge()
        self.assertEqual(out["tombstones"], 0)
        self.assertEqual(self.deletedmodseq(inbox), 4)
        # --older-than 0 takes the young ones too
        out = self.purge("--older-than", "0")
        self.assertEqual(out["tombstones"], 2)
        self.assertEqual((self.uids(inbox), self.deletedmodseq(inbox)), ([], 6))

    def test_config_keep_and_modseq_cutoff(self):
        self.clear_all_tombstones()
        login = self.user()
        inbox = self.box_id(login, "INBOX")
        self.tombstone(inbox, 1, 3, 2)      # 2 days old
        self.tombstone(inbox, 2, 2, 0)      # young, but a lower MODSEQ: goes too
        self.tombstone(inbox, 3, 5, 0)      # young, higher MODSEQ: stays
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "cairn.conf")
            with open(conf, "w") as f:
                f.write("[database]\nconninfo = %s\n\n[expunged]\nkeep = 86400\n"
                        % self.node.conninfo)
            out = self.purge(conf=conf)
            self.assertEqual((out["older_than"], out["tombstones"]), (86400, 2))
            self.assertEqual(self.uids(inbox), [3])
            self.assertEqual(self.deletedmodseq(inbox), 3)
            with open(conf, "w") as f:
                f.write("[database]\nconninfo = %s\n\n[expunged]\nkeep = soon\n"
                        % self.node.conninfo)
            r = subprocess.run([binary("cairnctl"), "-c", conf, "expunged", "purge"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertEqual(r.returncode, 2)
            self.assertIn(b"keep", r.stderr)

    def test_dedup_rows_older_than_window_go(self):
        login = self.user()
        inbox = self.box_id(login, "INBOX")
        self.node.sql("INSERT INTO delivery_dedup (mailbox_id, message_id, delivered_at) "
                      "VALUES (%d, '<old@x>', now() - interval '2 days'), "
                      "(%d, '<new@x>', now())" % (inbox, inbox))
        out = self.purge("--dry-run")
        self.assertEqual(out["dedup_window"], 86400)
        self.assertGreaterEqual(out["dedup_rows"], 1)
        q = "SELECT message_id FROM delivery_dedup WHERE mailbox_id = %d ORDER BY 1" % inbox
        self.assertEqual(self.node.sql(q).split(), ["<new@x>", "<old@x>"])
        self.purge()
        self.assertEqual(self.node.sql(q).split(), ["<new@x>"])

    def test_bad_arguments_exit_2(self):
        for args in (["--older-than", "-1"], ["--older-than", "3d"], ["--older-than"],
                     ["--older-than", "99999999999"], ["--bogus"], ["extra"]):
            r = subprocess.run([binary("cairnctl"), "--db", self.node.conninfo, "expunged",
                                "purge"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
        r = subprocess.run([binary("cairnctl"), "--db", self.node.conninfo, "expunged"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(r.returncode, 2)
        r = subprocess.run([binary("cairnctl"), "expunged", "purge", "--help"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"--older-than", r.stdout)

    def test_qresync_after_purge_reports_vanished_via_deletedmodseq(self):
        login = self.user()
        a, b = Raw(self.node, login), Raw(self.node, login)
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        for i in range(1, 6):
            a.ok("APPEND INBOX", message(i, extra="X-User: %s\r\n" % login))
        a.ok("ENABLE QRESYNC")
        untagged, _ = a.ok("SELECT INBOX")
        hms = int(next(re.search(rb"\[HIGHESTMODSEQ (\d+)\]", u).group(1)
                       for u in untagged if b"HIGHESTMODSEQ" in u))
        uv = int(next(re.search(rb"UIDVALIDITY (\d+)", u).group(1)
                      for u in untagged if b"UIDVALIDITY" in u))
        a.ok("UNSELECT")
        b.ok("SELECT INBOX")
        b.ok("STORE 2,4 +FLAGS (\\Deleted)")
        b.ok("EXPUNGE")
        inbox = self.box_id(login, "INBOX")
        self.assertEqual(self.uids(inbox), [2, 4])
        top = int(self.node.sql("SELECT max(modseq) FROM expunged WHERE mailbox_id = %d"
                                % inbox))
        self.node.sql("UPDATE expunged SET expunged_at = now() - interval '31 days' "
                      "WHERE mailbox_id = %d" % inbox)
        self.purge()
        self.assertEqual(self.uids(inbox), [])
        self.assertEqual(self.deletedmodseq(inbox), top)
        self.assertGreater(top, hms)
        # no tombstones left: only the deletedmodseq path can name UIDs 2 and 4
        untagged, _ = a.ok("SELECT INBOX (QRESYNC (%d %d 1:5))" % (uv, hms))
        self.assertIn(b"VANISHED (EARLIER) 2,4", untagged)
        self.assertIn(b"3 EXISTS", untagged)
        # a client already past the purge gets no VANISHED at all
        untagged, _ = a.ok("SELECT INBOX (QRESYNC (%d %d 1:5))" % (uv, top))
        self.assertFalse([u for u in untagged if b"VANISHED" in u], untagged)


if __name__ == "__main__":
    unittest.main()
