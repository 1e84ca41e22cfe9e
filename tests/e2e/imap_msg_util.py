"""Helpers for the message-command end-to-end tests (test_imap_messages.py,
test_imap_concurrent.py, test_imap_clients.py): a raw IMAP client that keeps the
exact untagged responses (and their order) of each command, literals included,
and a node fixture with plaintext LOGIN from loopback."""
import re
import socket

from cairntest import scaled
from cairntest.imapnode import ImapNode

PASSWORD = "secret-pw"


def new_node(**imap):
    keys = {"allow_plaintext_auth": "loopback"}
    keys.update(imap)
    return ImapNode(imap=keys)


class Raw:
    """A line-level IMAP client.  cmd() returns (status, untagged, text): untagged
    is the list of untagged responses (bytes, without "* ", literal data inlined)."""

    LIT = re.compile(rb"\{(\d+)\}\r\n$")

    def __init__(self, node, login=None, service="imap", timeout=60):
        self.sock = socket.create_connection(node.addr(service), timeout=scaled(timeout))
        self.buf = b""
        self.n = 0
        self.greeting = self.line()
        if login:
            st, _, text = self.cmd("LOGIN %s %s" % (login, PASSWORD))
            assert st == "OK", text

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed; buffered %r" % self.buf[-500:])
            self.buf += chunk
        i = self.buf.index(b"\r\n") + 2
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed inside a literal")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self):
        """One whole response line, literals inlined."""
        data = self.line()
        while True:
            m = self.LIT.search(data)
            if not m:
                return data[:-2]
            data += self.exact(int(m.group(1)))
            data += self.line()

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def cmd(self, line, literal=None):
        """Run "TAG line"; with literal, line ends in the literal (sent as {n+})."""
        self.n += 1
        tag = "t%d" % self.n
        if literal is None:
            self.send("%s %s\r\n" % (tag, line))
        else:
            self.send(("%s %s {%d+}\r\n" % (tag, line, len(literal))).encode() + literal + b"\r\n")
        return self.read_tagged(tag)

    def read_tagged(self, tag):
        untagged = []
        while True:
            r = self.response()
            if r.startswith(b"* "):
                untagged.append(r[2:])
            elif r.startswith(tag.encode() + b" "):
                rest = r[len(tag) + 1:].decode(errors="replace")
                st, _, text = rest.partition(" ")
                return st, untagged, text
            elif r.startswith(b"+"):
                continue
            else:
                raise AssertionError("unexpected line %r" % r)

    def ok(self, line, literal=None):
        st, untagged, text = self.cmd(line, literal)
        assert st == "OK", "%s -> %s %s" % (line, st, text)
        return untagged, text

    def close(self):
        try:
            self.send("z LOGOUT\r\n")
            self.sock.close()
        except OSError:
            pass


def message(i, subject=None, body=None, extra=""):
    return ("From: Sender %d <sender%d@example.test>\r\nTo: rcpt@example.test\r\n"
            "Subject: %s\r\nDate: Mon, %d Feb 1994 21:52:25 -0800\r\nMessage-ID: <m%d@test>\r\n"
            "%s\r\n%s\r\n" % (i, i, subject or "message %d" % i, (i % 27) + 1, i, extra,
                              body or "Body of message %d" % i)).encode()


def fetch_map(untagged):
    """{seq: bytes of the FETCH data} from untagged responses."""
    out = {}
    for u in untagged:
        m = re.match(rb"(\d+) FETCH \((.*)\)$", u, re.S)
        if m:
            out[int(m.group(1))] = m.group(2)
    return out
