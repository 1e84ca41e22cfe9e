"""COMPRESS=DEFLATE (RFC 4978) end to end: raw DEFLATE in both directions from the
tagged OK on, above TLS on imaps and on a plaintext loopback session, with big
literals both ways, IDLE pushes arriving under compression, commands pipelined in
the same packet as COMPRESS, and the bad inputs: unknown mechanisms, a second
COMPRESS, COMPRESS before login, and a corrupt compressed stream (the session
ends, the worker does not).  mbsync (isync 1.4) negotiates COMPRESS by itself:
test_imap_clients drives it; here its log line is checked too.
"""
import re
import unittest
import zlib

from cairntest import scaled
from cairntest.imapnode import ImapNode, read_until_tagged, sanitized

USER, PASSWORD = "zed@example.test", "zed-password"


class Deflated:
    """A client end of a compressed IMAP connection over a (TLS or plain) socket."""

    def __init__(self, sock, leftover=b""):
        self.sock = sock
        self.z = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.unz = zlib.decompressobj(-15)
        self.data = self.unz.decompress(leftover) if leftover else b""

    def send(self, data):
        self.sock.sendall(self.z.compress(data) + self.z.flush(zlib.Z_SYNC_FLUSH))

    def read_until(self, end, limit=64 << 20):
        """Everything up to the offset end(data) returns (None: read more); the rest
        stays for the next call."""
        while (n := end(self.data)) is None:
            if len(self.data) > limit:
                raise AssertionError("no reply within %d bytes" % limit)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("EOF; got %r" % self.data[-2000:])
            self.data += self.unz.decompress(chunk)
        out, self.data = self.data[:n], self.data[n:]
        return out

    def tagged(self, tag):
        def end(data):
            m = re.search(rb"(^|\r\n)" + re.escape(tag) + rb" [^\r\n]*\r\n", data)
            return m.end() if m else None
        return self.read_until(end)

    def line(self, pattern):
        """Up to the end of the first line matching pattern."""
        def end(data):
            m = re.search(rb"(^|\r\n)" + pattern + rb"[^\r\n]*\r\n", data)
            return m.end() if m else None
        return self.read_until(end)

    def cmd(self, tag, line):
        self.send(tag + b" " + line + b"\r\n")
        return self.tagged(tag)


class CompressTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = ImapNode(imap={"allow_plaintext_auth": "loopback"})
        cls.node.add_user(USER, PASSWORD)
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def login(self, service="imaps"):
        s, greeting = self.node.raw(service)
        self.assertTrue(greeting.startswith(b"* OK"), greeting)
        s.sendall(b"L LOGIN %s %s\r\n" % (USER.encode(), PASSWORD.encode()))
        out = read_until_tagged(s, b"L")
        self.assertIn(b"L OK", out)
        return s, out

    def compressed(self, service="imaps"):
        s, _ = self.login(service)
        s.sendall(b"C COMPRESS DEFLATE\r\n")
        out = read_until_tagged(s, b"C")  # the OK itself is not compressed
        self.assertRegex(out, rb"(^|\r\n)C OK ")
        head, _, rest = out.partition(b"C OK ")
        rest = rest.split(b"\r\n", 1)[1] if b"\r\n" in rest else b""
        return Deflated(s, rest)

    def test_capability_only_after_login(self):
        s, greeting = self.node.raw("imaps")
        self.assertNotIn(b"COMPRESS", greeting)
        s.sendall(b"a CAPABILITY\r\n")
        self.assertNotIn(b"COMPRESS=DEFLATE", read_until_tagged(s, b"a"))
        s.sendall(b"b COMPRESS DEFLATE\r\n")
        self.assertRegex(read_until_tagged(s, b"b"), rb"b BAD ")  # not before login
        s.sendall(b"L LOGIN %s %s\r\n" % (USER.encode(), PASSWORD.encode()))
        self.assertIn(b"COMPRESS=DEFLATE", read_until_tagged(s, b"L"))
        s.close()

    def roundtrip(self, service):
        z = self.compressed(service)
        self.assertIn(b"n OK", z.cmd(b"n", b"NOOP"))
        self.assertRegex(z.cmd(b"c", b"CAPABILITY"), rb"\* CAPABILITY .*COMPRESS=DEFLATE")
        body = b"Subject: squeeze %s\r\n\r\n" % service.encode() + b"".join(
            b"line %06d of a long message\r\n" % i for i in range(20000))
        z.send(b"a APPEND INBOX {%d}\r\n" % len(body))
        self.assertTrue(z.line(rb"\+").startswith(b"+"))
        z.send(body + b"\r\n")
        out = z.tagged(b"a")
        self.assertRegex(out, rb"a OK \[APPENDUID \d+ (\d+)\]")
        uid = re.search(rb"APPENDUID \d+ (\d+)", out).group(1)
        self.assertIn(b"s OK", z.cmd(b"s", b"SELECT INBOX"))
        out = z.cmd(b"f", b"UID FETCH %s BODY.PEEK[]" % uid)
        self.assertIn(b"{%d}\r\n" % len(body) + body + b")", out)
        self.assertIn(b"f OK", out)
        self.assertIn(b"o OK", z.cmd(b"o", b"LOGOUT"))
        z.sock.close()

    def test_roundtrip_above_tls(self):
        self.roundtrip("imaps")

    def test_roundtrip_on_plain_loopback(self):
        self.roundtrip("imap")

    def test_second_compress_and_bad_mechanisms(self):
        z = self.compressed()
        self.assertRegex(z.cmd(b"a", b"COMPRESS DEFLATE"), rb"a NO \[COMPRESSIONACTIVE\]")
        self.assertRegex(z.cmd(b"b", b"COMPRESS LZ4"), rb"b BAD ")
        self.assertRegex(z.cmd(b"c", b"COMPRESS"), rb"c BAD ")
        self.assertRegex(z.cmd(b"d", b"COMPRESS DEFLATE EXTRA"), rb"d BAD ")
        self.assertIn(b"n OK", z.cmd(b"n", b"NOOP"))  # the session goes on
        z.sock.close()
        s, _ = self.login()
        s.sendall(b"e COMPRESS \"DEFLATE\"\r\n")  # a string, not the atom
        self.assertRegex(read_until_tagged(s, b"e"), rb"e BAD ")
        s.sendall(b"f NOOP\r\n")
        self.assertIn(b"f OK", read_until_tagged(s, b"f"))
        s.close()

    def test_commands_in_the_same_packet(self):
        """A client that does not wait for the OK: what followed COMPRESS was
        compressed, and is read as such."""
        s, _ = self.login()
        z = Deflated(s)
        tail = z.z.compress(b"n NOOP\r\nm CAPABILITY\r\n") + z.z.flush(zlib.Z_SYNC_FLUSH)
        s.sendall(b"C COMPRESS DEFLATE\r\n" + tail)
        out = read_until_tagged(s, b"C")
        rest = out.split(b"C OK ", 1)[1].split(b"\r\n", 1)[1]
        z.data = z.unz.decompress(rest)
        self.assertIn(b"n OK", z.tagged(b"n"))
        self.assertIn(b"m OK", z.tagged(b"m"))
        s.close()

    def test_idle_push_under_compression(self):
        z = self.compressed()
        self.assertIn(b"s OK", z.cmd(b"s", b"SELECT INBOX"))
        z.send(b"i IDLE\r\n")
        z.line(rb"\+")
        other = self.node.client_ssl()
        other.login(USER, PASSWORD)
        other.append("INBOX", None, None, b"Subject: push\r\n\r\npushed\r\n")
        other.logout()
        out = z.line(rb"\* \d+ EXISTS")
        self.assertRegex(out, rb"\* \d+ EXISTS")
        z.send(b"DONE\r\n")
        self.assertIn(b"i OK", z.tagged(b"i"))
        z.sock.close()

    def test_corrupt_stream_ends_only_that_session(self):
        s, _ = self.login()
        s.sendall(b"C COMPRESS DEFLATE\r\n")
        self.assertIn(b"C OK", read_until_tagged(s, b"C"))
        s.sendall(b"\xff" * 64)  # not a DEFLATE stream: cannot be framed
        s.settimeout(scaled(30))
        eof = False
        try:
            while s.recv(4096):
                pass
            eof = True
        except ConnectionError:
            eof = True
        self.assertTrue(eof, "the server ends a session whose stream it cannot inflate")
        s.close()
        self.node.master.wait_log(r"event=disconnect reason=error error=\S*")
        z = self.compressed()  # everyone else is served as before
        self.assertIn(b"n OK", z.cmd(b"n", b"NOOP"))
        z.sock.close()

    def test_bomb_line_has_bounded_memory(self):
        """64 MiB of one line inflated from ~64 KiB: refused like any long line."""
        z = self.compressed()
        before = max(self.node.worker_rss_kb().values())
        z.send(b"x NOOP ")
        zeros = b"A" * (1 << 20)
        for _ in range(64):
            z.sock.sendall(z.z.compress(zeros))
        z.send(b"\r\n")
        out = z.tagged(b"x")
        self.assertIn(b"x BAD", out)
        self.assertIn(b"n OK", z.cmd(b"n", b"NOOP"))
        if not sanitized():
            grown = max(self.node.worker_rss_kb().values()) - before
            self.assertLess(grown, 32 * 1024, "worker grew %d KiB" % grown)
        z.sock.close()


if __name__ == "__main__":
    unittest.main()
