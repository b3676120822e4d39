"""The child process: values cross as plain arrays; faults become StudentError statuses."""

import contextlib
import hashlib
import os
import signal
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.sandbox import wire
from autograder.config import Limits
from autograder.sandbox.premises import claim_tempdir, remove_abandoned_tempdirs
from autograder.sandbox.session import Sandbox, Session, StudentError
from tests.conftest import settled

CODE = '''
import os, sys
import numpy as np

def echo(x):
    return x

def several():
    return (np.float32(1.5), [1, 2], {"a": np.ones(2)}, "text", None, object())

class Sub(np.ndarray):
    def __eq__(self, other):
        return True

def subclass():
    return np.ones(3).view(Sub)

def loop():
    while True:
        pass

def exit_hard():
    os._exit(0)

def exit_soft():
    sys.exit(0)

def allocate():
    return np.ones(50 * 1024**3 // 8)

def flood():
    while True:
        print("x" * 10000)

def not_yet():
    raise NotImplementedError("not_yet")

def warn():
    return np.exp(np.array([1e4]))
'''


@pytest.fixture
def session(sandbox, tmp_path):
    path = tmp_path / "code.py"
    path.write_text(CODE)
    with Session(sandbox, {"code": path}) as s:
        s.start_budget(3.0)
        yield s


def test_arrays_round_trip_exactly(session, rng):
    x = rng.standard_normal((3, 4))
    got = session.call("code.echo", x)
    assert type(got) is np.ndarray and got.dtype == np.float64 and np.array_equal(got, x)


def test_types_are_reported_as_they_are(session):
    f32, lst, dct, text, none, opaque = session.call("code.several")
    assert isinstance(f32, np.float32) and lst == [1, 2] and np.array_equal(dct["a"], np.ones(2))
    assert text == "text" and none is None and isinstance(opaque, wire.Ref)


def test_an_ndarray_subclass_arrives_as_a_plain_array(session):
    got = session.call("code.subclass")
    assert type(got) is np.ndarray


@pytest.mark.parametrize("function, status", [
    ("loop", "timeout"), ("exit_hard", "crashed"), ("allocate", "memory"), ("flood", "crashed"),
    ("not_yet", "not_implemented"), ("exit_soft", "fail"),
])
def test_faults_become_statuses_and_the_next_call_works(session, function, status):
    with pytest.raises(StudentError) as info:
        session.call(f"code.{function}")
    assert info.value.status == status
    session.start_budget(3.0)
    assert session.call("code.echo", 1.5) == 1.5


def test_a_killed_zygote_costs_only_the_running_child(sandbox, session):
    assert session.call("code.echo", 1.5) == 1.5
    sandbox.zygote().process.kill()
    with pytest.raises(StudentError) as info:
        session.call("code.exit_hard")
    assert info.value.status == "crashed" and "process that started it was killed" in info.value.detail
    session.start_budget(3.0)
    assert session.call("code.echo", 2.5) == 2.5


def test_children_end_with_the_grader(sandbox, tmp_path):
    path = tmp_path / "slow.py"
    path.write_text("import os\n\ndef pid():\n    return os.getpid()\n")
    session = Session(sandbox, {"slow": path})
    session.call("slow.pid")
    pids = host_pids(session)
    zygote = sandbox.zygote()
    zygote.socket.close()  # what the kernel does when the grader is killed
    zygote.process.wait(timeout=10)
    assert not settled(lambda: any(map(alive, pids)))
    session.close()


def host_pids(session):
    """The host pids of ``session``'s child: its process (at the jail level, the init of its PID
    namespace, where the child's own getpid() is 2) and that one's children."""
    pid = session.child.pid
    return [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]


def alive(pid):
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_numpy_warnings_are_those_of_the_call_itself(session):
    _, warned = session.call("code.warn", warned=True)
    assert any("overflow" in w for w in warned)
    _, after = session.call("code.echo", 1.0, warned=True)
    assert after == []  # not the warnings the call before left behind


def test_the_child_cannot_import_the_grader(sandbox, tmp_path):
    path = tmp_path / "spy.py"
    path.write_text("def probe(name):\n    import importlib\n    importlib.import_module(name)\n")
    with Session(sandbox, {"spy": path}) as s:
        for name in ("autograder", "autograder.grading.grade", "solutions", "hidden_checks"):
            with pytest.raises(StudentError, match="ModuleNotFoundError"):
                s.call("spy.probe", name)


def test_frames_reject_oversized_and_malformed_input():
    with pytest.raises(wire.WireError):
        wire.unpack([b"not json"])
    tree, arrays = wire.encode({"x": np.arange(3.0)})
    assert np.array_equal(wire.decode(tree, arrays)["x"], np.arange(3.0))


