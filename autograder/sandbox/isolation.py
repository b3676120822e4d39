"""Operating-system isolation of the child process beyond rlimits.

What every child gets (autograder/sandbox/session.py): a fresh process forked from a zygote
started with ``python -I -S`` and a clean environment, a scratch directory holding
only copies of the student's files, rlimits on address space, CPU time and file size,
its own session and process group killed as a whole, and pipes that carry only JSON
and .npy values.

What this module adds when the grader runs as root, in the child before it loads any
student code (``enter``; the zygote imports this file as ``backprop_jail``), at the
strongest level the machine allows (``Jail.level``, reported in every results.json):

``jail``
    A new network namespace (no network, not even the host's loopback services), a new
    IPC namespace (SysV shared memory, semaphores and message queues it creates vanish
    with it), and a new mount namespace whose root is an empty read-only tmpfs holding
    only what the child needs, bind-mounted read-only at the same paths: /usr, the Python
    installation, numpy, source_lib and the library directory, plus /dev/null, /dev/zero,
    /dev/urandom, and at the scratch directory's path a writable tmpfs of ``disk_mb``
    holding copies of its files. No solutions/, no hidden tests, no course secret, no
    /proc, no other student's files. The child then drops to a user id of its own
    (``UID_BASE`` + its pid, no groups, no capabilities), so it cannot undo the mounts,
    and RLIMIT_NPROC counts only its own processes (a fork bomb stops there). After the
    child, every process left with that user id (a daemon that left the process group)
    is killed with ``kill(-1, SIGKILL)`` sent as that user; the last of them takes its
    IPC namespace and its tmpfs with it, so nothing of that user id remains.
``netns``
    Only the network namespace (when mounts are not allowed here, e.g. in a container
    without CAP_SYS_ADMIN).
``process``
    Neither: the grader does not run as root, or the kernel refused both.
"""

import ctypes
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
PR_SET_PDEATHSIG = 1
CLONE_NEWNET = 0x40000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000

UID_BASE = 2_000_000_000
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom")
BASE = "separate process, rlimits, own process group, clean environment, scratch directory"
DESCRIPTIONS = {
    "jail": (f"jail: {BASE}, no network (own network namespace), only the interpreter, numpy, source_lib "
             "and the submission visible (own mount namespace, read-only but for the scratch directory, "
             "a size-limited tmpfs), own IPC namespace, own unprivileged user id per child"),
    "netns": f"netns: {BASE}, no network (own network namespace)",
}
_levels = {}


