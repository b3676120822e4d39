"""Hostile and faulty submissions: each gets exactly the score and message it must get.

Every case is the reference gates.py (markers stripped) with one twist, graded with
the real grader and a short time limit. ``lost`` is the set of parts that must lose
points (derived from where the twist sits: a twist in MaxGate costs max_gate; one in a
gate that neuron chains costs neuron too); ``status`` and ``text`` must appear in the
failing tests of those parts. Nothing may raise a score, crash the grader or leave a
file behind.
"""

import dataclasses
import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from autograder.sandbox import isolation, wire
from autograder.grading.grade import grade
from autograder.sandbox.session import Sandbox
from autograder.authoring.stubs import strip_markers
from source_lib.messages import message
from tests.conftest import ROOT, settled

REFERENCE = strip_markers((ROOT / "solutions" / "a1_gates" / "gates.py").read_text())
ALL_PARTS = {"add_gate", "multiply_gate", "max_gate", "sigmoid_gate", "neuron"}

MAX_FORWARD = '        """x, y: arrays that broadcast together. Returns out = np.maximum(x, y), the broadcast shape."""\n'
MAX_BACKWARD = ('        """dout: dL/dout, shape of out. Returns (dx, dy): dx = dout where x >= y else 0; '
                'dy = dout where x < y else 0; each reduced."""\n')
SIG_FORWARD = '        """x: array of any shape. Returns out = 1 / (1 + exp(-x)), same shape."""\n'
SIG_BACKWARD = '        """dout: dL/dout, shape of x. Returns dx = dout * out * (1 - out), shape of x."""\n'
MUL_BACKWARD = ('        """dout: dL/dout, shape of out. Returns (dx, dy): dx = dout * y, dy = dout * x, '
                'each reduced to its input\'s shape."""\n')
ADD_FORWARD = '        """x, y: arrays that broadcast together. Returns out = x + y, the broadcast shape."""\n'


def at(anchor, code):
    """Insert ``code`` (indented for a method body) right after the docstring ``anchor``."""
    def edit(text):
        assert anchor in text
        return text.replace(anchor, anchor + "".join(f"        {line}\n" for line in code.splitlines()), 1)
    return edit


def header(code):
    """Insert module-level ``code`` after the imports."""
    return lambda text: text.replace("import numpy as np\n", "import numpy as np\n" + code + "\n", 1)


def replace(old, new):
    def edit(text):
        assert old in text
        return text.replace(old, new, 1)
    return edit


TOO_LARGE = message("result_too_large", "en", what="MaxGate.forward", mb=wire.MAX_FRAME_BYTES >> 20,
                    values=wire.MAX_VALUES)


@dataclasses.dataclass
class Case:
    name: str
    edit: object
    lost: set
    status: str = ""
    text: str = ""
    extra_files: dict = dataclasses.field(default_factory=dict)