PIPES = '''
import fcntl, os, stat, time
import backprop_wire

def _answer_pipe():
    """The child's end of its answer pipe, as a hostile submission finds it."""
    for fd in range(3, 1024):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode) and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                return fd
        except OSError:
            pass

def half_frame():
    os.write(_answer_pipe(), (1).to_bytes(8, "big") + (100).to_bytes(8, "big") + b"{")
    time.sleep(60)

def extra_frame(request_id):
    backprop_wire.write_frame(_answer_pipe(), backprop_wire.pack({"status": "ok", "id": request_id}, {"result": 42.0}))
    return 1.0

def echo(x):
    return x

def loop():
    while True:
        pass

def write_files(n, kb):
    for i in range(n):
        with open(f"junk{i}", "wb") as f:
            f.write(b"x" * (kb * 1024))
    return n

def pid():
    return os.getpid()
'''


@pytest.fixture
def hostile(sandbox, tmp_path):
    path = tmp_path / "pipes.py"
    path.write_text(PIPES)
    with Session(sandbox, {"pipes": path}) as s:
        yield s


class Alarm(Exception):
    pass


@contextlib.contextmanager
def within(seconds):
    """Fail (instead of hanging the suite) when the block takes longer than ``seconds``."""
    def ring(*_):
        raise Alarm(f"still running after {seconds} s: the grader hangs")
    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_half_a_frame_then_silence_times_out_instead_of_hanging(hostile):
    hostile.start_budget(1.0)
    with within(10), pytest.raises(StudentError) as info:
        hostile.call("pipes.half_frame")
    assert info.value.status == "timeout"
    hostile.start_budget(3.0)
    assert hostile.call("pipes.echo", 2.0) == 2.0


def test_an_extra_frame_is_never_taken_for_the_next_answer(hostile):
    hostile.start_budget(3.0)
    # request 1 loads the file, request 2 is this call: the child may answer its own request as it likes
    # (the parent checks every value), here with a forged 42 before its real answer...
    assert hostile.call("pipes.extra_frame", 2) == 42.0
    with pytest.raises(StudentError) as info:
        hostile.call("pipes.echo", 5.0)  # ...but the real answer left in the pipe is not request 3's answer
    assert info.value.status == "crashed" and "request" in info.value.detail
    assert hostile.call("pipes.echo", 5.0) == 5.0


def test_the_cpu_rlimit_stops_a_child_whose_wall_clock_budget_is_larger(tmp_path):
    limits = Limits(timeout_s=0.5, part_timeouts=2)  # cpu_s = 2
    path = tmp_path / "pipes.py"
    path.write_text(PIPES)
    with Sandbox(limits) as box, Session(box, {"pipes": path}) as s:
        s.start_budget(30.0)
        start = time.monotonic()
        with within(40), pytest.raises(StudentError) as info:
            s.call("pipes.loop")
    assert info.value.status == "timeout" and info.value.detail == "CPU time limit"
    assert time.monotonic() - start < 10


def test_a_killed_zygote_takes_its_running_child_with_it(sandbox, hostile):
    hostile.start_budget(3.0)
    hostile.call("pipes.pid")
    pids = host_pids(hostile)
    zygote = sandbox.zygote()
    zygote.process.kill()
    zygote.process.wait()
    assert not settled(lambda: any(map(alive, pids)))
    hostile.close()


def test_abandoned_temp_folders_are_removed_and_live_ones_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    live, owner = claim_tempdir("backprop-lab-")
    dead = tmp_path / "backprop-batch-dead"
    dead.mkdir()
    (dead / ".owner").write_text("")  # its run was killed: nobody holds the lock
    stranger = tmp_path / "backprop-lab-no-owner"
    stranger.mkdir()
    old = time.time() - 60
    for path in (live / ".owner", dead / ".owner"):
        os.utime(path, (old, old))
    assert remove_abandoned_tempdirs() == [dead]
    assert live.is_dir() and stranger.is_dir() and not dead.exists()
    owner.close()


