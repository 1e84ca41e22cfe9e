"""Folders over IMAP: CREATE / RENAME (hierarchy, INBOX) / DELETE, LIST with
patterns and LIST-EXTENDED (SUBSCRIBED, RECURSIVEMATCH, SPECIAL-USE, RETURN
CHILDREN/STATUS), LSUB, SUBSCRIBE/UNSUBSCRIBE, STATUS, NAMESPACE, modified UTF-7 and
UTF-8 names, and the other users' / shared namespaces with ACLs: a mailbox the user
may not see answers exactly like one that does not exist.
"""
import imaplib
import unittest

from cairntest.imapnode import ImapNode

ALL_STATUS = "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE)"


def names(data):
    """Mailbox names of LIST/LSUB response lines (quoted or atom)."""
    out = []
    for line in data:
        if line is None:
            continue
        if isinstance(line, tuple):  # a literal name
            out.append(line[1].decode())
            continue
        rest = line.decode().split(') "/" ', 1)[1]
        out.append(rest[1:-1] if rest.startswith('"') else rest)
    return out


def attrs(data, name):
    for line in data:
        line = line.decode()
        head, _, rest = line.partition(') "/" ')
        rest = rest.split(" (", 1)[0]
        if rest.strip('"') == name:
            return set(head[1:].split())
    return None


class ImapFoldersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = ImapNode()
        for u in ("fred", "bob", "eve"):
            cls.node.add_user("%s@example.test" % u, u + "-pw")
        cls.node.add_user("zed@other.test", "zed-pw")
        n = cls.node
        n.ctl("mailbox", "create", "bob@example.test", "Shared/Team")
        n.ctl("mailbox", "create", "bob@example.test", "Private")
        n.ctl("acl", "set", "bob@example.test", "Shared/Team", "fred@example.test", "lrswi")
        n.ctl("acl", "set", "bob@example.test", "Private", "eve@example.test", "lr")
        n.ctl("mailbox", "create", "zed@other.test", "Open")
        n.ctl("acl", "set", "zed@other.test", "Open", "anyone", "lr")
        n.ctl("mailbox", "create", "@example.test", "News")
        n.ctl("acl", "set", "@example.test", "News", "anyone", "lr")
        n.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def login(self, user):
        c = self.node.client_ssl()
        c.login(user, user + "-pw")
        return c

    def test_create_rename_delete_hierarchy(self):
        c = self.login("fred")
        self.assertEqual(c.create("Projects/2024/Q1")[0], "OK")
        self.assertEqual(c.create("Projects/")[0], "OK")  # trailing separator allowed
        typ, data = c.create("Projects")
        self.assertEqual(typ, "NO")
        self.assertIn(b"ALREADYEXISTS", data[0])
        typ, data = c.list('""', "Projects/%")
        self.assertEqual(names(data), ["Projects/2024"])
        self.assertIn("\\Noselect", attrs(data, "Projects/2024"))
        self.assertIn("\\HasChildren", attrs(data, "Projects/2024"))
        typ, data = c.list('""', "Projects*")
        self.assertEqual(names(data), ["Projects", "Projects/2024", "Projects/2024/Q1"])
        self.assertEqual(c.rename("Projects", "Archive/Old")[0], "OK")
        typ, data = c.list('""', "Archive*")
        self.assertEqual(names(data), ["Archive", "Archive/Old", "Archive/Old/2024",
                                       "Archive/Old/2024/Q1"])
        typ, data = c.list('""', "Projects*")
        self.assertEqual(data, [None])
        self.assertEqual(c.rename("Archive/Old", "Trash")[0], "NO")  # exists
        self.assertEqual(c.rename("Nope", "Nope2")[1][0][:13], b"[NONEXISTENT]")
        self.assertEqual(c.delete("Archive/Old")[0], "OK")
        typ, data = c.list('""', "Archive/*")
        self.assertIn("\\Noselect", attrs(data, "Archive/Old"))  # now only implied
        self.assertEqual(c.delete("Archive/Old")[0], "NO")
        self.assertEqual(c.delete("INBOX")[0], "NO")
        c.logout()

    def test_rename_inbox(self):
        c = self.login("eve")
        typ, data = c.status("INBOX", "(UIDVALIDITY)")
        old_uv = data[0]
        self.assertEqual(c.rename("inbox", "Old-Inbox")[0], "OK")
        typ, data = c.list()
        self.assertIn("INBOX", names(data))
        self.assertIn("Old-Inbox", names(data))
        self.assertEqual(c.create("INBOX/Sub")[0], "OK")
        self.assertEqual(c.create("inbox/Sub2")[0], "OK")
        typ, data = c.list('""', "inbox/%")
        self.assertEqual(names(data), ["INBOX/Sub", "INBOX/Sub2"])
        typ, data = c.status("Inbox", "(MESSAGES)")
        self.assertEqual(data[0], b"INBOX (MESSAGES 0)")
        self.assertTrue(old_uv)
        c.logout()

    def test_list_default_folders_special_use(self):
        c = self.login("fred")
        typ, data = c.list('""', "%")
        for name, use in (("Drafts", "\\Drafts"), ("Sent", "\\Sent"), ("Trash", "\\Trash"),
                          ("Junk", "\\Junk"), ("Archive", "\\Archive")):
            self.assertIn(use, attrs(data, name), data)
        typ, data = c._simple_command("LIST", "(SPECIAL-USE)", '""', "*")
        lines = c.untagged_responses.pop("LIST")
        self.assertEqual(sorted(names(lines)), ["Archive", "Drafts", "Junk", "Sent", "Trash"])
        typ, data = c._simple_command("CREATE", "MySent", "(USE (\\Sent))")
        self.assertEqual(typ, "OK")
        typ, data = c._simple_command("CREATE", "Bad", "(USE (\\Bogus))")
        self.assertEqual(typ, "NO")
        self.assertIn(b"USEATTR", data[0])
        c.logout()

    def test_subscriptions_lsub_and_list_extended(self):
        c = self.login("bob")
        for m in ("Lists/a", "Lists/b", "Lists/b/deep"):
            c.create(m)
        c.subscribe("Lists/a")
        c.subscribe("Lists/b/deep")
        c.subscribe("Gone")  # a name that does not exist: allowed
        typ, data = c.lsub('""', "*")
        self.assertEqual(names(data), ["Gone", "Lists/a", "Lists/b/deep"])
        typ, data = c.lsub('""', "Lists/%")
        self.assertEqual(names(data), ["Lists/a", "Lists/b"])
        self.assertIn("\\Noselect", attrs(data, "Lists/b"))
        typ, _ = c._simple_command("LIST", "(SUBSCRIBED)", '""', "*")
        lines = c.untagged_responses.pop("LIST")
        self.assertEqual(names(lines), ["Gone", "Lists/a", "Lists/b/deep"])
        self.assertIn("\\NonExistent", attrs(lines, "Gone"))
        self.assertIn("\\Subscribed", attrs(lines, "Lists/a"))
        typ, _ = c._simple_command("LIST", "(SUBSCRIBED RECURSIVEMATCH)", '""', "Lists/%")
        lines = [l.decode() for l in c.untagged_responses.pop("LIST")]
        self.assertIn('(\\HasNoChildren \\Subscribed) "/" Lists/a', lines)
        self.assertIn('(\\HasChildren) "/" Lists/b ("CHILDINFO" ("SUBSCRIBED"))', lines)
        typ, _ = c._simple_command("LIST", '""', "(Lists/a INBOX)", "RETURN",
                                   "(SUBSCRIBED CHILDREN STATUS (MESSAGES UIDNEXT))")
        lines = c.untagged_responses.pop("LIST")
        self.assertEqual(names(lines), ["INBOX", "Lists/a"])
        st = c.untagged_responses.pop("STATUS")
        self.assertEqual(st, [b"INBOX (MESSAGES 0 UIDNEXT 1)", b"Lists/a (MESSAGES 0 UIDNEXT 1)"])
        with self.assertRaisesRegex(c.error, "BAD"):
            c._simple_command("LIST", "(RECURSIVEMATCH)", '""', "*")
        self.assertEqual(c.unsubscribe("Lists/a")[0], "OK")
        self.assertEqual(c.unsubscribe("Lists/a")[0], "NO")
        typ, data = c.list('""', '""')
        self.assertEqual(data, [b'(\\Noselect) "/" ""'])
        c.logout()

    def test_status_counters_and_namespace(self):
        c = self.login("fred")
        c.create("Counted")
        self.node.sql("UPDATE mailboxes SET messages = 7, unseen = 3, deleted_msgs = 2, "
                      "size = 1234, uidnext = 42 WHERE name = 'Counted'")
        typ, data = c.status("Counted", ALL_STATUS)
        self.assertRegex(data[0], rb"^Counted \(MESSAGES 7 UIDNEXT 42 UIDVALIDITY \d+ UNSEEN 3 "
                                  rb"DELETED 2 SIZE 1234\)$")
        with self.assertRaisesRegex(c.error, "BAD"):
            c.status("Counted", "(BOGUS)")
        typ, data = c.namespace()
        self.assertEqual(data[0], b'(("" "/")) (("Other Users/" "/")) (("Shared Folders/" "/"))')
        c.logout()

    def test_mutf7_and_utf8_names(self):
        c = self.login("fred")
        self.assertEqual(c.create("Entw&APw-rfe")[0], "OK")
        typ, data = c.list('""', "Entw*")
        self.assertEqual(names(data), ["Entw&APw-rfe"])
        typ, data = c._simple_command("ENABLE", "UTF8=ACCEPT")
        self.assertEqual(typ, "OK")
        typ, data = c._simple_command("LIST", '""', '"Entw*"')
        lines = c.untagged_responses.pop("LIST")
        self.assertEqual(lines, ['(\\HasNoChildren) "/" "Entwürfe"'.encode()])
        c.logout()
        self.assertEqual(self.node.sql("SELECT count(*) FROM mailboxes WHERE name = "
                                       "'Entwürfe'").strip(), "1")

    def test_other_users_and_shared_namespaces(self):
        c = self.login("fred")
        typ, data = c.list('""', "*")
        got = names(data)
        self.assertIn("Other Users/bob/Shared/Team", got)
        self.assertIn("Other Users", got)
        self.assertIn("Shared Folders/News", got)
        self.assertNotIn("Other Users/bob/Private", got)
        self.assertFalse(any("zed" in n or "Open" in n for n in got), got)  # other domain
        self.assertIn("\\Noselect", attrs(data, "Other Users/bob"))
        typ, data = c.list('""', '"Other Users/%/%"')
        self.assertEqual(names(data), ["Other Users/bob/Shared"])
        typ, data = c.status('"Other Users/bob/Shared/Team"', "(MESSAGES)")
        self.assertEqual(typ, "OK")
        # invisible, missing, other-domain: one and the same answer
        replies = set()
        for name in ("Other Users/bob/Private", "Other Users/bob/Missing",
                     "Other Users/nobody/INBOX", "Other Users/zed/Open",
                     "Other Users/bob/INBOX"):
            typ, data = c.status('"%s"' % name, "(MESSAGES)")
            self.assertEqual(typ, "NO")
            replies.add(data[0])
            typ, data = c.delete('"%s"' % name)
            replies.add(data[0])
        self.assertEqual(replies, {b"[NONEXISTENT] No such mailbox"})
        # rights: fred may not delete bob's folder (has no x), may not create there (no k)
        typ, data = c.delete('"Other Users/bob/Shared/Team"')
        self.assertEqual(data[0], b"[NOPERM] Permission denied")
        typ, data = c.create('"Other Users/bob/Shared/Team/Sub"')
        self.assertEqual(data[0], b"[NOPERM] Permission denied")
        self.assertEqual(c.create('"Other Users"')[0], "NO")
        c.logout()
        e = self.login("eve")
        typ, data = e.list('""', '"Other Users/*"')
        self.assertEqual(names(data), ["Other Users/bob", "Other Users/bob/Private"])
        e.logout()


if __name__ == "__main__":
    unittest.main()
