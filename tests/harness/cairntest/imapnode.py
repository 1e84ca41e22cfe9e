"""A real IMAP node for end-to-end tests: a fresh migrated database, a self-signed
certificate, and cairn-master running cairn-imapd on a plain (STARTTLS) and an
implicit-TLS listener on free loopback ports.

    from cairntest.imapnode import ImapNode
    node = ImapNode(imap={"max_connections_per_ip": 5})   # extra [imap] keys
    node.add_user("alice@example.test", "secret")          # cairnctl user add
    node.start()
    c = node.client()            # imaplib.IMAP4 on the plain port
    c = node.client_ssl()        # imaplib.IMAP4_SSL on the imaps port
    c = node.client_starttls()   # plain + STARTTLS
    node.stop()                  # stops the master, asserts a clean log

Defaults for tests: allow_plaintext_auth = no (LOGINDISABLED before TLS, even from
loopback, as on a production node); auth_fail_delay_ms = 20 so failure tests stay
fast.  Pass imap={"allow_plaintext_auth": "loopback"} for plaintext logins.
Used by the test_imap_*.py files of both imapd branches.
"""
import imaplib
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile

from . import binary, scaled
from .master import Master, free_port
from .pg import shared_server
from .proc import unpriv_ids

DOMAIN = "example.test"


def _chown(path):
    if os.geteuid() == 0:
        uid, gid = unpriv_ids()
        os.chown(path, uid, gid)


class ImapNode:
    def __init__(self, imap=None, services=None, min_idle=2):
        self.pg = shared_server()
        self.conninfo = self.pg.new_database()
        self.dir = tempfile.mkdtemp(prefix="cairn-imap-")
        os.chmod(self.dir, 0o755)
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-keyout", self.key, "-out", self.cert],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _chown(self.key)
        self.blobs = os.path.join(self.dir, "blobs")
        self.limits = os.path.join(self.dir, "limits")
        for d in (self.blobs, self.limits):
            os.makedirs(d)
            _chown(d)
        os.makedirs(os.path.join(self.dir, "master"))
        self.master = Master(tmpdir=os.path.join(self.dir, "master"))
        m = self.master
        m.section("database", conninfo=self.conninfo)
        m.section("blob", root=self.blobs)
        m.section("tls", cert=self.cert, key=self.key)
        m.section("auth", fake_secret="test-fake-secret")
        keys = {"hostname": "imap.test", "limits_dir": self.limits,
                "auth_fail_delay_ms": "20", "default_domain": DOMAIN}
        keys.update(imap or {})
        m.section("imap", **keys)
        m.service("imap", cmd=binary("cairn-imapd"), min_idle=min_idle, max_use=50)
        m.service("imaps", cmd=binary("cairn-imapd"), tls="yes", min_idle=1, max_use=50)
        self.domains = set()

    def ctl(self, *args, stdin=None, check=True):
        r = subprocess.run([binary("cairnctl"), "--db", self.conninfo] + list(args),
                           input=(stdin or "").encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError("cairnctl %s: %s" % (" ".join(args), r.stderr.decode()))
        return r.stdout.decode()

    def add_user(self, login, password, folders=True):
        dom = login.split("@", 1)[1]
        if dom not in self.domains:
            self.ctl("domain", "add", dom, check=False)
            self.domains.add(dom)
        args = ["user", "add", login, "--password-stdin"]
        if not folders:
            args.append("--no-folders")
        self.ctl(*args, stdin=password + "\n")

    def sql(self, query):
        return self.pg.psql(query, self.conninfo.split("dbname=")[1].split()[0])

    def start(self):
        self.master.start()
        return self

    def addr(self, service="imap"):
        return self.master.addr(service)

    def client(self, timeout=60):
        host, port = self.addr("imap")
        return imaplib.IMAP4(host, port, timeout=scaled(timeout))

    @staticmethod
    def tls_context():
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def client_ssl(self, timeout=60):
        host, port = self.addr("imaps")
        return imaplib.IMAP4_SSL(host, port, ssl_context=self.tls_context(),
                                timeout=scaled(timeout))

    def client_starttls(self, timeout=60):
        c = self.client(timeout)
        c.starttls(ssl_context=self.tls_context())
        return c

    def raw(self, service="imap", timeout=60, tls=None):
        """(socket, greeting): a raw connection with the greeting line read; TLS
        from the start on imaps (or when tls is true)."""
        s = socket.create_connection(self.addr(service), timeout=scaled(timeout))
        if tls or (tls is None and service == "imaps"):
            s = self.tls_context().wrap_socket(s)
        greeting = b""
        while not greeting.endswith(b"\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            greeting += chunk
        return s, greeting

    def worker_rss_kb(self):
        out = {}
        for pid in self.master.workers():
            try:
                with open("/proc/%d/status" % pid) as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            out[pid] = int(line.split()[1])
            except OSError:
                pass
        return out

    def assert_no_crash(self):
        """No worker died of a signal (segfault, abort) so far."""
        m = re.search(r"event=worker_exit service=imaps? pid=\d+ signal=\d+", self.master.log())
        if m:
            raise AssertionError("a worker crashed: %s\n%s" % (m.group(0), self.master.log()[-3000:]))

    def expect_log(self, pattern):
        """This test provokes log error lines matching regex pattern: stop() accepts
        them (Master.expect_log)."""
        return self.master.expect_log(pattern)

    def stop(self):
        try:
            self.assert_no_crash()
            self.master.stop()
        finally:
            self.cleanup()

    def cleanup(self):
        self.master.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)


def sanitized():
    """True when the binaries were built with make SANITIZE=1 (ASan's shadow memory
    and quarantine make RSS figures meaningless)."""
    from . import BUILD
    try:
        with open(os.path.join(BUILD, ".flags")) as f:
            return "-fsanitize" in f.read()
    except OSError:
        return False


def read_until_tagged(sock, tag, limit=1 << 20):
    """Read from a raw socket until a line starting with tag (bytes) arrives;
    returns everything read.  Raises on EOF."""
    data = b""
    while True:
        for line in data.split(b"\r\n"):
            if line.startswith(tag + b" "):
                return data
        if len(data) > limit:
            raise AssertionError("no tagged reply %r within %d bytes" % (tag, limit))
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("EOF before %r; got %r" % (tag, data[-2000:]))
        data += chunk


def free_loopback_port():
    return free_port()
