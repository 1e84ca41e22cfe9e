"""cairn-lmtpd against bad input: each case gets the right reply, nothing is
stored half, and the server keeps serving."""
import os
import socket
import unittest

from cairntest.lmtpnode import LmtpNode


class LmtpBadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = LmtpNode(workers=2, lmtp={"max_message_size": 4 * 1024 * 1024})
        cls.node.add_user("bob", "example.test")
        cls.box = cls.node.mailbox_id("bob", "example.test")

    @classmethod
    def tearDownClass(cls):
        cls.node.cleanup()

    def setUp(self):
        self.c = self.node.client()
        self.c.lhlo()

    def tearDown(self):
        self.c.close()

    def count(self):
        return len(self.node.uids(self.box))

    def start_data(self):
        self.assertEqual(self.c.cmd("MAIL FROM:<s@r>")[0], 250)
        self.assertEqual(self.c.cmd("RCPT TO:<bob@example.test>")[0], 250)
        self.assertEqual(self.c.cmd("DATA")[0], 354)

    def test_bare_lf_and_lf_dot_lf_never_end_data(self):
        n = self.count()
        self.start_data()
        # An MTA that ends DATA at "\n.\n" would see a second, smuggled message here.
        self.c.send(b"Subject: smuggle\r\n\r\nhello\n.\nMAIL FROM:<evil@x>\nRCPT TO:<bob@example.test>"
                    b"\nDATA\nSubject: smuggled\n\nbad\n.\r\nstill the first\r\n.\r\n")
        code, _ = self.c.reply()
        self.assertEqual(code, 250)
        self.assertEqual(self.c.cmd("NOOP")[0], 250, "exactly one reply: one message")
        stored = self.node.stored_messages(self.box)
        self.assertEqual(len(stored), n + 1)
        body = stored[-1][1]
        self.assertIn(b"hello\r\n.\r\nMAIL FROM:<evil@x>\r\n", body)
        self.assertTrue(body.endswith(b"bad\r\n.\r\nstill the first\r\n"))
        self.assertNotIn(b"\n\n", body.replace(b"\r\n", b""))

    def test_nul_bytes_stored_byte_exact(self):
        self.start_data()
        self.c.send(b"Subject: nul\x00here\r\nMessage-ID: <nul\x00@r>\r\n\r\nbody \x00\x00 bytes\r\n.\r\n")
        self.assertEqual(self.c.reply()[0], 250)
        body = self.node.stored_messages(self.box)[-1][1]
        self.assertIn(b"body \x00\x00 bytes\r\n", body)
        self.assertIn(b"Subject: nul\x00here\r\n", body)

    def test_one_megabyte_header_line(self):
        self.start_data()
        long = b"X-Long: " + b"a" * (1024 * 1024) + b"\r\n"
        self.c.send(long + b"Subject: long\r\n\r\nbody\r\n.\r\n")
        self.assertEqual(self.c.reply()[0], 250)
        body = self.node.stored_messages(self.box)[-1][1]
        self.assertEqual(body, b"Return-Path: <s@r>\r\n" + long + b"Subject: long\r\n\r\nbody\r\n")

    def test_oversized_message_552_and_nothing_stored(self):
        n, files = self.count(), self.node.blob_files()
        self.start_data()
        chunk = b"y" * 998 + b"\r\n"
        for _ in range(5 * 1024):  # 5 MB > 4 MB limit
            self.c.send(chunk)
        self.c.send(b".\r\n")
        code, text = self.c.reply()
        self.assertEqual(code, 552, text)
        self.assertIn("5.3.4", text)
        self.assertEqual((self.count(), self.node.blob_files()), (n, files))
        self.assertEqual(self.c.cmd("MAIL FROM:<s@r> SIZE=%d" % (5 << 20))[0], 552)
        self.assertEqual(self.c.cmd("NOOP")[0], 250)

    def test_sequence_and_address_errors(self):
        self.assertEqual(self.c.cmd("RCPT TO:<bob@example.test>")[0], 503)
        self.assertEqual(self.c.cmd("DATA")[0], 503)
        self.assertEqual(self.c.cmd("MAIL FROM:<s@r>")[0], 250)
        for bad in ("bob@example.test", "<bob@@example.test>", "<bob@>", "<bob example.test>",
                    "<bob@exa mple.test>", "<>", "<\"bob@example.test>", "<bob@example.test"):
            code, text = self.c.cmd("RCPT TO:" + bad)
            self.assertEqual(code, 501, bad + " -> " + text)
        self.assertEqual(self.c.cmd("DATA")[0], 503, "no valid recipients")
        self.assertEqual(self.c.cmd("EHLO x")[0], 500)
        self.assertEqual(self.c.cmd("XYZZY")[0], 500)
        self.assertEqual(self.c.cmd("NOOP " + "z" * 10000)[0], 500)
        self.assertEqual(self.c.cmd("NOOP")[0], 250)

    def test_1001_recipients(self):
        self.node.add_user("many", "example.test")
        box = self.node.mailbox_id("many", "example.test")
        self.assertEqual(self.c.cmd("MAIL FROM:<s@r>")[0], 250)
        # pipelined: all RCPTs in one write
        self.c.send("".join("RCPT TO:<many+f%d@example.test>\r\n" % i for i in range(1001)))
        codes = [self.c.reply()[0] for _ in range(1001)]
        self.assertEqual(codes[:1000], [250] * 1000)
        self.assertEqual(codes[1000], 452)
        self.assertEqual(self.c.cmd("DATA")[0], 354)
        self.c.send(b"Subject: many\r\n\r\nx\r\n.\r\n")
        self.assertEqual([self.c.reply()[0] for _ in range(1000)], [250] * 1000)
        # all 1000 name the same INBOX: it gets the message once
        self.assertEqual(self.node.uids(box), [1])

    def test_client_vanishes_mid_data(self):
        n, files = self.count(), self.node.blob_files()
        since = self.node.master.log_size()
        self.start_data()
        self.c.send(b"Subject: cut\r\n\r\n" + b"half a message\r\n" * 1000)
        self.c.sock.shutdown(socket.SHUT_RDWR)
        self.c.close()
        # The session is over (and whatever it would store, stored) once lmtpd says so.
        self.node.master.wait_log(r"event=disconnect .*reason=eof_in_message", since=since)
        self.assertEqual((self.count(), self.node.blob_files()), (n, files))
        self.c = self.node.client()
        self.assertEqual(self.c.lhlo()[0], 250)

    def test_deep_and_wide_mime_stored(self):
        # 10,000-deep nesting and 100,000 parts: stored byte-exact (the index may flatten)
        deep = [b"Subject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"]
        for i in range(1, 10000):
            deep.append(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i - 1, i))
        wide = [b"Subject: wide\r\nContent-Type: multipart/mixed; boundary=w\r\n\r\n"]
        wide += [b"--w\r\n\r\n%d\r\n" % i for i in range(100000)] + [b"--w--\r\n"]
        for parts in (deep, wide):
            msg = b"".join(parts)
            self.start_data()
            self.c.send(msg + b".\r\n")
            self.assertEqual(self.c.reply()[0], 250)
            self.assertEqual(self.node.stored_messages(self.box)[-1][1],
                             b"Return-Path: <s@r>\r\n" + msg)


if __name__ == "__main__":
    unittest.main()
