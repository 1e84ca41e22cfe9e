"""Schema and migrations against a real PostgreSQL: `cairnctl db migrate|status`."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from cairntest import binary, ROOT
from cairntest.imapnode import ImapNode
from cairntest.lmtpnode import LmtpNode
from cairntest.pg import shared_server

TABLES = {"domains", "accounts", "group_members", "quota_roots", "mailboxes", "messages",
          "blobs", "keywords", "mailbox_messages", "expunged", "seen_private", "acl",
          "subscriptions", "delivery_dedup", "schema_version"}


def ctl(*args, env=None):
    r = subprocess.run([binary("cairnctl")] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


class MigrateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = shared_server()

    def test_migrate_creates_schema_and_is_idempotent(self):
        ci = self.pg.conninfo(self.pg.create_database())
        rc, out, err = ctl("--db", ci, "db", "migrate")
        self.assertEqual(rc, 0, err)
        self.assertIn("applied 0001", out)
        dbname = ci.split("dbname=")[1]
        tables = set(self.pg.psql("SELECT tablename FROM pg_tables WHERE schemaname='public'",
                                  dbname).split())
        self.assertTrue(TABLES <= tables, TABLES - tables)
        rc, out, err = ctl("--db", ci, "db", "migrate")
        self.assertEqual(rc, 0, err)
        self.assertIn("up to date", out)
        rc, out, _ = ctl("--db", ci, "db", "status")
        self.assertEqual(rc, 0)
        self.assertIn("0 pending", out)
        rc, out, _ = ctl("--db", ci, "--json", "db", "status")
        self.assertRegex(out, r'"pending":0')

    def test_status_reports_pending_then_refuses_newer_database(self):
        ci = self.pg.conninfo(self.pg.create_database())
        rc, out, _ = ctl("--db", ci, "db", "status")
        self.assertEqual(rc, 1, "pending migrations must make status exit 1")
        self.assertIn("pending", out)
        self.assertEqual(ctl("--db", ci, "db", "migrate")[0], 0)
        dbname = ci.split("dbname=")[1]
        self.pg.psql("INSERT INTO schema_version (version, name) VALUES (9999, '9999_future.sql')",
                     dbname)
        rc, out, err = ctl("--db", ci, "db", "migrate")
        self.assertNotEqual(rc, 0)
        self.assertIn("newer", err)
        rc, out, _ = ctl("--db", ci, "db", "status")
        self.assertEqual(rc, 1)
        self.assertIn("NEWER", out)

    def test_failed_migration_rolls_back_whole_file(self):
        ci = self.pg.conninfo(self.pg.create_database())
        dbname = ci.split("dbname=")[1]
        tmp = tempfile.mkdtemp()
        try:
            shutil.copy(os.path.join(ROOT, "schema", "0001_init.sql"), tmp)
            with open(os.path.join(tmp, "0002_broken.sql"), "w") as f:
                f.write("CREATE TABLE half_done (x int);\nSELECT no_such_function();\n")
            env = dict(os.environ, CAIRN_SCHEMA_DIR=tmp)
            rc, out, err = ctl("--db", ci, "db", "migrate", env=env)
            self.assertEqual(rc, 1)
            self.assertIn("0002_broken.sql", err)
            self.assertIn("applied 0001", out)
            self.assertEqual(self.pg.psql("SELECT count(*) FROM pg_tables WHERE "
                                          "tablename='half_done'", dbname).strip(), "0")
            self.assertEqual(self.pg.psql("SELECT max(version) FROM schema_version",
                                          dbname).strip(), "1")
        finally:
            shutil.rmtree(tmp)

    def test_uid_range_is_enforced(self):
        ci = self.pg.new_database()
        dbname = ci.split("dbname=")[1]
        self.pg.psql("INSERT INTO domains (name) VALUES ('example.test');"
                     "INSERT INTO accounts (domain_id, localpart) SELECT id, 'u' FROM domains;"
                     "INSERT INTO mailboxes (owner_id, name, uidvalidity) "
                     "SELECT id, 'INBOX', 1 FROM accounts", dbname)
        with self.assertRaises(Exception):
            self.pg.psql("UPDATE mailboxes SET uidnext = 4294967297", dbname)

    def test_bad_usage_and_unreachable_database(self):
        rc, _, err = ctl("db")
        self.assertEqual(rc, 2)
        rc, _, err = ctl("--db", "host=/nonexistent dbname=x", "db", "status")
        self.assertEqual(rc, 3)
        self.assertIn("cannot connect", err)
        rc, _, err = ctl("frobnicate")
        self.assertEqual(rc, 2)
        self.assertIn("unknown command", err)


def file_sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class ChecksumTest(unittest.TestCase):
    """schema_version records each applied file's SHA-256; a changed file is refused."""

    @classmethod
    def setUpClass(cls):
        cls.pg = shared_server()

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp, True)
        for name in os.listdir(os.path.join(ROOT, "schema")):
            shutil.copy(os.path.join(ROOT, "schema", name), self.tmp)
        self.env = dict(os.environ, CAIRN_SCHEMA_DIR=self.tmp)
        self.dbname = self.pg.create_database()
        self.ci = self.pg.conninfo(self.dbname)

    def rows(self):
        out = self.pg.psql("SELECT name, checksum, checksum_backfilled FROM schema_version "
                           "ORDER BY version", self.dbname)
        return [tuple(line.split("|")) for line in out.splitlines()]

    def test_checksums_recorded_and_changed_file_refused(self):
        rc, out, err = ctl("--db", self.ci, "db", "migrate", env=self.env)
        self.assertEqual(rc, 0, err)
        rows = self.rows()
        self.assertEqual(len(rows), len(os.listdir(self.tmp)))
        for name, checksum, backfilled in rows:
            self.assertEqual(checksum, file_sha(os.path.join(self.tmp, name)), name)
            self.assertEqual(backfilled, "f")
        path = os.path.join(self.tmp, "0010_delivery_perf.sql")
        old = file_sha(path)
        with open(path, "a") as f:
            f.write("-- edited after it landed\n")
        new = file_sha(path)
        rc, out, err = ctl("--db", self.ci, "db", "migrate", env=self.env)
        self.assertEqual(rc, 1)
        self.assertIn("0010_delivery_perf.sql changed after it was applied", err)
        self.assertIn(old, err)
        self.assertIn(new, err)
        rc, out, err = ctl("--db", self.ci, "db", "status", env=self.env)
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, r"0010 0010_delivery_perf.sql CHANGED since applied: "
                              r"database sha256 %s, file sha256 %s" % (old, new))
        self.assertIn("APPLIED MIGRATION FILES CHANGED", out)
        rc, out, _ = ctl("--db", self.ci, "--json", "db", "status", env=self.env)
        self.assertEqual(json.loads(out)["changed"], 1)
        # A new migration is not applied past a changed one.
        with open(os.path.join(self.tmp, "0099_next.sql"), "w") as f:
            f.write("CREATE TABLE next_one (x int);\n")
        self.assertEqual(ctl("--db", self.ci, "db", "migrate", env=self.env)[0], 1)
        self.assertEqual(self.pg.psql("SELECT count(*) FROM pg_tables WHERE "
                                      "tablename='next_one'", self.dbname).strip(), "0")

    def test_database_of_older_migrator_gets_columns_and_backfill(self):
        self.assertEqual(ctl("--db", self.ci, "db", "migrate", env=self.env)[0], 0)
        # What a migrator from before checksums left behind.
        self.pg.psql("ALTER TABLE schema_version DROP COLUMN checksum, "
                     "DROP COLUMN checksum_backfilled", self.dbname)
        rc, out, err = ctl("--db", self.ci, "db", "status", env=self.env)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("0010 0010_delivery_perf.sql applied (checksum backfilled)", out)
        for name, checksum, backfilled in self.rows():
            self.assertEqual(checksum, file_sha(os.path.join(self.tmp, name)), name)
            self.assertEqual(backfilled, "t")
        # An older migrator still inserts rows: the new columns are nullable.
        self.pg.psql("INSERT INTO schema_version (version, name) VALUES (60, '0060_x.sql')",
                     self.dbname)
        # From now on an edit is detected, backfilled or not.
        with open(os.path.join(self.tmp, "0001_init.sql"), "a") as f:
            f.write("-- edited\n")
        rc, out, err = ctl("--db", self.ci, "db", "migrate", env=self.env)
        self.assertEqual(rc, 1)
        self.assertIn("0001_init.sql changed after it was applied", err)

    def tamper(self, sql):
        """Make the database's record of 0010 disagree with the schema files."""
        sql("UPDATE schema_version SET checksum = repeat('0', 64) WHERE version = 10")

    def test_lmtpd_refuses_to_start_on_changed_migration(self):
        node = LmtpNode(start=False)
        self.addCleanup(node.cleanup)
        self.tamper(node.sql)
        node.expect_log(r"level=fatal .*refusing to start: migration \S*0010_delivery_perf.sql "
                        r"changed after it was applied: the database recorded sha256 0{64}")
        node.master.start(wait=False)
        node.master.wait_log(r"refusing to start: migration \S*/0010_delivery_perf.sql changed "
                             r"after it was applied: the database recorded sha256 0{64}, the "
                             r"file has sha256 %s" % file_sha(os.path.join(ROOT, "schema",
                                                                            "0010_delivery_perf.sql")))
        # The worker exits at start (and again when the master retries it).
        node.master.wait_log(r"event=worker_exit service=lmtp pid=\d+ status=1 uses=0")
        self.assertNotIn("event=ready", node.log())
        node.stop()

    def test_imapd_refuses_to_start_on_changed_migration(self):
        node = ImapNode()
        self.addCleanup(node.cleanup)
        self.tamper(node.sql)
        node.expect_log(r"level=fatal .*refusing to start: migration \S*0010_delivery_perf.sql")
        node.master.start(wait=False)
        node.master.wait_log(r"service=imap level=fatal .*refusing to start: migration "
                             r"\S*/0010_delivery_perf.sql changed after it was applied")
        node.stop()

    def test_daemons_start_on_matching_checksums(self):
        node = LmtpNode()
        self.addCleanup(node.cleanup)
        self.assertNotIn("schema_unverified", node.log())
        self.assertNotIn("refusing to start", node.log())
        self.assertEqual(len(node.worker_pids()), 2)
        node.stop()


