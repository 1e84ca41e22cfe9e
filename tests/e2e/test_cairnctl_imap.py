"""cairnctl against a running node, seen through real IMAP clients (Python imaplib):
an imported 10,000-message mbox shows every message with its flags, keywords,
internal date, size and bytes; and every change cairnctl makes (import, mailbox
create/rename/delete, ACLs, quota) reaches connected clients the way any other
change does, because cairnctl writes through the same store API as the daemons.

cairnctl runs as the user the daemons run as (the blob store's owner), as
docs/cairnctl.md asks: the fan-out directories it creates must stay writable for
the IMAP workers' APPENDs.
"""
import calendar
import imaplib
import json
import os
import random
import re
import subprocess
import time
import unittest

from cairntest import binary
from cairntest.imapnode import ImapNode
from cairntest.proc import preexec, unpriv_ids

PASSWORD = "secret-pw"
DOMAIN = "example.test"

SYSTEM = {1: "\\Seen", 2: "\\Answered", 4: "\\Flagged", 8: "\\Deleted", 16: "\\Draft"}
KEYWORD_SETS = [[], [], [], ["$Label1"], ["Junk"], ["$Forwarded", "$MDNSent"],
                ["NonJunk", "Project-X", "$Label2"]]


def status_lines(bits):
    """mbox Status/X-Status header lines for a system flag bitmask."""
    out = []
    if bits & 1:
        out.append("Status: RO")
    elif bits:
        out.append("Status: O")
    xs = "".join(c for b, c in ((2, "A"), (4, "F"), (16, "T"), (8, "D")) if bits & b)
    if xs:
        out.append("X-Status: " + xs)
    return out


def keyword_lines(i, kws):
    """X-Keywords in the spellings found in the wild: spaces, commas, folded, plus a
    token that is no IMAP keyword (left out by the import)."""
    if not kws:
        return []
    if i % 5 == 0:
        return ["X-Keywords: " + ", ".join(kws)]
    if i % 5 == 1 and len(kws) > 1:
        return ["X-Keywords: " + kws[0], "\t" + " ".join(kws[1:])]
    if i % 5 == 2:
        return ["X-Keywords: " + " ".join(kws) + " bad(kw"]
    return ["X-Keywords: " + " ".join(kws)]


def gen_message(i, rnd):
    """(mbox text without the From_ line, expected stored bytes, IMAP flag set)."""
    bits = rnd.choice([0, 0, 1, 1, 1, 3, 5, 17, 9, 1 | 4, 2 | 4 | 8 | 16 | 1])
    kws = KEYWORD_SETS[i % len(KEYWORD_SETS)]
    body = ["Line %d of message %d, %s" % (j, i, "x" * rnd.randint(0, 70))
            for j in range(rnd.randint(1, 20))]
    if i % 7 == 0:
        body.insert(0, "From the desk of someone")  # mboxrd quotes it once
    if i % 11 == 0:
        body.append(">From already quoted")
    if i % 17 == 0:
        body.append(">>From twice")
    headers = ["From: sender%d@example.net" % (i % 50), "To: user@%s" % DOMAIN,
               "Subject: message %d" % i, "Message-ID: <%d.%d@gen.test>" % (i, rnd.randrange(1 << 30))]
    stored = ("\r\n".join(headers + [""] + body) + "\r\n").encode()
    flag_lines = status_lines(bits) + keyword_lines(i, kws)
    at = rnd.randint(0, len(headers))  # flag fields anywhere among the headers
    quoted = [(">" + l if l.lstrip(">").startswith("From ") else l) for l in body]
    eol = "\r\n" if i % 13 == 0 else "\n"  # some sources have CRLF lines
    text = eol.join(headers[:at] + flag_lines + headers[at:] + [""] + quoted) + eol
    flags = {SYSTEM[b] for b in SYSTEM if bits & b} | set(kws)
    return text, stored, flags