CASES = [
    Case("fake results.json then os._exit(0)", at(MAX_FORWARD,
         'import json, os\nfor d in (".", "..", "/tmp"):\n    try:\n'
         '        open(os.path.join(d, "results.json"), "w").write(json.dumps({"score": 100}))\n'
         '    except OSError:\n        pass\nos._exit(0)'), {"max_gate"}, "crashed", "exit status 0"),
    Case("prints fake JSON and PASSED lines at import", header(
         'print(\'{"score": 100, "tests": []}\')\nprint("PASSED 100/100")'), set()),
    Case("sys.exit(0) inside a function", at(SIG_FORWARD, "import sys\nsys.exit(0)"),
         {"sigmoid_gate"}, "fail", "SystemExit"),
    Case("segfault through ctypes mid-test", at(MUL_BACKWARD, "import ctypes\nctypes.string_at(0)"),
         {"multiply_gate"}, "crashed", "SIGSEGV"),
    Case("ships conftest.py, pytest.ini and a plugin", lambda t: t, set(), extra_files={
         "conftest.py": "import pytest\n@pytest.hookimpl\ndef pytest_runtest_makereport(item, call):\n    pass\n",
         "pytest.ini": "[pytest]\naddopts = -p no:terminal\n", "plugin.py": "raise SystemExit(0)\n"}),
    Case("monkeypatches numpy and numpy.testing at import, with a wrong MaxGate", lambda t: header(
         "np.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n"
         "np.array_equal = lambda *a, **k: True")(replace("self.x_wins = x >= y", "self.x_wins = x < y")(t)),
         {"max_gate"}, "fail", "differs"),
    Case("returns an object whose __eq__ is always True", lambda t: header(
         "class Always:\n    def __eq__(self, other):\n        return True\n    __hash__ = None")(
         at(MAX_FORWARD, "return Always()")(t)), {"max_gate"}, "fail", "an object of type Always"),
    Case("returns an ndarray subclass overriding __array_ufunc__ and __array_function__", lambda t: header(
         "class Liar(np.ndarray):\n    def __array_ufunc__(self, *a, **k):\n        return True\n"
         "    def __array_function__(self, *a, **k):\n        return True")(
         at(MAX_FORWARD, "return np.zeros(np.broadcast_shapes(np.shape(x), np.shape(y))).view(Liar)")(t)),
         {"max_gate"}, "fail", "differs"),
    Case("returns a dict of 300,000 values, over the wire's limit", at(MAX_FORWARD, "return {str(i): i for i in range(300_000)}"),
         {"max_gate"}, "fail", TOO_LARGE),
    Case("returns float32", replace("        return self.out\n", "        return self.out.astype(np.float32)\n"),
         {"sigmoid_gate"}, "fail", "dtype float32"),
    Case("returns ints", at(MAX_FORWARD, "return np.maximum(x, y).astype(np.int64)"),
         {"max_gate"}, "fail", "dtype int64"),
    Case("returns a list", at(MAX_FORWARD, "return np.maximum(x, y).tolist()"), {"max_gate"}, "fail", "a list"),
    Case("returns Python scalars from backward", at(MAX_BACKWARD, "return 0.0, 0.0"),
         {"max_gate"}, "fail", "expected an ndarray"),
    Case("returns (N,) where (N, 1) is due", at(MAX_BACKWARD,
         "dx = np.where(self.x_wins, dout, 0.0)\ndy = np.where(self.x_wins, 0.0, dout)\n"
         "return unbroadcast(dx, self.x_shape).ravel(), unbroadcast(dy, self.y_shape).ravel()"),
         {"max_gate"}, "fail", "shape"),
    Case("returns NaN", at(SIG_BACKWARD, "return np.full(np.shape(dout), np.nan)"),
         {"sigmoid_gate"}, "fail", "NaN"),
    Case("returns inf", replace("        return self.x * self.y\n", "        return self.x * self.y * np.inf\n"),
         {"multiply_gate"}, "fail", "inf"),
    Case("mutates its inputs", at(MAX_FORWARD, "out = np.maximum(x, y)\nself.x_shape, self.y_shape = "
         "np.shape(x), np.shape(y)\nself.x_wins = np.asarray(x) >= y\nif isinstance(x, np.ndarray):\n"
         "    x[...] = 0.0\nreturn out"), {"max_gate"}, "fail", "modified its argument x"),
    Case("imports solutions", header("import solutions"), ALL_PARTS, "fail", "No module named 'solutions'"),
    Case("imports the grader", header("import autograder.grading.grade"), ALL_PARTS, "fail", "No module named 'autograder'"),
    Case("ships a numpy.py", lambda t: t, set(), extra_files={"numpy.py": "raise SystemExit('fake numpy')\n"}),
    Case("infinite loop", at(SIG_FORWARD, "while True:\n    pass"), {"sigmoid_gate"}, "timeout",
         "did not finish"),
    Case("signal.alarm(0) and ignoring SIGTERM, then a loop", at(SIG_FORWARD,
         "import signal\nsignal.alarm(0)\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass"),
         {"sigmoid_gate"}, "timeout", "did not finish"),
    Case("allocates 50 GB", at(MAX_FORWARD, "big = np.ones(50 * 1024**3 // 8)"), {"max_gate"}, "memory",
         "memory limit"),
    Case("prints without end", at(MAX_FORWARD, "while True:\n    print('x' * 100000)"), {"max_gate"}, "crashed",
         "too much printing"),
    Case("looks for the grader's secret in the environment", header(
         "import os\nassert not any('SECRET' in k or 'GRADESCOPE' in k for k in os.environ), 'grader seen'"), set()),
    Case("slow work at import time", header("import time\ntime.sleep(60)"), ALL_PARTS, "timeout", "did not finish"),
    Case("kills itself halfway", at(SIG_BACKWARD, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
         {"sigmoid_gate"}, "crashed", "SIGKILL"),
    Case("infinite recursion", lambda t: header("def deep(n):\n    return deep(n + 1)")(
         at(MAX_FORWARD, "deep(0)")(t)), {"max_gate"}, "fail", "RecursionError"),
    Case("returns an array too large for the wire", at(MAX_FORWARD, "return np.ones(40_000_000)"),
         {"max_gate"}, "fail", TOO_LARGE),
    Case("writes garbage to the grader's pipe", at(MAX_FORWARD,
         "import os\nfor fd in range(3, 256):\n    try:\n        os.write(fd, b'\\xff' * 64)\n    except OSError:\n"
         "        pass"), {"max_gate"}, "", ""),
    Case("closes every file descriptor", at(SIG_FORWARD, "import os\nos.closerange(0, 256)"),
         {"sigmoid_gate"}, "crashed", ""),
    Case("replaces np.maximum for everyone", header("np.maximum = np.minimum"), {"max_gate"}, "fail", "differs"),
    Case("forks children that outlive the test", at(MAX_FORWARD,
         "import os, time\nfor _ in range(20):\n    if os.fork() == 0:\n        time.sleep(30)\n        "
         "open('/tmp/backprop-lab-orphan', 'w').write('alive')\n        os._exit(0)\nos._exit(0)"),
         {"max_gate"}, "", ""),  # timeout while they hold its pipe; crashed where they die with its PID namespace
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_submission_gets_exactly_what_it_must(quick_course, quick_sandbox, tmp_path, case):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "gates.py").write_text(case.edit(REFERENCE))
    for name, text in case.extra_files.items():
        (folder / name).write_text(text)
    a1 = quick_course.assignment("a1_gates")
    result = grade(quick_course, a1, folder, "mallory", sandbox=quick_sandbox, lang="en")
    scores = {p.id: p for p in result.parts}
    lost = {pid for pid, p in scores.items() if p.score < p.max_score}
    assert lost == case.lost
    assert not result.grader_errors
    for pid in ALL_PARTS - case.lost:
        assert scores[pid].score == scores[pid].max_score
    failing = [t for t in result.tests if not t.passed]
    if case.status:
        assert any(t.status == case.status for t in failing), [(t.status, t.message[:80]) for t in failing]
    if case.text:
        assert any(case.text in t.message for t in failing), [t.message[:160] for t in failing]
    assert not (folder / "results.json").exists()


def submission(tmp_path, text):
    """A submission folder in ``tmp_path`` whose gates.py holds ``text``."""
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "gates.py").write_text(text)
    return folder


