"""Replies the parent does not expect, and forwards that are not functions of their input.

A child's answer is untrusted data: whatever its shape or size, the parent decodes it
within fixed caps, and an answer that is not what the child's loop sends is the
student's crash ("the answer was malformed"), never a grader error. And a forward that
answers from a cache of the inputs it has seen earns nothing in a gradient check: it
scores no more than the same file without the cache.
"""

import dataclasses
import os
import threading
import time
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.errors import UnsatisfiedAssumption
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.checks.core import Context
from autograder.config import Limits
from autograder.grading.grade import grade, hidden_checks, load_reference, run_check
from autograder.sandbox import wire
from autograder.sandbox.runners import Reference
from autograder.sandbox.session import MALFORMED, Session, StudentError, _Fault
from source_lib.messages import message
from tests.conftest import ROOT
from tests.test_hostile import MAX_BACKWARD, MAX_FORWARD, REFERENCE, replace, submission

# -- a forward that memorises ----------------------------------------------------------

MEMO = '''
import numpy as np

CACHE = True
_seen = []  # (inputs, output) of every forward call, in every gate


def _remember(inputs, compute):
    """The output of an earlier call whose inputs were all within 1e-3 of these, else compute()."""
    inputs = [np.asarray(v, dtype=np.float64) for v in inputs]
    for old, out in _seen if CACHE else ():
        if all(a.shape == b.shape and np.all(np.abs(a - b) < 1e-3) for a, b in zip(old, inputs)):
            return out.copy() if isinstance(out, np.ndarray) else out
    out = compute(*inputs)
    _seen.append((inputs, out))
    return out


class _Gate:
    def _zeros(self, *inputs):
        self.shapes = [np.shape(v) for v in inputs]

    def backward(self, dout):
        grads = tuple(np.zeros(s) for s in self.shapes)
        return grads if len(grads) > 1 else grads[0]


class AddGate(_Gate):
    def forward(self, x, y):
        self._zeros(x, y)
        return _remember((x, y), lambda x, y: x + y)


class MultiplyGate(_Gate):
    def forward(self, x, y):
        self._zeros(x, y)
        return _remember((x, y), lambda x, y: x * y)


class MaxGate(_Gate):
    def forward(self, x, y):
        self._zeros(x, y)
        return _remember((x, y), np.maximum)


class SigmoidGate(_Gate):
    def forward(self, x):
        self._zeros(x)
        return _remember((x,), lambda x: np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))),
                                                  np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x)))))


def neuron(w, x):
    f = _remember((w, x), lambda w, x: float(1 / (1 + np.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))))
    return f, np.zeros(3), np.zeros(2)
'''


@pytest.fixture(scope="module")
def quick_course(course):
    return dataclasses.replace(course, limits=dataclasses.replace(course.limits, timeout_s=3.0))


def test_a_forward_that_memorises_earns_no_more_than_one_that_computes(quick_course, sandbox, tmp_path):
    """Every a1 gate and the neuron: forward right on fresh inputs, backward zeros; with the cache
    (the centred differences of every gradient check are 0) no more than without it."""
    a1 = quick_course.assignment("a1_gates")
    scores = {}
    for cache in (True, False):
        folder = tmp_path / f"cache{cache}"
        folder.mkdir()
        (folder / "gates.py").write_text(MEMO.replace("CACHE = True", f"CACHE = {cache}"))
        result = grade(quick_course, a1, folder, "mallory", sandbox=sandbox, lang="en")
        assert not result.grader_errors
        scores[cache] = result
    assert scores[True].score <= scores[False].score
    # the gradient checks are not judged for the memorising forward, and say why
    gradchecks = [t for t in scores[True].tests if "gradient check" in t.name or "centred differences" in t.name]
    assert gradchecks and all(not t.passed for t in gradchecks)
    assert any("changes by 0 per unit step" in t.message for t in gradchecks), [t.message for t in gradchecks]


# -- replies forged by the student's code in the child ------------------------------------

def forging(body, anchor=MAX_FORWARD):
    """Reference gates.py whose MaxGate.forward (or the method whose docstring is ``anchor``)
    replaces the child's reply to that call by ``body``'s: code that sets ``reply`` and
    ``fields`` from the real ones, or returns frame parts."""
    code = ("import backprop_wire\n"
            "_pack = backprop_wire.pack\n"
            "def _forged(reply, fields, keep=None):\n"
            "    backprop_wire.pack = _pack\n"
            + "".join(f"    {line}\n" for line in body.splitlines()) +
            "    return _pack(reply, fields, keep)\n"
            "backprop_wire.pack = _forged\n")
    return replace(anchor, anchor + "".join(f"        {line}\n" for line in code.splitlines()))(REFERENCE)