def write_mbox(path, n, seed=1):
    """An mboxrd file of n messages; [(stored bytes, flag set, internal date)]."""
    rnd = random.Random(seed)
    expect = []
    with open(path, "w", newline="") as f:
        for i in range(n):
            text, stored, flags = gen_message(i, rnd)
            when = rnd.randint(946684800, 1767225600)  # 2000 .. 2026
            date = time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(when))
            f.write("From sender@example.net %s\n%s\n" % (date, text))
            expect.append((stored, flags, when))
    os.chmod(path, 0o644)
    return expect


FETCH_RE = re.compile(rb'^(\d+) \(.*FLAGS \(([^)]*)\).*INTERNALDATE "([^"]+)".*'
                      rb'RFC822\.SIZE (\d+)')


def internaldate(text):
    """Unix time of an IMAP date-time "21-Nov-2026 07:14:34 +0100"."""
    stamp, zone = text.rsplit(" ", 1)
    t = calendar.timegm(time.strptime(stamp, "%d-%b-%Y %H:%M:%S"))
    offset = (int(zone[1:3]) * 60 + int(zone[3:5])) * 60
    return t - offset if zone[0] == "+" else t + offset


class CtlImapCase(unittest.TestCase):
    users = ("alice",)

    @classmethod
    def setUpClass(cls):
        cls.node = ImapNode(imap={"allow_plaintext_auth": "loopback"})
        try:
            for u in cls.users:
                cls.node.add_user("%s@%s" % (u, DOMAIN), PASSWORD)
            cls.node.start()
        except Exception:
            cls.node.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def ctl_argv(self, *args):
        return [binary("cairnctl"), "--db", self.node.conninfo, "--blobs", self.node.blobs] + \
            list(args)

    def ctl(self, *args):
        """(exit code, stdout, stderr) of cairnctl run as the daemons' user."""
        uid, gid = unpriv_ids()
        r = subprocess.run(self.ctl_argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           preexec_fn=preexec(uid, gid), timeout=600)
        err = r.stderr.decode(errors="replace")
        for bad in ("Sanitizer", "runtime error:"):
            self.assertNotIn(bad, err)
        return r.returncode, r.stdout.decode(), err

    def ok(self, *args):
        rc, out, err = self.ctl(*args)
        self.assertEqual(rc, 0, "cairnctl %s: %s" % (" ".join(args), err))
        return out

    def fails(self, code, needle, *args):
        rc, out, err = self.ctl(*args)
        self.assertEqual(rc, code, "cairnctl %s: exit %d: %s" % (" ".join(args), rc, err))
        self.assertIn(needle, err)
        self.assertEqual(len(err.strip().splitlines()), 1, "one line: %r" % err)
        return err

    def login(self, user):
        c = self.node.client(timeout=60)
        c.login("%s@%s" % (user, DOMAIN), PASSWORD)
        self.addCleanup(c.logout)
        return c

    def mbox(self, name, n, seed=1):
        path = os.path.join(self.node.dir, name)
        return path, write_mbox(path, n, seed)


