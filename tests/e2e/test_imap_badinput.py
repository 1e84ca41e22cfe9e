"""Bad input to cairn-imapd (issue 5, the parts that are not about messages):
literal sizes {4294967296} and {-1}, a 10 MB line, NUL in a quoted string, 10,000
nested parentheses, bad mailbox names (.., //, leading /, CR/LF, bad modified
UTF-7), SQL metacharacters in names and logins, literals refused before a password
is sent in the clear, and a flood of garbage.  Each gets BAD or NO, the session
goes on, the worker stays small and alive (the node asserts no crash and no
sanitizer report at the end).
"""
import os
import unittest

from cairntest.imapnode import ImapNode, read_until_tagged, sanitized


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class ImapBadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = ImapNode()
        cls.node.add_user("mallory@example.test", "mallory-pw")
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def session(self, login=True):
        s, greeting = self.node.raw("imaps")
        self.assertTrue(greeting.startswith(b"* OK"), greeting)
        if login:
            s.sendall(b"L LOGIN mallory mallory-pw\r\n")
            self.assertIn(b"L OK", read_until_tagged(s, b"L"))
        return s

    def cmd(self, s, tag, data):
        s.sendall(data)
        return read_until_tagged(s, tag)

    def still_alive(self, s):
        self.assertIn(b"Z OK", self.cmd(s, b"Z", b"Z NOOP\r\n"))

    def test_huge_and_negative_literals(self):
        s = self.session()
        out = self.cmd(s, b"a", b"a CREATE {4294967296}\r\n")
        self.assertRegex(out, rb"a BAD \[TOOBIG\]")
        self.assertNotIn(b"+ ", out)
        out = self.cmd(s, b"b", b"b CREATE {-1}\r\n")
        self.assertIn(b"b BAD", out)
        out = self.cmd(s, b"c", b"c CREATE {99999999999999999999999}\r\n")
        self.assertIn(b"c BAD", out)
        # over the small-literal limit of non-APPEND commands: refused, no "+"
        out = self.cmd(s, b"d", b"d CREATE {100000}\r\n")
        self.assertRegex(out, rb"d BAD \[TOOBIG\]")
        # a refused non-synchronising literal: its bytes are skipped, not run
        out = self.cmd(s, b"e", b"e CREATE {70000+}\r\n" + b"x" * 70000 + b"\r\n")
        self.assertIn(b"e BAD", out)
        self.still_alive(s)
        s.close()

    def test_ten_megabyte_line(self):
        s = self.session()
        pids = self.node.master.workers()
        before = {p: rss_kb(p) for p in pids}
        chunk = b"A" * (1 << 20)
        s.sendall(b"big NOOP ")
        for _ in range(10):
            s.sendall(chunk)
        s.sendall(b"\r\n")
        out = read_until_tagged(s, b"big")
        self.assertIn(b"big BAD", out)
        self.still_alive(s)
        after = {p: rss_kb(p) for p in self.node.master.workers()}
        grown = max(after.get(p, 0) - before.get(p, 0) for p in pids)
        limit = 65536 if sanitized() else 4096  # ASan keeps freed memory in quarantine
        self.assertLess(grown, limit, "a worker grew by %d kB on a 10 MB line" % grown)
        s.close()

    def test_nul_in_quoted_string(self):
        s = self.session()
        out = self.cmd(s, b"a", b'a CREATE "ab\x00cd"\r\n')
        self.assertIn(b"a BAD", out)
        s.sendall(b"b LOGIN \"mal\x00lory\" x\r\n")
        self.assertIn(b"b BAD", read_until_tagged(s, b"b"))
        self.still_alive(s)
        s.close()

    def test_deeply_nested_parentheses(self):
        s = self.session()
        out = self.cmd(s, b"a", b"a STATUS INBOX " + b"(" * 10000 + b")" * 10000 + b"\r\n")
        self.assertIn(b"a BAD", out)
        out = self.cmd(s, b"b", b"b LIST " + b"(" * 10000 + b"\r\n")
        self.assertIn(b"b BAD", out)
        self.still_alive(s)
        s.close()

    def test_bad_mailbox_names(self):
        s = self.session()
        cases = [b'"../etc"', b'"a/../b"', b'".."', b'"a//b"', b'"/a"', b'"a/"/',
                 b'"&Jjo"', b'"&AGE-"', b'"&AOk-&AOk-"', b'"\xc3\xa9"', b'""']
        for i, name in enumerate(cases):
            tag = b"n%d" % i
            out = self.cmd(s, tag, tag + b" CREATE " + name + b"\r\n")
            self.assertRegex(out, tag + rb" (NO|BAD) ", name)
        # CR/LF inside a name can only come as a literal
        s.sendall(b"l1 CREATE {4}\r\n")
        self.assertTrue(s.recv(100).startswith(b"+ "))
        out = self.cmd(s, b"l1", b"a\r\nb\r\n")
        self.assertIn(b"l1 NO", out)
        out = self.cmd(s, b"l2", b"l2 RENAME INBOX {3+}\r\nx\ny\r\n")
        self.assertIn(b"l2 NO", out)
        # nothing of that was created
        out = self.cmd(s, b"ls", b'ls LIST "" "*"\r\n')
        for bad in (b"..", b"etc", b"//", b"\xc3"):
            self.assertNotIn(bad, out)
        self.still_alive(s)
        s.close()

    def test_sql_metacharacters(self):
        s = self.session()
        names = [b"\"x'; DROP TABLE mailboxes; --\"", b'"%_\\\\"', b"\"Robert'); --\""]
        for i, n in enumerate(names):
            tag = b"q%d" % i
            out = self.cmd(s, tag, tag + b" CREATE " + n + b"\r\n")
            self.assertRegex(out, tag + rb" (OK|NO) ")
        out = self.cmd(s, b"l", b'l LIST "" "*"\r\n')
        self.assertIn(b"DROP TABLE", out)
        self.assertEqual(self.node.sql("SELECT count(*) > 0 FROM mailboxes").strip(), "t")
        s.close()
        s = self.session(login=False)
        out = self.cmd(s, b"a", b"a LOGIN \"' OR 1=1 --\" \"' OR '1'='1\"\r\n")
        self.assertIn(b"a NO [AUTHENTICATIONFAILED]", out)
        s.close()

    def test_literal_login_before_tls_refused_before_data(self):
        s, _ = self.node.raw("imap")
        out = self.cmd(s, b"a", b"a LOGIN {7}\r\n")
        self.assertIn(b"a NO [PRIVACYREQUIRED]", out)
        self.assertNotIn(b"+ ", out)
        # non-synchronising: the password bytes are skipped, never parsed as a command
        out = self.cmd(s, b"b", b"b LOGIN mallory {10+}\r\nc LOGOUT\r\n\r\n")
        self.assertIn(b"b NO [PRIVACYREQUIRED]", out)
        out = self.cmd(s, b"d", b"d NOOP\r\n")
        self.assertNotIn(b"c OK", out)
        self.assertIn(b"d OK", out)
        s.close()

    def test_garbage_flood(self):
        s = self.session(login=False)
        junk = bytes(range(256)) * 64 + b"\r\n" + b"* \r\n+\r\n)\r\n{\r\n\"\r\n" * 100
        s.sendall(junk)
        self.still_alive(s)
        s.close()


if __name__ == "__main__":
    unittest.main()
