"""cairn-lmtpd when its storage fails: PostgreSQL stopped mid-run (451 4.3.0 for
every recipient, never 250; recovery without restarting anything) and a broken
blob store."""
import os
import shutil
import tempfile
import unittest

from cairntest.lmtpnode import LmtpNode
from cairntest.pg import PgServer


class LmtpPostgresDownTest(unittest.TestCase):
    def setUp(self):
        self.pgdir = tempfile.mkdtemp(prefix="cairn-pgdown-")
        self.pg = PgServer(basedir=self.pgdir).start()
        self.node = LmtpNode(workers=2, pg=self.pg)
        self.node.add_user("carol", "example.test")
        self.node.add_user("dave", "example.test")

    def tearDown(self):
        self.node.cleanup()
        self.pg.stop()
        shutil.rmtree(self.pgdir, ignore_errors=True)

    def test_451_while_down_then_recovers_without_restart(self):
        rcpts = ["carol@example.test", "dave@example.test"]
        c = self.node.client()
        c.lhlo()
        self.assertEqual(c.deliver("s@r", rcpts, "Message-ID: <a@r>\r\n\r\none\r\n")[1],
                         [250, 250])
        lmtpd_pid, workers = self.node.proc.pid, self.node.worker_pids()  # master pid
        # Provoked below: deliveries and RCPT lookups while PostgreSQL is down.
        self.node.expect_log(r"level=error event=(rcpt_failed|deliver_failed) .*"
                             r"error=\"PostgreSQL unavailable: ")

        # Down between RCPT and DATA: every recipient gets 451, none 250.
        self.assertEqual(c.cmd("MAIL FROM:<s@r>")[0], 250)
        self.assertEqual([c.cmd("RCPT TO:<%s>" % r)[0] for r in rcpts], [250, 250])
        self.pg.stop()
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(b"Message-ID: <b@r>\r\n\r\ntwo\r\n.\r\n")
        replies = [c.reply() for _ in rcpts]
        self.assertEqual([r[0] for r in replies], [451, 451])
        self.assertIn("4.3.0", replies[0][1])

        # Down at RCPT time: 451 as well, on this and on a new connection.
        self.assertEqual(c.deliver("s@r", rcpts, "Message-ID: <c@r>\r\n\r\nthree\r\n"),
                         ([451, 451], []))
        c2 = self.node.client()
        c2.lhlo()
        self.assertEqual(c2.deliver("s@r", rcpts[:1], "x\r\n"), ([451], []))

        # Back up: the same connections deliver again; nothing was restarted.
        self.pg.start()
        self.assertEqual(c.deliver("s@r", rcpts, "Message-ID: <d@r>\r\n\r\nfour\r\n")[1],
                         [250, 250])
        self.assertEqual(c2.deliver("s@r", rcpts[:1], "Message-ID: <e@r>\r\n\r\nfive\r\n")[1],
                         [250])
        c.close()
        c2.close()
        self.assertEqual(self.node.proc.pid, lmtpd_pid)
        # the master may have added idle workers, but none of the first ones died
        self.assertTrue(set(workers) <= set(self.node.worker_pids()), self.node.log()[-2000:])
        self.assertEqual(self.node.proc.poll(), None)
        # No half state: exactly the 250s are there, counters and UIDs agree.
        self.assertEqual(self.node.sql(
            "SELECT string_agg(m.message_id, ',' ORDER BY m.message_id) FROM messages m"),
            "<a@r>,<d@r>,<e@r>")
        for who, n in (("carol", 3), ("dave", 2)):
            box = self.node.mailbox_id(who, "example.test")
            self.assertEqual(self.node.uids(box), list(range(1, n + 1)))
            self.assertEqual(self.node.sql("SELECT messages, uidnext FROM mailboxes WHERE id = %d"
                                           % box), "%d|%d" % (n, n + 1))
        self.assertEqual(self.node.sql("SELECT sum(refcount) FROM blobs"), "5")
        self.assertIn("event=deliver_failed", self.node.log())


class LmtpBlobStoreDownTest(unittest.TestCase):
    def test_blob_store_failure_gives_451_then_recovers(self):
        node = LmtpNode(workers=1)
        try:
            node.add_user("erin", "example.test")
            c = node.client()
            c.lhlo()
            tmp = os.path.join(node.blob_root, "tmp")
            node.expect_log(r"level=error event=deliver_failed .*error=\"blob store: create "
                            r"temp file in \S*/blobs/tmp: Not a directory\"")
            os.rename(tmp, tmp + ".away")
            with open(tmp, "w") as f:
                f.write("not a directory")
            self.assertEqual(c.deliver("s@r", ["erin@example.test"], "Subject: a\r\n\r\nx\r\n"),
                             ([250], [451]))
            os.unlink(tmp)
            os.rename(tmp + ".away", tmp)
            self.assertEqual(c.deliver("s@r", ["erin@example.test"], "Subject: b\r\n\r\nx\r\n"),
                             ([250], [250]))
            c.close()
            box = node.mailbox_id("erin", "example.test")
            self.assertEqual(node.uids(box), [1])
            self.assertEqual(node.sql("SELECT count(*) FROM messages"), "1")
            self.assertIn("blob store", node.log())
        finally:
            node.cleanup()


if __name__ == "__main__":
    unittest.main()
