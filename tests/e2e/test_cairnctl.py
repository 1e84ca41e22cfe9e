"""cairnctl domain/user/group/mailbox/acl/quota against a real PostgreSQL.

Every test gets a fresh migrated database and runs the real cairnctl binary; bad
input must give a clear message and the documented exit code (0 ok, 1 failed,
2 usage, 3 database unavailable).  Messages that mailbox operations must carry
along are inserted with SQL, as the delivery code would leave them.
"""
import hashlib
import hmac
import json
import os
import pty
import select
import subprocess
import tempfile
import unittest

from cairntest import binary
from cairntest.pg import shared_server


class CtlCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = shared_server()

    def setUp(self):
        self.ci = self.pg.new_database()
        self.dbname = self.ci.split("dbname=")[1]

    def ctl(self, *args, stdin=None, config=None, db=True):
        argv = [binary("cairnctl")]
        if config:
            argv += ["-c", config]
        elif db:
            argv += ["--db", self.ci]
        r = subprocess.run(argv + list(args), input=(stdin or "").encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        err = r.stderr.decode(errors="replace")
        for bad in ("Sanitizer", "runtime error:", "Segmentation"):
            self.assertNotIn(bad, err)
        return r.returncode, r.stdout.decode(), err

    def ok(self, *args, **kw):
        rc, out, err = self.ctl(*args, **kw)
        self.assertEqual(rc, 0, "cairnctl %s: %s" % (" ".join(args), err))
        return out

    def fails(self, code, needle, *args, **kw):
        rc, out, err = self.ctl(*args, **kw)
        self.assertEqual(rc, code, "cairnctl %s: exit %d, stderr %r" % (" ".join(args), rc, err))
        self.assertIn(needle, err)
        self.assertNotIn("Segmentation", err)
        return err

    def sql(self, q):
        return self.pg.psql(q, self.dbname).strip()

    def user(self, login, password="secret"):
        self.ok("user", "add", "--password-stdin", login, stdin=password + "\n")

    def mailbox_id(self, login, name):
        local, dom = login.split("@")
        return int(self.sql("SELECT m.id FROM mailboxes m JOIN accounts a ON a.id = m.owner_id "
                            "JOIN domains d ON d.id = a.domain_id WHERE a.localpart = '%s' AND "
                            "d.name = '%s' AND m.name = '%s' AND m.deleted_at IS NULL"
                            % (local, dom, name)))

    def add_message(self, mailbox_id, size=1000, flags=0, shared_sha=None):
        """Insert a message as delivery would: blob row + refcount, message index row,
        mailbox_messages row with the next UID, mailbox counters."""
        sha = shared_sha or os.urandom(32).hex()
        self.sql(
            "INSERT INTO blobs (sha256, size, refcount) VALUES ('\\x{s}', {n}, 1) "
            "ON CONFLICT (sha256) DO UPDATE SET refcount = blobs.refcount + 1;"
            "INSERT INTO messages (sha256, size) VALUES ('\\x{s}', {n}) ON CONFLICT DO NOTHING;"
            "WITH u AS (UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = "
            "highestmodseq + 1, messages = messages + 1, size = size + {n} WHERE id = {m} "
            "RETURNING uidnext - 1 AS uid, highestmodseq) "
            "INSERT INTO mailbox_messages (mailbox_id, uid, message_id, modseq, flags) "
            "SELECT {m}, u.uid, (SELECT id FROM messages WHERE sha256 = '\\x{s}'), "
            "u.highestmodseq, {f} FROM u".format(s=sha, n=size, m=mailbox_id, f=flags))
        return sha


class HelpAndUsageTest(CtlCase):
    def test_help_on_every_level(self):
        out = self.ok("--help", db=False)
        for cmd in ("domain", "user", "group", "mailbox", "acl", "quota"):
            self.assertIn(cmd, out)
            sub = self.ok(cmd, "--help", db=False)
            self.assertIn("cairnctl " + cmd, sub)
        self.assertIn("--password-stdin", self.ok("user", "add", "--help", db=False))
        self.assertIn("OWNER OLD NEW", self.ok("mailbox", "rename", "-h", db=False))

    def test_usage_errors_exit_2(self):
        self.fails(2, "missing subcommand", "user", db=False)
        self.fails(2, "unknown subcommand 'frob'", "domain", "frob", db=False)
        self.fails(2, "missing argument", "domain", "add")
        self.fails(2, "too many arguments", "domain", "add", "a.test", "b.test")
        # a password on the command line is not an option that exists
        self.fails(2, "unknown option '--password'", "user", "add", "--password", "x",
                   "a@b.test")
        self.fails(2, "bad size", "quota", "set", "--storage", "lots", "a@b.test")

    def test_unreachable_database_exits_3(self):
        rc, _, err = self.ctl("--db", "host=/nonexistent dbname=x", "user", "list", db=False)
        self.assertEqual(rc, 3)
        self.assertIn("cannot connect", err)


class DomainTest(CtlCase):
    def test_add_list_duplicate_delete(self):
        self.ok("domain", "add", "Example.ORG")
        self.fails(1, "already exists", "domain", "add", "example.org")
        self.fails(1, "already exists", "domain", "add", "EXAMPLE.org")
        self.fails(1, "invalid domain name", "domain", "add", "bad domain")
        self.fails(1, "invalid domain name", "domain", "add", "-x.test")
        self.fails(1, "invalid domain name", "domain", "add", "a..b")
        self.ok("domain", "add", "other.test")
        data = json.loads(self.ok("--json", "domain", "list"))
        self.assertEqual([d["name"] for d in data], ["example.org", "other.test"])
        self.user("u@example.org")
        self.assertEqual(json.loads(self.ok("--json", "domain", "list"))[0]["users"], 1)
        self.fails(1, "still has 1 accounts", "domain", "del", "example.org")
        self.ok("domain", "del", "--force", "example.org")
        self.assertEqual(self.sql("SELECT count(*) FROM accounts"), "0")
        self.assertEqual(self.sql("SELECT count(*) FROM mailboxes"), "0")
        self.fails(1, "no such domain", "domain", "del", "example.org")
        self.ok("domain", "del", "other.test")
        self.assertEqual(json.loads(self.ok("--json", "domain", "list")), [])


def scram_keys(password, salt, iterations):
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return hashlib.sha256(client).digest(), server


class UserTest(CtlCase):
    def setUp(self):
        super().setUp()
        self.ok("domain", "add", "example.org")

    def scram_row(self, local):
        row = self.sql("SELECT encode(scram_salt, 'hex'), scram_iter, encode(scram_stored, 'hex'),"
                       " encode(scram_server, 'hex') FROM accounts WHERE localpart = '%s'" % local)
        salt, it, stored, server = row.split("|")
        return bytes.fromhex(salt), int(it), bytes.fromhex(stored), bytes.fromhex(server)

    def test_add_creates_folders_and_scram_record(self):
        self.user("Alice@Example.org", "correct horse")
        boxes = json.loads(self.ok("--json", "mailbox", "list", "alice@example.org"))
        uses = {b["name"]: b["special_use"] for b in boxes}
        self.assertEqual(uses, {"INBOX": None, "Drafts": "\\Drafts", "Sent": "\\Sent",
                                "Trash": "\\Trash", "Junk": "\\Junk", "Archive": "\\Archive"})
        self.assertEqual(boxes[0]["name"], "INBOX")
        salt, it, stored, server = self.scram_row("alice")
        self.assertGreaterEqual(it, 4096)
        self.assertGreaterEqual(len(salt), 16)
        self.assertEqual((stored, server), scram_keys("correct horse", salt, it))
        self.assertNotEqual(stored, scram_keys("wrong", salt, it)[0])
        info = json.loads(self.ok("--json", "user", "show", "ALICE@example.org"))
        self.assertEqual(info["login"], "alice@example.org")
        self.assertTrue(info["password"])
        self.assertEqual(info["mailboxes"], 6)

    def test_passwd_replaces_record(self):
        self.user("bob@example.org", "one")
        old = self.scram_row("bob")
        self.ok("user", "passwd", "--password-stdin", "bob@example.org", stdin="two\n")
        salt, it, stored, server = self.scram_row("bob")
        self.assertNotEqual(salt, old[0], "a new salt per password")
        self.assertEqual((stored, server), scram_keys("two", salt, it))
        self.fails(1, "no such user", "user", "passwd", "--password-stdin",
                   "nobody@example.org", stdin="x\n")

    def test_bad_input(self):
        self.fails(1, "no such domain", "user", "add", "--password-stdin", "a@nowhere.test",
                   stdin="pw\n")
        self.user("a@example.org")
        self.fails(1, "already exists", "user", "add", "--password-stdin", "A@example.org",
                   stdin="pw\n")
        self.fails(1, "invalid login", "user", "add", "--password-stdin", "noatsign",
                   stdin="pw\n")
        self.fails(1, "invalid localpart", "user", "add", "--password-stdin",
                   "a b@example.org", stdin="pw\n")
        self.fails(2, "empty password", "user", "add", "--password-stdin", "c@example.org",
                   stdin="\n")
        self.fails(2, "no password on stdin", "user", "add", "--password-stdin",
                   "c@example.org", stdin="")
        # no terminal and no --password-stdin: refuse instead of hanging
        rc, _, err = self.ctl("user", "add", "d@example.org")
        self.assertEqual(rc, 2, err)
        self.assertEqual(self.sql("SELECT count(*) FROM accounts WHERE localpart IN "
                                  "('c', 'd')"), "0")
        self.fails(1, "no such user", "user", "show", "zed@example.org")
        self.fails(1, "no such user", "user", "del", "zed@example.org")

    def test_list_and_delete(self):
        self.user("a@example.org")
        self.ok("user", "add", "--no-password", "--no-folders", "b@example.org")
        users = json.loads(self.ok("--json", "user", "list", "example.org"))
        self.assertEqual([(u["login"], u["password"], u["mailboxes"]) for u in users],
                         [("a@example.org", True, 6), ("b@example.org", False, 0)])
        self.fails(1, "no such domain", "user", "list", "nowhere.test")
        inbox = self.mailbox_id("a@example.org", "INBOX")
        sha = self.add_message(inbox, 500)
        self.ok("user", "del", "a@example.org")
        self.assertEqual(self.sql("SELECT count(*) FROM mailboxes"), "0")
        self.assertEqual(self.sql("SELECT refcount FROM blobs WHERE sha256 = '\\x%s'" % sha),
                         "0", "deleting a user releases its blob references")
        self.assertEqual(len(json.loads(self.ok("--json", "user", "list"))), 1)

    def test_default_folders_from_config(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write("[database]\nconninfo = %s\n[accounts]\n"
                    "default_folders = Sent Items=\\Sent, Notes\nscram_iterations = 5000\n"
                    % self.ci)
        try:
            self.ok("user", "add", "--password-stdin", "c@example.org", stdin="pw\n",
                    config=f.name)
            boxes = json.loads(self.ok("--json", "mailbox", "list", "c@example.org"))
            self.assertEqual({b["name"]: b["special_use"] for b in boxes},
                             {"INBOX": None, "Sent Items": "\\Sent", "Notes": None})
            self.assertEqual(self.scram_row("c")[1], 5000)
            with open(f.name, "a") as g:
                g.write("scram_iterations = 12\n")
            self.fails(2, "scram_iterations", "user", "add", "--password-stdin",
                       "d@example.org", stdin="pw\n", config=f.name)
        finally:
            os.unlink(f.name)


def run_on_tty(argv, answers, timeout=30):
    """Run argv with a pseudo-terminal as its controlling tty; answer each prompt
    (text ending in ': ') with the next line of answers.  -> (exit code, output)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    out, answers, sent = b"", list(answers), 0
    while True:
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            os.kill(pid, 9)
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        # answer each prompt once, only after it has been shown in full
        if answers and out.count(b"password: ") > sent and out.endswith(b"password: "):
            os.write(fd, answers.pop(0).encode() + b"\n")
            sent += 1
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


class PromptTest(CtlCase):
    def setUp(self):
        super().setUp()
        self.ok("domain", "add", "example.org")

    def test_password_prompt_twice_without_echo(self):
        argv = [binary("cairnctl"), "--db", self.ci, "user", "add", "p@example.org"]
        rc, out = run_on_tty(argv, ["Tr0ub4dor", "Tr0ub4dor"])
        self.assertEqual(rc, 0, out)
        self.assertIn("New password:", out)
        self.assertIn("Retype new password:", out)
        self.assertNotIn("Tr0ub4dor", out, "the password is not echoed")
        salt, it, stored = self.sql("SELECT encode(scram_salt, 'hex'), scram_iter, "
                                    "encode(scram_stored, 'hex') FROM accounts WHERE "
                                    "localpart = 'p'").split("|")
        self.assertEqual(bytes.fromhex(stored),
                         scram_keys("Tr0ub4dor", bytes.fromhex(salt), int(it))[0])

    def test_password_mismatch_refused(self):
        argv = [binary("cairnctl"), "--db", self.ci, "user", "add", "q@example.org"]
        rc, out = run_on_tty(argv, ["one", "two"])
        self.assertEqual(rc, 2, out)
        self.assertIn("do not match", out)
        self.assertEqual(self.sql("SELECT count(*) FROM accounts WHERE localpart = 'q'"), "0")


class GroupTest(CtlCase):
    def test_groups(self):
        self.ok("domain", "add", "example.org")
        self.user("a@example.org")
        self.user("b@example.org")
        self.ok("group", "add", "Staff@example.org")
        self.fails(1, "already exists", "group", "add", "staff@example.org")
        self.fails(1, "already exists", "group", "add", "a@example.org")  # names are shared
        self.ok("group", "join", "staff@example.org", "a@example.org")
        self.ok("group", "join", "$staff@example.org", "b@example.org")
        self.fails(1, "already a member", "group", "join", "staff@example.org", "b@example.org")
        self.fails(1, "no such user", "group", "join", "staff@example.org", "zz@example.org")
        self.fails(1, "no such group", "group", "join", "nogroup@example.org", "a@example.org")
        self.assertEqual(json.loads(self.ok("--json", "group", "show", "staff@example.org")),
                         ["a@example.org", "b@example.org"])
        self.ok("group", "leave", "staff@example.org", "a@example.org")
        self.fails(1, "is not a member", "group", "leave", "staff@example.org", "a@example.org")
        self.assertEqual(json.loads(self.ok("--json", "group", "list", "example.org")),
                         ["$staff@example.org"])
        self.assertEqual(len(json.loads(self.ok("--json", "user", "list"))), 2,
                         "groups are not users")
        self.fails(2, "is a group", "user", "del", "$staff@example.org")
        self.ok("group", "del", "staff@example.org")
        self.assertEqual(json.loads(self.ok("--json", "group", "list")), [])
        self.assertEqual(self.sql("SELECT count(*) FROM group_members"), "0")


class MailboxTest(CtlCase):
    def setUp(self):
        super().setUp()
        self.ok("domain", "add", "example.org")
        self.user("a@example.org")

    def names(self, owner="a@example.org"):
        return [b["name"] for b in json.loads(self.ok("--json", "mailbox", "list", owner))]

    def test_create_delete_recreate_changes_uidvalidity(self):
        self.ok("mailbox", "create", "a@example.org", "Projekte/Übersicht")
        self.assertIn("Projekte/Übersicht", self.names())
        self.fails(1, "already exists", "mailbox", "create", "a@example.org",
                   "Projekte/Übersicht")
        self.fails(1, "already exists", "mailbox", "create", "a@example.org", "inbox")
        mid = self.mailbox_id("a@example.org", "Projekte/Übersicht")
        before = int(self.sql("SELECT uidvalidity FROM mailboxes WHERE id = %d" % mid))
        sha = self.add_message(mid, 700)
        self.ok("mailbox", "delete", "a@example.org", "Projekte/Übersicht")
        self.assertNotIn("Projekte/Übersicht", self.names())
        self.assertEqual(self.sql("SELECT deleted_at IS NOT NULL FROM mailboxes WHERE id = %d"
                                  % mid), "t", "the row stays, marked deleted")
        self.assertEqual(self.sql("SELECT refcount FROM blobs WHERE sha256 = '\\x%s'" % sha), "0")
        self.ok("mailbox", "create", "a@example.org", "Projekte/Übersicht")
        after = int(self.sql("SELECT uidvalidity FROM mailboxes WHERE id = %d" % self.mailbox_id(
            "a@example.org", "Projekte/Übersicht")))
        self.assertGreater(after, before)
        self.fails(1, "no such mailbox", "mailbox", "delete", "a@example.org", "Nope")
        self.fails(1, "INBOX cannot be deleted", "mailbox", "delete", "a@example.org", "Inbox")

    def test_invalid_names(self):
        for bad, why in (("a//b", "empty level"), ("/a", "empty level"), ("a/", "empty level"),
                         ("a*", "wildcard"), ("50%", "wildcard"), ("x\x01y", "control")):
            self.fails(1, why, "mailbox", "create", "a@example.org", bad)
        for raw in (b"caf\xe9", b"\xc0\xaf", b"\xed\xa0\x80"):  # Latin-1, overlong, surrogate
            r = subprocess.run([binary("cairnctl"), "--db", self.ci, "mailbox", "create",
                                "a@example.org", raw], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            self.assertEqual(r.returncode, 1)
            self.assertIn(b"not valid UTF-8", r.stderr)
        self.fails(1, "longer than", "mailbox", "create", "a@example.org", "x" * 1001)
        self.fails(1, "too deep", "mailbox", "create", "a@example.org", "/".join("a" * 33))
        self.fails(1, "unknown special-use", "mailbox", "create", "--special-use", "\\Bogus",
                   "a@example.org", "X")
        self.fails(1, "no such user", "mailbox", "list", "nobody@example.org")
        self.fails(1, "no such domain", "mailbox", "list", "@nowhere.test")

    def test_rename_moves_inferiors(self):
        for n in ("Work", "Work/2024", "Work/2024/Q1", "Workshop"):
            self.ok("mailbox", "create", "a@example.org", n)
        ids = {n: self.mailbox_id("a@example.org", n) for n in ("Work", "Work/2024/Q1")}
        self.ok("mailbox", "rename", "a@example.org", "Work", "Job")
        names = self.names()
        self.assertIn("Job/2024/Q1", names)
        self.assertIn("Workshop", names, "a sibling with the same prefix stays")
        self.assertNotIn("Work", names)
        self.assertEqual(self.mailbox_id("a@example.org", "Job/2024/Q1"), ids["Work/2024/Q1"],
                         "rename keeps the mailbox (and its UIDVALIDITY)")
        self.fails(1, "into itself", "mailbox", "rename", "a@example.org", "Job", "Job/x")
        self.fails(1, "already exists", "mailbox", "rename", "a@example.org", "Job", "Workshop")
        self.ok("mailbox", "create", "a@example.org", "Old/2024")
        self.fails(1, "Old/2024 already exists", "mailbox", "rename", "a@example.org", "Job",
                   "Old")
        self.assertIn("Job/2024", self.names(), "a refused rename changes nothing")
        self.fails(1, "no such mailbox", "mailbox", "rename", "a@example.org", "Nope", "X")

    def test_rename_inbox_moves_messages(self):
        self.ok("mailbox", "create", "a@example.org", "INBOX/child")
        inbox = self.mailbox_id("a@example.org", "INBOX")
        for i in range(3):
            self.add_message(inbox, 100 + i, flags=1 if i == 0 else 0)
        old = json.loads(self.ok("--json", "mailbox", "list", "a@example.org"))[0]
        self.ok("mailbox", "rename", "a@example.org", "inbox", "Old Mail")
        boxes = {b["name"]: b for b in json.loads(self.ok("--json", "mailbox", "list",
                                                          "a@example.org"))}
        self.assertEqual(boxes["INBOX"]["messages"], 0)
        self.assertEqual(boxes["INBOX"]["uidvalidity"], old["uidvalidity"])
        self.assertEqual(boxes["INBOX"]["uidnext"], 4, "INBOX never reuses the moved UIDs")
        self.assertGreater(boxes["INBOX"]["highestmodseq"], old["highestmodseq"])
        self.assertIn("INBOX/child", boxes, "INBOX's inferiors stay")
        moved = boxes["Old Mail"]
        self.assertEqual((moved["messages"], moved["size"]), (3, 303))
        self.assertNotEqual(moved["uidvalidity"], old["uidvalidity"])
        new_id = self.mailbox_id("a@example.org", "Old Mail")
        self.assertEqual(self.sql("SELECT string_agg(uid || ':' || flags, ',' ORDER BY uid) "
                                  "FROM mailbox_messages WHERE mailbox_id = %d" % new_id),
                         "1:1,2:0,3:0")
        self.assertEqual(self.sql("SELECT count(*) FROM expunged WHERE mailbox_id = %d AND "
                                  "modseq = %d" % (inbox, boxes["INBOX"]["highestmodseq"])), "3",
                         "connected sessions see the moved messages as expunged")
        self.fails(1, "already exists", "mailbox", "rename", "a@example.org", "INBOX",
                   "Old Mail")

    def test_public_folders(self):
        self.ok("mailbox", "create", "@example.org", "Announcements")
        self.assertEqual(self.names("@example.org"), ["Announcements"])
        self.assertNotIn("Announcements", self.names())
        # the public owner is no user
        self.assertEqual(len(json.loads(self.ok("--json", "user", "list"))), 1)


class AclTest(CtlCase):
    def setUp(self):
        super().setUp()
        self.ok("domain", "add", "example.org")
        self.ok("domain", "add", "other.test")
        for u in ("owner@example.org", "bob@example.org", "carol@example.org", "eve@other.test"):
            self.user(u)
        self.ok("mailbox", "create", "owner@example.org", "Shared")

    def acl(self):
        return json.loads(self.ok("--json", "acl", "get", "owner@example.org", "Shared"))

    def rights(self, who):
        return self.ok("acl", "rights", "owner@example.org", "Shared", who).strip()

    def test_set_get_delete_and_rights(self):
        self.assertEqual(self.acl(), [])
        self.assertEqual(self.rights("owner@example.org"), "lrswipkxtea")
        self.assertEqual(self.rights("bob@example.org"), "")
        self.ok("acl", "set", "owner@example.org", "Shared", "Bob@Example.org", "lr")
        self.ok("acl", "set", "owner@example.org", "Shared", "bob@example.org", "+wi")
        self.ok("acl", "set", "owner@example.org", "Shared", "bob@example.org", "-w")
        self.assertEqual(self.rights("bob@example.org"), "lri")
        self.ok("acl", "set", "owner@example.org", "Shared", "anyone", "l")
        self.assertEqual(self.rights("carol@example.org"), "l")
        self.assertEqual(self.rights("eve@other.test"), "", "other domains see nothing")
        self.ok("acl", "set", "owner@example.org", "Shared", "-bob@example.org", "r")
        self.assertEqual(self.rights("bob@example.org"), "li", "negative rights subtract")
        self.assertEqual(self.acl(), [
            {"identifier": "anyone", "negative": False, "rights": "l"},
            {"identifier": "bob@example.org", "negative": False, "rights": "lri"},
            {"identifier": "bob@example.org", "negative": True, "rights": "r"}])
        out = self.ok("acl", "get", "owner@example.org", "Shared")
        self.assertIn("-bob@example.org r", out)
        self.ok("acl", "delete", "owner@example.org", "Shared", "-bob@example.org")
        self.assertEqual(self.rights("bob@example.org"), "lri")
        self.fails(1, "no ACL entry", "acl", "delete", "owner@example.org", "Shared",
                   "-bob@example.org")
        # removing every right removes the entry
        self.ok("acl", "set", "owner@example.org", "Shared", "anyone", "")
        self.assertEqual([e["identifier"] for e in self.acl()], ["bob@example.org"])

    def test_obsolete_rights_groups_and_owner(self):
        self.ok("acl", "set", "owner@example.org", "Shared", "bob@example.org", "lrcd")
        self.assertEqual(self.acl()[0]["rights"], "lrkxte")
        self.ok("group", "add", "staff@example.org")
        self.ok("group", "join", "staff@example.org", "carol@example.org")
        self.ok("acl", "set", "owner@example.org", "Shared", "$staff@example.org", "lrs")
        self.assertEqual(self.rights("carol@example.org"), "lrs")
        self.ok("group", "leave", "staff@example.org", "carol@example.org")
        self.assertEqual(self.rights("carol@example.org"), "")
        # the owner named explicitly is limited, but keeps l and a
        self.ok("acl", "set", "owner@example.org", "Shared", "owner@example.org", "r")
        self.assertEqual(self.rights("owner@example.org"), "lra")

    def test_bad_input(self):
        self.fails(1, "unknown right 'z'", "acl", "set", "owner@example.org", "Shared",
                   "bob@example.org", "lrz")
        self.fails(1, "unknown right 'L'", "acl", "set", "owner@example.org", "Shared",
                   "bob@example.org", "L")
        self.fails(1, "no such user", "acl", "set", "owner@example.org", "Shared",
                   "nobody@example.org", "lr")
        self.fails(1, "no such group", "acl", "set", "owner@example.org", "Shared",
                   "$nogroup@example.org", "lr")
        self.fails(1, "not in the mailbox owner's domain", "acl", "set", "owner@example.org",
                   "Shared", "eve@other.test", "lr")
        self.fails(1, "malformed identifier", "acl", "set", "owner@example.org", "Shared",
                   "just-a-name", "lr")
        self.fails(1, "no such mailbox", "acl", "get", "owner@example.org", "Nope")
        self.fails(1, "no such user", "acl", "get", "nobody@example.org", "INBOX")
        self.fails(2, "missing argument", "acl", "set", "owner@example.org", "Shared", "anyone")
        self.assertEqual(self.acl(), [])

    def test_deleting_user_and_mailbox_drops_entries(self):
        self.ok("acl", "set", "owner@example.org", "Shared", "bob@example.org", "lr")
        self.ok("acl", "set", "owner@example.org", "Shared", "-bob@example.org", "r")
        self.ok("user", "del", "bob@example.org")
        self.assertEqual(self.acl(), [])
        self.ok("acl", "set", "owner@example.org", "Shared", "anyone", "lr")
        self.ok("mailbox", "delete", "owner@example.org", "Shared")
        self.assertEqual(self.sql("SELECT count(*) FROM acl"), "0")


class QuotaTest(CtlCase):
    def setUp(self):
        super().setUp()
        self.ok("domain", "add", "example.org")
        self.user("a@example.org")
        self.user("b@example.org")

    def quota(self, who):
        return json.loads(self.ok("--json", "quota", "get", who))

    def test_user_and_domain_quota(self):
        inbox = self.mailbox_id("a@example.org", "INBOX")
        self.add_message(inbox, 1000)
        self.add_message(inbox, 24)
        self.add_message(self.mailbox_id("b@example.org", "INBOX"), 5)
        q = self.quota("a@example.org")
        self.assertEqual((q["storage_used"], q["messages_used"], q["storage_limit"]),
                         (1024, 2, None), "usage counted live without a root")
        out = self.ok("quota", "set", "--storage", "1M", "--messages", "100", "a@example.org")
        self.assertIn("1.0 KiB of 1.0 MiB", out)
        q = self.quota("a@example.org")
        self.assertEqual((q["storage_limit"], q["message_limit"], q["storage_used"]),
                         (1048576, 100, 1024))
        self.ok("quota", "set", "--messages", "none", "a@example.org")
        q = self.quota("a@example.org")
        self.assertEqual((q["storage_limit"], q["message_limit"]), (1048576, None),
                         "a limit not given stays")
        self.ok("quota", "set", "--storage", "2G", "@example.org")
        d = self.quota("@example.org")
        self.assertEqual((d["storage_limit"], d["storage_used"], d["messages_used"]),
                         (2 << 30, 1029, 3))
        # deleting a mailbox releases its usage from both roots
        self.ok("mailbox", "create", "a@example.org", "Big")
        self.add_message(self.mailbox_id("a@example.org", "Big"), 4096)
        self.sql("UPDATE quota_roots SET storage_used = storage_used + 4096, "
                 "messages_used = messages_used + 1")  # what delivery charges
        self.ok("mailbox", "delete", "a@example.org", "Big")
        self.assertEqual(self.quota("a@example.org")["storage_used"], 1024)
        self.assertEqual(self.quota("@example.org")["storage_used"], 1029)
        self.ok("quota", "set", "--storage", "none", "a@example.org")
        self.assertEqual(self.sql("SELECT quota_root_id IS NULL FROM accounts WHERE "
                                  "localpart = 'a'"), "t", "no limits: the root goes")

    def test_bad_input(self):
        self.fails(1, "no such user", "quota", "get", "nobody@example.org")
        self.fails(1, "no such domain", "quota", "set", "--storage", "1G", "@nowhere.test")
        self.fails(2, "give --storage", "quota", "set", "a@example.org")
        self.fails(2, "bad size '-5'", "quota", "set", "--storage", "-5", "a@example.org")
        self.fails(2, "bad size '99999999999T'", "quota", "set", "--storage", "99999999999T",
                   "a@example.org")


if __name__ == "__main__":
    unittest.main()
