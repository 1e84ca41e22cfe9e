"""A private PostgreSQL server for tests and the dev node.

PgServer(datadir=None) runs initdb (once) into a directory of its own and starts
`postgres` listening only on a Unix socket inside that directory (no TCP, no fixed
port, never the system cluster).  As root it runs PostgreSQL as the unprivileged
'cairn' user.  The postmaster gets PDEATHSIG=SIGQUIT, so it dies with its parent
even if the test runner is SIGKILLed.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from . import binary, scaled, ROOT
from .proc import preexec, unpriv_ids

PG_BIN = "/usr/lib/postgresql/15/bin"


class PgError(RuntimeError):
    pass


class PgServer:
    def __init__(self, basedir=None, fsync=False, log_to=None):
        """basedir: keep data there (persistent, e.g. ./var/pg); None: a temp dir
        removed by stop()."""
        self.temporary = basedir is None
        self.basedir = basedir or tempfile.mkdtemp(prefix="cairn-pg-")
        self.datadir = os.path.join(self.basedir, "data")
        self.sockdir = self.basedir
        self.fsync = fsync
        self.log_path = log_to or os.path.join(self.basedir, "postgres.log")
        self.proc = None
        self.uid, self.gid = unpriv_ids()
        self._dbseq = 0

    # -- lifecycle ---------------------------------------------------------
    def _run_as(self, argv, **kw):
        return subprocess.run(argv, preexec_fn=preexec(self.uid, self.gid), check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)

    def init(self):
        os.makedirs(self.basedir, exist_ok=True)
        os.chown(self.basedir, self.uid, self.gid)
        os.chmod(self.basedir, 0o700 if os.geteuid() != 0 else 0o755)
        if os.path.exists(os.path.join(self.datadir, "PG_VERSION")):
            return
        try:
            self._run_as([PG_BIN + "/initdb", "-D", self.datadir, "-U", "cairn", "-A", "trust",
                          "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], cwd="/")
        except subprocess.CalledProcessError as e:
            raise PgError("initdb failed:\n" + e.stdout.decode(errors="replace"))

    def start(self):
        self.init()
        logf = open(self.log_path, "ab")
        if os.geteuid() == 0:
            os.chown(self.log_path, self.uid, self.gid)
        argv = [PG_BIN + "/postgres", "-D", self.datadir, "-k", self.sockdir,
                "-c", "listen_addresses=", "-c", "fsync=" + ("on" if self.fsync else "off"),
                "-c", "max_connections=200", "-c", "shared_buffers=64MB"]
        self.proc = subprocess.Popen(argv, stdout=logf, stderr=logf, stdin=subprocess.DEVNULL,
                                     cwd="/", preexec_fn=preexec(self.uid, self.gid,
                                                                 signal.SIGQUIT))
        logf.close()
        deadline = time.time() + scaled(60)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise PgError("postgres exited at start; log:\n" + self.log_tail())
            r = subprocess.run([PG_BIN + "/pg_isready", "-q", "-h", self.sockdir, "-U", "cairn"])
            if r.returncode == 0:
                return self
            time.sleep(0.05)
        self.stop()
        raise PgError("postgres did not become ready; log:\n" + self.log_tail())

    def stop(self, mode=signal.SIGINT):
        """Fast shutdown (SIGINT), SIGKILL after 60 s (scaled: the shutdown
        checkpoint can be slow on a loaded disk); removes a temporary dir."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(mode)
            try:
                self.proc.wait(scaled(60))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.temporary:
            shutil.rmtree(self.basedir, ignore_errors=True)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                return b"".join(f.readlines()[-n:]).decode(errors="replace")
        except OSError:
            return "(no log)"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- databases ---------------------------------------------------------
    def conninfo(self, dbname="postgres"):
        return "host=%s user=cairn dbname=%s" % (self.sockdir, dbname)

    def psql(self, sql, dbname="postgres", check=True):
        """Run sql with psql; return stdout (unaligned, tuples only, '|' separated)."""
        r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            "-d", self.conninfo(dbname), "-c", sql],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if check and r.returncode != 0:
            raise PgError("psql failed: %s" % r.stderr.decode(errors="replace"))
        return r.stdout.decode()

    def create_database(self, name=None):
        """A new empty database; returns its name."""
        self._dbseq += 1
        name = name or "t%d_%d" % (os.getpid(), self._dbseq)
        self.psql('CREATE DATABASE "%s"' % name)
        return name

    def new_database(self, name=None):
        """A new database with every migration applied (via cairnctl db migrate);
        returns its conninfo."""
        name = self.create_database(name)
        ci = self.conninfo(name)
        r = subprocess.run([binary("cairnctl"), "--db", ci, "db", "migrate"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise PgError("migrate failed: " + r.stdout.decode(errors="replace"))
        return ci


_shared = None


def shared_server():
    """One PostgreSQL per test run, started on first use, stopped by the runner."""
    global _shared
    if _shared is None:
        _shared = PgServer().start()
    return _shared


def stop_shared():
    global _shared
    if _shared is not None:
        _shared.stop()
        _shared = None