FORGERIES = {
    "where is not a list": 'reply = {**reply, "status": "error", "type": "ValueError", "message": "", "where": 5}',
    "where holds a number": 'reply = {**reply, "status": "error", "type": "ValueError", "message": "", "where": [1]}',
    "a 1 MB type name": 'reply = {**reply, "status": "error", "type": "E" * 2**20, "message": "", "where": []}',
    "no status": 'reply = {k: v for k, v in reply.items() if k != "status"}',
    "no result": 'fields = {}',
    "a result of a forged dtype": 'reply = {**reply, "result": {"a": 0, "dt": "|O8", "sh": [1]}}; fields = {}',
    "arguments after a call that asked none": 'fields = {**fields, "args_after": []}',
    "a cleared argument list": ('fields = {**fields, "args_after": []}', MAX_BACKWARD),
    "warnings not a list": 'reply = {**reply, "warnings": {"d": 1}}',
    "1000 warnings": 'reply = {**reply, "warnings": ["w"] * 1000}',
    "nested 5000 deep": 'return [b\'{"status": "ok", "id": %d, "result": \' % reply["id"] + b"[" * 5000 + b"]" * 5000 + b"}"]',
    "an array part used twice": 'return _pack({**reply, "result": {"t": [{"a": 0, "dt": "<f8", "sh": [1]}] * 2}}, {"x": 1.0})',
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_a_forged_reply_is_the_students_crash_in_its_own_part(quick_course, sandbox, tmp_path, name):
    """Each forgery hits a MaxGate method: max_gate crashes with "the answer was malformed" (en
    and ko), every other part keeps its points, and nothing is a grader error."""
    a1 = quick_course.assignment("a1_gates")
    forgery = FORGERIES[name]
    folder = submission(tmp_path, forging(*forgery) if isinstance(forgery, tuple) else forging(forgery))
    for lang in ("en", "ko"):
        result = grade(quick_course, a1, folder, "mallory", sandbox=sandbox, lang=lang)
        assert not result.grader_errors
        lost = {p.id for p in result.parts if p.score < p.max_score}
        assert lost == {"max_gate"}
        crashed = [t for t in result.tests if t.status == "crashed"]
        assert crashed and all(message(MALFORMED, lang) in t.message for t in crashed)
        assert all(len(t.message) < 5000 for t in result.tests)


def test_an_exception_with_a_1_mb_name_is_reported_short(quick_course, sandbox, tmp_path):
    """The student's own exception, type name and message cut to their caps in the child: a fail."""
    raising = '        raise type("E" * 2**20, (Exception,), {})("E" * 2**20)\n'
    folder = submission(tmp_path, replace(MAX_FORWARD, MAX_FORWARD + raising)(REFERENCE))
    result = grade(quick_course, quick_course.assignment("a1_gates"), folder, "mallory", sandbox=sandbox, lang="en")
    assert not result.grader_errors
    failing = [t for t in result.tests if not t.passed]
    assert failing and {t.status for t in failing} == {"fail"}
    assert all(len(t.message) < 5000 for t in result.tests)


# -- replies the parent must refuse cheaply --------------------------------------------------

class Replying:
    """A stand-in for a session's child that answers each request with ``respond(request)``:
    (reply header, value fields), framed and read back through a pipe as a real answer is."""

    def __init__(self, respond, raw=None):
        self.respond = respond
        self.raw = raw  # or the bytes of the answer, as they are
        self.sent = []  # the frames sent, not yet answered

    def send(self, parts, timeout):
        self.sent.append(parts)

    def receive(self, request_id, timeout):
        header, _ = wire.unpack([bytes(p) for p in self.sent.pop(0)])
        if self.raw is None:
            reply, fields = self.respond(header)
            data = b"".join(wire.frame_buffers(wire.pack({"id": request_id, **reply}, fields)))
        else:
            data = self.raw
        read_fd, write_fd = os.pipe()
        writer = threading.Thread(target=lambda: (os.write(write_fd, data), os.close(write_fd)), daemon=True)
        writer.start()
        try:
            return wire.read_reply(read_fd, request_id, time.monotonic() + 5.0)
        except (EOFError, TimeoutError, wire.WireError) as exc:  # as Child.request turns them into faults
            raise _Fault("crashed", f"malformed answer: {exc}", MALFORMED) from None
        finally:
            writer.join(5)
            os.close(read_fd)

    def kill(self, wait=True):
        pass

    def output(self):
        return ""


@dataclasses.dataclass
class NoSandbox:
    limits: Limits = Limits()


def session_answering(respond=None, raw=None):
    """A Session whose child is ``Replying(respond, raw)``."""
    session = Session(NoSandbox(), {})
    session.child, session.loaded = Replying(respond, raw), True
    return session


def many_values(n):
    """A header of ``n`` small values in about 2 n bytes, under MAX_HEADER_BYTES."""
    return b'{"status": "ok", "id": 1, "result": {"l": [' + b"0," * (n - 1) + b'0]}}'


def raw_frame(header):
    return wire._LEN.pack(1) + wire._LEN.pack(len(header)) + header + bytes(-len(header) % 8)


def test_a_reply_of_many_small_values_is_refused_before_it_is_parsed():
    header = many_values(wire.MAX_VALUES + 1)
    assert len(header) < wire.MAX_HEADER_BYTES
    session = session_answering(raw=raw_frame(header))
    tracemalloc.start()
    start = time.monotonic()
    with pytest.raises(StudentError) as info:
        session.call("gates.neuron")
    took = time.monotonic() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert info.value.status == "crashed" and info.value.key == MALFORMED
    assert peak < 4 * len(header) and took < 1.0  # the raw bytes, not millions of objects


def test_a_48_mb_reply_of_small_objects_is_refused_before_it_is_read():
    announced = wire._LEN.pack(1) + wire._LEN.pack(48 << 20)
    tracemalloc.start()
    with pytest.raises(StudentError) as info:
        session_answering(raw=announced).call("gates.neuron")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert info.value.key == MALFORMED and peak < 1 << 20


@pytest.mark.parametrize("done, key", [(2, ""), (3, MALFORMED), (-1, MALFORMED), ("2", MALFORMED)])
def test_a_run_of_steps_says_how_many_returned_and_no_more_than_were_asked(done, key):
    """An error answer to ``steps`` counts the calls that returned before it (the check replays
    them to compare them first): a count past the calls asked, or not a count, is a forged answer."""
    def respond(request):
        return {"status": "error", "type": "ValueError", "message": "m", "where": [], "warnings": [],
                "done": done}, {}

    with pytest.raises(StudentError) as info:
        session_answering(respond).steps(wire.Ref(1, "SGD"), "step", [np.ones(2)], [[[np.ones(2)]]] * 3)
    assert info.value.key == key and info.value.done == (done if not key else 0)


@pytest.mark.parametrize("answered", [lambda asked: asked - 1, lambda asked: 1, lambda asked: None])
def test_a_deferred_object_must_come_back_under_the_id_the_grader_gave_it(answered):
    """new and keep name the object's id themselves and do not wait; the answer, read later,
    must be that very Ref: another id (which would alias another object), a child's own id or
    no Ref at all is a forged answer."""
    def respond(request):
        got = answered(request["as"])
        return {"status": "ok", "warnings": []}, {"result": wire.Ref(got, "MaxGate") if got else 1.0}

    session = session_answering(respond)
    ref = session.new("gates.MaxGate")
    assert ref.id < 0
    with pytest.raises(StudentError) as info:
        session.flush()
    assert info.value.key == MALFORMED and info.value.what == "MaxGate"


def test_a_reply_just_under_the_value_cap_is_read():
    header = many_values(wire.MAX_VALUES - 10)
    assert session_answering(raw=raw_frame(header)).call("gates.neuron") == [0] * (wire.MAX_VALUES - 10)


# -- a fuzz test of every reply field --------------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
                    max_leaves=12)
