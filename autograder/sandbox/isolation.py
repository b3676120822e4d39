"""Operating-system isolation of the child process beyond rlimits.

What every child gets (autograder/sandbox/session.py): a fresh process forked from a zygote
started with ``python -I -S`` and a clean environment, a scratch directory holding
only copies of the student's files, rlimits on address space, CPU time and file size,
its own session and process group killed as a whole, and pipes that carry only JSON
and .npy values.

What this module adds when the grader runs as root, in the child before it loads any
student code (``enter``; the zygote imports this file as ``backprop_jail``), at the
strongest level the machine allows (``Jail.level``, recorded in every results.json: ``Jail.record``):

``jail``
    A new network namespace (no network, not even the host's loopback services), a new
    IPC namespace (SysV shared memory, semaphores and message queues it creates vanish
    with it), and a new mount namespace whose root is an empty read-only tmpfs holding
    only what the child needs, bind-mounted read-only at the same paths: /usr, the Python
    installation, numpy, source_lib and the library directory, plus /dev/null, /dev/zero,
    /dev/urandom, and at the scratch directory's path a writable tmpfs of ``disk_mb``
    holding copies of its files. No solutions/, no hidden tests, no course secret, no
    /proc, no other student's files. The child then drops to a user id of its own
    (``UID_BASE`` + its host pid, no groups, no capabilities), so it cannot undo the
    mounts, and RLIMIT_NPROC counts only its own processes (a fork bomb stops there).
    It runs in its own PID namespace (below); when that ends, the last of its processes
    takes its IPC namespace and its tmpfs with it.
``netns``
    Only the network namespace (when mounts are not allowed here, e.g. in a container
    without CAP_SYS_ADMIN).
``process``
    Neither: the grader does not run as root, or the kernel refused both.

At the ``jail`` level each child also runs in its own PID namespace (``fork``), whose
pid 1 is a tiny init the zygote starts. The child sees no host process
(``kill(pid, 0)`` on a host pid fails), and when the part ends the init is killed and
the kernel kills every process left in that namespace, traced or not, so nothing a
child started outlives it.

At every level, where the machine allows it (``Jail.filtered``, recorded beside the
level), the child is also ``confine``d: it joins a fresh, empty session
keyring (always), sets no-new-privileges and installs a seccomp filter (through the
system's libseccomp.so.2, by ctypes: the child imports only the standard library and
numpy) that refuses with EPERM the system calls no exercise needs (``DENIED``:
tracing and reading other processes, the kernel's key management, every socket,
namespace and mount changes, modules, BPF, io_uring...), and ``clone`` with a
namespace flag; ``clone3`` answers ENOSYS, so the C library falls back to ``clone``.
It is a list of refusals, not of permissions: what Python and numpy use (files,
memory, threads, pipes, signals) is allowed.
"""

import ctypes
import os
import select
import shutil
import signal
import sys
from errno import EACCES, ENOENT, ENOSYS, EPERM
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
PR_SET_PDEATHSIG = 1
CLONE_NEWNET = 0x40000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000

DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "add_key", "request_key", "keyctl",
    "socket", "socketpair",
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr",
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "swapon", "swapoff",
    "reboot", "acct", "quotactl", "syslog", "personality", "name_to_handle_at", "open_by_handle_at",
)
NAMESPACE_FLAGS = (CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET)
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO = 0x00050000  # | errno
SCMP_CMP_MASKED_EQ = 7
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
KEYCTL_JOIN_SESSION_KEYRING = 1
KEYCTL_SYSCALL = {"x86_64": 250, "aarch64": 219}
INIT = "/bin/cat"  # pid 1 of a child's PID namespace (``fork``)
_held = {}  # {init pid: the zygote's end of the pipe that init reads}
UID_BASE = 2_000_000_000
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom")
LEVELS = ("jail", "netns", "process")  # strongest first
SECCOMP = "seccomp"  # the feature code of the syscall filter in a record (``Jail.record``)
_levels = {}


