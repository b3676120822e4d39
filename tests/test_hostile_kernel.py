"""The kernel-level holes: what a child can reach through the kernel rather than the wire.

One test per defence, each failing when that defence is switched off: the child's own PID
namespace (a traced child cannot hide its death, nothing it starts survives it, no host
pid is visible), the fresh session keyring, the syscall filter (tracing, keys, sockets,
namespaces refused), the open-file limit, the grader's modules only in the parts that
declare them, the wall-clock cap per submission and the class tree's size cap. A test
whose defence this machine cannot give skips and says why (README, What the sandbox
protects).
"""

import ctypes
import dataclasses
import errno
import os
import time
from pathlib import Path

import pytest

from autograder.authoring.stubs import strip_markers
from autograder.grading.batch import scan_class
from autograder.grading.grade import grade
from autograder.sandbox import isolation
from autograder.sandbox.session import OPEN_FILES, Sandbox, Session
from tests.conftest import ROOT, settled
from tests.test_hostile import MAX_FORWARD, REFERENCE, at, jailed_processes, submission

STUB = (ROOT / "assignments" / "a1_gates" / "gates.py").read_text()
LIBC = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"


@pytest.fixture
def unfiltered(quick_sandbox):
    """The module's sandbox with its syscall filter off, to try a defence beneath it on its own."""
    quick_sandbox.jail.filtered = False
    yield quick_sandbox
    quick_sandbox.jail.filtered = quick_sandbox.jail.filter_problem is None


def needs_jail(sandbox):
    if sandbox.jail.level != "jail":
        pytest.skip(f"needs the jail level (grader as root, namespaces allowed); here: {sandbox.isolation}")


def needs_filter(sandbox):
    if not sandbox.jail.filtered:
        pytest.skip(f"needs the syscall filter (libseccomp.so.2); here: {sandbox.isolation}")


def run_in_child(sandbox, tmp_path, body, *args):
    """What ``def attempt(*args): <body>`` returns when called in a fresh child of ``sandbox``."""
    path = tmp_path / "probe.py"
    path.write_text(LIBC + "def attempt(*args):\n" + "".join(f"    {line}\n" for line in body.splitlines()))
    with Session(sandbox, {"probe": path}) as session:
        return session.call("probe.attempt", *args)


def key_users():
    """The user ids that own keys (from /proc/key-users)."""
    return {int(line.split(":")[0]) for line in Path("/proc/key-users").read_text().splitlines()}


# -- the PID namespace ---------------------------------------------------------

TRACED = at(MAX_FORWARD, LIBC + "import os, time\nlibc.prctl(4, 1, 0, 0, 0)\nchild = os.getpid()\n"
            "if os.fork() == 0:\n    os.setsid()\n"
            "    if libc.ptrace(0x4206, child, 0, 0) != 0:\n        os._exit(1)\n    time.sleep(120)\n    os._exit(0)\n"
            "time.sleep(0.5)\nos._exit(0)")  # PR_SET_DUMPABLE (traceable again after its setuid); PTRACE_SEIZE


def test_a_traced_child_cannot_hide_its_death_or_leave_its_tracer(quick_course, unfiltered, tmp_path):
    """A helper traces the child (PTRACE_SEIZE, the filter off so that it can), leaves its
    process group and never reaps it: the grade must not stall, the part must lose its
    points and nothing else, and the tracer must die with the child's PID namespace."""
    needs_jail(unfiltered)
    folder = submission(tmp_path, TRACED(REFERENCE))
    start = time.monotonic()
    result = grade(quick_course, quick_course.assignment("a1_gates"), folder, "mallory", sandbox=unfiltered)
    took = time.monotonic() - start
    scores = {p.id: p for p in result.parts}
    assert scores["max_gate"].score == 0 and scores["add_gate"].score == scores["add_gate"].max_score
    assert not result.grader_errors
    assert settled(lambda: jailed_processes(unfiltered)) == []
    assert took < 30


def test_no_host_process_is_visible_to_the_child(quick_sandbox, tmp_path):
    """kill(pid, 0) on the grader and on the zygote finds no such process (ESRCH), not one it
    may not signal (EPERM, which tells that it exists)."""
    needs_jail(quick_sandbox)
    found = run_in_child(quick_sandbox, tmp_path, "import os\nerrors = []\nfor pid in args:\n    try:\n        os.kill(pid, 0)\n"
                                        "        errors.append(0)\n    except OSError as exc:\n"
                                        "        errors.append(exc.errno)\nreturn errors",
                         os.getpid(), quick_sandbox.zygote().process.pid)
    assert found == [errno.ESRCH, errno.ESRCH]


# -- the session keyring and the syscall filter ------------------------------------

SYSCALLS = {"x86_64": {"add_key": 248, "keyctl": 250}, "aarch64": {"add_key": 217, "keyctl": 219}}


