"""cairn-imapd QUOTA (RFC 9208) end to end: capabilities, GETQUOTAROOT and GETQUOTA
with limits set by `cairnctl quota set` (account and domain roots), usage moving
after APPEND and EXPUNGE, no limits, another user's mailbox (ACL), bad syntax and
SETQUOTA refused, STATUS DELETED-STORAGE.  Real cairn-master + cairn-imapd + PostgreSQL, raw protocol."""
import itertools
import re
import unittest

from imap_msg_util import PASSWORD, Raw, message, new_node


def quotas(untagged):
    """{root: {resource: (used, limit)}} from untagged QUOTA responses."""
    out = {}
    for u in untagged:
        m = re.match(rb'QUOTA "?([^" ]+)"? \((.*)\)$', u)
        if m:
            words = m.group(2).split()
            out[m.group(1).decode()] = {words[i].decode(): (int(words[i + 1]), int(words[i + 2]))
                                        for i in range(0, len(words), 3)}
    return out


def quotaroot(untagged):
    """The roots of the one untagged QUOTAROOT response."""
    lines = [u for u in untagged if u.startswith(b"QUOTAROOT ")]
    assert len(lines) == 1, untagged
    words = [a or b for a, b in re.findall(rb'"([^"]*)"|([^ ]+)', lines[0][len("QUOTAROOT "):])]
    return [w.decode() for w in words[1:]]