def die_with_parent(parent):
    """Be killed (SIGKILL) when the parent process ``parent`` ends; end now if it already has.

    For the zygote (its parent: the grader) and each child (its parent: the zygote). The
    kernel clears this when the user id changes, so a child sets it after its jail.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    _check(libc, libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
    if os.getppid() != parent:
        os._exit(1)


def enter(level, root, readable, scratch, disk_mb):
    """Runs in the child before it loads student code: the isolation of ``level``.

    root: an empty directory where the child mounts its own root file system;
    readable: the paths it sees read-only besides /usr; scratch: its writable cwd,
    at ``jail`` a tmpfs of ``disk_mb`` MB.
    """
    if level == "process":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    jailed = CLONE_NEWNS | CLONE_NEWIPC if level == "jail" else 0
    _check(libc, libc.unshare(CLONE_NEWNET | jailed), "unshare")
    if level == "jail":
        uid = UID_BASE + os.getpid()
        _build_root(libc, root, readable, scratch, uid, disk_mb)
        os.chroot(root)
        os.chdir(scratch)
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)


def _build_root(libc, root, readable, scratch, uid, disk_mb):
    """A fresh tmpfs on ``root`` holding read-only binds of ``readable`` and ``scratch``'s files
    copied into a writable tmpfs of ``disk_mb`` MB at the same path."""
    os.umask(0o022)
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
    _mount(libc, "tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for name in os.listdir("/"):
        if os.path.islink(f"/{name}"):
            os.symlink(os.readlink(f"/{name}"), f"{root}/{name}")
    for path in ["/usr", *readable, *DEVICES]:
        _bind(libc, root, path, read_only=True)
    target = root + scratch
    os.makedirs(target)
    _mount(libc, "tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={disk_mb}m,mode=0700,uid={uid},gid={uid}")
    shutil.copytree(scratch, target, dirs_exist_ok=True)
    for folder, dirs, files in os.walk(target):
        for name in [*dirs, *files]:
            os.chown(os.path.join(folder, name), uid, uid)
    _mount(libc, None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _bind(libc, root, path, read_only):
    target = root + path
    if os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(libc, path, target, None, MS_BIND | MS_REC)
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | (MS_RDONLY if read_only else 0)
    if path not in DEVICES:
        flags |= MS_NODEV
    _mount(libc, None, target, None, flags)


def _mount(libc, source, target, fstype, flags, data=None):
    encode = (lambda s: None if s is None else s.encode())
    _check(libc, libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)),
           f"mount {target}")


def _check(libc, status, what):
    if status != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def sweep(level, pid):
    """At the jail level, kill every process left running as the user id of the ended child ``pid``.

    ``kill(-1)`` sent as that user reaches exactly its processes: a daemon that left the
    process group, the rest of a fork bomb. Runs in the zygote, the children's parent.
    """
    if level != "jail":
        return
    killer = os.fork()
    if killer == 0:
        try:
            uid = UID_BASE + pid
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(killer, 0)


class Jail:
    """The grader's side of the isolation: which level this machine allows.

    libdir: the directory the child imports from; it and what its entries link to are
    what the child sees read-only, besides /usr and the Python installation. root: an
    empty directory the grader owns, where each child mounts its own root file system
    (in its own mount namespace, so children never share it).
    """

    def __init__(self, libdir, root, disk_mb):
        self.libdir = str(libdir)
        self.disk_mb = disk_mb
        targets = sorted({str(path.resolve()) for path in Path(libdir).iterdir() if path.is_symlink()})
        self.readable = [self.libdir, *targets, str(Path(sys.base_prefix).resolve())]
        self.root = str(root)
        self.python = str(Path(sys.executable).resolve())
        self.level, self.reason = "process", "the grader does not run as root"
        if os.geteuid() == 0:
            key = tuple(self.readable[1:])
            if key not in _levels:
                _levels[key] = self.probe()
            self.level, self.reason = _levels[key]

    def describe(self):
        """The level reached and what it means, starting with the level's name and a colon."""
        return DESCRIPTIONS.get(self.level, f"process: {BASE}; no jail here ({self.reason})")

    def params(self, level=None):
        """The keyword arguments of ``enter`` (but scratch) for this jail, as plain JSON values."""
        return {"level": level or self.level, "root": self.root, "readable": self.readable, "disk_mb": self.disk_mb}

    def probe(self):
        """The strongest (level, reason) a child reaches here: each level is tried on a real child
        that imports numpy from the library directory and writes a file in its scratch directory."""
        scratch = Path(self.root).parent / "probe"
        scratch.mkdir(exist_ok=True)
        code = f"import sys; sys.path.insert(0, {self.libdir!r}); import numpy; open('probe', 'w').close()"
        reasons = []
        for level in ("jail", "netns"):
            try:
                done = subprocess.run([self.python, "-I", "-S", "-c", code], cwd=scratch, env={},
                                      preexec_fn=lambda: enter(scratch=str(scratch), **self.params(level)),
                                      capture_output=True, timeout=60)
                if done.returncode == 0:
                    return level, "; ".join(reasons)
                reasons.append(f"{level}: {done.stderr.decode(errors='replace').strip()[-200:]}")
            except (OSError, subprocess.SubprocessError) as exc:
                reasons.append(f"{level}: {exc}")
        return "process", "; ".join(reasons)