def test_a_child_that_closes_its_pipe_is_told_how_it_ended_the_same_each_time(quick_course, quick_sandbox, tmp_path):
    """AddGate.forward closes every descriptor and goes on: the child then ends by itself (its answer
    cannot be written: exit status 1). That is what each check of the part says, grade after grade,
    not whether the grader's kill came before the child's own end (it raced it, and the checks said
    "killed by SIGKILL" or "exit status 1" at random)."""
    folder = submission(tmp_path, at(ADD_FORWARD, "import os\nos.closerange(3, 1000)")(REFERENCE))
    a1 = quick_course.assignment("a1_gates")
    results = [grade(quick_course, a1, folder, "mallory", sandbox=quick_sandbox, lang="en") for _ in range(5)]
    assert len({r.to_json() for r in results}) == 1
    failing = [t for t in results[0].tests if not t.passed]
    assert {t.part for t in failing} == {"add_gate"} and len({t.message for t in failing}) == 1
    assert "exit status 1" in failing[0].message, failing[0].message


def test_children_that_outlive_the_test_are_killed_with_their_group(quick_course, quick_sandbox, tmp_path):
    folder = submission(tmp_path, at(MAX_FORWARD, "import os, time\nif os.fork() == 0:\n    time.sleep(2)\n"
                                    "    open('orphan', 'w').write('alive')\n    os._exit(0)\n"
                                    "time.sleep(30)")(REFERENCE))
    grade(quick_course, quick_course.assignment("a1_gates"), folder, "mallory", sandbox=quick_sandbox)
    time.sleep(3)
    assert list(quick_sandbox.root.glob("run*/orphan")) == []  # the child's cwd is its scratch directory


