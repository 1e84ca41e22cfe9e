"""Conformance regressions found by Dovecot's imaptest and by review (issue 9), each
checked on the wire against a real node:

- a BAD answers the command and the session goes on (imaptest's "Unexpected
  disconnection" after a BAD is imaptest closing its own connection: it gives up
  on a client that got BAD);
- NIL is an atom where a flag is expected: `STORE 1 +FLAGS NIL` sets the keyword NIL;
- a LIST pattern (or reference) that is not valid modified UTF-7 names nothing, so
  it matches nothing: OK, not BAD;
- LIST (SUBSCRIBED RECURSIVEMATCH): CHILDINFO only for a parent whose subscribed
  descendant is not itself returned (RFC 5258 3.5);
- LOGOUT sends no EXPUNGE or FETCH for the mailbox being left, only BYE;
- RENAME of an implied parent (only "a/b/c" was created) moves its inferiors;
- a message whose blob cannot be read is never sent as content (no BODY[] NIL): the
  FETCH ends NO [SERVERBUG], the readable messages are sent, and \Seen is set only
  on those.
"""
import hashlib
import os
import re
import unittest

from cairntest.imapnode import ImapNode, read_until_tagged


class ImapConformanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = ImapNode(imap={"allow_plaintext_auth": "loopback"})
        cls.node.add_user("conf@example.test", "conf-pw")
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def session(self):
        s, greeting = self.node.raw("imap")
        self.assertTrue(greeting.startswith(b"* OK"), greeting)
        self.assertIn(b"L OK", self.cmd(s, b"L", b"L LOGIN conf@example.test conf-pw\r\n"))
        return s

    def cmd(self, s, tag, data):
        s.sendall(data)
        return read_until_tagged(s, tag)

    def append(self, s, mailbox, body=b"Subject: t\r\n\r\nbody\r\n"):
        out = self.cmd(s, b"A", b"A APPEND %s {%d+}\r\n%s\r\n" % (mailbox, len(body), body))
        self.assertIn(b"A OK", out)

    def test_bad_does_not_end_the_session(self):
        s = self.session()
        bads = [b"b1 FROB\r\n", b"b2 SELECT\r\n", b"b3 FETCH 1 (FLAGS\r\n",
                b"b4 STORE 1 +FLAGS (\\Bogus)\r\n", b"b5 LIST (recursivematch) \"\" \"\"\r\n",
                b"b6 UID FETCH x FLAGS\r\n"]
        for i, line in enumerate(bads, 1):
            tag = b"b%d" % i
            out = self.cmd(s, tag, line)
            self.assertRegex(out, rb"(?m)^" + tag + rb" BAD ", out)
            self.assertNotIn(b"* BYE", out)
            self.assertIn(b"n OK", self.cmd(s, b"n", b"n NOOP\r\n"))

    def test_store_nil_is_a_keyword(self):
        s = self.session()
        self.assertIn(b"c OK", self.cmd(s, b"c", b"c CREATE nilbox\r\n"))
        self.append(s, b"nilbox")
        self.assertIn(b"s OK", self.cmd(s, b"s", b"s SELECT nilbox\r\n"))
        out = self.cmd(s, b"t", b"t STORE 1 +FLAGS NIL\r\n")
        self.assertIn(b"t OK", out)
        out = self.cmd(s, b"f", b"f FETCH 1 FLAGS\r\n")
        # Appended before this first SELECT: \Recent here (RFC 3501 2.3.2).
        self.assertRegex(out, rb"\* 1 FETCH \(FLAGS \(\\Recent NIL\)\)")
        self.assertRegex(self.cmd(s, b"h", b"h SEARCH KEYWORD NIL\r\n"), rb"\* SEARCH 1\r\n")

    def test_list_pattern_that_is_not_mutf7_matches_nothing(self):
        s = self.session()
        for tag, pat in ((b"l1", b"!#$&'+,-.0123456789:;<=>?@^_`|[}%*"),
                         (b"l2", b"&Jjo"), (b"l3", b"\"&\""), (b"l4", b"\"a&-b&ZZZ\"")):
            out = self.cmd(s, tag, b"%s LIST \"\" %s\r\n" % (tag, pat))
            self.assertIn(tag + b" OK", out)
            self.assertNotIn(b"* LIST", out)
        # a reference that is not modified UTF-7: nothing either
        out = self.cmd(s, b"l5", b"l5 LIST \"&\" *\r\n")
        self.assertIn(b"l5 OK", out)
        self.assertNotIn(b"* LIST", out)
        # the same name given to SELECT is an error about the name
        self.assertRegex(self.cmd(s, b"l6", b"l6 SELECT \"&Jjo\"\r\n"), rb"l6 (NO|BAD) ")
        self.assertIn(b"* LIST", self.cmd(s, b"l7", b"l7 LIST \"\" INBOX\r\n"))

    def test_recursivematch_childinfo(self):
        s = self.session()
        for name in (b"rm/t2/t1", b"rm/t7/t7", b"rm/t8/t8", b"rm/t8/t9"):
            self.assertIn(b"c OK", self.cmd(s, b"c", b"c CREATE %s\r\n" % name))
            self.assertIn(b"u OK", self.cmd(s, b"u", b"u SUBSCRIBE %s\r\n" % name))

        def lines(tag, args):
            out = self.cmd(s, tag, b"%s LIST (SUBSCRIBED RECURSIVEMATCH) \"\" %s\r\n"
                           % (tag, args))
            self.assertIn(tag + b" OK", out)
            return [ln for ln in out.split(b"\r\n") if ln.startswith(b"* LIST")]

        # t8/t9 is subscribed and not returned: t8 carries CHILDINFO
        got = lines(b"a", b"rm*t8")
        self.assertTrue(any(re.search(rb"rm/t8 \(\"CHILDINFO\" \(\"SUBSCRIBED\"\)\)$", g)
                            for g in got), got)
        self.assertTrue(any(g.endswith(b"rm/t8/t8") for g in got), got)
        # t7's only subscribed child is returned itself: no line for t7
        got = lines(b"b", b"rm*t7")
        self.assertFalse(any(g.endswith(b"rm/t7") or b"rm/t7 (" in g for g in got), got)
        # both patterns given: the child is returned, the parent is not
        got = lines(b"d", b"(rm/t2 rm/t2/t1)")
        self.assertEqual(len(got), 1, got)
        self.assertTrue(got[0].endswith(b"rm/t2/t1"), got)
        # a pattern stopping above the child: CHILDINFO
        got = lines(b"e", b"rm/t2%")
        self.assertEqual(len(got), 1, got)
        self.assertIn(b"CHILDINFO", got[0])

    def test_logout_sends_no_updates_for_the_mailbox(self):
        s = self.session()
        other = self.session()
        self.assertIn(b"c OK", self.cmd(s, b"c", b"c CREATE lobox\r\n"))
        for _ in range(3):
            self.append(s, b"lobox")
        self.assertIn(b"s OK", self.cmd(s, b"s", b"s SELECT lobox\r\n"))
        self.assertIn(b"o OK", self.cmd(other, b"o", b"o SELECT lobox\r\n"))
        self.assertIn(b"x OK", self.cmd(other, b"x",
                                        b"x STORE 1:3 +FLAGS (\\Deleted \\Flagged)\r\n"))
        self.assertIn(b"y OK", self.cmd(other, b"y", b"y EXPUNGE\r\n"))
        out = self.cmd(s, b"z", b"z LOGOUT\r\n")
        self.assertIn(b"* BYE", out)
        self.assertIn(b"z OK", out)
        self.assertNotIn(b"EXPUNGE", out)
        self.assertNotIn(b"FETCH", out)

    def test_rename_implied_parent_moves_inferiors(self):
        s = self.session()
        self.assertIn(b"c OK", self.cmd(s, b"c", b"c CREATE ip/b/c\r\n"))
        self.append(s, b"ip/b/c")
        self.assertIn(b"r OK", self.cmd(s, b"r", b"r RENAME ip ip-x\r\n"))
        out = self.cmd(s, b"l", b"l LIST \"\" ip*\r\n")
        names = re.findall(rb"\* LIST \([^)]*\) \"/\" (\S+)", out)
        self.assertEqual(names, [b"ip-x", b"ip-x/b", b"ip-x/b/c"], out)
        out = self.cmd(s, b"st", b"st STATUS ip-x/b/c (MESSAGES)\r\n")
        self.assertIn(b"(MESSAGES 1)", out)
        # a name that is neither a mailbox nor a parent of one
        self.assertIn(b"r2 NO [NONEXISTENT]", self.cmd(s, b"r2", b"r2 RENAME ip ip-y\r\n"))
        self.assertIn(b"r3 NO", self.cmd(s, b"r3", b"r3 RENAME ip-x ip-x/b/d\r\n"))
        self.assertIn(b"d OK", self.cmd(s, b"d", b"d DELETE ip-x/b/c\r\n"))
        self.assertNotIn(b"* LIST", self.cmd(s, b"l2", b"l2 LIST \"\" ip*\r\n"))

    def test_unreadable_blob_is_an_error_not_content(self):
        s = self.session()
        self.assertIn(b"c OK", self.cmd(s, b"c", b"c CREATE lost\r\n"))
        bodies = [b"Subject: lost %d\r\n\r\nbody %d\r\n" % (i, i) for i in (1, 2)]
        for b in bodies:
            self.append(s, b"lost", b)
        sha = hashlib.sha256(bodies[0]).hexdigest()
        os.unlink(os.path.join(self.node.blobs, sha[:2], sha[2:4], sha))
        self.assertIn(b"s OK", self.cmd(s, b"s", b"s SELECT lost\r\n"))
        self.node.expect_log(r"level=error event=fetch_blob mailbox=\d+ uid=1 ")
        out = self.cmd(s, b"f", b"f FETCH 1:2 BODY[]\r\n")
        self.assertRegex(out, rb"f NO \[SERVERBUG\]")
        self.assertNotIn(b"NIL", out)
        self.assertNotIn(b"* 1 FETCH", out)
        self.assertIn(b"body 2", out)
        out = self.cmd(s, b"g", b"g FETCH 1:2 FLAGS\r\n")
        self.assertRegex(out, rb"\* 1 FETCH \(FLAGS \(\\Recent\)\)")  # \Seen taken back
        self.assertRegex(out, rb"\* 2 FETCH \(FLAGS \(\\Seen \\Recent\)\)")
        # the session goes on
        self.assertIn(b"n OK", self.cmd(s, b"n", b"n NOOP\r\n"))


if __name__ == "__main__":
    unittest.main()