def syscall_number(name):
    number = SYSCALLS.get(os.uname().machine, {}).get(name)
    if number is None:
        pytest.skip(f"the number of {name} on {os.uname().machine} is not known here")
    return number


@pytest.fixture
def grader_key():
    """A secret in a session keyring of this process, readable by its possessors only: the
    key's serial. Every process this one starts from now on holds that keyring."""
    libc = ctypes.CDLL(None, use_errno=True)
    keyctl, add_key = syscall_number("keyctl"), syscall_number("add_key")
    if libc.syscall(keyctl, 1, b"backprop-lab-test") < 0:  # KEYCTL_JOIN_SESSION_KEYRING
        pytest.skip(f"no session keyring here: {os.strerror(ctypes.get_errno())}")
    secret = b"backprop-lab-test-secret"
    serial = libc.syscall(add_key, b"user", b"backprop-lab-test", secret, len(secret), -3)  # @s
    libc.syscall(keyctl, 5, serial, 0x3F000000)  # KEYCTL_SETPERM: possessor only
    yield serial
    libc.syscall(keyctl, 21, serial)  # KEYCTL_INVALIDATE


def test_the_child_cannot_read_the_graders_session_keys(quick_course, tmp_path, grader_key):
    """With the filter off, only the fresh session keyring keeps the grader's key out of reach:
    the child would otherwise possess the keyring it inherits, and so the key."""
    with Sandbox(quick_course.limits) as fresh:
        fresh.jail.filtered = False
        read = run_in_child(fresh, tmp_path, "buffer = ctypes.create_string_buffer(100)\n"
                                             f"n = libc.syscall({syscall_number('keyctl')}, 11, args[0], buffer, 100)\n"
                                             "return buffer.raw[:max(n, 0)].decode()", grader_key)
    assert read == ""


DENIED = {  # a call in the child, and what it answers: 0 when it was made, else its errno
    "ptrace (PTRACE_TRACEME)": "return ctypes.get_errno() if libc.ptrace(0, 0, 0, 0) < 0 else 0",
    "add_key to the user keyring": "return ctypes.get_errno() if libc.syscall(args[0], b'user', b'left', b'x', 1, -4) < 0 else 0",
    "keyctl (join a session keyring)": "return ctypes.get_errno() if libc.syscall(args[1], 1, None) < 0 else 0",
    "socketpair": "import socket\ntry:\n    socket.socketpair()\nexcept OSError as exc:\n    return exc.errno\nreturn 0",
    "socket (AF_INET)": "import socket\ntry:\n    socket.socket()\nexcept OSError as exc:\n    return exc.errno\nreturn 0",
    "process_vm_readv (of itself)": "import os\nclass Iovec(ctypes.Structure):\n"
                                    "    _fields_ = [('base', ctypes.c_void_p), ('size', ctypes.c_size_t)]\n"
                                    "here, there = ctypes.create_string_buffer(8), ctypes.create_string_buffer(b'secret')\n"
                                    "local, remote = Iovec(ctypes.addressof(here), 8), Iovec(ctypes.addressof(there), 8)\n"
                                    "n = libc.process_vm_readv(os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)\n"
                                    "return ctypes.get_errno() if n < 0 else 0",
}


@pytest.mark.parametrize("call", DENIED, ids=list(DENIED))
def test_the_filter_refuses_what_no_exercise_needs(quick_sandbox, tmp_path, call):
    needs_filter(quick_sandbox)
    assert run_in_child(quick_sandbox, tmp_path, DENIED[call], syscall_number("add_key"), syscall_number("keyctl")) == errno.EPERM


def test_keys_a_child_tries_to_add_outlive_nothing(quick_sandbox, tmp_path):
    """Keys added to a user's keyring outlive its processes: the next child with that user id
    would read them. None can be added, and none is left of any child's user id."""
    needs_jail(quick_sandbox)
    needs_filter(quick_sandbox)
    if not Path("/proc/key-users").is_file():
        pytest.skip("no /proc/key-users: this kernel has no key management")
    uid = run_in_child(quick_sandbox, tmp_path, "import os\nfor ring in (-3, -4, -5):\n"
                                      "    libc.syscall(args[0], b'user', b'left', b'x', 1, ring)\nreturn os.getuid()",
                       syscall_number("add_key"))
    assert uid >= isolation.UID_BASE and not settled(lambda: uid in key_users())


def test_socket_buffers_cannot_be_filled(quick_sandbox, tmp_path):
    """Each socket pair can pin megabytes of kernel memory that no rlimit counts: none is made."""
    needs_filter(quick_sandbox)
    made = run_in_child(quick_sandbox, tmp_path, "import socket\npairs = []\ntry:\n    for _ in range(10):\n"
                                       "        pairs.append(socket.socketpair())\nexcept OSError:\n    pass\n"
                                       "return len(pairs)")
    assert made == 0