def test_the_child_has_no_network(quick_course, quick_sandbox, tmp_path):
    if quick_sandbox.jail.level not in ("netns", "jail"):
        pytest.skip(f"isolation here: {quick_sandbox.isolation}")
    received = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(5)
    port = server.getsockname()[1]

    def accept():
        try:
            connection, _ = server.accept()
            received.append(connection.recv(100))
        except OSError:
            pass

    listener = threading.Thread(target=accept)
    listener.start()
    folder = submission(tmp_path, header(
        f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'leak')\n"
        "except OSError:\n    pass")(REFERENCE))
    result = grade(quick_course, quick_course.assignment("a1_gates"), folder, "mallory", sandbox=quick_sandbox)
    server.close()
    listener.join()
    assert received == [] and result.score == result.max_score


def needs_jail(sandbox):
    if sandbox.jail.level != "jail":
        pytest.skip(f"needs the jail level (grader as root, mount namespaces allowed); here: {sandbox.isolation}")


def test_reading_the_reference_from_disk_does_not_help(quick_course, quick_sandbox, tmp_path):
    needs_jail(quick_sandbox)
    reference = ROOT / "solutions" / "a1_gates" / "gates.py"
    paths = [str(reference), f"/proc/{os.getpid()}/root{reference}", f"/proc/{os.getpid()}/cwd/solutions/a1_gates/gates.py",
             "/proc/1/root" + str(reference)]
    folder = submission(tmp_path, f"for path in {paths!r}:\n    try:\n        exec(open(path).read())\n"
                                "        break\n    except OSError:\n        pass\n")
    result = grade(quick_course, quick_course.assignment("a1_gates"), folder, "mallory", sandbox=quick_sandbox)
    assert result.score == 0 and not result.grader_errors


def test_the_child_writes_only_in_its_scratch_directory(quick_course, quick_sandbox, tmp_path):
    needs_jail(quick_sandbox)
    targets = [tmp_path / "planted", quick_sandbox.root / "planted", Path("/tmp/backprop-lab-planted")]
    folder = submission(tmp_path, header(
        f"for path in {[str(t) for t in targets]!r}:\n    try:\n        open(path, 'w').write('x')\n"
        "    except OSError:\n        pass")(REFERENCE))
    result = grade(quick_course, quick_course.assignment("a1_gates"), folder, "mallory", sandbox=quick_sandbox)
    assert result.score == result.max_score
    assert [t for t in targets if t.exists()] == []


