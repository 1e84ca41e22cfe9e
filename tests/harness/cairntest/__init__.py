"""cairntest - the end-to-end test harness of cairn.

Real parts, not mocks: `pg.PgServer` starts a private PostgreSQL (as an
unprivileged user when run as root), `pg.PgServer.new_database()` hands a test a
migrated database of its own.  Every child process started here gets
PR_SET_PDEATHSIG, so nothing outlives the test runner, even when it is killed.
"""
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BUILD = os.environ.get("CAIRN_BUILD", os.path.join(ROOT, "build"))
BIN = os.path.join(BUILD, "bin")


def binary(name):
    """Absolute path of a built binary (build/bin/NAME)."""
    return os.path.join(BIN, name)
