"""The harness itself: a private PostgreSQL never outlives the process that started it."""
import os
import signal
import subprocess
import sys
import time
import unittest

from cairntest import scaled

HARNESS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "harness")

CHILD = r"""
import sys, time
sys.path.insert(0, %r)
from cairntest.pg import PgServer
s = PgServer().start()
print(s.basedir, flush=True)
try:
    time.sleep(120)
finally:
    s.stop()
""" % HARNESS


def postgres_pids(datadir):
    out = subprocess.run(["pgrep", "-f", "postgres -D %s" % datadir], stdout=subprocess.PIPE)
    return [int(p) for p in out.stdout.split()]


def ps_postgres():
    """ps lines of every postgres process (state, parent, wait channel): for failures."""
    return subprocess.run(["ps", "-o", "pid,ppid,stat,wchan:20,etime,args", "-C", "postgres"],
                          stdout=subprocess.PIPE).stdout.decode(errors="replace")


def wait_gone(datadir, seconds=120):
    """True once no postmaster runs on datadir.  Generous: under an I/O storm (stress-ng
    --io calls sync() in a loop) a postmaster's shutdown alone can take tens of
    seconds."""
    deadline = time.time() + scaled(seconds)
    while time.time() < deadline:
        if not postgres_pids(datadir):
            return True
        time.sleep(0.1)
    return False


class HarnessCleanupTest(unittest.TestCase):
    def start_child(self):
        p = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE)
        basedir = p.stdout.readline().decode().strip()
        self.assertTrue(basedir, "child did not start postgres")
        datadir = os.path.join(basedir, "data")
        self.assertTrue(postgres_pids(datadir), "postgres is not running")
        return p, basedir, datadir

    def test_sigkill_of_owner_stops_postgres(self):
        p, basedir, datadir = self.start_child()
        p.kill()
        p.wait()
        self.assertTrue(wait_gone(datadir), "postgres survived SIGKILL of its owner")

    def test_sigint_of_owner_stops_postgres_and_removes_dir(self):
        p, basedir, datadir = self.start_child()
        p.send_signal(signal.SIGINT)
        p.wait(scaled(180))  # stop() waits up to 60 s for postgres, then rmtree
        self.assertTrue(wait_gone(datadir))
        self.assertFalse(os.path.exists(basedir), "temporary cluster directory left behind")

    def test_killed_test_runner_leaves_no_postgres(self):
        """`tests/run` killed midway (as when make check is interrupted)."""
        runner = os.path.join(os.path.dirname(HARNESS), "run")
        env = dict(os.environ, CAIRN_HARNESS_SELFTEST_SLEEP="30")
        p = subprocess.Popen([sys.executable, runner, "--only", "e2e", "-k", "selftest_sleep"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + scaled(120)
        datadir = None
        while time.time() < deadline and datadir is None:
            for pid in subprocess.run(["pgrep", "-P", str(p.pid)], stdout=subprocess.PIPE
                                      ).stdout.split():
                try:
                    with open("/proc/%d/cmdline" % int(pid), "rb") as f:
                        cmd = f.read().split(b"\0")
                except OSError:  # a short-lived child (pg_isready) ended
                    continue
                if cmd and cmd[0].endswith(b"postgres") and b"-D" in cmd:
                    datadir = cmd[cmd.index(b"-D") + 1].decode()
            time.sleep(0.1)
        self.assertIsNotNone(datadir, "runner never started postgres")
        p.kill()
        p.wait()
        self.assertTrue(wait_gone(datadir), "postgres survived SIGKILL of tests/run:\n"
                        + ps_postgres())


if os.environ.get("CAIRN_HARNESS_SELFTEST_SLEEP"):
    class SelftestSleep(unittest.TestCase):
        """Defined only inside test_killed_test_runner_leaves_no_postgres's child runner."""

        def test_selftest_sleep(self):
            from cairntest.pg import shared_server
            shared_server()
            time.sleep(int(os.environ["CAIRN_HARNESS_SELFTEST_SLEEP"]))