FIELDS = ("status", "result", "args_after", "type", "message", "where", "warnings", "id", "done")
ANY = lambda value: True  # noqa: E731
CALLS = {  # name: (the call, what its value must be when it returns one)
    "call": (lambda s: s.call("gates.neuron", 1.0), ANY),
    "new": (lambda s: s.new("gates.MaxGate"), lambda v: isinstance(v, wire.Ref)),
    "method, echo": (lambda s: s.method(wire.Ref(1, "MaxGate"), "backward", np.ones(2), echo=True),
                     lambda v: type(v) is tuple and len(v) == 2 and type(v[1]) is list and len(v[1]) == 1),
    "keep": (lambda s: s.keep(np.ones(2)), lambda v: isinstance(v, wire.Ref)),
    "vary": (lambda s: s.vary(wire.Ref(1, "MaxGate"), "forward", [np.ones(2), np.ones(2)], [np.ones(2)] * 3, arg=0),
             lambda v: type(v) is list and len(v) == 3),
    "steps": (lambda s: s.steps(wire.Ref(1, "SGD"), "step", [np.ones(2)], [[[np.ones(2)]]] * 3, echo=True),
              lambda v: type(v) is list and len(v) == 3),
    "get": (lambda s: s.get(wire.Ref(1, "MaxGate"), "x"), ANY),
    "assign": (lambda s: s.assign(wire.Ref(1, "MaxGate"), ("x",), np.ones(2)), ANY),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(CALLS)), st.sampled_from(["ok", "error"]), st.sampled_from(FIELDS), JSON,
       st.booleans(), st.integers(0, 4))
