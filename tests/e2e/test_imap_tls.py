"""TLS on cairn-imapd: `openssl s_client -starttls imap` and `-connect` to the
implicit-TLS port work, TLS 1.1 is refused on both, STARTTLS discards plaintext
pipelined behind it ("a STARTTLS" + "b LOGIN" in one packet: b never runs),
STARTTLS twice is BAD, and imaplib works over STARTTLS and port 993.
"""
import socket
import ssl
import subprocess
import unittest

from cairntest import scaled
from cairntest.imapnode import ImapNode, read_until_tagged


class ImapTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = ImapNode()
        cls.node.add_user("tina@example.test", "tina-pw")
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def s_client(self, service, *extra, stdin=b""):
        host, port = self.node.addr(service)
        argv = ["openssl", "s_client", "-connect", "%s:%d" % (host, port), "-ign_eof",
                "-crlf"] + list(extra)
        r = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=scaled(60))
        return r.returncode, r.stdout

    def test_s_client_starttls_and_993(self):
        script = b"a LOGIN tina tina-pw\na LOGOUT\n"
        for service, extra in (("imap", ["-starttls", "imap"]), ("imaps", [])):
            rc, out = self.s_client(service, *extra, stdin=script)
            self.assertEqual(rc, 0, out[-2000:])
            self.assertRegex(out, rb"Protocol *: TLSv1\.[23]")
            self.assertIn(b"a OK [CAPABILITY", out)
            self.assertIn(b"* BYE", out)

    def test_tls_1_1_refused(self):
        for service, extra in (("imap", ["-starttls", "imap"]), ("imaps", [])):
            rc, out = self.s_client(service, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
                                    *extra, stdin=b"a LOGOUT\n")
            self.assertNotEqual(rc, 0, out[-2000:])
            self.assertNotIn(b"a OK", out)
        # the service still works afterwards
        c = self.node.client_ssl()
        self.assertEqual(c.login("tina", "tina-pw")[0], "OK")
        c.logout()

    def test_starttls_discards_pipelined_plaintext(self):
        s, _ = self.node.raw("imap")
        s.sendall(b"a STARTTLS\r\nb LOGIN tina tina-pw\r\n")
        line = b""
        while not line.endswith(b"\r\n"):
            ch = s.recv(1)
            self.assertTrue(ch, "EOF after STARTTLS: %r" % line)
            line += ch
        self.assertTrue(line.startswith(b"a OK"), line)
        t = self.node.tls_context().wrap_socket(s)
        t.sendall(b"c NOOP\r\n")
        out = read_until_tagged(t, b"c")
        self.assertNotIn(b"b OK", out)
        self.assertNotIn(b"b NO", out)
        # still not authenticated: b never ran
        t.sendall(b"d LIST \"\" *\r\n")
        self.assertIn(b"d BAD Not authenticated", read_until_tagged(t, b"d"))
        t.sendall(b"e STARTTLS\r\n")
        self.assertIn(b"e BAD", read_until_tagged(t, b"e"))
        t.sendall(b"f LOGIN tina tina-pw\r\n")
        self.assertIn(b"f OK", read_until_tagged(t, b"f"))
        t.close()
        self.node.master.wait_log(r"event=starttls_discarded bytes=22")

    def test_starttls_on_imaps_is_bad(self):
        s, _ = self.node.raw("imaps")
        s.sendall(b"a STARTTLS\r\n")
        self.assertIn(b"a BAD", read_until_tagged(s, b"a"))
        s.close()

    def test_imaplib_starttls_then_starttls_again(self):
        c = self.node.client_starttls()
        with self.assertRaisesRegex(c.error, "BAD.*TLS is already active"):
            c._simple_command("STARTTLS")
        self.assertEqual(c.login("tina", "tina-pw")[0], "OK")
        c.logout()

    def test_plaintext_handshake_garbage_on_993(self):
        s = socket.create_connection(self.node.addr("imaps"), timeout=scaled(30))
        s.sendall(b"a LOGIN tina tina-pw\r\n")
        try:
            data = s.recv(4096)
        except ConnectionResetError:
            data = b""
        self.assertNotIn(b"OK", data)
        s.close()
        self.node.master.wait_log(r"event=disconnect reason=tls_failed")


if __name__ == "__main__":
    unittest.main()