def die_with_parent(parent):
    """Be killed (SIGKILL) when the parent process ``parent`` ends; end now if it already has.

    For the zygote (its parent: the grader) and each child (its parent: the zygote). The
    kernel clears this when the user id changes, so a child sets it after its jail. A
    child's parent is outside its PID namespace at the jail level (``getppid()`` is 0 there).
    """
    libc = ctypes.CDLL(None, use_errno=True)
    _check(libc, libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
    if os.getppid() not in (parent, 0):
        os._exit(1)


def fork(level):
    """(``os.fork()``'s pid, the pid of the init of its PID namespace, or None below the jail level).

    Runs in the zygote. At the jail level it asks for a new PID namespace for its next
    children, starts its init there (pid 1: ``INIT``, spawned without copying the
    zygote, reading the pipe whose other end the zygote holds, so it ends when the zygote
    does), forks the child (pid 2 there, so it dies of its own signals as it would
    anywhere), and returns to its own namespace for the children that follow. When the
    init ends, the kernel kills every process left in its namespace.
    """
    if level != "jail":
        return os.fork(), None
    libc = ctypes.CDLL(None, use_errno=True)
    own = os.open("/proc/self/ns/pid", os.O_RDONLY)
    read, hold = os.pipe()
    try:
        _check(libc, libc.unshare(CLONE_NEWPID), "unshare")
        init = os.posix_spawn(INIT, [INIT], {}, file_actions=[(os.POSIX_SPAWN_DUP2, read, 0)], setsid=True)
        _held[init] = hold
        pid = os.fork()
        if pid:
            _check(libc, libc.setns(own, CLONE_NEWPID), "setns")
        return pid, init
    finally:
        os.close(own)
        os.close(read)


def kill(pid, init=None):
    """Send SIGKILL to the child process ``pid``, its process group and its namespace's ``init``."""
    for send, target in ((os.killpg, pid), (os.kill, pid), (os.kill, init)):
        try:
            if target is not None:
                send(target, signal.SIGKILL)
        except OSError:
            pass


def wait(pid, timeout, init=None):
    """Kill the child process ``pid``, its process group and its namespace's ``init`` (SIGKILL),
    reap them and return the child's exit code (negative: the signal), or None when it is not
    reaped within ``timeout`` seconds."""
    kill(pid, init)
    ended = _reap(pid, timeout)
    if init is not None:
        _reap(init, timeout)
        os.close(_held.pop(init))
    return ended


def _reap(pid, timeout):
    """The exit code of the ended child ``pid``, or None when it has not ended within ``timeout``."""
    if ends_within(pid, timeout):
        ended, status = os.waitpid(pid, os.WNOHANG)
        if ended:
            return os.waitstatus_to_exitcode(status)
    return None


def ends_within(pid, timeout):
    """Whether the process ``pid`` ends (or has ended) within ``timeout`` seconds; any process
    this one can see, not only its own child (a pidfd becomes readable when it ends)."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:  # gone already
        return True
    try:
        return bool(select.select([handle], [], [], timeout)[0])
    finally:
        os.close(handle)


def syscall_filter():
    """The seccomp filter (see the module's docstring) as a BPF program, built once by libseccomp
    (in the zygote) so that each child only loads it (``confine``)."""
    seccomp = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    seccomp.seccomp_init.restype = ctypes.c_void_p
    context = ctypes.c_void_p(seccomp.seccomp_init(SCMP_ACT_ALLOW))
    if not context:
        raise OSError("seccomp_init failed")
    try:
        def refuse(name, errno, *masks):
            number = seccomp.seccomp_syscall_resolve_name(name.encode())
            if number < 0:  # not a system call of this architecture
                return
            compare = (_ArgCompare * len(masks))(*[_ArgCompare(0, SCMP_CMP_MASKED_EQ, m, m) for m in masks])
            status = seccomp.seccomp_rule_add_array(context, SCMP_ACT_ERRNO | errno, number, len(masks), compare)
            if status < 0:
                raise OSError(-status, f"seccomp_rule_add {name}: {os.strerror(-status)}")

        for name in DENIED:
            refuse(name, EPERM)
        for flag in NAMESPACE_FLAGS:
            refuse("clone", EPERM, flag)
        refuse("clone3", ENOSYS)
        with os.fdopen(os.memfd_create("backprop-filter"), "rb") as program:
            status = seccomp.seccomp_export_bpf(context, program.fileno())
            if status < 0:
                raise OSError(-status, f"seccomp_export_bpf: {os.strerror(-status)}")
            program.seek(0)
            return program.read()
    finally:
        seccomp.seccomp_release(context)


def confine(program):
    """Runs in the child, last before it loads student code: a fresh, empty session keyring
    (nothing the grader's session holds is reachable), then, with a ``program`` (from
    ``syscall_filter``), no new privileges and that seccomp filter."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(KEYCTL_SYSCALL.get(os.uname().machine, -1), KEYCTL_JOIN_SESSION_KEYRING, None) < 0 \
            and ctypes.get_errno() not in (ENOSYS, EPERM):  # refused to us, so to the child too
        _check(libc, -1, "keyctl")
    if program:
        code = ctypes.create_string_buffer(program, len(program))
        filter_ = _SockFprog(len(program) // 8, ctypes.addressof(code))
        _check(libc, libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl")
        _check(libc, libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(filter_), 0, 0), "seccomp")


class _ArgCompare(ctypes.Structure):
    """libseccomp's struct scmp_arg_cmp: argument ``arg`` compared by ``op`` with ``a`` (and ``b``)."""
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]


class _SockFprog(ctypes.Structure):
    """The kernel's struct sock_fprog: ``length`` BPF instructions of 8 bytes at ``code``."""
    _fields_ = [("length", ctypes.c_ushort), ("code", ctypes.c_void_p)]


def filter_problem():
    """Why the seccomp filter cannot be installed here (what the system says), or None."""
    if os.uname().machine not in KEYCTL_SYSCALL:
        return f"os.uname().machine = {os.uname().machine!r}"
    try:
        ctypes.CDLL("libseccomp.so.2")
    except OSError as exc:
        return str(exc)
    return None


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
        uid = UID_BASE + int(os.readlink("/proc/self"))  # the host's pid: in its namespace it is 2
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
        self.key = (os.geteuid(), *self.readable[1:])
        self.level, self.reason, self.filter_problem = _levels.get(self.key, (None, "", None))
        self.filtered = self.level is not None and self.filter_problem is None

    @property
    def settled(self):
        """Whether the level is known (``settle`` ran in this process for this user and these paths)."""
        return self.level is not None

    def settle(self, attempt):
        """Find the strongest level this machine allows, once per process, user and readable paths.

        attempt(level, filtered) -> None when a real child at ``level`` (with the syscall filter
        or without) starts and loads code, else why not in the system's words. As root, ``jail``
        then ``netns`` are tried, then ``process``; each with the filter (if libseccomp is
        here), then without."""
        reasons, problem = [], filter_problem()
        found = None
        for level in (*(("jail", "netns") if os.geteuid() == 0 else ()), "process"):
            if level == "jail" and not os.access(INIT, os.X_OK):
                reasons.append(f"jail: {INIT}: {os.strerror(EACCES if os.path.exists(INIT) else ENOENT)}")
                continue
            filtered_error = attempt(level, True) if problem is None else problem
            if filtered_error is None:
                found = level, "; ".join(reasons), None
                break
            error = attempt(level, False)
            if error is None:
                found = level, "; ".join(reasons), problem or filtered_error
                break
            reasons.append(f"{level}: {error}")
        _levels[self.key] = found or ("process", "; ".join(reasons), problem or filtered_error)
        self.level, self.reason, self.filter_problem = _levels[self.key]
        self.filtered = self.filter_problem is None

    def record(self):
        """The isolation reached, as results.json records it (``extra_data.isolation``), in one
        language-neutral form: the level's name, ``+seccomp`` when the syscall filter is installed,
        then, after `` | ``, why not a stronger level or no filter, in the system's own words
        ("jail: unshare: Operation not permitted; seccomp: libseccomp.so.2: cannot open shared
        object file..."). A person reads it in the course language
        (``outputs.terminal.isolation_text``)."""
        why = "; ".join(filter(None, [self.reason, self.filter_problem and f"{SECCOMP}: {self.filter_problem}"]))
        return self.level + f"+{SECCOMP}" * self.filtered + (f" | {why}" if why else "")

    def params(self):
        """The keyword arguments of ``enter`` (but scratch) for this jail, as plain JSON values."""
        return {"level": self.level, "root": self.root, "readable": self.readable, "disk_mb": self.disk_mb}


def parse(record):
    """(level, feature codes, why or "") of a ``Jail.record``; a record written before this form
    (an English description starting "<level>: ") gives its level and nothing else."""
    codes, _, why = record.partition(" | ")
    level, *features = codes.split(":")[0].split("+")
    return level, features, why

