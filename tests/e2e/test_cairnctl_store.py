"""cairnctl import/export/gc/verify/stats against a real PostgreSQL, a real blob
store and (for the GC stress test) a running cairn-lmtpd delivering concurrently.

Messages are checked in the database and the blob store directly; what IMAP
clients see of cairnctl's work (the 10,000-message import of the issue's acceptance
among it) is test_cairnctl_imap.py.
"""
import calendar
import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from cairntest import binary, scaled
from cairntest.pg import shared_server

FLAG_BITS = {"Seen": 1, "Answered": 2, "Flagged": 4, "Deleted": 8, "Draft": 16}


def make_message(i, rnd):
    """(mbox text of one message without its From_ line, stored CRLF bytes, flags)."""
    flags = rnd.choice([0, 1, 1, 3, 5, 17, 9, 0, 1 | 4])
    body = ["Line %d of message %d" % (j, i) for j in range(rnd.randint(1, 12))]
    if i % 7 == 0:
        body.append("From the desk of someone")  # must be quoted in mboxrd
    if i % 11 == 0:
        body.append(">From already quoted")
    headers = ["From: sender%d@example.net" % (i % 50), "To: user@example.org",
               "Subject: message %d" % i, "Message-ID: <%d.%d@gen.test>" % (i, rnd.random() * 1e9)]
    stored = "\r\n".join(headers + [""] + body) + "\r\n"
    status = []
    if flags & 1:
        status.append("Status: RO")
    xs = "".join(c for b, c in ((2, "A"), (4, "F"), (16, "T"), (8, "D")) if flags & b)
    if xs:
        status.append("X-Status: " + xs)
    quoted = [(">" + l if l.lstrip(">").startswith("From ") else l) for l in body]
    text = "\n".join(headers + status + [""] + quoted) + "\n"
    return text, stored.encode(), flags


def write_mbox(path, n, seed=1):
    """An mboxrd file of n messages; returns [(stored bytes, flags, internal date)]."""
    rnd = random.Random(seed)
    expect = []
    with open(path, "w") as f:
        for i in range(n):
            text, stored, flags = make_message(i, rnd)
            when = 1420070400 + i * 3607
            date = time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(when))
            f.write("From sender@example.net %s\n%s\n" % (date, text))
            expect.append((stored, flags, when))
    return expect


class StoreCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = shared_server()

    def setUp(self):
        self.ci = self.pg.new_database()
        self.dbname = self.ci.split("dbname=")[1]
        self.tmp = tempfile.mkdtemp(prefix="cairnctl-")
        self.blobs = os.path.join(self.tmp, "blobs")
        self.ok("domain", "add", "example.org")
        self.ok("user", "add", "--no-password", "user@example.org")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def ctl(self, *args, blobs=True):
        argv = [binary("cairnctl"), "--db", self.ci] + (["--blobs", self.blobs] if blobs else [])
        r = subprocess.run(argv + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=900)
        err = r.stderr.decode(errors="replace")
        for bad in ("Sanitizer", "runtime error:"):
            self.assertNotIn(bad, err)
        return r.returncode, r.stdout.decode(), err

    def ok(self, *args, **kw):
        rc, out, err = self.ctl(*args, **kw)
        self.assertEqual(rc, 0, "cairnctl %s: %s" % (" ".join(args), err))
        return out

    def fails(self, code, needle, *args, **kw):
        rc, out, err = self.ctl(*args, **kw)
        self.assertEqual(rc, code, "cairnctl %s: exit %d: %s" % (" ".join(args), rc, err))
        self.assertIn(needle, err + out)
        return out

    def sql(self, q):
        return self.pg.psql(q, self.dbname).strip()

    def stored(self, folder):
        """[(uid, bytes, flags, internal date)] of a folder of user@example.org."""
        rows = self.sql(
            "SELECT mm.uid, encode(m.sha256, 'hex'), mm.flags, "
            "extract(epoch FROM mm.internaldate)::bigint FROM mailbox_messages mm "
            "JOIN messages m ON m.id = mm.message_id JOIN mailboxes b ON b.id = mm.mailbox_id "
            "WHERE b.name = '%s' AND b.deleted_at IS NULL ORDER BY mm.uid" % folder)
        out = []
        for line in rows.splitlines():
            uid, sha, flags, when = line.split("|")
            with open(os.path.join(self.blobs, sha[:2], sha[2:4], sha), "rb") as f:
                data = f.read()
            self.assertEqual(hashlib.sha256(data).hexdigest(), sha)
            out.append((int(uid), data, int(flags), int(when)))
        return out

    def blob_path(self, data):
        sha = hashlib.sha256(data).hexdigest()
        return os.path.join(self.blobs, sha[:2], sha[2:4], sha)