@unittest.skipUnless(os.path.isdir(os.path.join(ROOT, ".git")) or
                     os.path.isfile(os.path.join(ROOT, ".git")), "not a git checkout")
class SchemaFrozenTest(unittest.TestCase):
    """tools/check-schema-frozen on a clone: history up to now passes, a new edit fails."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.repo = os.path.join(self.tmp, "repo")
        subprocess.run(["git", "clone", "-q", "--shared", ROOT, self.repo], check=True)
        # The checked-out clone is main for the script; the allow-list of this tree.
        shutil.copy(os.path.join(ROOT, "tools", "schema-frozen.allow"),
                    os.path.join(self.repo, "tools"))
        self.env = dict(os.environ, CAIRN_MAIN_REF="HEAD", GIT_AUTHOR_NAME="t",
                        GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
                        GIT_COMMITTER_EMAIL="t@t")

    def check(self):
        r = subprocess.run([os.path.join(ROOT, "tools", "check-schema-frozen"), self.repo],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env)
        return r.returncode, r.stdout.decode()

    def git(self, *args):
        subprocess.run(["git", "-C", self.repo] + list(args), check=True, env=self.env,
                       stdout=subprocess.DEVNULL)

    def test_history_passes_new_edit_fails(self):
        rc, out = self.check()
        self.assertEqual(rc, 0, out)
        self.assertIn("landed migrations unchanged", out)
        # A new migration may be added (and is frozen from then on).
        with open(os.path.join(self.repo, "schema", "0099_new.sql"), "w") as f:
            f.write("SELECT 1;\n")
        self.git("add", "schema/0099_new.sql")
        self.git("commit", "-q", "-m", "new migration")
        self.assertEqual(self.check()[0], 0)
        for name in ("0099_new.sql", "0010_delivery_perf.sql"):
            with open(os.path.join(self.repo, "schema", name), "a") as f:
                f.write("-- edited\n")
            rc, out = self.check()
            self.assertEqual(rc, 1, out)
            self.assertIn("schema/%s: changed in the work tree since it landed" % name, out)
            self.git("commit", "-q", "-a", "-m", "edit " + name)
            rc, out = self.check()
            self.assertIn("schema/%s: changed in the HEAD since it landed" % name, out)
        self.git("rm", "-q", "schema/0001_init.sql")
        rc, out = self.check()
        self.assertEqual(rc, 1)
        self.assertIn("schema/0001_init.sql: landed in", out)


if __name__ == "__main__":
    unittest.main()