def test_the_level_is_the_strongest_one_a_child_of_the_zygote_reaches(monkeypatch, tmp_path):
    """The sandbox finds its level with real children forked by its zygote (the one that then
    grades): a level whose child cannot enter its isolation falls to the next, and the system's
    own words say why."""
    if os.geteuid() != 0:
        pytest.skip("the jail and netns levels are tried only as root")
    from autograder.sandbox import isolation

    monkeypatch.setattr(isolation, "_levels", {})
    params = isolation.Jail.params

    def missing_path(self):  # a path the jail must bind that does not exist: its mount fails
        found = params(self)
        return {**found, "readable": [*found["readable"], "/nonexistent-backprop-path"]}

    monkeypatch.setattr(isolation.Jail, "params", missing_path)
    with Sandbox() as sandbox:
        assert sandbox.jail.level == "netns"
        assert "jail:" in sandbox.jail.reason and "/nonexistent-backprop-path" in sandbox.jail.reason
        (tmp_path / "m.py").write_text("def f():\n    return 2\n")
        with Session(sandbox, {"m": tmp_path / "m.py"}) as session:
            assert session.call("m.f") == 2


def test_settling_tries_each_level_with_the_filter_then_without():
    from autograder.sandbox import isolation

    if os.geteuid() != 0 or isolation.filter_problem() is not None or not os.access(isolation.INIT, os.X_OK):
        pytest.skip("needs root, libseccomp and the jail's init: then every level and the filter are tried")

    jail = isolation.Jail.__new__(isolation.Jail)
    jail.key = ("test", "settling")
    tried = []

    def attempt(level, filtered):
        tried.append((level, filtered))
        return None if (level, filtered) == ("netns", False) else f"{level} refused"

    try:
        jail.settle(attempt)
    finally:
        isolation._levels.pop(jail.key, None)
    assert tried == [("jail", True), ("jail", False), ("netns", True), ("netns", False)]
    assert (jail.level, jail.filtered, jail.reason, jail.filter_problem) == ("netns", False, "jail: jail refused",
                                                                             "netns refused")


def test_a_child_spawned_ahead_runs_no_student_code_until_its_first_call(sandbox, tmp_path):
    """grade() spawns the next part's child while a part runs (its isolation is set up
    meanwhile); the student's files are imported only by the first call, within its budget."""
    (tmp_path / "m.py").write_text("print('imported', flush=True)\n\ndef f():\n    return 3\n")
    with Session(sandbox, {"m": tmp_path / "m.py"}) as session:
        session.spawn()
        time.sleep(0.3)
        assert session.child is not None and not session.loaded and "imported" not in session.output()
        assert session.call("m.f") == 3 and session.loaded and "imported" in session.output()


def test_the_given_files_are_imported_from_the_bytecode_the_grader_compiled(sandbox, tmp_path):
    """Extra files (the reference components, the test doubles: trusted) reach the child with
    their bytecode, compiled once per sandbox, so no child compiles them again: a bytecode
    that says otherwise than its source is what the child runs."""
    (tmp_path / "given.py").write_text("VALUE = 1\n")
    (tmp_path / "other.py").write_text("VALUE = 2\n")
    (tmp_path / "m.py").write_text("import given\n\ndef f():\n    return given.VALUE\n")
    compiled = sandbox.bytecode(tmp_path / "other.py")
    sandbox._bytecode[hashlib.sha256(b"VALUE = 1\n").hexdigest()] = compiled
    with Session(sandbox, {"m": tmp_path / "m.py"}, {"given.py": tmp_path / "given.py"}) as session:
        assert session.call("m.f") == 2
    assert sandbox.bytecode(tmp_path / "other.py") == compiled  # once per content


def test_a_closed_session_leaves_no_process_behind(sandbox, tmp_path):
    """Closing a session kills its child at once and the zygote reaps it when idle (the grader
    does not wait for that): neither the child nor a zombie of it is left, and the next child
    starts as usual."""
    path = tmp_path / "m.py"
    path.write_text("import os\n\ndef pid():\n    return os.getpid()\n")
    session = Session(sandbox, {"m": path})
    session.call("m.pid")
    pids = host_pids(session)
    session.close()
    assert not settled(lambda: any(Path(f"/proc/{pid}").exists() for pid in pids))
    with Session(sandbox, {"m": path}) as again:
        assert isinstance(again.call("m.pid"), int)


DEFERRED = '''
class Bad:
    def __init__(self):
        raise ValueError("no")

    def f(self):
        return 1


class Slow:
    def __init__(self):
        while True:
            pass


class Good:
    def f(self):
        return 2


def ok():
    return 3
'''


