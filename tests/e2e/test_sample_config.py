"""The shipped sample configuration stays valid for the binaries it names."""
import os
import subprocess
import unittest

from cairntest import ROOT, binary


class SampleConfigTest(unittest.TestCase):
    def test_etc_cairn_conf_passes_master_check(self):
        conf = os.path.join(ROOT, "etc", "cairn.conf")
        r = subprocess.run([binary("cairn-master"), "-t", "-c", conf],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, out)
        self.assertIn("configuration OK", out)

    def test_event_commands_are_real_cairnctl_commands(self):
        conf = open(os.path.join(ROOT, "etc", "cairn.conf")).read()
        for line in conf.splitlines():
            if line.startswith("cmd = cairnctl"):
                argv = line.split("=", 1)[1].split()
                sub = [a for a in argv[1:] if not a.startswith("-") and not a.startswith("/")]
                r = subprocess.run([binary("cairnctl"), sub[0], "--help"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                self.assertEqual(r.returncode, 0, "%s: %s" % (line, r.stdout.decode()))


if __name__ == "__main__":
    unittest.main()