class ImportSeenOverImapTest(CtlImapCase):
    """The issue's acceptance: import of a generated 10,000-message mbox, then IMAP
    sees every message with its flags."""

    N = 10000

    def test_import_10000_then_imap_sees_every_message(self):
        path, expect = self.mbox("big.mbox", self.N)
        t0 = time.time()
        out = json.loads(self.ok("--json", "import", "alice@" + DOMAIN, "Archive/Import", path))
        elapsed = time.time() - t0
        self.assertEqual(out["imported"], self.N)
        bad_tokens = sum(1 for i in range(self.N) if KEYWORD_SETS[i % len(KEYWORD_SETS)]
                         and i % 5 == 2)
        self.assertEqual(out["dropped_keywords"], bad_tokens, "only 'bad(kw' was left out")
        print("\n    cairnctl --json import alice@%s Archive/Import big.mbox: %d messages "
              "(%.1f MiB) in %.1f s = %.0f messages/s"
              % (DOMAIN, self.N, os.path.getsize(path) / 1048576.0, elapsed, self.N / elapsed))

        c = self.login("alice")
        typ, data = c.select('"Archive/Import"', readonly=True)
        self.assertEqual((typ, data), ("OK", [str(self.N).encode()]), "EXISTS 10000")
        typ, data = c.fetch("1:*", "(FLAGS INTERNALDATE RFC822.SIZE)")
        self.assertEqual(typ, "OK")
        got = {}
        for line in data:
            m = FETCH_RE.match(line)
            self.assertIsNotNone(m, line)
            got[int(m.group(1))] = (set(m.group(2).decode().split()),
                                    internaldate(m.group(3).decode()), int(m.group(4)))
        self.assertEqual(sorted(got), list(range(1, self.N + 1)))
        # Nobody has selected the folder: EXAMINE shows every import as \Recent.
        for seq, (stored, flags, when) in enumerate(expect, 1):
            self.assertEqual(got[seq], (flags | {"\\Recent"}, when, len(stored)),
                             "message %d" % seq)
        for seq in (1, 8, 12, 14, 18, 5000, self.N):
            typ, data = c.fetch(str(seq), "(BODY.PEEK[])")
            self.assertEqual(typ, "OK")
            self.assertEqual(data[0][1], expect[seq - 1][0], "BODY[] of message %d" % seq)
        typ, data = c.status('"Archive/Import"', "(MESSAGES UNSEEN)")
        unseen = sum(1 for e in expect if "\\Seen" not in e[1])
        self.assertIn(b"MESSAGES %d UNSEEN %d" % (self.N, unseen), data[0])


