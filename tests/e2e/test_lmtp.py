"""cairn-lmtpd delivery end to end: real PostgreSQL, real blob store, real lmtpd,
Python's smtplib.LMTP and a raw LMTP client."""
import smtplib
import threading
import unittest

from cairntest.lmtpnode import LmtpNode, stored_form


def message(n, extra=""):
    return ("From: sender@remote.test\r\nTo: alice@example.test\r\nSubject: test %d\r\n"
            "Message-ID: <m%d.%s@remote.test>\r\n\r\nbody %d\r\n%s" % (n, n, extra, n, extra))


class LmtpDeliveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = LmtpNode(workers=3)
        cls.node.add_user("alice", "example.test", folders=["Lists"])
        for i in range(20):
            cls.node.add_user("u%d" % i, "many.test")
        cls.inbox = cls.node.mailbox_id("alice", "example.test")
        cls.lists = cls.node.mailbox_id("alice", "example.test", "Lists")

    @classmethod
    def tearDownClass(cls):
        cls.node.cleanup()

    def test_smtplib_lmtp_delivers_row_and_blob(self):
        msg = message(1, "smtplib")
        before = len(self.node.uids(self.inbox))
        with smtplib.LMTP("127.0.0.1", self.node.port) as s:
            refused = s.sendmail("sender@remote.test", ["alice@example.test"], msg)
        self.assertEqual(refused, {})
        stored = self.node.stored_messages(self.inbox)
        self.assertEqual(len(stored), before + 1)
        self.assertEqual(stored[-1][1], stored_form("sender@remote.test", msg))
        row = self.node.rows("SELECT m.size, m.message_id, b.refcount FROM messages m JOIN blobs b "
                             "ON b.sha256 = m.sha256 WHERE m.message_id = '<m1.smtplib@remote.test>'")
        self.assertEqual(row, [[str(len(stored[-1][1])), "<m1.smtplib@remote.test>", "1"]])

    def test_twenty_recipients_store_one_blob(self):
        files_before = self.node.blob_files()
        c = self.node.client()
        c.lhlo()
        rcpts = ["u%d@many.test" % i for i in range(20)]
        rcodes, dcodes = c.deliver("list@remote.test", rcpts, message(2, "twenty"))
        c.close()
        self.assertEqual(rcodes, [250] * 20)
        self.assertEqual(dcodes, [250] * 20)
        self.assertEqual(self.node.blob_files(), files_before + 1)
        self.assertEqual(self.node.sql(
            "SELECT count(*) FROM messages WHERE message_id = '<m2.twenty@remote.test>'"), "1")
        self.assertEqual(self.node.sql(
            "SELECT b.refcount FROM blobs b JOIN messages m ON m.sha256 = b.sha256 "
            "WHERE m.message_id = '<m2.twenty@remote.test>'"), "20")
        for i in range(20):
            self.assertEqual(len(self.node.uids(self.node.mailbox_id("u%d" % i, "many.test"))), 1)

    def test_detail_case_and_unknown(self):
        c = self.node.client()
        c.lhlo()
        lists_before = len(self.node.uids(self.lists))
        inbox_before = len(self.node.uids(self.inbox))
        rcodes, dcodes = c.deliver("s@remote.test", [
            "ALICE+Lists@Example.TEST", "alice+nosuchfolder@example.test", "nobody@example.test",
            "alice@nodomain.test", "alice@example.test"], message(3, "detail"))
        self.assertEqual(rcodes, [250, 250, 550, 550, 250])
        # alice+nosuchfolder and alice both land in INBOX: one row there, the same mailbox
        self.assertEqual(dcodes, [250, 250, 250])
        self.assertEqual(len(self.node.uids(self.lists)), lists_before + 1)
        self.assertEqual(len(self.node.uids(self.inbox)), inbox_before + 1)
        code, text = c.cmd("VRFY alice")
        self.assertEqual(code, 252)
        c.close()

    def test_duplicate_message_id_suppressed_per_mailbox(self):
        msg = message(4, "dup")
        c = self.node.client()
        c.lhlo()
        self.assertEqual(c.deliver("s@remote.test", ["alice@example.test"], msg)[1], [250])
        n = len(self.node.uids(self.inbox))
        # same Message-ID again (even with a different sender: other bytes, other blob)
        _, d = c.deliver("other@remote.test", ["alice@example.test", "alice+Lists@example.test"],
                         msg)
        self.assertEqual(d, [250, 250])
        self.assertEqual(len(self.node.uids(self.inbox)), n, "duplicate stored in INBOX")
        self.assertEqual(self.node.sql(
            "SELECT count(*) FROM mailbox_messages mm JOIN messages m ON m.id = mm.message_id "
            "WHERE m.message_id = '<m4.dup@remote.test>' AND mm.mailbox_id = %d" % self.lists),
            "1")
        c.close()

    def test_pipelined_thousand_messages_on_one_connection(self):
        self.node.add_user("pipe", "example.test")
        box = self.node.mailbox_id("pipe", "example.test")
        c = self.node.client()
        c.lhlo()
        batch = []
        for i in range(1000):
            batch.append(b"MAIL FROM:<p@remote.test>\r\nRCPT TO:<pipe@example.test>\r\nDATA\r\n")
            # PIPELINING: DATA ends a batch, the client waits for 354 before the body
            c.send(batch[-1])
            self.assertEqual([c.reply()[0] for _ in range(3)], [250, 250, 354])
            c.send(("Message-ID: <pipe%d@r>\r\n\r\n%d\r\n.\r\n" % (i, i)).encode())
            self.assertEqual(c.reply()[0], 250)
        c.close()
        uids = self.node.uids(box)
        self.assertEqual(uids, list(range(1, 1001)))
        self.assertEqual(self.node.sql("SELECT uidnext, highestmodseq FROM mailboxes WHERE id = %d"
                                       % box), "1001|1001")

    def test_eight_concurrent_connections_uids_unique_ascending(self):
        self.node.add_user("conc", "example.test")
        box = self.node.mailbox_id("conc", "example.test")
        errors = []

        def worker(k):
            try:
                c = self.node.client()
                c.lhlo()
                for i in range(25):
                    _, d = c.deliver("c@remote.test", ["conc@example.test"],
                                     "Message-ID: <c%d.%d@r>\r\n\r\nx\r\n" % (k, i))
                    if d != [250]:
                        errors.append(d)
                c.close()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(self.node.uids(box), list(range(1, 201)))
        modseqs = [int(r[0]) for r in self.node.rows(
            "SELECT modseq FROM mailbox_messages WHERE mailbox_id = %d ORDER BY uid" % box)]
        self.assertEqual(modseqs, sorted(set(modseqs)), "MODSEQ must ascend with UID")

    def test_bdat_chunking(self):
        c = self.node.client()
        self.assertIn("CHUNKING", c.lhlo()[1])
        n = len(self.node.uids(self.inbox))
        self.assertEqual(c.cmd("MAIL FROM:<b@remote.test> BODY=8BITMIME")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<alice@example.test>")[0], 250)
        part1 = b"Message-ID: <bdat@r>\r\nSubject: caf\xc3\xa9\r\n\r\n"
        part2 = b".not stuffed\r\nend\r\n"
        c.send(b"BDAT %d\r\n" % len(part1) + part1)
        self.assertEqual(c.reply()[0], 250)
        c.send(b"BDAT %d LAST\r\n" % len(part2) + part2)
        self.assertEqual(c.reply()[0], 250)
        c.close()
        stored = self.node.stored_messages(self.inbox)
        self.assertEqual(len(stored), n + 1)
        self.assertEqual(stored[-1][1], b"Return-Path: <b@remote.test>\r\n" + part1 + part2)


class LmtpQuotaTest(unittest.TestCase):
    def test_over_quota_at_rcpt_and_at_data(self):
        for code, enh in ((452, "4.2.2"), (552, "5.2.2")):
            node = LmtpNode(workers=1, lmtp={"over_quota_code": code})
            try:
                node.add_user("small", "example.test", storage_limit=300)
                node.add_user("big", "example.test")
                c = node.client()
                c.lhlo()
                body = "Subject: q\r\n\r\n" + "x" * 150 + "\r\n"
                self.assertEqual(c.deliver("s@r", ["small@example.test"], body)[1], [250])
                used = node.sql("SELECT storage_used, messages_used FROM quota_roots")
                size = len(stored_form("s@r", body))
                self.assertEqual(used, "%d|1" % size)
                # the second one no longer fits: refused at DATA, the other recipient gets it
                rcodes, dcodes = c.deliver("s@r", ["small@example.test", "big@example.test"], body)
                self.assertEqual(rcodes, [250, 250])
                self.assertEqual(dcodes, [code, 250])
                # with a SIZE= hint it is refused at RCPT already
                self.assertEqual(c.cmd("MAIL FROM:<s@r> SIZE=200")[0], 250)
                code_r, text = c.cmd("RCPT TO:<small@example.test>")
                self.assertEqual(code_r, code)
                self.assertIn(enh, text)
                c.close()
                self.assertEqual(node.sql("SELECT storage_used, messages_used FROM quota_roots"),
                                 "%d|1" % size)
                self.assertEqual(len(node.uids(node.mailbox_id("small", "example.test"))), 1)
            finally:
                node.cleanup()


if __name__ == "__main__":
    unittest.main()
