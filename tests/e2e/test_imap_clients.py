"""Real mail clients against a running cairn node: mutt (in batch mode, on a pty)
reads a message and files it into another folder; mbsync (isync) syncs a mailbox
both ways (new messages, flags and deletions in each direction) with no errors.
"""
import glob
import os
import pty
import select
import shutil
import subprocess
import tempfile
import time
import unittest

from imap_msg_util import PASSWORD, Raw, fetch_map, message, new_node

LOGIN = "client@example.test"


def run_on_pty(argv, timeout=60, env=None):
    """Run an interactive program on a pseudo-terminal; returns (status, output)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(argv[0], argv, env or os.environ)
    out = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), out
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out


@unittest.skipUnless(shutil.which("mutt") and shutil.which("mbsync"),
                     "mutt and isync are needed (tools/install-deps)")
class ClientsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = new_node()
        cls.node.start()
        cls.node.add_user(LOGIN, PASSWORD)
        cls.host, cls.port = cls.node.addr("imap")

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cairn-clients-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.c = Raw(self.node, LOGIN)
        self.addCleanup(self.c.close)

    def uids(self, box):
        self.c.ok("EXAMINE %s" % box)
        untagged, _ = self.c.ok("UID SEARCH ALL")
        return untagged[0].split()[1:]

    def test_mutt_reads_and_files(self):
        self.c.ok("APPEND INBOX", message(1, subject="for mutt", body="mutt-body-marker"))
        rc = os.path.join(self.dir, "muttrc")
        dump = os.path.join(self.dir, "dump.txt")
        with open(rc, "w") as f:
            f.write('set folder="imap://%s@%s:%d/"\nset spoolfile="+INBOX"\n'
                    'set imap_user="%s"\nset imap_pass="%s"\nset ssl_starttls=no\n'
                    'set ssl_force_tls=no\nset imap_authenticators="login"\nset delete=yes\n'
                    'set confirmappend=no\nset move=no\nset quit=yes\nset wait_key=no\n'
                    'set header_cache=""\nset mail_check=1\nset beep=no\n'
                    % (LOGIN.replace("@", "%40"), self.host, self.port, LOGIN, PASSWORD))
        keys = ('<pipe-message>cat > %s<enter><save-message>=Archive<enter>'
                '<sync-mailbox><quit>' % dump)
        env = dict(os.environ, TERM="xterm", HOME=self.dir)
        status, out = run_on_pty(["mutt", "-n", "-F", rc, "-e", "push '%s'" % keys], env=env)
        self.assertEqual(status, 0, out[-2000:])
        with open(dump, "rb") as f:
            self.assertIn(b"mutt-body-marker", f.read())
        self.assertEqual(self.uids("INBOX"), [])
        self.assertEqual(len(self.uids("Archive")), 1)
        self.c.ok("SELECT Archive")
        body = fetch_map(self.c.ok("FETCH 1 BODY.PEEK[TEXT]")[0])[1]
        self.assertIn(b"mutt-body-marker", body)

    def mbsync(self, rc):
        r = subprocess.run(["mbsync", "-c", rc, "-a"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, 0, out)
        self.assertNotIn("rror", out)
        return out

    def test_mbsync_both_ways(self):
        self.c.ok("CREATE Sync")
        for i in range(3):
            self.c.ok("APPEND Sync", message(i, body="sync-%d" % i))
        local = os.path.join(self.dir, "mail")
        os.makedirs(local)
        rc = os.path.join(self.dir, "mbsyncrc")
        with open(rc, "w") as f:
            f.write("IMAPAccount cairn\nHost %s\nPort %d\nUser %s\nPass %s\nSSLType None\n"
                    "AuthMechs LOGIN\n\nIMAPStore remote\nAccount cairn\n\n"
                    "MaildirStore local\nPath %s/\nSubFolders Verbatim\n\n"
                    "Channel sync\nFar :remote:\nNear :local:\nPatterns Sync\nCreate Both\n"
                    "Expunge Both\nSyncState *\nSync All\n"
                    % (self.host, self.port, LOGIN, PASSWORD, local))
        self.mbsync(rc)
        files = sorted(glob.glob(os.path.join(local, "Sync", "*", "*")))
        self.assertEqual(len(files), 3)
        # Locally: one new message, one marked seen, one deleted (trashed).
        new = os.path.join(local, "Sync", "new", "1700000000.local.host")
        with open(new, "wb") as f:
            f.write(message(50, body="from-the-near-side"))
        by_body = {}
        for p in files:
            with open(p, "rb") as f:
                # mbsync stores LF line ends locally.
                by_body[f.read().replace(b"\r\n", b"\n").split(b"\n\n", 1)[1].strip()] = p
        seen, gone = by_body[b"sync-0"], by_body[b"sync-1"]
        base = lambda p: os.path.join(local, "Sync", "cur", os.path.basename(p).split(":")[0])
        os.rename(seen, base(seen) + ":2,S")
        os.rename(gone, base(gone) + ":2,T")
        # On the server: sync-2 gets \Flagged.
        self.c.ok("SELECT Sync")
        self.c.ok("UID STORE 3 +FLAGS.SILENT (\\Flagged)")
        self.mbsync(rc)
        self.c.ok("NOOP")
        untagged, _ = self.c.ok("FETCH 1:* (FLAGS BODY.PEEK[TEXT])")
        got = {}
        for data in fetch_map(untagged).values():
            body = data.split(b"}\r\n", 1)[1].strip()
            got[body] = data.split(b" BODY[")[0]
        self.assertEqual(set(got), {b"sync-0", b"sync-2", b"from-the-near-side"})
        self.assertIn(b"\\Seen", got[b"sync-0"])
        flagged = [p for p in glob.glob(os.path.join(local, "Sync", "*", "*"))
                   if open(p, "rb").read().rstrip().endswith(b"sync-2")]
        self.assertEqual(len(flagged), 1)
        self.assertIn("F", flagged[0].rsplit(":2,", 1)[1])
        out = self.mbsync(rc)  # a third run finds nothing to do
        self.assertEqual(len(glob.glob(os.path.join(local, "Sync", "*", "*"))), 3, out)
        # isync 1.4 turns on COMPRESS=DEFLATE by itself when the server offers it.
        self.assertIn("event=compress mechanism=deflate", self.node.master.log())


if __name__ == "__main__":
    unittest.main()