class LiveChangesTest(CtlImapCase):
    """A connected client sees what cairnctl does like any other change."""

    users = ("alice", "bob", "carol", "dave")

    def test_import_into_selected_inbox_shows_exists_with_flags(self):
        c = self.login("dave")
        self.assertEqual(c.select("INBOX"), ("OK", [b"0"]))
        path, expect = self.mbox("live.mbox", 300, seed=3)
        proc = subprocess.Popen(self.ctl_argv("import", "dave@" + DOMAIN, "INBOX", path),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                preexec_fn=preexec(*unpriv_ids()))
        exists, fetches = [], []
        while True:
            done = proc.poll() is not None
            self.assertEqual(c.noop()[0], "OK")
            exists += [int(x) for x in c.response("EXISTS")[1] if x]
            fetches += [x for x in c.response("FETCH")[1] if x]
            if done:
                break
        self.assertEqual(proc.wait(), 0, proc.stderr.read().decode())
        proc.stderr.close()
        self.assertEqual(exists[-1], 300, "* 300 EXISTS on NOOP")
        self.assertGreater(len(set(exists)), 2, "NOOPs ran while the import did")
        # Flags, keywords and date are part of the delivery transaction: no message
        # ever appeared without them, so no flag change was ever announced.
        self.assertEqual(fetches, [])
        typ, data = c.fetch("1:*", "(FLAGS INTERNALDATE)")
        self.assertEqual(len(data), 300)
        for line, (stored, flags, when) in zip(data, expect):
            m = re.match(rb'\d+ \(FLAGS \(([^)]*)\) INTERNALDATE "([^"]+)"\)', line)
            self.assertIsNotNone(m, line)
            # Picked up (and claimed as \Recent) by this selected session's NOOPs.
            self.assertEqual(set(m.group(1).decode().split()), flags | {"\\Recent"})
            self.assertEqual(internaldate(m.group(2).decode()), when)
        typ, data = c.fetch("300", "(BODY.PEEK[])")
        self.assertEqual(data[0][1], expect[299][0])

    def list_names(self, c, pattern="*"):
        typ, data = c.list('""', '"%s"' % pattern)
        self.assertEqual(typ, "OK")
        out = set()
        for line in data:
            if line is None:
                continue
            rest = line.decode().split(') "/" ', 1)[1]
            out.add(rest[1:-1] if rest.startswith('"') else rest)
        return out

    def test_mailbox_create_rename_delete_in_list(self):
        c = self.login("alice")
        self.assertNotIn("Projects/Live", self.list_names(c))
        self.ok("mailbox", "create", "alice@" + DOMAIN, "Projects")
        self.ok("mailbox", "create", "alice@" + DOMAIN, "Projects/Live")
        self.assertTrue({"Projects", "Projects/Live"} <= self.list_names(c))
        self.ok("mailbox", "rename", "alice@" + DOMAIN, "Projects", "Work")
        names = self.list_names(c)
        self.assertTrue({"Work", "Work/Live"} <= names, names)
        self.assertFalse({"Projects", "Projects/Live"} & names, names)
        self.assertEqual(c.select('"Work/Live"')[0], "OK")
        self.ok("mailbox", "delete", "alice@" + DOMAIN, "Work/Live")
        self.assertNotIn("Work/Live", self.list_names(c))
        typ, data = c.select('"Work/Live"')
        self.assertEqual(typ, "NO")
        self.assertIn(b"NONEXISTENT", data[0])

    def test_acl_set_and_delete_in_other_users_list(self):
        self.ok("mailbox", "create", "carol@" + DOMAIN, "Team")
        path, expect = self.mbox("team.mbox", 4, seed=5)
        self.ok("import", "carol@" + DOMAIN, "Team", path)
        c = self.login("bob")
        self.assertNotIn("Other Users/carol/Team", self.list_names(c, "Other Users/*"))
        self.ok("acl", "set", "carol@" + DOMAIN, "Team", "bob@" + DOMAIN, "lr")
        self.assertIn("Other Users/carol/Team", self.list_names(c, "Other Users/*"))
        typ, data = c.select('"Other Users/carol/Team"', readonly=True)
        self.assertEqual((typ, data), ("OK", [b"4"]))
        typ, data = c.fetch("2", "(BODY.PEEK[])")
        self.assertEqual(data[0][1], expect[1][0])
        c.close()
        self.ok("acl", "delete", "carol@" + DOMAIN, "Team", "bob@" + DOMAIN)
        self.assertNotIn("Other Users/carol/Team", self.list_names(c, "Other Users/*"))
        typ, data = c.select('"Other Users/carol/Team"', readonly=True)
        self.assertEqual(typ, "NO")
        self.assertIn(b"NONEXISTENT", data[0])

    def append(self, c, size):
        msg = b"Subject: quota\r\n\r\n" + b"q" * (size - 20) + b"\r\n"
        self.assertEqual(len(msg), size)
        return c.append("INBOX", None, None, msg)

    def test_quota_set_is_what_append_enforces(self):
        c = self.login("bob")
        self.assertEqual(self.append(c, 300)[0], "OK")
        self.ok("quota", "set", "--messages", "2", "bob@" + DOMAIN)
        self.assertEqual(self.append(c, 300)[0], "OK")
        typ, data = self.append(c, 300)
        self.assertEqual(typ, "NO")
        self.assertIn(b"[OVERQUOTA]", data[0])
        self.ok("quota", "set", "--messages", "none", "--storage", "1K", "bob@" + DOMAIN)
        typ, data = self.append(c, 600)  # 600 used + 600 > 1024
        self.assertEqual(typ, "NO")
        self.assertIn(b"[OVERQUOTA]", data[0])
        self.assertEqual(self.append(c, 200)[0], "OK")
        self.ok("quota", "set", "--storage", "none", "bob@" + DOMAIN)
        self.assertEqual(self.append(c, 600)[0], "OK")
        # the domain's root: everything of the domain counts, whoever stored it
        used = json.loads(self.ok("--json", "quota", "get", "@" + DOMAIN))["storage_used"]
        self.ok("quota", "set", "--storage", str(used + 1000), "@" + DOMAIN)
        self.assertEqual(self.append(c, 600)[0], "OK")
        typ, data = self.append(c, 600)
        self.assertEqual(typ, "NO")
        self.assertIn(b"[OVERQUOTA]", data[0])
        self.ok("quota", "set", "--storage", "none", "@" + DOMAIN)
        c.select("INBOX", readonly=True)
        typ, data = c.search(None, "SUBJECT", "quota")
        self.assertEqual(len(data[0].split()), 5, "five APPENDs were accepted")