def test_a_deferred_constructor_that_raises_is_told_as_itself_and_the_pipe_stays_in_step(tmp_path):
    """new() returns at once (its answer is read with the next call's): the constructor's own
    exception is what that next call raises, and the calls after it are answered in step."""
    (tmp_path / "m.py").write_text(DEFERRED)
    with Sandbox() as sandbox, Session(sandbox, {"m": tmp_path / "m.py"}) as session:
        bad, good = session.new("m.Bad"), session.new("m.Good")
        with pytest.raises(StudentError) as info:
            session.method(bad, "f")
        assert (info.value.status, info.value.what) == ("fail", "Bad") and "no" in info.value.detail
        assert session.method(good, "f") == 2 and session.call("m.ok") == 3
        session.new("m.Bad")
        with pytest.raises(StudentError) as info:
            session.flush()  # what the end of a check does: the error is that check's
        assert info.value.what == "Bad" and session.call("m.ok") == 3


def test_a_deferred_constructor_that_never_returns_is_the_one_that_timed_out(tmp_path):
    (tmp_path / "m.py").write_text(DEFERRED)
    with Sandbox(Limits(timeout_s=1.0)) as sandbox, Session(sandbox, {"m": tmp_path / "m.py"}) as session:
        slow = session.new("m.Slow")
        with pytest.raises(StudentError) as info:
            session.method(slow, "f")
        assert (info.value.status, info.value.what) == ("timeout", "Slow")


def test_a_check_ends_with_the_answers_of_its_deferred_calls(tmp_path):
    """A check whose last call is deferred (an object it never uses) still fails on that
    call's exception, and the next check does not inherit it."""
    from autograder.checks.core import Check, Context
    from autograder.grading.grade import run_check

    class MakesOnly(Check):
        def run(self, ctx):
            ctx.student.new(self.name)

    (tmp_path / "m.py").write_text(DEFERRED)
    with Sandbox() as sandbox, Session(sandbox, {"m": tmp_path / "m.py"}) as session:
        ctx = Context(session, None, np.random.default_rng(0), 1e-5, 1e-6, "en")
        assert run_check(MakesOnly("p", "m.Bad"), ctx)[0] == "fail"
        assert run_check(MakesOnly("p", "m.Good"), ctx)[0] == "pass"


def test_a_sandbox_takes_over_the_zygote_its_premises_started(tmp_path):
    """`course grade` makes the premises (temp folder, library directory, zygote) before it
    imports the grader, so that the zygote boots meanwhile; the sandbox then uses that zygote."""
    from autograder.sandbox.premises import Premises

    premises = Premises.make()
    (tmp_path / "m.py").write_text("def f():\n    return 5\n")
    with Sandbox(Limits(), premises) as sandbox, Session(sandbox, {"m": tmp_path / "m.py"}) as session:
        assert session.call("m.f") == 5
        assert sandbox.zygote().process is premises.zygote[0] and sandbox.root == premises.root
    assert not premises.root.exists() and premises.zygote[0].poll() is not None


def test_a_deferred_constructor_that_ends_the_child_is_blamed_not_the_call_after_it(tmp_path):
    """A constructor that calls os._exit, then a call too large for the pipe (so that writing it
    fails on the dead child): the answers written before are read first and the constructor
    is named; a constructor stuck in a loop while a large call waits to be written is named too."""
    (tmp_path / "m.py").write_text(DEFERRED + "\n\nclass Exits:\n    def __init__(self):\n        import os\n"
                                   "        os._exit(3)\n\n\ndef size(x):\n    return x.size\n")
    big = np.zeros(1 << 20)  # 8 MB: more than the pipe holds, so it is written only as the child reads
    with Sandbox(Limits(timeout_s=1.0)) as sandbox, Session(sandbox, {"m": tmp_path / "m.py"}) as session:
        good = session.new("m.Good")
        session.new("m.Exits")
        with pytest.raises(StudentError) as info:
            session.call("m.size", big)
        assert (info.value.status, info.value.what) == ("crashed", "Exits")
        session.new("m.Slow")
        with pytest.raises(StudentError) as info:
            session.call("m.size", big)
        assert (info.value.status, info.value.what) == ("timeout", "Slow")
        assert session.call("m.size", big) == 1 << 20 and session.method(session.new("m.Good"), "f") == 2
    assert good.id < 0


def test_a_deferred_constructor_that_raises_is_told_before_the_call_after_it_times_out(tmp_path):
    """Bad() raises, then the waited call loops: the constructor's exception, the first mistake,
    is what is told (the check stops at it, as it would have without deferring)."""
    (tmp_path / "m.py").write_text(DEFERRED + "\n\ndef loop():\n    while True:\n        pass\n")
    with Sandbox(Limits(timeout_s=1.0)) as sandbox, Session(sandbox, {"m": tmp_path / "m.py"}) as session:
        session.new("m.Bad")
        with pytest.raises(StudentError) as info:
            session.call("m.loop")
        assert (info.value.status, info.value.what) == ("fail", "Bad")
