"""Delivery of bytes the blob store already holds, and the blob GC protocol.

cairn_deliver() (schema 0010) trusts a blob file only when this delivery created it
or its blobs row says it is referenced; otherwise garbage collection may have
removed the file after lmtpd wrote it, and the delivery re-checks the file under
the blobs row lock.  These tests put the store in those states with real files and
a real PostgreSQL session playing GC."""
import hashlib
import os
import subprocess
import threading
import time
import unittest

from cairntest import scaled
from cairntest.lmtpnode import LmtpNode, stored_form
from cairntest.proc import unpriv_ids

SENDER = "s@remote.test"


def message(tag):
    return ("From: %s\r\nSubject: gc %s\r\nMessage-ID: <%s@remote.test>\r\n\r\nbody %s\r\n"
            % (SENDER, tag, tag, tag))


class LmtpBlobGcTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = LmtpNode(workers=2)
        for user in ("alice", "bob", "carl"):
            cls.node.add_user(user, "example.test")

    @classmethod
    def tearDownClass(cls):
        cls.node.cleanup()

    def blob(self, tag):
        data = stored_form(SENDER, message(tag))
        return data, hashlib.sha256(data).hexdigest()

    def deliver(self, rcpt, tag):
        c = self.node.client()
        try:
            c.lhlo()
            return c.deliver(SENDER, [rcpt], message(tag))
        finally:
            c.close()

    def read_blob(self, sha):
        with open(self.node.blob_path(sha), "rb") as f:
            return f.read()

    def test_orphan_file_is_indexed_and_referenced(self):
        # A file with no rows at all, as a delivery that failed after writing it leaves.
        data, sha = self.blob("orphan")
        path = self.node.blob_path(sha)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        uid, gid = unpriv_ids()
        for p in (path, os.path.dirname(path), os.path.dirname(os.path.dirname(path))):
            os.chown(p, uid, gid)
        self.assertEqual(self.deliver("alice@example.test", "orphan"), ([250], [250]))
        row = self.node.rows(
            "SELECT m.size, m.subject, m.envelope IS NOT NULL, b.refcount FROM messages m "
            "JOIN blobs b ON b.sha256 = m.sha256 WHERE m.sha256 = '\\x%s'" % sha)
        self.assertEqual(row, [[str(len(data)), "gc orphan", "t", "1"]])
        box = self.node.mailbox_id("alice", "example.test")
        self.assertEqual(self.node.stored_messages(box)[-1][1], data)

    def pg_log_count(self, text):
        with open(self.node.pg.log_path, errors="replace") as f:
            return f.read().count(text)

    def test_gc_removing_the_file_during_delivery_is_repaired(self):
        refused = "blob file must be checked under its row lock"
        refusals = self.pg_log_count(refused)
        data, sha = self.blob("race")
        self.assertEqual(self.deliver("bob@example.test", "race"), ([250], [250]))
        # Expunged everywhere: a GC candidate (refcount 0), file still there.
        self.node.sql("DELETE FROM mailbox_messages WHERE message_id = "
                      "(SELECT id FROM messages WHERE sha256 = '\\x%s');"
                      "UPDATE blobs SET refcount = 0, last_ref_at = now() - interval '1 day' "
                      "WHERE sha256 = '\\x%s'" % (sha, sha))
        # GC locks the row ...
        gc = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                               "-d", self.node.conninfo], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
        gc.stdin.write("BEGIN;\nSELECT refcount FROM blobs WHERE sha256 = '\\x%s' FOR UPDATE;\n"
                       % sha)
        gc.stdin.flush()
        self.assertEqual(gc.stdout.readline().strip(), "0")
        # ... a delivery of the same bytes finds the file there and queues on the lock ...
        result = {}
        t = threading.Thread(target=lambda: result.update(
            r=self.deliver("carl@example.test", "race")))
        t.start()
        deadline = time.time() + scaled(60)
        while self.node.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' AND "
                            "wait_event_type = 'Lock'" % self.node.dbname) != "1":
            self.assertLess(time.time(), deadline, "the delivery never waited for the row")
            time.sleep(0.05)
        # ... and GC deletes the file and the row under the lock.
        os.unlink(self.node.blob_path(sha))
        gc.stdin.write("DELETE FROM blobs WHERE sha256 = '\\x%s';\nCOMMIT;\n" % sha)
        gc.stdin.close()
        self.assertEqual(gc.wait(scaled(60)), 0)
        t.join(30)
        self.assertEqual(result.get("r"), ([250], [250]))
        # The delivery noticed (cairn_deliver refused the one-call path) and wrote
        # the file again under the row lock.
        self.assertEqual(self.pg_log_count(refused), refusals + 1)
        self.assertEqual(self.read_blob(sha), data)
        self.assertEqual(self.node.sql("SELECT refcount FROM blobs WHERE sha256 = '\\x%s'" % sha),
                         "1")
        box = self.node.mailbox_id("carl", "example.test")
        self.assertEqual(self.node.stored_messages(box)[-1][1], data)

    def test_referenced_blob_is_delivered_again_in_one_call(self):
        data, sha = self.blob("again")
        self.assertEqual(self.deliver("alice@example.test", "again"), ([250], [250]))
        self.assertEqual(self.deliver("bob@example.test", "again"), ([250], [250]))
        self.assertEqual(self.node.sql("SELECT count(*), sum(refcount) FROM blobs WHERE "
                                       "sha256 = '\\x%s'" % sha), "1|2")
        self.assertEqual(self.node.sql("SELECT count(*) FROM messages WHERE sha256 = '\\x%s'"
                                       % sha), "1")
        self.assertEqual(self.read_blob(sha), data)


if __name__ == "__main__":
    unittest.main()
