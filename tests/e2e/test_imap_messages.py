"""cairn-imapd message commands end to end (issue 5, message half): SELECT/EXAMINE,
APPEND, FETCH (metadata and sections), STORE, SEARCH, COPY/MOVE, EXPUNGE, CLOSE/
UNSELECT, with the database state checked after each change (counters, MODSEQ,
tombstones, blob refcounts, quota).  Real cairn-master + cairn-imapd + PostgreSQL.
"""
import imaplib
import itertools
import os
import re
import unittest

from imap_msg_util import PASSWORD, Raw, fetch_map, message, new_node  # noqa: F401

MULTI = (b"From: Alice <alice@example.test>\r\nTo: Bob <bob@example.test>\r\n"
         b"Cc: carol@example.test\r\nSubject: =?UTF-8?Q?caf=C3=A9?= report\r\n"
         b"Date: Tue, 8 Feb 1994 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
         b"Content-Type: multipart/mixed; boundary=BB\r\n\r\npreamble\r\n--BB\r\n"
         b"Content-Type: text/plain; charset=us-ascii\r\n\r\nfirst part with zebra\r\n--BB\r\n"
         b"Content-Type: text/html\r\nContent-Disposition: inline\r\n\r\n<p>second</p>\r\n"
         b"--BB--\r\n")