class ImportExportTest(StoreCase):
    def test_import_mbox_rows_and_counters(self):
        n = 2000  # the 10,000-message acceptance import runs in test_cairnctl_imap.py
        mbox = os.path.join(self.tmp, "big.mbox")
        expect = write_mbox(mbox, n)
        t0 = time.time()
        out = json.loads(self.ok("--json", "import", "user@example.org", "Archive/Old", mbox))
        elapsed = time.time() - t0
        self.assertEqual(out["imported"], n)
        print("\n    import of a %d-message mbox: %.1f s, %.0f messages/s" % (n, elapsed,
                                                                          n / elapsed))
        got = self.stored("Archive/Old")
        self.assertEqual(len(got), n)
        self.assertEqual([g[0] for g in got], list(range(1, n + 1)), "UIDs in file order")
        for (uid, data, flags, when), (sdata, sflags, swhen) in zip(got, expect):
            self.assertEqual(data, sdata, "UID %d bytes" % uid)
            self.assertEqual(flags, sflags, "UID %d flags" % uid)
            self.assertEqual(when, swhen, "UID %d internal date" % uid)
        box = [b for b in json.loads(self.ok("--json", "mailbox", "list", "user@example.org"))
               if b["name"] == "Archive/Old"][0]
        self.assertEqual(box["messages"], n)
        self.assertEqual(box["unseen"], sum(1 for e in expect if not e[1] & 1))
        self.assertEqual(int(self.sql("SELECT deleted_msgs FROM mailboxes WHERE name = "
                                      "'Archive/Old'")), sum(1 for e in expect if e[1] & 8))

    def roundtrip(self, fmt):
        mbox = os.path.join(self.tmp, "in.mbox")
        write_mbox(mbox, 60, seed=7)
        self.ok("import", "user@example.org", "Src", mbox)
        before = self.stored("Src")
        dest = os.path.join(self.tmp, "out-" + fmt)
        out = json.loads(self.ok("--json", "export", "--format", fmt, "--mailbox", "Src",
                                 "user@example.org", dest))
        self.assertEqual(out["exported"], 60)
        src = os.path.join(dest, "Src.mbox" if fmt == "mbox" else "Src")
        self.ok("import", "user@example.org", "Back", src)
        after = self.stored("Back")
        key = lambda r: (r[3], r[1])
        self.assertEqual(sorted((d, f, w) for _, d, f, w in before),
                         sorted((d, f, w) for _, d, f, w in after),
                         "export then import gives byte-identical messages, flags, dates")
        if fmt == "mbox":
            self.assertEqual([r[1] for r in before], [r[1] for r in after], "mbox keeps order")
        del key

    def test_roundtrip_mbox(self):
        self.roundtrip("mbox")

    def test_roundtrip_maildir(self):
        self.roundtrip("maildir")
        names = os.listdir(os.path.join(self.tmp, "out-maildir", "Src", "cur"))
        self.assertTrue(any(n.endswith(":2,S") for n in names))
        self.assertTrue(all(":2," in n for n in names))

    def test_export_all_folders_and_unsafe_names(self):
        self.ok("mailbox", "create", "user@example.org", "a/../b")
        mbox = os.path.join(self.tmp, "m.mbox")
        write_mbox(mbox, 3)
        self.ok("import", "user@example.org", "a/../b", mbox)
        dest = os.path.join(self.tmp, "all")
        self.ok("export", "--format", "mbox", "user@example.org", dest)
        self.assertTrue(os.path.exists(os.path.join(dest, "a", "%2E%2E", "b.mbox")))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "b.mbox")), "no escape from DEST")
        self.assertTrue(os.path.exists(os.path.join(dest, "INBOX.mbox")))

    def test_bad_input(self):
        notmbox = os.path.join(self.tmp, "notes.txt")
        with open(notmbox, "w") as f:
            f.write("Dear diary,\nFrom here on...\n")
        self.fails(1, "not an mbox file", "import", "user@example.org", "X", notmbox)
        self.fails(1, "not a Maildir", "import", "user@example.org", "X", self.tmp)
        self.fails(1, "No such file", "import", "user@example.org", "X", "/nonexistent/mbox")
        mbox = os.path.join(self.tmp, "ok.mbox")
        write_mbox(mbox, 2)
        self.fails(1, "no such user", "import", "nobody@example.org", "X", mbox)
        self.fails(1, "invalid mailbox name", "import", "user@example.org", "a//b", mbox)
        self.fails(2, "no blob store", "import", "user@example.org", "X", mbox, blobs=False)
        self.assertEqual(self.sql("SELECT count(*) FROM mailbox_messages"), "0")
        self.fails(1, "no such mailbox", "export", "--mailbox", "Nope", "user@example.org",
                   os.path.join(self.tmp, "e"))
        self.fails(2, "--format must be", "export", "--format", "pst", "user@example.org",
                   os.path.join(self.tmp, "e"))
        self.ok("import", "user@example.org", "INBOX", mbox)
        dest = os.path.join(self.tmp, "twice")
        self.ok("export", "--format", "mbox", "user@example.org", dest)
        self.fails(1, "File exists", "export", "--format", "mbox", "user@example.org", dest)
        self.fails(2, "--grace takes seconds", "gc", "--grace", "soon")

    def test_over_quota_stops_import(self):
        self.ok("quota", "set", "--messages", "5", "user@example.org")
        mbox = os.path.join(self.tmp, "q.mbox")
        write_mbox(mbox, 8)
        self.fails(1, "over quota", "import", "user@example.org", "Q", mbox)
        self.assertEqual(self.sql("SELECT count(*) FROM mailbox_messages"), "5")