def jailed_processes(sandbox):
    """Pids of the live (not zombie) processes jailed by ``sandbox`` (their root is its jail root)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            fields = dict(line.split(":", 1) for line in (proc / "status").read_text().splitlines() if ":" in line)
            root = os.readlink(proc / "root")
        except OSError:
            continue
        if root == sandbox.jail.root and not fields["State"].strip().startswith("Z"):
            found.append(int(proc.name))
    return found


@pytest.mark.parametrize("twist", [
    "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(60)\n"
    "    os._exit(0)\ntime.sleep(60)",
    "import os\nfor _ in range(100000):\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    "while True:\n    pass",
], ids=["a daemon that leaves the process group", "a fork bomb"])
def test_no_process_of_a_child_survives_it(quick_course, quick_sandbox, tmp_path, twist):
    needs_jail(quick_sandbox)
    folder = submission(tmp_path, at(MAX_FORWARD, twist)(REFERENCE))
    result = grade(quick_course, quick_course.assignment("a1_gates"), folder, "mallory", sandbox=quick_sandbox)
    scores = {p.id: p for p in result.parts}
    assert scores["max_gate"].score == 0 and scores["add_gate"].score == scores["add_gate"].max_score
    assert settled(lambda: jailed_processes(quick_sandbox)) == []


@pytest.mark.parametrize("link", ["gates.py", "a folder", "a notebook"])
def test_a_symbolic_link_to_the_reference_is_not_a_student_file(course, quick_course, quick_sandbox, tmp_path, link):
    from tests.test_notebook import filled, released_notebook

    folder = tmp_path / "submission"
    folder.mkdir()
    if link == "gates.py":
        (folder / "gates.py").symlink_to(ROOT / "solutions" / "a1_gates" / "gates.py")
    elif link == "a folder":
        (folder / "work").symlink_to(ROOT / "solutions" / "a1_gates", target_is_directory=True)
    else:
        elsewhere = tmp_path / "reference.ipynb"
        elsewhere.write_text(json.dumps(filled(released_notebook(course, "en"), REFERENCE)))
        (folder / "a1_gates.ipynb").symlink_to(elsewhere)
    result = grade(quick_course, quick_course.assignment("a1_gates"), folder, "mallory", sandbox=quick_sandbox)
    assert result.score == 0 and not result.grader_errors
    assert all("gates.py" in t.message for t in result.tests)


def ipc_objects_of_jailed_users():
    """The SysV shared memory segments, semaphore sets and message queues on this machine created
    by a jailed child's user id: [(kind, id)]."""
    found = []
    for kind in ("shm", "sem", "msg"):
        lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        columns = lines[0].split()
        for line in lines[1:]:
            row = dict(zip(columns, line.split()))
            if int(row["cuid"]) >= isolation.UID_BASE:
                found.append((kind, int(row[{"shm": "shmid", "sem": "semid", "msg": "msqid"}[kind]])))
    return found


def test_no_ipc_object_of_a_child_survives_it(quick_course, quick_sandbox, tmp_path):
    needs_jail(quick_sandbox)
    before = ipc_objects_of_jailed_users()
    folder = submission(tmp_path, header(
        "import ctypes\nlibc = ctypes.CDLL(None)\nfor _ in range(3):\n"
        "    libc.shmget(0, 1 << 20, 0o1600)\n    libc.semget(0, 1, 0o1600)\n    libc.msgget(0, 0o1600)")(REFERENCE))
    result = grade(quick_course, quick_course.assignment("a1_gates"), folder, "mallory", sandbox=quick_sandbox)
    assert result.score == result.max_score
    left = [o for o in ipc_objects_of_jailed_users() if o not in before]
    for kind, ident in left:  # leave the machine clean even when the test fails
        subprocess.run(["ipcrm", f"-{kind[0]}", str(ident)], check=False)
    assert left == []


def test_the_scratch_directory_holds_at_most_disk_mb(quick_course, tmp_path):
    small = dataclasses.replace(quick_course, limits=dataclasses.replace(quick_course.limits, disk_mb=1))
    with Sandbox(small.limits) as box:
        needs_jail(box)
        folder = submission(tmp_path, at(MAX_FORWARD, "for i in range(20):\n    with open(f'junk{i}', 'wb') as f:\n"
                                                     "        f.write(b'x' * 200_000)\nreturn np.maximum(x, y)")(REFERENCE))
        result = grade(small, small.assignment("a1_gates"), folder, "mallory", sandbox=box, lang="en")
    failing = [t for t in result.tests if not t.passed]
    assert failing and {t.part for t in failing} == {"max_gate"}
    assert any("No space left on device" in t.message for t in failing), [t.message[:120] for t in failing]
