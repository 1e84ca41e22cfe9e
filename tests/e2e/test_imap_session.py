"""cairn-imapd sessions end to end: greeting and capabilities, LOGIN, AUTHENTICATE
PLAIN (with and without SASL-IR) and SCRAM-SHA-256 (client written here: imaplib has
none), LOGINDISABLED before TLS, one reply for unknown users and wrong passwords,
failure delay and BYE, default domain, INBOX created at login, ENABLE, ID, states,
connection limits per IP and per user, the pre-login timeout, and the memory of idle
connections.  Real cairn-master + cairn-imapd + PostgreSQL, Python imaplib.
"""
import base64
import hashlib
import hmac
import imaplib
import os
import secrets
import socket
import time
import unittest

from cairntest import scaled
from cairntest.imapnode import ImapNode, read_until_tagged, sanitized


def scram_client(user, password, nonce=None):
    """An imaplib authobject speaking SCRAM-SHA-256 (RFC 5802/7677); .verified is
    set once the server signature checked out."""
    state = {"step": 0}
    cnonce = nonce or base64.b64encode(secrets.token_bytes(18)).decode()
    first_bare = "n=%s,r=%s" % (user.replace("=", "=3D").replace(",", "=2C"), cnonce)

    def step(challenge):
        if state["step"] == 0:
            state["step"] = 1
            return ("n,," + first_bare).encode()
        if state["step"] == 1:
            state["step"] = 2
            server_first = challenge.decode()
            attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
            assert attrs["r"].startswith(cnonce)
            salt = base64.b64decode(attrs["s"])
            salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, int(attrs["i"]))
            client_key = hmac.new(salted, b"Client Key", "sha256").digest()
            stored = hashlib.sha256(client_key).digest()
            final_bare = "c=biws,r=" + attrs["r"]
            auth_msg = ",".join([first_bare, server_first, final_bare]).encode()
            sig = hmac.new(stored, auth_msg, "sha256").digest()
            proof = bytes(a ^ b for a, b in zip(client_key, sig))
            server_key = hmac.new(salted, b"Server Key", "sha256").digest()
            step.expected = base64.b64encode(
                hmac.new(server_key, auth_msg, "sha256").digest()).decode()
            return (final_bare + ",p=" + base64.b64encode(proof).decode()).encode()
        state["step"] = 3
        step.verified = challenge.decode() == "v=" + step.expected
        return b""

    step.verified = False
    step.expected = None
    return step


class ImapSessionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = ImapNode()
        cls.node.add_user("alice@example.test", "alice-pw")
        cls.node.add_user("nofolders@example.test", "pw-nf", folders=False)
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def tls(self):
        return self.node.client_starttls()

    def test_greeting_and_logindisabled_before_tls(self):
        c = self.node.client()
        self.assertIn(b"[CAPABILITY IMAP4rev1 IMAP4rev2", c.welcome)
        self.assertIn(b"imap.test", c.welcome)
        caps = c.capabilities
        self.assertIn("LOGINDISABLED", caps)
        self.assertIn("STARTTLS", caps)
        self.assertNotIn("AUTH=PLAIN", caps)
        self.assertIn("AUTH=SCRAM-SHA-256", caps)
        with self.assertRaisesRegex(imaplib.IMAP4.error, "PRIVACYREQUIRED"):
            c.login("alice", "alice-pw")
        typ, data = c._simple_command("AUTHENTICATE", "PLAIN",
                                      base64.b64encode(b"\0alice\0alice-pw").decode())
        self.assertEqual(typ, "NO")
        self.assertEqual(c.noop()[0], "OK")  # the session goes on
        c.logout()

    def test_login_over_starttls_and_993(self):
        c = self.tls()
        typ, caps = c.capability()
        caps = caps[0].decode().split()
        self.assertIn("AUTH=PLAIN", caps)
        self.assertNotIn("LOGINDISABLED", caps)
        self.assertNotIn("STARTTLS", caps)
        typ, data = c.login("alice@example.test", "alice-pw")
        self.assertEqual(typ, "OK")
        self.assertIn(b"[CAPABILITY", data[0])
        self.assertIn(b"NAMESPACE", data[0])
        self.assertEqual(c.logout()[0], "BYE")
        c = self.node.client_ssl()
        self.assertEqual(c.login("alice", "alice-pw")[0], "OK")  # default_domain
        c.logout()

    def test_authenticate_plain_with_and_without_sasl_ir(self):
        c = self.tls()
        typ, _ = c.authenticate("PLAIN", lambda ch: b"\0alice@example.test\0alice-pw")
        self.assertEqual(typ, "OK")
        self.assertEqual(c.state, "AUTH")
        c.logout()
        c = self.tls()
        ir = base64.b64encode(b"\0alice\0alice-pw").decode()
        typ, data = c._simple_command("AUTHENTICATE", "PLAIN", ir)
        self.assertEqual(typ, "OK", data)
        c.logout()

    def test_authenticate_cancel_and_bad_base64(self):
        s, _ = self.node.raw("imaps")
        s.sendall(b"a AUTHENTICATE PLAIN\r\n")
        self.assertTrue(s.recv(100).startswith(b"+"))
        s.sendall(b"*\r\n")
        self.assertIn(b"a BAD", read_until_tagged(s, b"a"))
        s.sendall(b"b AUTHENTICATE PLAIN !!notbase64\r\n")
        self.assertIn(b"b BAD", read_until_tagged(s, b"b"))
        s.sendall(b"c AUTHENTICATE DIGEST-MD5\r\nd NOOP\r\n")
        out = read_until_tagged(s, b"d")
        self.assertIn(b"c NO", out)
        self.assertIn(b"d OK", out)
        s.close()

    def test_scram_sha_256(self):
        c = self.node.client()  # SCRAM is fine without TLS: no password on the wire
        auth = scram_client("alice", "alice-pw")
        typ, _ = c.authenticate("SCRAM-SHA-256", auth)
        self.assertEqual(typ, "OK")
        self.assertTrue(auth.verified, "server signature did not verify")
        c.logout()

    def test_scram_wrong_password_and_unknown_user_look_alike(self):
        replies = []
        for user, pw in (("alice", "nope"), ("nosuchuser", "nope")):
            c = self.node.client()
            with self.assertRaises(imaplib.IMAP4.error) as cm:
                c.authenticate("SCRAM-SHA-256", scram_client(user, pw))
            replies.append(str(cm.exception))
            c.logout()
        self.assertEqual(replies[0], replies[1])
        self.assertIn("AUTHENTICATIONFAILED", replies[0])

    def test_unknown_user_and_wrong_password_identical(self):
        out = []
        for user in ("alice", "ghost", "ghost@nowhere.test", '"x\' OR \'1\'=\'1"'):
            c = self.tls()
            with self.assertRaises(imaplib.IMAP4.error) as cm:
                c.login(user, "wrong-password")
            out.append(str(cm.exception))
            c.logout()
        self.assertEqual(len(set(out)), 1, out)
        self.assertIn("[AUTHENTICATIONFAILED] Authentication failed", out[0])

    def test_failures_delay_then_bye(self):
        c = self.tls()
        t0 = time.time()
        for i in range(2):
            with self.assertRaises(imaplib.IMAP4.error):
                c.login("alice", "bad%d" % i)
        # 20 ms, then 40 ms (auth_fail_delay_ms = 20, doubling)
        self.assertGreaterEqual(time.time() - t0, 0.055)
        with self.assertRaisesRegex(imaplib.IMAP4.abort, "Too many failed"):
            c.login("alice", "bad3")

    def test_inbox_created_at_login(self):
        self.assertEqual(self.node.sql(
            "SELECT count(*) FROM mailboxes m JOIN accounts a ON a.id = m.owner_id "
            "WHERE a.localpart = 'nofolders'").strip(), "0")
        c = self.tls()
        c.login("nofolders", "pw-nf")
        typ, data = c.list()
        self.assertEqual(data, [b'(\\HasNoChildren) "/" INBOX'])
        c.logout()

    def test_wrong_state_raw(self):
        s, _ = self.node.raw("imaps")
        s.sendall(b"a SELECT INBOX\r\nb ENABLE IMAP4rev2\r\nc CREATE x\r\n"
                  b"d LOGIN alice alice-pw\r\ne LOGIN alice alice-pw\r\n"
                  b"f AUTHENTICATE PLAIN\r\ng STARTTLS\r\nh UID FETCH 1 FLAGS\r\n"
                  b"i CHECK\r\nk FROBNICATE\r\nj LOGOUT\r\n")
        out = read_until_tagged(s, b"j").decode()
        for line in ("a BAD Not authenticated", "b BAD Not authenticated",
                     "c BAD Not authenticated", "d OK", "e BAD Already authenticated",
                     "f BAD Already authenticated", "g BAD Already authenticated",
                     "h BAD No mailbox selected", "i BAD No mailbox selected",
                     "k BAD Unknown command", "j OK"):
            self.assertIn("\r\n" + line, "\r\n" + out)
        s.close()

    def test_enable_id_namespace_and_states(self):
        c = self.tls()
        typ, data = c.xatom("ID", '("name" "test" "version" "1")')
        self.assertEqual(typ, "OK")
        self.assertIn(b'"cairn"', c.untagged_responses.pop("ID")[0])
        c.login("alice", "alice-pw")
        typ, data = c._simple_command("ENABLE", "IMAP4rev2", "X-UNKNOWN")
        self.assertEqual(typ, "OK")
        self.assertEqual(c.untagged_responses.pop("ENABLED"), [b"IMAP4rev2"])
        typ, data = c._simple_command("ENABLE", "IMAP4rev2")
        self.assertEqual(c.untagged_responses.pop("ENABLED"), [b""])
        self.assertEqual(c.noop()[0], "OK")
        c.logout()

    def test_pipelined_replies_in_order(self):
        s, _ = self.node.raw("imaps")
        s.sendall(b"".join(b"t%d NOOP\r\n" % i for i in range(200)) + b"x LOGOUT\r\n")
        out = read_until_tagged(s, b"x")
        tags = [ln.split(b" ")[0] for ln in out.split(b"\r\n") if ln.startswith(b"t")]
        self.assertEqual(tags, [b"t%d" % i for i in range(200)])
        s.close()

    def test_idle_memory_per_connection(self):
        """Open idle logged-in connections and report the workers' memory."""
        clients = []
        for _ in range(4):
            c = self.tls()
            c.login("alice", "alice-pw")
            clients.append(c)
        rss = self.node.worker_rss_kb()
        pss = {}
        for pid in rss:
            try:
                with open("/proc/%d/smaps_rollup" % pid) as f:
                    for line in f:
                        if line.startswith("Pss:"):
                            pss[pid] = int(line.split()[1])
            except OSError:
                pass
        busy = sorted(rss.values())[-4:]
        print("\nidle connection: worker RSS %s kB, PSS %s kB" %
              (busy, sorted(pss.values())[-4:]))
        limit = 256 * 1024 if sanitized() else 32 * 1024
        self.assertTrue(all(v < limit for v in busy), busy)
        for c in clients:
            c.logout()


class ImapLimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = ImapNode(imap={"max_connections_per_ip": "3",
                                  "max_connections_per_user": "1",
                                  "timeout_preauth": "1",
                                  "allow_plaintext_auth": "loopback"}, min_idle=4)
        cls.node.add_user("carol@example.test", "carol-pw")
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def test_limits_and_timeout(self):
        # per user: the second login of carol is refused, the first goes on
        a = self.node.client()
        self.assertEqual(a.login("carol", "carol-pw")[0], "OK")  # loopback plaintext
        b = self.node.client_ssl()
        with self.assertRaisesRegex(imaplib.IMAP4.error, r"\[LIMIT\]"):
            b.login("carol", "carol-pw")
        # per IP: a and b hold 2 of 3 slots (across two services); the 4th is refused
        c = self.node.client()
        s, greeting = self.node.raw()
        self.assertIn(b"* BYE", greeting)
        s.close()
        for x in (b, c):
            x.logout()
        # slots come back when connections end (released by the kernel)
        deadline = time.time() + scaled(30)
        while True:
            try:
                d = self.node.client()
                break
            except (imaplib.IMAP4.abort, imaplib.IMAP4.error, ConnectionError):
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        # pre-login timeout (1 s here): BYE, then the connection closes; the bound only
        # tells it apart from the default timeout_preauth (60 s), whatever the load
        t0 = time.time()
        d.sock.settimeout(50)
        data = d.sock.recv(4096)
        self.assertIn(b"* BYE", data)
        self.assertLess(time.time() - t0, 30)
        a.logout()


class ImapConfigTest(unittest.TestCase):
    def test_bad_imap_keys_have_line_numbers(self):
        import subprocess
        import tempfile
        from cairntest import binary
        for text, needle in (
                ("[database]\nconninfo = x\n[imap]\nhostname = h\nbogus_key = 1\n",
                 ":5: unknown key 'bogus_key' in [imap]"),
                ("[imap]\nallow_plaintext_auth = maybe\n",
                 ":2: key 'allow_plaintext_auth' must be no, loopback or yes"),
                ("[imap]\ntimeout_auth = 5\n", ":2: key 'timeout_auth' must be an integer"),
                ("[imap]\n", "[database] conninfo is required")):
            with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
                f.write(text)
                f.flush()
                r = subprocess.run([binary("cairn-imapd"), "-c", f.name, "-s", "127.0.0.1:1"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   timeout=scaled(60))
            self.assertEqual(r.returncode, 1)
            self.assertIn(needle, r.stdout.decode())


if __name__ == "__main__":
    unittest.main()