class VerifyGcTest(StoreCase):
    def setUp(self):
        super().setUp()
        mbox = os.path.join(self.tmp, "m.mbox")
        self.expect = write_mbox(mbox, 5)
        self.ok("import", "user@example.org", "A", mbox)

    def verify(self, *opts):
        rc, out, err = self.ctl("--json", "verify", *opts)
        return rc, json.loads(out.strip().splitlines()[-1])

    def test_verify_detects_deleted_and_corrupted_blobs(self):
        rc, v = self.verify()
        self.assertEqual(rc, 0)
        self.assertEqual(v["missing"] + v["corrupted"] + v["refcounts"] + v["orphans"], 0)
        gone, bad = self.expect[0][0], self.expect[1][0]
        os.unlink(self.blob_path(gone))
        with open(self.blob_path(bad), "r+b") as f:
            f.seek(10)
            b = f.read(1)
            f.seek(10)
            f.write(bytes([b[0] ^ 0x20]))
        rc, out, _ = self.ctl("verify")
        self.assertEqual(rc, 1)
        self.assertIn("missing " + hashlib.sha256(gone).hexdigest(), out)
        self.assertIn("corrupted " + hashlib.sha256(bad).hexdigest(), out)
        rc, v = self.verify("--quick")
        self.assertEqual((rc, v["missing"], v["corrupted"]), (1, 1, 0), "--quick skips hashing")
        rc, v = self.verify("--repair")
        self.assertEqual((rc, v["missing"], v["corrupted"]), (1, 1, 1), "cannot be repaired")

    def test_verify_repairs_refcounts_and_orphans(self):
        sha = hashlib.sha256(self.expect[2][0]).hexdigest()
        self.sql("UPDATE blobs SET refcount = 7 WHERE sha256 = '\\x%s'" % sha)
        orphan = b"orphan bytes\r\n"
        osha = hashlib.sha256(orphan).hexdigest()
        os.makedirs(os.path.dirname(self.blob_path(orphan)), exist_ok=True)
        with open(self.blob_path(orphan), "wb") as f:
            f.write(orphan)
        rc, v = self.verify()
        self.assertEqual((rc, v["refcounts"], v["orphans"]), (1, 1, 1))
        rc, v = self.verify("--repair")
        self.assertEqual((rc, v["fixed"]), (0, 2))
        self.assertEqual(self.sql("SELECT refcount FROM blobs WHERE sha256 = '\\x%s'" % sha), "1")
        rc, v = self.verify()
        self.assertEqual((rc, v["refcounts"], v["orphans"]), (0, 0, 0))
        # the adopted orphan is an ordinary gc candidate now
        self.ok("gc", "--grace", "0")
        self.assertFalse(os.path.exists(self.blob_path(orphan)))
        self.assertEqual(self.sql("SELECT count(*) FROM blobs WHERE sha256 = '\\x%s'" % osha), "0")

    def test_gc_removes_only_unreferenced_blobs_after_grace(self):
        mbox = os.path.join(self.tmp, "m.mbox")
        self.ok("import", "user@example.org", "B", mbox)  # same bytes: deduplicated
        stats = json.loads(self.ok("--json", "stats"))
        self.assertEqual((stats["messages"], stats["blobs"]), (10, 5))
        self.assertAlmostEqual(stats["dedup_ratio"], 2.0, places=2)
        self.ok("mailbox", "delete", "user@example.org", "A")
        out = json.loads(self.ok("--json", "gc", "--grace", "0"))
        self.assertEqual(out["removed"], 0, "still referenced by B")
        self.ok("mailbox", "delete", "user@example.org", "B")
        out = json.loads(self.ok("--json", "gc"))  # default grace: too young
        self.assertEqual(out["removed"], 0)
        self.assertTrue(all(os.path.exists(self.blob_path(e[0])) for e in self.expect))
        out = json.loads(self.ok("--json", "gc", "--grace", "0", "--dry-run"))
        self.assertEqual((out["candidates"], out["removed"]), (5, 0))
        out = json.loads(self.ok("--json", "gc", "--grace", "0"))
        self.assertEqual(out["removed"], 5)
        self.assertFalse(any(os.path.exists(self.blob_path(e[0])) for e in self.expect))
        self.assertEqual(self.sql("SELECT count(*) FROM messages"), "0")
        self.assertEqual(self.verify()[0], 0)


