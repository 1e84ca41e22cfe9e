#!/usr/bin/env python3
"""tests/imaptest/run.py - Dovecot's imaptest against a real cairn node (`make imaptest`).

    tests/imaptest/run.py [--groups a,b,...] [--no-scripted] [--no-stress]
                          [--clients 20] [--secs 30] [--peer HOST:PORT]

1. Builds imaptest once into build/imaptest/ (from ../shared/imaptest when present,
   else from the copy in tests/imaptest/vendor/; MIT licence, upstream commit 924f619).
2. Starts a node with the harness (private PostgreSQL, cairn-master with imapd and
   notifyd on loopback), creates the users imaptest logs in as.
3. Scripted suite: every test group (one imaptest run per group file, so each group
   reports its own figures) prints `group NAME: N passed, N failed` in commands, or
   `skipped (needs CAP)` when cairn does not announce a capability the group needs.
4. Stress mode: CLIENTS clients for SECS seconds, imaptest's default command mix with
   every reply checked; any "Error:" line it prints is a failure.

Ends with `N passed, N failed` (commands of the scripted suite plus one for the stress
run) and exits non-zero on any failure.  --peer runs only the stress mix against
another server (Dovecot from ../shared/peers: users user1.., password "pass") so the
figures can be compared in one run; nothing is started then.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))

from cairntest import BUILD, pg  # noqa: E402
from cairntest.imapnode import ImapNode  # noqa: E402

DEST = os.path.join(BUILD, "imaptest")
EXE = os.path.join(DEST, "src", "imaptest")
TESTS = os.path.join(DEST, "src", "tests")
ENV = dict(os.environ, LD_LIBRARY_PATH="/usr/lib/dovecot")
SCRIPT_USER, SCRIPT_PASS = "imaptest@example.test", "imaptest-pass"
STRESS_PASS = "pass"


def build():
    if os.path.exists(EXE):
        return
    shared = os.path.join(ROOT, "..", "shared", "imaptest", "build.sh")
    script = shared if os.path.exists(shared) else os.path.join(HERE, "vendor", "build.sh")
    print("imaptest: building with %s" % os.path.relpath(script, ROOT), flush=True)
    subprocess.run([script, DEST], check=True, stdout=subprocess.DEVNULL)
    if not os.path.exists(EXE):
        sys.exit("imaptest: build produced no %s" % EXE)


def groups(only):
    # Regular files only: the broken/ directory holds upstream's tests that assume a
    # server storing INTERNALDATE in EET/EEST (imaptest's own test=DIR skips it too).
    names = sorted(f for f in os.listdir(TESTS)
                   if not f.endswith(".mbox") and not f.startswith(".")
                   and os.path.isfile(os.path.join(TESTS, f)))
    if only:
        unknown = set(only) - set(names)
        if unknown:
            sys.exit("imaptest: no such group: %s" % ", ".join(sorted(unknown)))
        names = [n for n in names if n in only]
    return names


def needed_caps(group):
    with open(os.path.join(TESTS, group), errors="replace") as f:
        for line in f:
            if line.lower().startswith("capabilities:"):
                return line.split(":", 1)[1].strip()
            if not line.strip():
                break
    return "?"


SUMMARY = re.compile(r"^(\d+) test groups: (\d+) failed, (\d+) skipped", re.M)
COUNTS = re.compile(r"^(base protocol|extensions): (\d+)/(\d+) individual commands failed", re.M)


def run_group(addr, group, logdir):
    """(passed, failed, skipped) commands of one group; failure text in logdir."""
    argv = [EXE, "host=%s" % addr[0], "port=%d" % addr[1], "user=" + SCRIPT_USER,
            "pass=" + SCRIPT_PASS, "test=" + os.path.join(TESTS, group)]
    try:
        r = subprocess.run(argv, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=300)
        out = r.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") + "\n(timed out after 300 s)\n"
    with open(os.path.join(logdir, group + ".log"), "w") as f:
        f.write(out)
    m = SUMMARY.search(out)
    counts = COUNTS.findall(out)
    if not m or len(counts) != 2:
        return 0, 1, False, out  # imaptest itself failed: one failure, output shown
    failed = sum(int(c[1]) for c in counts)
    total = sum(int(c[2]) for c in counts)
    if int(m.group(3)) > 0:
        return 0, 0, True, out
    if int(m.group(2)) > 0 and failed == 0:
        failed = 1  # a group can fail outside its commands (setup, disconnection)
    return total - failed, failed, False, out


def scripted(addr, only, logdir):
    passed = failed = 0
    skipped = []
    for g in groups(only):
        p, f, skip, out = run_group(addr, g, logdir)
        if skip:
            skipped.append(g)
            print("group %s: skipped (needs %s)" % (g, needed_caps(g)))
            continue
        print("group %s: %d passed, %d failed" % (g, p, f), flush=True)
        if f:
            sys.stdout.write("".join("    " + line + "\n" for line in out.splitlines()
                                     if line.strip())[:6000])
        passed += p
        failed += f
    print("imaptest scripted: %d passed, %d failed commands; %d groups skipped%s"
          % (passed, failed, len(skipped), (" (" + " ".join(skipped) + ")") if skipped else ""))
    return passed, failed


def stress(addr, clients, secs, logdir, users, label):
    argv = [EXE, "host=%s" % addr[0], "port=%d" % addr[1], "user=" + users,
            "users=1-%d" % clients, "pass=" + STRESS_PASS,
            "mbox=" + os.path.join(TESTS, "default.mbox"),
            "clients=%d" % clients, "secs=%d" % secs]
    r = subprocess.run(argv, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=secs + 300)
    out = r.stdout.decode(errors="replace")
    with open(os.path.join(logdir, "stress-%s.log" % label), "w") as f:
        f.write(out)
    errors = [line for line in out.splitlines() if "Error:" in line]
    lines = out.splitlines()
    # The totals table: a header line of command names and the totals below it.
    heads = [i for i, line in enumerate(lines) if line.startswith("Logi List")]
    if heads:  # one table per second; the last one holds the totals
        print("stress %s (%d clients, %d s), commands in total:" % (label, clients, secs))
        for t in lines[heads[-1]:heads[-1] + 4]:
            print("    " + t)
    for e in errors[:30]:
        print("    " + e)
    print("stress %s: %d errors" % (label, len(errors)), flush=True)
    ok = r.returncode == 0 or (not errors and "Logi" in out)
    return (1, 0) if ok and not errors else (0, 1)


def node_start(clients):
    node = ImapNode(imap={"allow_plaintext_auth": "loopback",
                          "max_connections_per_ip": str(clients * 4 + 50)},
                    min_idle=4)
    node.add_user(SCRIPT_USER, SCRIPT_PASS)
    for i in range(1, clients + 1):
        node.add_user("user%d@example.test" % i, STRESS_PASS)
    node.start()
    return node


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", default="")
    ap.add_argument("--no-scripted", action="store_true")
    ap.add_argument("--no-stress", action="store_true")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--secs", type=int, default=30)
    ap.add_argument("--peer", default="", help="HOST:PORT: stress another server only")
    a = ap.parse_args()
    build()
    logdir = tempfile.mkdtemp(prefix="imaptest-", dir=DEST)
    if a.peer:
        host, port = a.peer.rsplit(":", 1)
        stress((host, int(port)), a.clients, a.secs, logdir, "user%d", "peer")
        return 0
    node = node_start(a.clients)
    passed = failed = 0
    try:
        addr = node.addr("imap")
        if not a.no_scripted:
            only = [g for g in a.groups.split(",") if g]
            p, f = scripted(addr, only, logdir)
            passed, failed = passed + p, failed + f
        if not a.no_stress:
            p, f = stress(addr, a.clients, a.secs, logdir, "user%d@example.test", "cairn")
            passed, failed = passed + p, failed + f
        node.stop()
    except BaseException:
        node.cleanup()
        raise
    finally:
        pg.stop_shared()
    print("logs: %s" % os.path.relpath(logdir, ROOT))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
