"""A real cairn-master for end-to-end tests.

    from cairntest.master import Master
    m = Master()                                  # private temp dir, nothing started
    m.section("database", conninfo=ci)            # any section other programs read
    addr = m.service("imap", cmd=binary("cairn-imapd"), min_idle=2)  # free loopback port
    m.start()                                     # waits until every min_idle is up
    host, port = m.addr("imap")                   # first TCP listener of the service
    m.workers("imap")                             # live worker pids of that service
    m.service("imap", cmd=..., min_idle=3); m.reload()   # SIGHUP with the new config
    m.expect_log(r"event=db_unavailable")        # this test provokes that error line
    m.stop()                                      # SIGTERM; asserts exit 0, no child left,
                                                  # no unexpected level=error/fatal line

Sections are rendered in the order they were first added; values that are lists
become repeated keys (listen).  As root, services run as user `cairn` unless the
test says otherwise (user=None leaves the key out).  The master's stderr (and so
every worker's log) goes to m.log_path; m.log() reads it.  The master gets
PR_SET_PDEATHSIG and its workers die with it, so nothing outlives the test run.

A test fails on any error it did not expect (STYLE.md): stop() fails on a sanitizer
report and on every `level=error`, `level=crit` or `level=fatal` line in the log that
no pattern given to expect_log() matches.  Deadlines are scaled by
CAIRN_TEST_TIMEOUT_SCALE (see cairntest.scaled).
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from . import binary, scaled
from .proc import preexec, UNPRIV_USER


def free_port(host="127.0.0.1"):
    """A TCP port free on host right now (the kernel picks it)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _proc_env(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            data = f.read()
    except OSError:
        return {}
    env = {}
    for item in data.split(b"\0"):
        k, sep, v = item.partition(b"=")
        if sep:
            env[k.decode(errors="replace")] = v.decode(errors="replace")
    return env


def _proc_stat(pid):
    """(state, ppid) of pid, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def _all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


ERROR_LINE = re.compile(r"^.*\blevel=(?:error|crit|fatal)\b.*$", re.M)


class MasterError(RuntimeError):
    pass


class Master:
    def __init__(self, tmpdir=None, shutdown_grace=5):
        self.dir = tmpdir or tempfile.mkdtemp(prefix="cairn-master-")
        self._own_dir = tmpdir is None
        os.chmod(self.dir, 0o755)
        self.conf_path = os.path.join(self.dir, "cairn.conf")
        self.log_path = os.path.join(self.dir, "master.log")
        self.sections = []  # [(type, name, {key: value or [values]})]
        self.section("master", shutdown_grace=shutdown_grace)
        self.proc = None
        self.expected_log = []

    # -- expected errors ---------------------------------------------------
    def expect_log(self, pattern):
        """Declare that error lines matching regex pattern are provoked on purpose:
        stop() does not fail on them.  Returns the compiled pattern."""
        rx = re.compile(pattern)
        self.expected_log.append(rx)
        return rx

    def unexpected_errors(self):
        """Error lines (level=error|crit|fatal) of the log no expect_log() matches."""
        return [line for line in ERROR_LINE.findall(self.log())
                if not any(rx.search(line) for rx in self.expected_log)]

    # -- configuration -----------------------------------------------------
    def section(self, stype, name=None, **keys):
        """Add or replace [stype name] with keys (None values are left out)."""
        for i, (t, n, _) in enumerate(self.sections):
            if t == stype and n == name:
                self.sections[i] = (stype, name, keys)
                return keys
        self.sections.append((stype, name, keys))
        return keys

    def remove_section(self, stype, name=None):
        self.sections = [s for s in self.sections if (s[0], s[1]) != (stype, name)]

    def service(self, name, cmd, listen=None, **keys):
        """Add or replace [service name].  cmd: a string or an argv list.  listen:
        a string or list; default one free 127.0.0.1 port.  Returns the listen list."""
        if listen is None:
            old = [s for s in self.sections if s[:2] == ("service", name)]
            listen = old[0][2]["listen"] if old else ["127.0.0.1:%d" % free_port()]
        if isinstance(listen, str):
            listen = [listen]
        if not isinstance(cmd, str):
            cmd = " ".join(cmd)
        if "user" not in keys and os.geteuid() == 0:
            keys["user"] = UNPRIV_USER
        self.section("service", name, cmd=cmd, listen=list(listen), **keys)
        return list(listen)

    def event(self, name, cmd, **keys):
        if not isinstance(cmd, str):
            cmd = " ".join(cmd)
        self.section("event", name, cmd=cmd, **keys)

    def render(self):
        out = []
        for stype, name, keys in self.sections:
            out.append("[%s%s]" % (stype, " " + name if name else ""))
            for k, v in keys.items():
                for item in (v if isinstance(v, list) else [v]):
                    if item is not None:
                        out.append("%s = %s" % (k, item))
            out.append("")
        return "\n".join(out)

    def write_config(self, text=None):
        """Write the rendered sections (or text verbatim) to conf_path, atomically, so
        the master never parses half a file on SIGHUP (its workers never read the
        file: they get the copy the master accepted, $CAIRN_CONF_FD)."""
        tmp = self.conf_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.render() if text is None else text)
        os.rename(tmp, self.conf_path)
        return self.conf_path

    def addr(self, service, index=0):
        """(host, port) of the index-th TCP listener of service."""
        keys = [s for s in self.sections if s[:2] == ("service", service)][0][2]
        spec = keys["listen"][index].split()[0]
        host, _, port = spec.rpartition(":")
        return host.strip("[]"), int(port)

    def min_idle(self, service):
        keys = [s for s in self.sections if s[:2] == ("service", service)][0][2]
        return int(keys.get("min_idle", 1))

    # -- lifecycle ---------------------------------------------------------
    def check(self, text=None):
        """Run `cairn-master -t`: (exit code, stdout + stderr)."""
        self.write_config(text)
        r = subprocess.run([binary("cairn-master"), "-t", "-c", self.conf_path],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           preexec_fn=preexec())
        return r.returncode, r.stdout.decode(errors="replace")

    def start(self, wait=True, text=None, timeout=30):
        """Start the master in the foreground; with wait, until every service has
        its min_idle workers.  A master that exits at start raises MasterError."""
        self.write_config(text)
        logf = open(self.log_path, "ab")
        env = dict(os.environ)
        env.pop("CAIRN_CONF", None)
        self.proc = subprocess.Popen([binary("cairn-master"), "-c", self.conf_path],
                                     stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                     env=env, cwd=self.dir, preexec_fn=preexec())
        logf.close()
        if wait:
            timeout = scaled(timeout)
            deadline = time.time() + timeout
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    raise MasterError("cairn-master exited %d at start:\n%s"
                                      % (self.proc.returncode, self.log()))
                if all(len(self.workers(n)) >= self.min_idle(n)
                       for t, n, _ in self.sections if t == "service"):
                    return self
                time.sleep(0.02)
            raise MasterError("workers did not start within %ss:\n%s" % (timeout, self.log()))
        return self

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_size(self):
        return os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0

    def wait_log(self, pattern, since=0, timeout=30):
        """Wait until regex pattern appears in the log after byte offset since;
        returns the match or raises AssertionError with the log.  timeout is an
        upper bound (scaled), not an expected duration."""
        rx = re.compile(pattern)
        deadline = time.time() + scaled(timeout)
        while True:
            m = rx.search(self.log()[since:])
            if m:
                return m
            if time.time() > deadline:
                raise AssertionError("log never matched %r:\n%s" % (pattern, self.log()[since:]))
            time.sleep(0.02)

    def workers(self, service=None):
        """Live (non-zombie) worker pids of service (all services when None)."""
        if self.proc is None:
            return []
        pids = []
        for pid in _all_pids():
            st = _proc_stat(pid)
            if st is None or st[1] != self.proc.pid or st[0] in ("Z", "X"):
                continue
            env = _proc_env(pid)
            if "CAIRN_SERVICE" not in env:
                continue  # an event command, or a worker between fork and exec
            if service is None or env["CAIRN_SERVICE"] == service:
                pids.append(pid)
        return sorted(pids)

    def wait_workers(self, service, count, timeout=30, stable=0.3):
        """Wait until service has exactly count workers for `stable` seconds."""
        deadline = time.time() + scaled(timeout)
        since = None
        while time.time() < deadline:
            if len(self.workers(service)) == count:
                since = since or time.time()
                if time.time() - since >= stable:
                    return self.workers(service)
            else:
                since = None
            time.sleep(0.02)
        raise AssertionError("service %s: %d workers, expected %d\n%s"
                             % (service, len(self.workers(service)), count, self.log()[-4000:]))

    def descendants(self):
        """Every process started from this master's configuration (by CAIRN_CONF)."""
        conf = os.path.realpath(self.conf_path)
        out = []
        for pid in _all_pids():
            st = _proc_stat(pid)
            if st and st[0] not in ("Z", "X") and pid != getattr(self.proc, "pid", None) \
                    and _proc_env(pid).get("CAIRN_CONF") == conf:
                out.append(pid)
        return out

    def reload(self, text=None, timeout=30):
        """Write the new config (rendered or text), SIGHUP, wait for the outcome:
        returns True when applied, False when the master rejected it."""
        since = self.log_size()
        self.write_config(text)
        self.proc.send_signal(signal.SIGHUP)
        m = self.wait_log(r"event=(reloaded|reload_failed)", since=since, timeout=timeout)
        return m.group(1) == "reloaded"

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return None

    def stop(self, timeout=60):
        """SIGTERM and wait.  Asserts exit status 0 and that no worker or event
        command of this master is left; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(scaled(timeout))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("cairn-master did not stop in %ss:\n%s" % (timeout, self.log()))
        left = self.descendants()
        self.proc = None
        if left:
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            raise AssertionError("processes left after stop: %s" % left)
        if rc != 0:
            raise AssertionError("cairn-master exited %d:\n%s" % (rc, self.log()[-4000:]))
        self.assert_log_clean()
        return rc

    def assert_log_clean(self):
        """No sanitizer report (ASan, UBSan, LeakSanitizer) from master or workers, and
        no error line the test did not declare with expect_log()."""
        m = re.search(r"(==\d+==ERROR: \w+Sanitizer|runtime error:|LeakSanitizer)", self.log())
        if m:
            raise AssertionError("sanitizer report in the log:\n%s"
                                 % self.log()[max(0, m.start() - 200):m.start() + 3000])
        bad = self.unexpected_errors()
        if bad:
            raise AssertionError("%d unexpected error line(s) in %s (use expect_log() when "
                                 "the test provokes them):\n%s"
                                 % (len(bad), self.log_path, "\n".join(bad[:20])))

    def kill(self):
        """SIGKILL the master (no clean shutdown) and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def cleanup(self):
        """Kill whatever is left and remove the temp dir (for tearDown)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pid in self.descendants():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