class GcStressTest(unittest.TestCase):
    """gc --grace 0 in a loop while cairn-lmtpd delivers the same bytes again and again
    to a user who is deleted and re-created under it (so those bytes keep becoming
    garbage and being referenced again): no blob that a committed message references
    may ever be removed."""

    def test_gc_under_concurrent_lmtp_load(self):
        from cairntest.lmtpnode import LmtpNode, stored_form
        node = LmtpNode(workers=2, lmtp={"dedup_window": 0})
        self.addCleanup(node.cleanup)
        node.add_user("user", "example.org")
        node.add_user("churn", "example.org")
        ctl = [binary("cairnctl"), "--db", node.conninfo, "--blobs", node.blob_root]
        stop = threading.Event()
        accepted = {"INBOX": 0}
        churn_codes = {}
        errors = []
        same = b"From: loop@example.net\r\nSubject: always the same bytes\r\n\r\nsame\r\n"

        def deliver():
            c = node.client()
            c.lhlo()
            i = 0
            try:
                while not stop.is_set():
                    i += 1
                    _, codes = c.deliver("s@example.net", ["churn@example.org"], same)
                    for x in codes:
                        churn_codes[x] = churn_codes.get(x, 0) + 1
                    uniq = b"Subject: unique %d\r\n\r\nbody %d\r\n" % (i, i)
                    _, codes2 = c.deliver("s@example.net", ["user@example.org"], uniq)
                    accepted["INBOX"] += sum(1 for x in codes2 if x == 250)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))
            finally:
                c.close()

        removed = [0]

        def churn():
            while not stop.is_set():
                # gc right after the delete removes the blob; gc right after the
                # re-create races with deliveries referencing the same bytes again.
                for args in (["user", "del", "churn@example.org"],
                             ["--json", "gc", "--grace", "0"],
                             ["user", "add", "--no-password", "--no-folders",
                              "churn@example.org"],
                             ["mailbox", "create", "churn@example.org", "INBOX"],
                             ["--json", "gc", "--grace", "0"]):
                    r = subprocess.run(ctl + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                    if r.returncode not in (0, 1):
                        errors.append("%s: %s" % (args, r.stderr.decode()))
                    elif args[-1] == "0" and r.returncode == 0:
                        removed[0] += json.loads(r.stdout.decode())["removed"]

        threads = [threading.Thread(target=deliver) for _ in range(3)] + \
                  [threading.Thread(target=churn)]
        for t in threads:
            t.start()
        # The load runs for 20 s, and on a slow machine on until it did what the checks
        # below need (bounded: the threads' errors end it too).
        t0 = time.time()
        while time.time() - t0 < scaled(180) and not errors and \
                (time.time() - t0 < 20 or removed[0] <= 3 or accepted["INBOX"] <= 50):
            stop.wait(0.2)
        stop.set()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        self.assertGreater(removed[0], 3, "gc removed blobs while deliveries ran")
        print("\n    gc stress: %d blobs removed by gc during %d accepted deliveries; "
              "DATA replies for the re-delivered bytes: %s (451: the user was deleted between "
              "RCPT and DATA)" % (removed[0], accepted["INBOX"],
                                                          churn_codes))
        # every committed reference has its blob, with the right bytes and refcount
        r = subprocess.run(ctl + ["--json", "verify"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        v = json.loads(r.stdout.decode().strip().splitlines()[-1])
        self.assertEqual((v["missing"], v["corrupted"], v["wrong_size"]), (0, 0, 0), v)
        self.assertEqual(v["refcounts"], 0, "refcounts stay exact under concurrency")
        inbox = node.mailbox_id("user", "example.org")
        same_sha = hashlib.sha256(stored_form("s@example.net", same)).hexdigest()
        unique = int(node.sql("SELECT count(*) FROM mailbox_messages mm JOIN messages m ON "
                              "m.id = mm.message_id WHERE mm.mailbox_id = %d AND m.sha256 <> "
                              "'\\x%s'" % (inbox, same_sha)))
        self.assertEqual(unique, accepted["INBOX"], "every accepted delivery is there")
        self.assertGreater(accepted["INBOX"], 50, "the load actually ran")
        churned = int(node.sql("SELECT id FROM accounts WHERE localpart = 'churn'"))
        self.assertGreater(churned, 3, "the user was deleted under the deliveries")
