#!/bin/bash
# bench-lmtp-vs-dovecot.sh - cairn-lmtpd against Debian's Dovecot 2.3 LMTP, in one run.
#
#   tools/bench-lmtp-vs-dovecot.sh [-r ROUNDS] [-c CONNS] [-b TREE]... [CASE...]
#
# CASE is RCPTS:MSGS (default: 1:1500 10:300), run with
#   cairn-bench lmtp -c CONNS -n MSGS -r RCPTS -U 200
# against Dovecot (/work/shared/peers/dovecot.sh, LMTP 127.0.0.1:11024, users
# user1..user200, maildir, mail_fsync=optimized) and against a cairn node started
# here: a private PostgreSQL with fsync=on and synchronous_commit=on (so a 250
# means durable), cairn-master with CONNS warm cairn-lmtpd workers.  The blob root
# is kept between runs next to Dovecot's maildirs ($BLOB_ROOT, default
# /tmp/peerlab/cairn-blobs), as Dovecot's mail directory is: a store in use has
# its fan-out directories; BLOB_ROOT=fresh uses a new empty one per run instead.
# (The kept store grows by about 0.3 GB per round and cairn: delete it when done.)
# Every -b TREE adds another cairn (a built checkout, e.g. the main branch)
# measured the same way, for before/after.  Servers alternate within each round
# and the order flips every round; the summary gives each server's median and
# range, ratios to Dovecot, and the servers' CPU time per message (all their
# processes: cairn-lmtpd + PostgreSQL, or Dovecot's master and children).
#
# Keep runs short on a shared machine: the defaults take about a minute a round.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=2
CONNS=4
TREES=("$HERE")
while getopts "r:c:b:h" opt; do
    case $opt in
        r) ROUNDS=$OPTARG ;;
        c) CONNS=$OPTARG ;;
        b) TREES+=("$(cd "$OPTARG" && pwd)") ;;
        *) sed -n '2,23p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(1:1500 10:300)

PEERS=${PEERS:-/work/shared/peers}
if [ -z "${NO_DOVECOT:-}" ]; then
    "$PEERS/dovecot.sh" status >/dev/null 2>&1 || \
        { "$PEERS/dovecot.sh" setup && "$PEERS/dovecot.sh" start; }
fi
for t in "${TREES[@]}"; do
    [ -x "$t/build/bin/cairn-lmtpd" ] || { echo "no build in $t (run make there)" >&2; exit 1; }
done

export PYTHONPATH="$HERE/tests/harness${PYTHONPATH:+:$PYTHONPATH}"
export BLOB_ROOT=${BLOB_ROOT:-/tmp/peerlab/cairn-blobs}
export DOVECOT_PIDFILE=${DOVECOT_PIDFILE:-/tmp/peerlab/dovecot/run/master.pid}
exec python3 - "$ROUNDS" "$CONNS" "${CASES[*]}" "${NO_DOVECOT:-}" "${TREES[@]}" <<'PY'
import os, re, statistics, subprocess, sys
from cairntest import binary
from cairntest.master import Master
from cairntest.pg import PgServer
from cairntest.proc import unpriv_ids

rounds, conns, cases, no_dovecot, trees = (int(sys.argv[1]), int(sys.argv[2]),
                                           sys.argv[3].split(), sys.argv[4], sys.argv[5:])