class SmallImportTest(CtlImapCase):
    def fetch_all(self, c, box):
        """[(flags, internal date, bytes)] of every message of box, by sequence."""
        typ, data = c.select('"%s"' % box, readonly=True)
        self.assertEqual(typ, "OK")
        typ, data = c.fetch("1:*", "(FLAGS INTERNALDATE BODY.PEEK[])")
        out = []
        for item in data:
            if not isinstance(item, tuple):
                continue
            m = re.search(rb'FLAGS \(([^)]*)\) INTERNALDATE "([^"]+)"', item[0])
            self.assertIsNotNone(m, item[0])
            # \Recent is a session's, not the message's: export does not carry it.
            flags = set(m.group(1).decode().split()) - {"\\Recent"}
            out.append((flags, internaldate(m.group(2).decode()), item[1]))
        return out

    def test_keywords_round_trip_through_mbox_export(self):
        path, expect = self.mbox("kw.mbox", 40, seed=9)
        alice = "alice@" + DOMAIN
        self.ok("import", alice, "Kw", path)
        c = self.login("alice")
        first = self.fetch_all(c, "Kw")
        self.assertEqual(first, [(f, w, b) for b, f, w in expect])
        dest = os.path.join(self.node.dir, "export")
        os.makedirs(dest, mode=0o777, exist_ok=True)
        os.chmod(dest, 0o777)
        self.ok("export", "--format", "mbox", "--mailbox", "Kw", alice, dest)
        with open(os.path.join(dest, "Kw.mbox"), "rb") as f:
            exported = f.read()
        written = [frozenset(l[12:].decode().split()) for l in exported.split(b"\n")
                   if l.startswith(b"X-Keywords: ")]
        self.assertEqual(len(written), sum(1 for _, f, _ in expect if f - set(SYSTEM.values())))
        self.assertEqual(set(written), {frozenset(k) for k in KEYWORD_SETS if k})
        self.ok("import", alice, "Kw-again", os.path.join(dest, "Kw.mbox"))
        self.assertEqual(self.fetch_all(c, "Kw-again"), first,
                         "export -> import: same bytes, flags, keywords, dates")

    def test_refused_targets(self):
        """Imports that cannot land where asked: clear one-line messages, non-zero
        exits, nothing delivered.  (Unknown localpart, bad names, not-an-mbox:
        test_cairnctl_store.)"""
        path, _ = self.mbox("small.mbox", 3)
        alice = "alice@" + DOMAIN
        self.fails(1, "no such user", "import", "alice@nowhere.test", "INBOX", path)
        self.fails(1, "no such domain", "import", "@nowhere.test", "News", path)
        self.fails(1, "groups own no mailboxes", "import", "$staff@" + DOMAIN, "X", path)
        # the namespaces of other users' and public folders are not personal names
        err = self.fails(1, "IMAP namespace of other users' folders", "import", alice,
                         "Other Users/bob/INBOX", path)
        self.assertIn("name that owner instead", err)
        self.fails(1, "IMAP namespace of the public folders", "import", alice,
                   "Shared Folders/News", path)
        self.fails(1, "IMAP namespace", "mailbox", "create", alice, "Other Users")
        self.fails(1, "IMAP namespace", "mailbox", "rename", alice, "Drafts",
                   "Shared Folders/Drafts")
        self.assertEqual(self.node.sql("SELECT count(*) FROM mailbox_messages m JOIN mailboxes b "
                                       "ON b.id = m.mailbox_id WHERE b.name NOT LIKE 'Kw%'"
                                       ).strip(), "0", "nothing was delivered")
        c = self.login("alice")
        typ, data = c.list('""', "*")
        self.assertFalse(any(b"Other Users" in l or b"Shared Folders" in l for l in data if l))


if __name__ == "__main__":
    unittest.main()