class MessagesTest(unittest.TestCase):
    ids = itertools.count(1)

    @classmethod
    def setUpClass(cls):
        cls.node = new_node()
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def user(self):
        login = "u%d@example.test" % next(self.ids)
        self.node.add_user(login, PASSWORD)
        c = Raw(self.node, login)
        self.addCleanup(c.close)
        self.login = login
        return login, c

    def msg(self, i, **kw):
        """message(i) unique to this test's user (blobs are shared by content)."""
        kw["extra"] = kw.get("extra", "") + "X-User: %s\r\n" % self.login
        return message(i, **kw)

    def refcounts(self):
        """Refcounts of this test's blobs, ascending, as "a,b,c"."""
        return self.sql("SELECT string_agg(b.refcount::text, ',' ORDER BY b.refcount) FROM "
                        "blobs b JOIN messages m ON m.sha256 = b.sha256 WHERE "
                        "strpos(m.search_headers, 'X-User: %s') > 0" % self.login)

    def sql(self, q):
        return self.node.sql(q).strip()

    def mbox(self, login, name="INBOX"):
        local = login.split("@")[0]
        return self.sql("SELECT m.id, m.uidvalidity, m.uidnext, m.highestmodseq, m.messages, "
                        "m.unseen, m.deleted_msgs, m.size FROM mailboxes m JOIN accounts a ON "
                        "a.id = m.owner_id WHERE a.localpart = '%s' AND m.name = '%s' AND "
                        "m.deleted_at IS NULL" % (local, name)).split("|")

    def append(self, c, msg, flags="", box="INBOX", date=None):
        args = "APPEND %s%s%s" % (box, " (%s)" % flags if flags else "",
                                  ' "%s"' % date if date else "")
        _, text = c.ok(args, msg)
        m = re.match(r"\[APPENDUID (\d+) (\d+)\]", text)
        self.assertIsNotNone(m, text)
        return int(m.group(2))

    def test_select_responses_rev1(self):
        login, c = self.user()
        self.append(c, self.msg(1), r"\Seen")
        self.append(c, self.msg(2), "$Work")
        self.append(c, self.msg(3))
        mid, uidvalidity, uidnext, hms = self.mbox(login)[:4]
        untagged, text = c.ok("SELECT INBOX")
        self.assertTrue(text.startswith("[READ-WRITE]"), text)
        u = b"\n".join(untagged)
        self.assertIn(b"FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $Work)", u)
        self.assertIn(b"OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft "
                      b"$Work \\*)]", u)
        self.assertIn(b"3 EXISTS", untagged)
        self.assertIn(b"3 RECENT", untagged)  # appended before anyone selected INBOX
        self.assertIn(b"OK [UNSEEN 2]", u)
        self.assertIn(("OK [UIDVALIDITY %s]" % uidvalidity).encode(), u)
        self.assertIn(("OK [UIDNEXT %s]" % uidnext).encode(), u)
        self.assertIn(("OK [HIGHESTMODSEQ %s]" % hms).encode(), u)
        self.assertEqual(uidnext, "4")

    def test_select_rev2_examine_and_failure(self):
        login, c = self.user()
        self.append(c, self.msg(1))
        c.ok("ENABLE IMAP4rev2")
        untagged, _ = c.ok("SELECT INBOX")
        self.assertFalse([u for u in untagged if u.endswith(b"RECENT") or b"UNSEEN" in u])
        self.assertIn(b'LIST () "/" INBOX', untagged)
        untagged, text = c.ok("EXAMINE INBOX")
        self.assertIn(b"OK [CLOSED] Previous mailbox closed", untagged)
        self.assertTrue(text.startswith("[READ-ONLY]"), text)
        self.assertIn(b"OK [PERMANENTFLAGS ()] Flags permitted", untagged)
        st, _, text = c.cmd("STORE 1 +FLAGS (\\Seen)")
        self.assertEqual((st, text), ("NO", "[READ-ONLY] Mailbox is read-only"))
        st, _, text = c.cmd("SELECT Nonexistent")
        self.assertEqual((st, text[:13]), ("NO", "[NONEXISTENT]"))
        st, _, _ = c.cmd("FETCH 1 FLAGS")  # no longer selected
        self.assertEqual(st, "BAD")

    def test_append_flags_date_and_counters(self):
        login, c = self.user()
        uid = self.append(c, self.msg(1), r"\Seen \Flagged $Todo", date="17-Jul-1996 02:44:25 -0700")
        self.assertEqual(uid, 1)
        big = self.msg(2, body="x" * 1000 + "\r\n" + ("line of text\r\n" * 80000))
        self.assertGreater(len(big), 1000000)
        self.assertEqual(self.append(c, big, r"\Deleted"), 2)
        st, _, text = c.cmd("APPEND NoSuchBox {3+}\r\nabc")
        self.assertEqual((st, text[:11]), ("NO", "[TRYCREATE]"))
        st, _, _ = c.cmd("APPEND INBOX (\\Bogus) {3+}\r\nabc")
        self.assertEqual(st, "BAD")
        mid, _, uidnext, _, messages, unseen, deleted, size = self.mbox(login)
        self.assertEqual((uidnext, messages, unseen, deleted), ("3", "2", "1", "1"))
        self.assertEqual(int(size), len(self.msg(1)) + len(big))
        c.ok("SELECT INBOX")
        f = fetch_map(c.ok("FETCH 1:2 (FLAGS INTERNALDATE RFC822.SIZE)")[0])
        self.assertIn(b'INTERNALDATE "17-Jul-1996 09:44:25 +0000"', f[1])
        # Appended before anyone selected INBOX: \Recent in this first SELECT.
        self.assertIn(b"FLAGS (\\Seen \\Flagged \\Recent $Todo)", f[1])
        self.assertIn(b"FLAGS (\\Deleted \\Recent)", f[2])
        self.assertIn(("RFC822.SIZE %d" % len(big)).encode(), f[2])
        body = fetch_map(c.ok("FETCH 2 BODY.PEEK[]")[0])[2]
        self.assertTrue(body.endswith(big), body[-100:])
        self.assertEqual(self.refcounts(), "1,1")

    def test_fetch_metadata_and_sections(self):
        login, c = self.user()
        self.append(c, MULTI)
        c.ok("SELECT INBOX")
        f = fetch_map(c.ok("FETCH 1 (ENVELOPE BODYSTRUCTURE BODY UID)")[0])[1]
        self.assertIn(b'UID 1', f)
        self.assertIn(b'ENVELOPE ("Tue, 8 Feb 1994 10:00:00 +0000"', f)
        self.assertIn(b'(("Alice" NIL "alice" "example.test"))', f)
        self.assertIn(b'"mixed" ("boundary" "BB")', f)
        self.assertIn(b'BODY (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit"', f)
        cases = {
            "BODY.PEEK[HEADER.FIELDS (Subject CC)]":
                b"Cc: carol@example.test\r\nSubject: =?UTF-8?Q?caf=C3=A9?= report\r\n\r\n",
            "BODY.PEEK[1]": b"first part with zebra",
            "BODY.PEEK[2]": b"<p>second</p>",
            "BODY.PEEK[2.MIME]": b"Content-Type: text/html\r\nContent-Disposition: inline\r\n\r\n",
            "BODY.PEEK[1]<6.4>": b"part",
            "BODY.PEEK[3]": b"",
        }
        for item, want in cases.items():
            f = fetch_map(c.ok("FETCH 1 (%s)" % item)[0])[1]
            name = item.replace(".PEEK", "").replace("<6.4>", "<6>").encode()
            self.assertEqual(f, name + b" {%d}\r\n" % len(want) + want, item)
        f = fetch_map(c.ok("FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT (Content-Type MIME-Version "
                           "Date From To Cc)])")[0])[1]
        self.assertTrue(f.endswith(b"Subject: =?UTF-8?Q?caf=C3=A9?= report\r\n\r\n"), f)
        hdr = MULTI[:MULTI.index(b"\r\n\r\n") + 4]
        f = fetch_map(c.ok("FETCH 1 (RFC822.HEADER RFC822.SIZE)")[0])[1]
        self.assertIn(b"RFC822.HEADER {%d}\r\n" % len(hdr) + hdr, f)
        self.assertIn(b"RFC822.SIZE %d" % len(MULTI), f)
        # PEEK kept it unseen
        self.assertIn(b"FLAGS (\\Recent)", fetch_map(c.ok("FETCH 1 FLAGS")[0])[1])
        f = fetch_map(c.ok("FETCH 1 BODY[TEXT]")[0])[1]
        self.assertIn(b"FLAGS (\\Seen \\Recent)", f)
        self.assertTrue(f.endswith(MULTI[len(hdr):]))
        for macro, items in (("FAST", [b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE"]),
                             ("ALL", [b"ENVELOPE"]), ("FULL", [b"BODY ("])):
            f = fetch_map(c.ok("FETCH 1 %s" % macro)[0])[1]
            for i in items:
                self.assertIn(i, f, macro)

    def test_fetch_metadata_never_reads_the_blob(self):
        login, c = self.user()
        self.append(c, MULTI)
        sha = self.sql("SELECT encode(sha256, 'hex') FROM messages m JOIN mailbox_messages mm "
                       "ON mm.message_id = m.id JOIN mailboxes b ON b.id = mm.mailbox_id JOIN "
                       "accounts a ON a.id = b.owner_id WHERE a.localpart = '%s'"
                       % login.split("@")[0])
        path = os.path.join(self.node.blobs, sha[:2], sha[2:4], sha)
        moved = path + ".away"
        os.rename(path, moved)
        try:
            c.ok("SELECT INBOX")
            f = fetch_map(c.ok("FETCH 1 (FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE)")[0])[1]
            self.assertIn(b'"mixed"', f)
        finally:
            os.rename(moved, path)
        self.assertIn(b"zebra", fetch_map(c.ok("FETCH 1 BODY.PEEK[1]")[0])[1])

    def test_fetch_bad_input(self):
        login, c = self.user()
        self.append(c, self.msg(1))
        c.ok("SELECT INBOX")
        for bad in ("FETCH 2 FLAGS", "FETCH 0 FLAGS", "FETCH 1 (FLAGS ALL)", "FETCH 1 BOGUS",
                    "FETCH 1 BODY[0]", "FETCH 1 BODY[1.HEADER.FIELDS]", "FETCH 1 BODY[TEXT.MIME]",
                    "FETCH 1 BINARY[]", "FETCH x FLAGS", "FETCH 1 ()", "FETCH 1:* ENVELOPE extra"):
            st, _, text = c.cmd(bad)
            self.assertEqual(st, "BAD", "%s -> %s %s" % (bad, st, text))
        untagged, _ = c.ok("UID FETCH 5:9 FLAGS")  # UIDs that do not exist: nothing
        self.assertEqual(untagged, [])
        f = fetch_map(c.ok("UID FETCH 9:* FLAGS")[0])  # "n:*" always includes the last
        self.assertIn(b"UID 1", f[1])

    def test_store_variants_modseq_and_counters(self):
        login, c = self.user()
        for i in range(4):
            self.append(c, self.msg(i))
        c.ok("SELECT INBOX")
        mid = self.mbox(login)[0]
        hms0 = int(self.mbox(login)[3])
        untagged, _ = c.ok("STORE 1:2 +FLAGS (\\Seen $Label1)")
        self.assertIn(b"FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $Label1)", untagged)
        f = fetch_map(untagged)
        self.assertEqual(f[1], b"FLAGS (\\Seen \\Recent $Label1)")
        hms1 = int(self.mbox(login)[3])
        self.assertEqual(hms1, hms0 + 1)  # one MODSEQ for the whole command
        self.assertEqual(self.sql("SELECT count(*) FROM mailbox_messages WHERE mailbox_id = %s "
                                  "AND modseq = %d" % (mid, hms1)), "2")
        untagged, _ = c.ok("STORE 1:2 +FLAGS (\\Seen)")  # no change: no MODSEQ used
        self.assertEqual(int(self.mbox(login)[3]), hms1)
        self.assertEqual(len(fetch_map(untagged)), 2)  # still reported
        untagged, _ = c.ok("STORE 2 -FLAGS.SILENT ($Label1)")
        self.assertEqual(untagged, [])
        untagged, _ = c.ok("UID STORE 3 FLAGS (\\Deleted \\Answered)")
        self.assertEqual(fetch_map(untagged)[3], b"FLAGS (\\Answered \\Deleted \\Recent) UID 3")
        self.assertEqual(self.mbox(login)[5:7], ["2", "1"])  # unseen, deleted_msgs
        untagged, _ = c.ok("STORE 3 FLAGS ()")  # \Recent is not the client's to clear
        self.assertEqual(fetch_map(untagged)[3], b"FLAGS (\\Recent)")
        self.assertEqual(self.mbox(login)[5:7], ["2", "0"])
        for bad in ("STORE 1 +FLAGS (\\Recentx)", "STORE 1 FOO (\\Seen)", "STORE 9 FLAGS ()",
                    "STORE 1 +FLAGS"):
            self.assertEqual(c.cmd(bad)[0], "BAD", bad)
        self.assertEqual(fetch_map(c.ok("FETCH 1:2 FLAGS")[0]),
                         {1: b"FLAGS (\\Seen \\Recent $Label1)", 2: b"FLAGS (\\Seen \\Recent)"})

    def test_search(self):
        login, c = self.user()
        for i in range(6):
            self.append(c, self.msg(i, extra="X-Priority: %d\r\n" % i), r"\Flagged" if i % 2 else "")
        self.append(c, MULTI, r"\Seen")
        c.ok("SELECT INBOX")
        # SENT* go by the Date: header's own calendar date: message 2 is "2 Feb 1994
        # 21:52:25 -0800" (3 Feb in UTC), so it is SENTBEFORE 3-Feb-1994.
        expect = {
            "ALL": "1 2 3 4 5 6 7", "FLAGGED": "2 4 6", "UNFLAGGED SEEN": "7",
            "FROM sender3": "4", "SUBJECT report": "7", "HEADER X-Priority 4": "5",
            "BODY zebra": "7", "TEXT carol": "7", "OR FROM sender1 TO bob": "2 7",
            "NOT FLAGGED": "1 3 5 7", "2:3": "2 3", "UID 6:*": "6 7",
            "SENTON 8-Feb-1994": "7", "SENTBEFORE 3-Feb-1994": "1 2", "LARGER 300": "7",
            "SMALLER 10": "", "(FROM sender1 FLAGGED)": "2",
            "KEYWORD nosuch": "", "UNKEYWORD nosuch": "1 2 3 4 5 6 7", "NEW": "1 2 3 4 5 6",
            "RECENT": "1 2 3 4 5 6 7", "OLD": "",
            "SINCE 1-Jan-2000": "1 2 3 4 5 6 7", "BEFORE 1-Jan-2000": "",
            "HEADER X-Priority \"\"": "1 2 3 4 5 6",
        }
        for q, want in expect.items():
            untagged, _ = c.ok("SEARCH " + q)
            self.assertEqual(untagged, [("SEARCH " + want).strip().encode()], q)
        # Decoded (RFC 2047) subject, case-insensitive, UTF-8 in a literal.
        for word in ("café", "CAFÉ"):
            untagged, _ = c.ok("SEARCH CHARSET UTF-8 SUBJECT", word.encode())
            self.assertEqual(untagged, [b"SEARCH 7"], word)
        untagged, _ = c.ok("UID SEARCH RETURN (MIN MAX COUNT ALL) FLAGGED")
        self.assertEqual(untagged, [b'ESEARCH (TAG "t%d") UID MIN 2 MAX 6 COUNT 3 ALL 2,4,6' % c.n])
        # Past the end is no match, not BAD (test_imap_search_conformance.py has more).
        self.assertEqual(c.ok("SEARCH 8")[0], [b"SEARCH"])
        for bad in ("SEARCH FOO", "SEARCH", "SEARCH OR 1", "SEARCH NOT",
                    "SEARCH " + "NOT " * 200 + "ALL", "SEARCH RETURN (SAVE) ALL",
                    "SEARCH SINCE 32-Jan-2000", "SEARCH UID $"):
            self.assertEqual(c.cmd(bad)[0], "BAD", bad)
        st, _, text = c.cmd("SEARCH CHARSET KOI8-R ALL")
        self.assertEqual((st, text[:12]), ("NO", "[BADCHARSET "))
        # SQL metacharacters are data, nothing else.
        untagged, _ = c.ok("SEARCH SUBJECT \"'; DROP TABLE messages; --\" ")
        self.assertEqual(untagged, [b"SEARCH"])
        self.assertEqual(self.sql("SELECT count(*) > 0 FROM messages"), "t")

    def test_copy_move_copyuid_and_refcounts(self):
        login, c = self.user()
        for i in range(3):
            self.append(c, self.msg(i), r"\Seen" if i == 0 else "")
        c.ok("SELECT INBOX")
        arch_v = self.mbox(login, "Archive")[1]
        _, text = c.ok("COPY 1:3 Archive")
        self.assertEqual(text, "[COPYUID %s 1:3 1:3] COPY completed" % arch_v)
        self.assertEqual(self.refcounts(), "2,2,2")
        self.assertEqual(self.mbox(login, "Archive")[4:6], ["3", "2"])
        untagged, text = c.ok("UID MOVE 2 Trash")
        trash_v = self.mbox(login, "Trash")[1]
        self.assertEqual(untagged, [("OK [COPYUID %s 2 1] Moved" % trash_v).encode(),
                                    b"2 EXPUNGE"])
        inbox = self.mbox(login)
        self.assertEqual(inbox[4], "2")
        self.assertEqual(self.sql("SELECT uid FROM expunged WHERE mailbox_id = %s" % inbox[0]),
                         "2")
        self.assertEqual(self.refcounts(), "2,2,2")
        st, _, text = c.cmd("COPY 1 Nowhere")
        self.assertEqual((st, text[:11]), ("NO", "[TRYCREATE]"))
        _, text = c.ok("UID COPY 99 Archive")
        self.assertNotIn("COPYUID", text)
        c.ok("SELECT Archive")
        self.assertEqual(fetch_map(c.ok("FETCH 1:3 (UID FLAGS)")[0])[1],
                         b"UID 1 FLAGS (\\Seen \\Recent)")  # copies are new in Archive

    def test_expunge_uid_expunge_close_unselect(self):
        login, c = self.user()
        for i in range(5):
            self.append(c, self.msg(i), r"\Deleted" if i in (1, 2, 4) else "")
        c.ok("SELECT INBOX")
        untagged, _ = c.ok("UID EXPUNGE 1:3")
        self.assertEqual(untagged, [b"3 EXPUNGE", b"2 EXPUNGE"])
        mid, _, _, hms, messages, unseen, deleted, size = self.mbox(login)
        self.assertEqual((messages, unseen, deleted), ("3", "3", "1"))
        self.assertEqual(self.sql("SELECT string_agg(uid::text || ':' || (modseq = %s)::text, ',' "
                                  "ORDER BY uid) FROM expunged WHERE mailbox_id = %s"
                                  % (hms, mid)), "2:true,3:true")
        self.assertEqual(self.refcounts(), "0,0,1,1,1")
        c.ok("UNSELECT")
        self.assertEqual(self.mbox(login)[4], "3")  # UNSELECT does not expunge
        c.ok("EXAMINE INBOX")
        c.ok("CLOSE")
        self.assertEqual(self.mbox(login)[4], "3")  # nor CLOSE of a read-only mailbox
        c.ok("SELECT INBOX")
        c.ok("CLOSE")
        self.assertEqual(self.mbox(login)[4:7], ["2", "2", "0"])
        self.assertEqual(c.cmd("EXPUNGE")[0], "BAD")  # not selected any more
        c.ok("SELECT INBOX")
        untagged, _ = c.ok("EXPUNGE")
        self.assertEqual(untagged, [])

    def test_quota_on_append_and_copy(self):
        login, c = self.user()
        self.node.ctl("quota", "set", login, "--storage", "3000")
        self.append(c, self.msg(1, body="y" * 1000))
        st, _, text = c.cmd("APPEND INBOX", b"z" * 2500)
        self.assertEqual((st, text[:12]), ("NO", "[OVERQUOTA] "))
        self.append(c, self.msg(2, body="y" * 1000))
        c.ok("SELECT INBOX")
        st, _, text = c.cmd("COPY 1:2 Archive")
        self.assertEqual((st, text[:12]), ("NO", "[OVERQUOTA] "))
        c.ok("STORE 1 +FLAGS (\\Deleted)")
        c.ok("EXPUNGE")
        used = self.sql("SELECT q.storage_used, q.messages_used FROM quota_roots q JOIN accounts "
                        "a ON a.quota_root_id = q.id WHERE a.localpart = '%s'"
                        % login.split("@")[0])
        self.assertEqual(used, "%d|1" % len(self.msg(2, body="y" * 1000)))

    def test_shared_folder_private_seen_and_rights(self):
        owner, a = self.user()
        self.append(a, self.msg(1), r"\Seen")
        self.append(a, self.msg(2))
        reader, b = self.user()
        self.node.ctl("acl", "set", owner, "INBOX", reader, "lrsw")
        box = "\"Other Users/%s/INBOX\"" % owner.split("@")[0]
        _, text = b.ok("SELECT " + box)
        self.assertTrue(text.startswith("[READ-WRITE]"), text)
        # The owner's \Seen is not the reader's (\Recent is the mailbox's: b selected first).
        self.assertEqual(fetch_map(b.ok("FETCH 1:2 FLAGS")[0]),
                         {1: b"FLAGS (\\Recent)", 2: b"FLAGS (\\Recent)"})
        untagged, _ = b.ok("STORE 1:2 +FLAGS (\\Seen \\Flagged \\Deleted)")  # no t: no \Deleted
        self.assertEqual(fetch_map(untagged), {1: b"FLAGS (\\Seen \\Flagged \\Recent)",
                                               2: b"FLAGS (\\Seen \\Flagged \\Recent)"})
        a.ok("SELECT INBOX")
        self.assertEqual(fetch_map(a.ok("FETCH 1:2 FLAGS")[0]),
                         {1: b"FLAGS (\\Seen \\Flagged)", 2: b"FLAGS (\\Flagged)"})
        self.assertEqual(self.mbox(owner)[5:7], ["1", "0"])  # owner's unseen, deleted
        untagged, _ = b.ok("STORE 1 -FLAGS (\\Seen)")
        self.assertEqual(fetch_map(untagged), {1: b"FLAGS (\\Flagged \\Recent)"})
        st, _, text = b.cmd("EXPUNGE")
        self.assertEqual((st, text[:8]), ("NO", "[NOPERM]"))
        f = fetch_map(b.ok("FETCH 1 BODY[TEXT]")[0])[1]  # sets the reader's \Seen only
        self.assertIn(b"FLAGS (\\Seen \\Flagged \\Recent)", f)
        untagged, _ = a.ok("NOOP")  # the owner is told nothing: its flags did not change
        self.assertEqual(untagged, [])
        self.assertEqual(fetch_map(a.ok("FETCH 2 FLAGS")[0]), {2: b"FLAGS (\\Flagged)"})
        st, _, text = b.cmd("APPEND " + box, self.msg(3))  # no i right
        self.assertEqual((st, text[:8]), ("NO", "[NOPERM]"))

    def test_imaplib_flow(self):
        login, _ = self.user()
        c = imaplib.IMAP4(*self.node.addr("imap"))
        c.login(login, PASSWORD)
        self.assertEqual(c.append("Drafts", r"(\Draft)", None, self.msg(9))[0], "OK")
        typ, data = c.select("Drafts")
        self.assertEqual((typ, data), ("OK", [b"1"]))
        typ, data = c.uid("SEARCH", None, "DRAFT")
        self.assertEqual(data, [b"1"])
        typ, data = c.fetch("1", "(RFC822)")
        self.assertEqual(data[0][1], self.msg(9))
        c.close()
        c.logout()


if __name__ == "__main__":
    unittest.main()