def test_any_value_in_any_reply_field_is_an_answer_or_the_students_error(call, status, field, forged, raw,
                                                                         forged_count):
    """Whatever one field of an answer holds (as a JSON value, or as an encoded value), the
    call returns a value of the kind it promises or raises StudentError: never anything else."""
    def respond(request):
        reply = {"status": status, "type": "ValueError", "message": "m", "where": ["gates.py, line 1"],
                 "warnings": []}
        kept = wire.Ref(request.get("as", 1), "MaxGate")  # a deferred request's object has the id the grader chose
        fields = {"result": kept if request.get("keep") or request["op"] == "keep" else 1.0}
        if request.get("echo"):
            fields["args_after"] = [np.ones(2)]
        if field in ("result", "args_after") and not raw:
            fields[field] = forged if field == "args_after" or request["op"] not in ("vary", "steps") \
                else [forged] * forged_count
        else:
            reply[field] = forged
        return reply, fields

    session = session_answering(respond)
    run, promised = CALLS[call]
    try:
        value = run(session)
        session.flush()  # a deferred request's answer (new, keep, assign) is read here
        assert promised(value)
    except StudentError as error:
        assert error.status in ("fail", "not_implemented", "memory", "crashed")


VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats() | st.text(max_size=20)
    | hnp.arrays(st.sampled_from([np.float64, np.float32, np.int64, np.bool_]),
                 hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    | st.builds(wire.Ref, st.integers(1, 3), st.sampled_from(["MaxGate", "x"])),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=3), inner,
                                                                                          max_size=3),
    max_leaves=8)


@pytest.fixture(scope="module")
def a1_checks(course):
    a1 = course.assignment("a1_gates")
    return a1, hidden_checks(course, a1), Reference(load_reference(course, a1))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.data())
def test_no_answer_makes_a_check_a_grader_error(course, a1_checks, data):
    """Every a1 check, with a child that answers every request with any value of the right
    kind (a Ref where one was kept), passes, fails or is the student's error: never a grader error."""
    _, checks, reference = a1_checks
    check = data.draw(st.sampled_from(checks))

    rejected = []  # a draw hypothesis rejected inside the check (run_check would report it as a grader error)

    def respond(request):
        try:
            kept = request.get("keep") or request["op"] == "keep"
            value = wire.Ref(request.get("as", 1), "MaxGate") if kept else data.draw(VALUES)
            if request["op"] == "vary" and data.draw(st.booleans()):  # a list of the right length
                value = [data.draw(VALUES) for _ in request["points"]["l"]]
            fields = {"result": value}
            if request.get("echo"):
                fields["args_after"] = data.draw(VALUES)
            return {"status": "ok", "warnings": data.draw(st.lists(st.text(max_size=5), max_size=2))}, fields
        except UnsatisfiedAssumption:
            rejected.append(True)
            raise

    session = session_answering(respond)
    ctx = Context(session, reference, np.random.default_rng(1), 1e-5, 1e-6, "en")
    status, text, _, _ = run_check(check, ctx)
    assume(not rejected)
    assert status != "grader_error", text
