"""Schema and migrations against a real PostgreSQL: `cairnctl db migrate|status`."""
import os
import shutil
import subprocess
import tempfile
import unittest

from cairntest import binary, ROOT
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


if __name__ == "__main__":
    unittest.main()
