"""Kill test: `kill -9` of lmtpd workers at random moments during 2,000 deliveries.
Every message that got a 250 must be present and byte-identical afterwards (the
test keeps a ledger), and the metadata must be consistent."""
import os
import random
import signal
import threading
import time
import unittest

from cairntest.lmtpnode import LmtpNode, stored_form

TOTAL = 2000
CLIENTS = 4
USERS = 4


class LmtpKillTest(unittest.TestCase):
    def test_kill_workers_during_2000_deliveries(self):
        node = LmtpNode(workers=4)
        try:
            self._run(node)
        finally:
            node.cleanup()

    def _client_loop(self, node, k, ledger, stats):
        rng = random.Random(k)
        c = None
        for i in range(k, TOTAL, CLIENTS):
            user = "k%d" % (i % USERS)
            sender = "s%d@remote.test" % k
            size = rng.choice((200, 3000, 40000))
            body = ("Message-ID: <kill%d@r>\r\nSubject: %d\r\n\r\n" % (i, i)
                    + ("%d " % i) * (size // 6) + "\r\n").encode()
            try:
                if c is None:
                    c = node.client()
                    c.lhlo()
                _, d = c.deliver(sender, [user + "@example.test"], body)
                if d == [250]:
                    ledger.append((user, i, stored_form(sender, body)))
                else:
                    stats["refused"] += 1
            except (OSError, ConnectionError, AssertionError, ValueError):
                stats["broken"] += 1  # killed mid-transaction: outcome unknown, not in ledger
                if c is not None:
                    c.close()
                c = None
        if c is not None:
            c.close()

    def _run(self, node):
        for u in range(USERS):
            node.add_user("k%d" % u, "example.test")
        ledger, stats, done = [], {"refused": 0, "broken": 0, "kills": 0}, threading.Event()

        def killer():
            rng = random.Random(42)
            while not done.wait(rng.uniform(0.01, 0.06)):
                pids = node.worker_pids()
                if pids:
                    try:
                        os.kill(rng.choice(pids), signal.SIGKILL)
                        stats["kills"] += 1
                    except ProcessLookupError:
                        pass

        kt = threading.Thread(target=killer)
        clients = [threading.Thread(target=self._client_loop, args=(node, k, ledger, stats))
                   for k in range(CLIENTS)]
        t0 = time.time()
        kt.start()
        for t in clients:
            t.start()
        for t in clients:
            t.join()
        done.set()
        kt.join()
        elapsed = time.time() - t0
        print("\nkill test: %d acked, %d broken, %d refused, %d kills in %.1fs"
              % (len(ledger), stats["broken"], stats["refused"], stats["kills"], elapsed))
        self.assertGreater(stats["kills"], 10, "the killer must actually have killed workers")
        self.assertGreater(stats["broken"], 0, "some transactions must have been interrupted")
        self.assertGreater(len(ledger), TOTAL // 2)

        # Every acknowledged message is there, byte-identical, in the right mailbox.
        stored = {}
        for u in range(USERS):
            box = node.mailbox_id("k%d" % u, "example.test")
            for uid, data in node.stored_messages(box):
                stored.setdefault(("k%d" % u, data), []).append(uid)
        missing = [i for user, i, data in ledger if (user, data) not in stored]
        self.assertEqual(missing, [], "acknowledged messages lost")

        # Metadata consistent after the carnage.
        self.assertEqual(node.sql(
            "SELECT count(*) FROM mailboxes m WHERE messages <> (SELECT count(*) FROM "
            "mailbox_messages mm WHERE mm.mailbox_id = m.id) OR uidnext - 1 <> (SELECT "
            "coalesce(max(uid), 0) FROM mailbox_messages mm WHERE mm.mailbox_id = m.id)"), "0")
        self.assertEqual(node.sql(
            "SELECT count(*) FROM blobs b WHERE refcount <> (SELECT count(*) FROM "
            "mailbox_messages mm JOIN messages m ON m.id = mm.message_id "
            "WHERE m.sha256 = b.sha256)"), "0")
        self.assertEqual(node.sql(
            "SELECT count(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM blobs b "
            "WHERE b.sha256 = m.sha256)"), "0")


if __name__ == "__main__":
    unittest.main()
