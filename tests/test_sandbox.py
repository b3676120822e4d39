"""The child process: values cross as plain arrays; faults become StudentError statuses."""

from pathlib import Path

import numpy as np
import pytest

from autograder import wire
from autograder.sandbox import Session, StudentError
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
    pid = session.call("slow.pid")
    zygote = sandbox.zygote()
    zygote.socket.close()  # what the kernel does when the grader is killed
    zygote.process.wait(timeout=10)
    assert not settled(lambda: alive(pid))
    session.close()


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
        for name in ("autograder", "solutions", "autograder.hidden"):
            with pytest.raises(StudentError, match="ModuleNotFoundError"):
                s.call("spy.probe", name)


def test_frames_reject_oversized_and_malformed_input():
    with pytest.raises(wire.WireError):
        wire.unpack([b"not json"])
    tree, arrays = wire.encode({"x": np.arange(3.0)})
    assert np.array_equal(wire.decode(tree, arrays)["x"], np.arange(3.0))