BENCH = binary("cairn-bench")
USERS = 200
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(roots):
    """CPU time (user + system, with reaped children) of roots and their children."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(pid) in roots or int(fields[1]) in roots:
            total += sum(int(x) for x in fields[11:15])
    return total / TICK


def start_node(pg, tree, index):
    """A cairn node running tree's lmtpd on its own migrated database."""
    db = pg.create_database("bench%d_%d" % (os.getpid(), index))
    ci = pg.conninfo(db)
    env = dict(os.environ, CAIRN_SCHEMA_DIR=os.path.join(tree, "schema"))
    subprocess.run([os.path.join(tree, "build/bin/cairnctl"), "--db", ci, "db", "migrate"],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    pg.psql("INSERT INTO domains (name) VALUES ('example.test');"
            "INSERT INTO accounts (domain_id, localpart) SELECT d.id, 'user' || g"
            "  FROM domains d, generate_series(1, %d) g;"
            "INSERT INTO mailboxes (owner_id, name, uidvalidity) SELECT id, 'INBOX', 1"
            "  FROM accounts;" % USERS, db)
    os.makedirs(os.path.join(pg.basedir, "node%d" % index))
    m = Master(tmpdir=os.path.join(pg.basedir, "node%d" % index))
    blobs = os.path.join(m.dir, "blobs")
    if os.environ["BLOB_ROOT"] != "fresh":
        blobs = os.path.join(os.environ["BLOB_ROOT"], str(index))
    os.makedirs(blobs, 0o750, exist_ok=True)
    os.chown(blobs, *unpriv_ids())
    m.section("database", conninfo=ci)
    m.section("blob", root=blobs)
    m.section("lmtp", hostname="bench.test")
    m.service("lmtp", cmd=os.path.join(tree, "build/bin/cairn-lmtpd"), min_idle=conns,
              max_proc=2 * conns)
    m.start()
    return m


def bench(port, roots, rcpts, msgs):
    cpu0 = cpu_seconds(roots)
    out = subprocess.run([BENCH, "lmtp", "-p", str(port), "-c", str(conns), "-n", str(msgs),
                          "-r", str(rcpts), "-U", str(USERS)],
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    kv = dict(re.findall(r"(\w+)=([\d.]+)", out))
    if int(kv["failed"]) != 0:
        sys.exit("cairn-bench reported failures on port %d:\n%s" % (port, out))
    cpu_ms = (cpu_seconds(roots) - cpu0) * 1000.0 / msgs
    return (float(kv["msgs_per_s"]), float(kv["rcpts_per_s"]), float(kv["p50"]),
            float(kv["p99"]), cpu_ms)


pg = PgServer(fsync=True).start()
nodes = []
try:
    servers = []
    if not no_dovecot:
        with open(os.environ["DOVECOT_PIDFILE"]) as f:
            servers.append(("dovecot", 11024, {int(f.read())}))
    for i, tree in enumerate(trees):
        nodes.append(start_node(pg, tree, i))
        name = "cairn" if i == 0 else "cairn@" + os.path.basename(tree)
        servers.append((name, nodes[-1].addr("lmtp")[1], {nodes[-1].proc.pid, pg.proc.pid}))
    results, cpu = {}, {}  # (server, case) -> [figure], [CPU ms per message]
    for r in range(rounds):
        order = servers if r % 2 == 0 else servers[::-1]
        for case in cases:
            rcpts, msgs = (int(x) for x in case.split(":"))
            for name, port, roots in order:
                mps, rps, p50, p99, cpu_ms = bench(port, roots, rcpts, msgs)
                results.setdefault((name, case), []).append(mps if rcpts == 1 else rps)
                cpu.setdefault((name, case), []).append(cpu_ms)
                print("round=%d case=%s server=%s msgs_per_s=%.1f rcpts_per_s=%.1f "
                      "p50_ms=%.2f p99_ms=%.2f cpu_ms_per_msg=%.2f"
                      % (r + 1, case, name, mps, rps, p50, p99, cpu_ms), flush=True)
    print("\n%-8s %-22s %8s %14s %7s %12s" % ("case", "server", "median", "range", "ratio",
                                               "cpu ms/msg"))
    for case in cases:
        unit = "msgs/s" if case.startswith("1:") else "rcpts/s"
        ref = results.get(("dovecot", case))
        for name, _, _ in servers:
            v = results[(name, case)]
            ratio = "%.2fx" % (statistics.median(v) / statistics.median(ref)) if ref else "-"
            print("%-8s %-22s %8.0f %14s %7s %12.2f"
                  % (case, name + " " + unit, statistics.median(v),
                     "%.0f..%.0f" % (min(v), max(v)), ratio,
                     statistics.median(cpu[(name, case)])))
finally:
    for m in nodes:
        m.stop()
    pg.stop()
PY
