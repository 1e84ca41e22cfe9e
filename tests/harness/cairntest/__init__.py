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


# Deadlines in the harness and the tests are upper bounds on waiting for a condition,
# never sleeps: generous by default, and multiplied by CAIRN_TEST_TIMEOUT_SCALE (say 3
# on a slow or loaded machine, or under valgrind).
TIMEOUT_SCALE = float(os.environ.get("CAIRN_TEST_TIMEOUT_SCALE") or 1)


def scaled(seconds):
    """seconds times CAIRN_TEST_TIMEOUT_SCALE: use for every deadline and timeout."""
    return seconds * TIMEOUT_SCALE
