"""Debian's Postfix relaying to cairn-lmtpd over its lmtp transport: a private
Postfix instance (own config, queue and data directories, SMTP on a free loopback
port) receives mail by SMTP and delivers it with `virtual_transport = lmtp:...`."""
import os
import shutil
import smtplib
import subprocess
import tempfile
import time
import unittest

from cairntest import scaled
from cairntest.lmtpnode import LmtpNode, free_port

MASTER_CF = """\
{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {dir}/queue
data_directory = {dir}/data
maillog_file = {dir}/maillog
maillog_file_prefixes = {dir}
mail_owner = postfix
myhostname = mx.example.net
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains =
local_recipient_maps =
virtual_mailbox_domains = example.test
virtual_transport = lmtp:inet:127.0.0.1:{lmtp_port}
smtpd_reject_unlisted_recipient = no
default_transport = error:no remote delivery in tests
lmtp_lhlo_name = mx.example.net
biff = no
"""


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("postfix"),
                     "needs root and Debian's postfix (tools/install-deps)")
class LmtpPostfixTest(unittest.TestCase):
    def setUp(self):
        self.node = LmtpNode(workers=2)
        self.node.add_user("frank", "example.test")
        self.node.add_user("gina", "example.test")
        self.node.add_user("hank", "example.test")
        self.dir = tempfile.mkdtemp(prefix="cairn-postfix-")
        os.chmod(self.dir, 0o755)
        os.mkdir(os.path.join(self.dir, "queue"), 0o755)
        os.mkdir(os.path.join(self.dir, "data"), 0o700)
        shutil.chown(os.path.join(self.dir, "data"), "postfix")
        self.smtp_port = free_port()
        with open(os.path.join(self.dir, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(dir=self.dir, lmtp_port=self.node.port))
        with open(os.path.join(self.dir, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(port=self.smtp_port))
        r = subprocess.run(["postfix", "-c", self.dir, "start"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        self.assertEqual(r.returncode, 0, r.stdout.decode(errors="replace"))

    def tearDown(self):
        subprocess.run(["postfix", "-c", self.dir, "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        time.sleep(0.2)
        pid_file = os.path.join(self.dir, "queue", "pid", "master.pid")
        try:
            with open(pid_file) as f:
                os.kill(int(f.read().split()[0]), 9)
        except (OSError, ValueError, IndexError):
            pass
        self.node.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def maillog(self):
        try:
            with open(os.path.join(self.dir, "maillog"), errors="replace") as f:
                return f.read()
        except OSError:
            return "(no maillog)"

    def wait_rows(self, n, timeout=60):
        deadline = time.time() + scaled(timeout)
        while time.time() < deadline:
            if int(self.node.sql("SELECT count(*) FROM mailbox_messages")) >= n:
                return
            time.sleep(0.2)
        self.fail("Postfix did not deliver %d messages; maillog:\n%s\nlmtpd log:\n%s"
                  % (n, self.maillog()[-3000:], self.node.log()[-2000:]))

    def test_postfix_relays_over_lmtp(self):
        deadline = time.time() + scaled(60)
        while True:
            try:
                s = smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=scaled(60))
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        with s:
            s.sendmail("sender@remote.test", ["frank@example.test"],
                       "From: sender@remote.test\r\nSubject: via postfix\r\n"
                       "Message-ID: <pf1@remote.test>\r\n\r\n.leading dot line\r\nbody\r\n")
            s.sendmail("list@remote.test",
                       ["frank@example.test", "gina@example.test", "hank@example.test"],
                       "From: list@remote.test\r\nSubject: three\r\n"
                       "Message-ID: <pf2@remote.test>\r\n\r\nfor three\r\n")
        self.wait_rows(4)
        frank = self.node.stored_messages(self.node.mailbox_id("frank", "example.test"))
        self.assertEqual(len(frank), 2)
        # Postfix's queue manager may deliver the two messages in either order.
        first = next(m for _, m in frank if b"<pf1@remote.test>" in m)
        self.assertTrue(first.startswith(b"Return-Path: <sender@remote.test>\r\n"), first[:200])
        self.assertIn(b"by mx.example.net (Postfix)", first)
        self.assertTrue(first.endswith(b"\r\n\r\n.leading dot line\r\nbody\r\n"), first[-100:])
        # Postfix sends the three recipients in one LMTP transaction: one blob, refcount 3
        self.assertEqual(self.node.sql(
            "SELECT b.refcount FROM blobs b JOIN messages m ON m.sha256 = b.sha256 "
            "WHERE m.message_id = '<pf2@remote.test>'"), "3")
        self.assertIn("status=sent", self.maillog())
        self.assertIn("lmtp", self.maillog())


if __name__ == "__main__":
    unittest.main()