class QuotaTest(unittest.TestCase):
    ids = itertools.count(1)

    @classmethod
    def setUpClass(cls):
        cls.node = new_node()
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def user(self):
        """A fresh user in a fresh domain (domain roots do not leak between tests)."""
        n = next(self.ids)
        login = "q%d@qd%d.test" % (n, n)
        self.node.add_user(login, PASSWORD)
        return login

    def session(self, login):
        c = Raw(self.node, login)
        self.addCleanup(c.close)
        return c

    def test_capabilities(self):
        c = self.session(self.user())
        caps = c.ok("CAPABILITY")[0][0].split()
        for word in (b"QUOTA", b"QUOTA=RES-STORAGE", b"QUOTA=RES-MESSAGE"):
            self.assertIn(word, caps)
        # not before login
        raw = Raw(self.node)
        self.addCleanup(raw.close)
        self.assertNotIn(b"QUOTA", raw.ok("CAPABILITY")[0][0].split())
        st, _, _ = raw.cmd("GETQUOTAROOT INBOX")
        self.assertEqual(st, "BAD")

    def test_no_limits(self):
        login = self.user()
        c = self.session(login)
        c.ok("APPEND INBOX", message(1))
        untagged, _ = c.ok("GETQUOTAROOT INBOX")
        self.assertEqual(quotaroot(untagged), [])
        self.assertEqual(quotas(untagged), {})
        st, _, text = c.cmd('GETQUOTA "user/%s"' % login)
        self.assertEqual(st, "NO")
        self.assertIn("[NONEXISTENT]", text)

    def test_limits_and_usage(self):
        login = self.user()
        dom = login.split("@")[1]
        self.node.ctl("quota", "set", "--storage", "10M", "--messages", "50", login)
        self.node.ctl("quota", "set", "--messages", "1000", "@" + dom)
        c = self.session(login)
        untagged, _ = c.ok("GETQUOTAROOT INBOX")
        user_root, dom_root = "user/" + login, "domain/" + dom
        self.assertEqual(quotaroot(untagged), [user_root, dom_root])
        q = quotas(untagged)
        self.assertEqual(q[user_root], {"STORAGE": (0, 10240), "MESSAGE": (0, 50)})
        self.assertEqual(q[dom_root], {"MESSAGE": (0, 1000)})

        msgs = [message(i, body="x" * 3000) for i in range(1, 4)]
        for m in msgs:
            c.ok("APPEND Sent", m)
        total = sum(len(m) for m in msgs)
        untagged, _ = c.ok('GETQUOTA "%s"' % user_root)
        self.assertEqual(quotas(untagged)[user_root],
                         {"STORAGE": ((total + 1023) // 1024, 10240), "MESSAGE": (3, 50)})
        # the same root whatever the mailbox
        untagged, _ = c.ok("GETQUOTAROOT Sent")
        self.assertEqual(quotaroot(untagged), [user_root, dom_root])
        self.assertEqual(quotas(untagged)[dom_root], {"MESSAGE": (3, 1000)})

        c.ok("SELECT Sent")
        c.ok("STORE 1 +FLAGS (\\Deleted)")
        c.ok("EXPUNGE")
        untagged, _ = c.ok("GETQUOTA %s" % user_root)
        left = total - len(msgs[0])
        self.assertEqual(quotas(untagged)[user_root],
                         {"STORAGE": ((left + 1023) // 1024, 10240), "MESSAGE": (2, 50)})
        untagged, _ = c.ok("GETQUOTA %s" % dom_root)
        self.assertEqual(quotas(untagged)[dom_root], {"MESSAGE": (2, 1000)})

        # limits changed by the administrator show at once
        self.node.ctl("quota", "set", "--storage", "none", login)
        untagged, _ = c.ok("GETQUOTA %s" % user_root)
        self.assertEqual(quotas(untagged)[user_root], {"MESSAGE": (2, 50)})

    def test_over_quota_matches_report(self):
        login = self.user()
        self.node.ctl("quota", "set", "--messages", "1", login)
        c = self.session(login)
        c.ok("APPEND INBOX", message(1))
        untagged, _ = c.ok("GETQUOTAROOT INBOX")
        self.assertEqual(quotas(untagged)["user/" + login], {"MESSAGE": (1, 1)})
        st, _, text = c.cmd("APPEND INBOX", message(2))
        self.assertEqual(st, "NO")
        self.assertIn("[OVERQUOTA]", text)

    def test_other_roots_and_mailboxes(self):
        alice, bob = self.user(), self.user()
        self.node.ctl("quota", "set", "--messages", "10", alice)
        self.node.ctl("quota", "set", "--messages", "20", bob)
        c = self.session(alice)
        for root in ("user/" + bob, "domain/" + bob.split("@")[1], "user/nobody@x.test", "x"):
            st, _, text = c.cmd('GETQUOTA "%s"' % root)
            self.assertEqual((st, "[NONEXISTENT]" in text), ("NO", True), root)
        # missing mailbox and another user's invisible mailbox answer alike
        st1, _, t1 = c.cmd("GETQUOTAROOT NoSuchBox")
        st2, _, t2 = c.cmd('GETQUOTAROOT "Other Users/%s/INBOX"' % bob.split("@")[0])
        self.assertEqual((st1, t1), ("NO", "[NONEXISTENT] No such mailbox"))
        self.assertEqual((st2, t2), (st1, t1))

    def test_shared_mailbox_same_domain(self):
        dom = "shared%d.test" % next(self.ids)
        alice, bob = "alice@" + dom, "bob@" + dom
        self.node.add_user(alice, PASSWORD)
        self.node.add_user(bob, PASSWORD)
        self.node.ctl("quota", "set", "--messages", "20", bob)
        self.node.ctl("quota", "set", "--messages", "500", "@" + dom)
        self.node.ctl("acl", "set", bob, "Archive", alice, "lr")
        c = self.session(alice)
        untagged, _ = c.ok('GETQUOTAROOT "Other Users/bob/Archive"')
        # bob's roots apply to his mailbox, but alice only reads the domain's
        self.assertEqual(quotaroot(untagged), ["user/" + bob, "domain/" + dom])
        self.assertEqual(quotas(untagged), {"domain/" + dom: {"MESSAGE": (0, 500)}})

    def test_status_deleted_storage(self):
        c = self.session(self.user())
        msgs = [message(i, body="y" * (1500 * i)) for i in range(1, 4)]
        for m in msgs:
            c.ok("APPEND INBOX", m)
        untagged, _ = c.ok("STATUS INBOX (DELETED DELETED-STORAGE)")
        self.assertEqual(untagged, [b"STATUS INBOX (DELETED 0 DELETED-STORAGE 0)"])
        c.ok("SELECT INBOX")
        c.ok("STORE 2:3 +FLAGS (\\Deleted)")
        want = (len(msgs[1]) + len(msgs[2]) + 1023) // 1024
        untagged, _ = c.ok("STATUS INBOX (DELETED-STORAGE MESSAGES)")
        self.assertEqual(untagged, [b"STATUS INBOX (MESSAGES 3 DELETED-STORAGE %d)" % want])
        c.ok("EXPUNGE")
        untagged, _ = c.ok("STATUS INBOX (DELETED-STORAGE)")
        self.assertEqual(untagged, [b"STATUS INBOX (DELETED-STORAGE 0)"])

    def test_bad_syntax_and_setquota(self):
        login = self.user()
        c = self.session(login)
        for line in ("GETQUOTAROOT", "GETQUOTAROOT INBOX Sent", "GETQUOTA",
                     "GETQUOTA a b", "GETQUOTA (x)", "SETQUOTA", "SETQUOTA x",
                     "SETQUOTA x (STORAGE)", "SETQUOTA x (STORAGE abc)", "SETQUOTA x STORAGE 1",
                     "SETQUOTA x ((STORAGE) 1)"):
            st, _, _ = c.cmd(line)
            self.assertEqual(st, "BAD", line)
        for line in ('SETQUOTA "user/%s" (STORAGE 100)' % login, "SETQUOTA x ()",
                     "SETQUOTA x (STORAGE 1 MESSAGE 2)"):
            st, _, text = c.cmd(line)
            self.assertEqual(st, "NO", line)
            self.assertIn("[NOPERM]", text)
        # still a working session
        c.ok("NOOP")


if __name__ == "__main__":
    unittest.main()