def test_the_child_holds_fewer_than_open_files_descriptors(quick_sandbox, tmp_path):
    held = run_in_child(quick_sandbox, tmp_path, "import os\nfds = []\ntry:\n    for _ in range(1000):\n"
                                       "        fds.append(os.open(os.devnull, os.O_RDONLY))\nexcept OSError:\n    pass\n"
                                       "return len(fds)")
    assert 0 < held < OPEN_FILES


# -- the grader's modules, only where a part declares them --------------------------

def test_doubles_cannot_be_imported_from_a_part_that_does_not_declare_them(quick_course, quick_sandbox, tmp_path):
    """a1's stub with its gates taken from the grader's stand-ins (imported at the top, and
    lazily inside each method): it wrote no gate, so it earns nothing."""
    names = ("AddGate", "MultiplyGate", "SigmoidGate")
    eager = STUB + "\nfrom doubles import " + ", ".join(names) + "\n"
    lazy = STUB + "".join(
        f"\n\nclass {name}:\n    def __init__(self):\n        import doubles\n        self.gate = doubles.{name}()\n\n"
        "    def forward(self, *args):\n        return self.gate.forward(*args)\n\n"
        "    def backward(self, dout):\n        return self.gate.backward(dout)\n" for name in names)
    for i, text in enumerate((eager, lazy)):
        folder = tmp_path / f"stub{i}"
        folder.mkdir()
        (folder / "gates.py").write_text(text)
        result = grade(quick_course, quick_course.assignment("a1_gates"), folder, "mallory", sandbox=quick_sandbox, lang="en")
        assert result.score == 0 and not result.grader_errors, [(p.id, p.score) for p in result.parts]


def test_a_part_gets_only_the_doubles_it_names(quick_course, quick_sandbox, tmp_path):
    """a5's train_step part is given the PositionalSGD double, not the correct train_step double
    beside it in doubles.py: a train_step that calls that one earns nothing."""
    a5 = quick_course.assignment("a5_training")
    folder = tmp_path / "a5"
    folder.mkdir()
    train = strip_markers((ROOT / "solutions" / "a5_training" / "train.py").read_text())
    start = train.index("def train_step(")
    end = train.index("\ndef ", start + 1)
    train = (train[:start] + "def train_step(*args):\n    import doubles\n    return doubles.train_step(*args)\n\n"
             + train[end:])
    (folder / "train.py").write_text(train)
    (folder / "diagnostics.py").write_text(strip_markers((ROOT / "solutions" / "a5_training" / "diagnostics.py").read_text()))
    result = grade(quick_course, a5, folder, "mallory", sandbox=quick_sandbox, lang="en")
    scores = {p.id: p for p in result.parts}
    assert scores["train_step"].score == 0 and scores["minibatches"].score == scores["minibatches"].max_score


# -- the caps of a batch ------------------------------------------------------------

def test_a_submission_stops_at_its_wall_clock_cap(quick_course, tmp_path):
    """Every check sleeps out its timeout: past submission_s the remaining checks are recorded
    as timeouts, not run, so one student never holds a batch for parts x part budgets."""
    cap = 4.0
    capped = dataclasses.replace(quick_course, limits=dataclasses.replace(quick_course.limits, submission_s=cap))
    folder = submission(tmp_path, REFERENCE.replace("import numpy as np\n", "import numpy as np\nimport time\n", 1)
                        .replace("    def forward(self", "    def forward(self, *a, **k):\n        time.sleep(60)\n\n"
                                 "    def _forward(self"))
    with Sandbox(capped.limits) as capped_box:
        start = time.monotonic()
        result = grade(capped, capped.assignment("a1_gates"), folder, "mallory", sandbox=capped_box, lang="en")
        took = time.monotonic() - start
    assert took < cap + 2 * quick_course.limits.timeout_s + 5
    assert result.score == 0 and not result.grader_errors
    assert any("time budget of 4 s" in t.message and t.status == "timeout" for t in result.tests)


def test_a_class_folder_over_class_mb_is_invalid_not_graded(course, tmp_path):
    small = dataclasses.replace(course.limits, class_mb=1)
    folder = tmp_path / "class"
    (folder / "big").mkdir(parents=True)
    (folder / "big" / "gates.py").write_text(REFERENCE)
    (folder / "big" / "data.bin").write_bytes(b"x" * (2 << 20))
    (folder / "fine").mkdir()
    (folder / "fine" / "gates.py").write_text(REFERENCE)
    valid, invalid, _ = scan_class(course.assignment("a1_gates"), folder, tmp_path / "out", small)
    assert sorted(valid) == ["fine"] and "class_mb" in invalid["big"]
