"""cairn-lmtpd end to end: a private database + blob store + running lmtpd, and a
raw LMTP client that reads one reply per accepted recipient after DATA (which
Python's smtplib.LMTP does not).

    node = LmtpNode(workers=2)           # new migrated database, temp blob root
    node.add_user("alice", "example.test", folders=["Lists"])
    c = node.client(); c.lhlo(); c.cmd("MAIL FROM:<s@x>") ...
    node.stop()

lmtpd runs under a real cairn-master (cairntest.master) with `min_idle = workers`;
as root its workers run as the unprivileged `cairn` user, so the blob root is
handed to that user.
"""
import os
import shutil
import socket
import time

from . import binary, scaled
from .master import Master
from .pg import shared_server
from .proc import unpriv_ids


def free_port():
    """A loopback TCP port free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LmtpClient:
    """A minimal LMTP client on a socket: send bytes, read whole replies."""

    def __init__(self, host, port, timeout=60):
        self.sock = socket.create_connection((host, port), timeout=scaled(timeout))
        self.buf = b""
        self.greeting = self.reply()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r").decode(errors="replace")

    def reply(self):
        """One (possibly multi-line) reply: (code, last line text)."""
        lines = []
        while True:
            line = self._line()
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return int(line[:3]), "\n".join(lines)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def lhlo(self):
        return self.cmd("LHLO test.client")

    def deliver(self, sender, rcpts, msg):
        """A whole transaction; returns (rcpt codes, data codes)."""
        if isinstance(msg, str):
            msg = msg.encode()
        assert self.cmd("MAIL FROM:<%s>" % sender)[0] == 250
        rcodes = [self.cmd("RCPT TO:<%s>" % r)[0] for r in rcpts]
        ok = sum(1 for c in rcodes if c == 250)
        if ok == 0:
            self.cmd("RSET")
            return rcodes, []
        code, text = self.cmd("DATA")
        assert code == 354, text
        self.send(dot_stuff(msg) + b".\r\n")
        return rcodes, [self.reply()[0] for _ in range(ok)]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def dot_stuff(msg):
    if not msg.endswith(b"\r\n"):
        msg += b"\r\n"
    lines = msg.split(b"\r\n")
    return b"\r\n".join((b"." + l if l.startswith(b".") else l) for l in lines)


def stored_form(sender, msg):
    """The bytes cairn stores for msg: Return-Path, then CRLF line ends."""
    if isinstance(msg, str):
        msg = msg.encode()
    if not msg.endswith(b"\r\n"):
        msg += b"\r\n"
    return b"Return-Path: <" + sender.encode() + b">\r\n" + msg


class LmtpNode:
    def __init__(self, workers=2, lmtp=None, pg=None, start=True):
        self.pg = pg or shared_server()
        self.conninfo = self.pg.new_database()
        self.dbname = self.conninfo.split("dbname=")[1]
        self.master = Master()
        self.dir = self.master.dir
        self.blob_root = os.path.join(self.dir, "blobs")
        os.mkdir(self.blob_root, 0o750)
        os.chown(self.blob_root, *unpriv_ids())
        self.port = free_port()
        settings = {"hostname": "lmtp.test"}
        settings.update(lmtp or {})
        self.master.section("database", conninfo=self.conninfo)
        self.master.section("blob", root=self.blob_root)
        self.master.section("lmtp", **settings)
        self.master.service("lmtp", cmd=binary("cairn-lmtpd"), listen="127.0.0.1:%d" % self.port,
                            min_idle=workers, max_proc=max(8, 2 * workers))
        if start:
            self.start()

    @property
    def proc(self):
        return self.master.proc

    def start(self):
        self.master.start()

    def worker_pids(self):
        return self.master.workers("lmtp")

    def expect_log(self, pattern):
        """This test provokes log error lines matching regex pattern: stop() accepts
        them (Master.expect_log)."""
        return self.master.expect_log(pattern)

    def stop(self):
        """Stop the master: asserts a clean exit and no sanitizer report in the log."""
        if self.master.proc is not None:
            self.master.stop()

    def cleanup(self):
        try:
            self.stop()
        finally:
            self.master.kill()
            shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        return self.master.log()

    def client(self):
        return LmtpClient("127.0.0.1", self.port)

    # -- data ------------------------------------------------------------
    def sql(self, q):
        return self.pg.psql(q, self.dbname).strip()

    def rows(self, q):
        out = self.sql(q)
        return [l.split("|") for l in out.splitlines()] if out else []

    def add_user(self, localpart, domain, folders=(), storage_limit=None, message_limit=None):
        """Domain (if new), account, INBOX and folders; optional quota root.  -> account id"""
        self.sql("INSERT INTO domains (name) VALUES ('%s') ON CONFLICT DO NOTHING" % domain)
        qr = "NULL"
        if storage_limit is not None or message_limit is not None:
            qr = self.sql("INSERT INTO quota_roots (name, storage_limit, message_limit) "
                          "VALUES ('%s', %s, %s) RETURNING id"
                          % (localpart, "NULL" if storage_limit is None else storage_limit,
                             "NULL" if message_limit is None else message_limit)).split()[0]
        acct = self.sql("INSERT INTO accounts (domain_id, localpart, quota_root_id) SELECT id, "
                        "'%s', %s FROM domains WHERE name = '%s' RETURNING id"
                        % (localpart, qr, domain)).split()[0]
        for name in ["INBOX"] + list(folders):
            self.sql("INSERT INTO mailboxes (owner_id, name, uidvalidity) VALUES (%s, '%s', 1)"
                     % (acct, name))
        return int(acct)

    def mailbox_id(self, localpart, domain, name="INBOX"):
        return int(self.sql(
            "SELECT m.id FROM mailboxes m JOIN accounts a ON a.id = m.owner_id JOIN domains d "
            "ON d.id = a.domain_id WHERE d.name = '%s' AND a.localpart = '%s' AND m.name = '%s'"
            % (domain, localpart, name)))

    def uids(self, mailbox_id):
        return [int(r[0]) for r in self.rows(
            "SELECT uid FROM mailbox_messages WHERE mailbox_id = %d ORDER BY uid" % mailbox_id)]

    def blob_path(self, sha_hex):
        return os.path.join(self.blob_root, sha_hex[:2], sha_hex[2:4], sha_hex)

    def stored_messages(self, mailbox_id):
        """[(uid, bytes of the blob)] of a mailbox, in UID order."""
        out = []
        for uid, sha in self.rows(
                "SELECT mm.uid, encode(m.sha256, 'hex') FROM mailbox_messages mm JOIN messages m "
                "ON m.id = mm.message_id WHERE mm.mailbox_id = %d ORDER BY mm.uid" % mailbox_id):
            with open(self.blob_path(sha), "rb") as f:
                out.append((int(uid), f.read()))
        return out

    def blob_files(self):
        n = 0
        for d, _, files in os.walk(self.blob_root):
            if os.path.basename(d) != "tmp":
                n += len(files)
        return n
