"""Process helpers: children that die with us, and privilege dropping."""
import ctypes
import os
import pwd
import signal

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)

UNPRIV_USER = "cairn"


def set_pdeathsig(sig=signal.SIGTERM):
    """Ask the kernel to send sig to this process when its parent dies."""
    _libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)


def unpriv_ids():
    """(uid, gid) to run servers as: the 'cairn' user when root, else ourselves."""
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    try:
        pw = pwd.getpwnam(UNPRIV_USER)
    except KeyError:
        raise RuntimeError("run tools/install-deps as root: it creates the 'cairn' user")
    return pw.pw_uid, pw.pw_gid


def preexec(uid=None, gid=None, deathsig=signal.SIGTERM):
    """A preexec_fn: new session-less child that drops to uid/gid and dies with us.

    PDEATHSIG is set after the credential change because the kernel clears it
    when the effective ids change."""
    def fn():
        if gid is not None and os.getegid() != gid:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
        if uid is not None and os.geteuid() != uid:
            os.setresuid(uid, uid, uid)
        set_pdeathsig(deathsig)
    return fn
