"""Features of a grade that a one-line change to the engine could switch off unseen:
per-student inputs, failure messages and hints in feedback.md, the public checks and
`course check` of every assignment, and unbroadcast for any broadcastable pair of shapes."""

import importlib.util

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, mutually_broadcastable_shapes

from autograder.cli import main
from autograder.config import load_course
from autograder.outputs.feedback_page import feedback_markdown, markdown_escape
from autograder.grading.grade import grade
from autograder.authoring.release import released_ids
from autograder.authoring.stubs import strip_markers
from tests.conftest import ROOT

ASSIGNMENTS = released_ids(load_course(ROOT))


def reference(course, assignment_id, name):
    return strip_markers((course.solutions / assignment_id / name).read_text())


def test_each_student_gets_own_inputs_and_the_same_student_the_same(course, sandbox, write_submission):
    """An AddGate that is wrong only when x's first element is negative: whether a check sees
    that depends on the inputs, so its score differs between students, and not between two
    gradings of one student."""
    text = reference(course, "a1_gates", "gates.py")
    flaky = text.replace("        return x + y\n", "        return x + y if np.ravel(x)[0] > 0 else x - y\n")
    assert flaky != text
    folder = write_submission({"gates.py": flaky})
    a1 = course.assignment("a1_gates")

    def add_gate_score(student):
        return next(p.score for p in grade(course, a1, folder, student, sandbox=sandbox).parts if p.id == "add_gate")

    scores = {student: add_gate_score(student) for student in ("kim", "lee", "park", "choi", "jung", "kang")}
    assert len(set(scores.values())) > 1, scores
    assert add_gate_score("kim") == scores["kim"]


def test_a_transposed_dw_gets_the_hint_and_feedback_names_it_once_with_every_check(course, sandbox, write_submission):
    text = reference(course, "a2_layers", "layers.py")
    transposed = text.replace('"W": self.x.T @ dout', '"W": dout.T @ self.x')
    assert transposed != text
    result = grade(course, course.assignment("a2_layers"), write_submission({"layers.py": transposed}), "kim",
                   sandbox=sandbox, lang="en")
    failed = [t for t in result.tests if not t.passed]
    assert failed and {t.part for t in failed} == {"linear"}
    assert any("It looks transposed." in t.message for t in failed)
    feedback = feedback_markdown(result)
    # it is the declared variant w_grad_transposed: said once, every check it explains listed
    assert "It looks transposed." in feedback
    assert feedback.count(markdown_escape(failed[0].message.splitlines()[0])) == 1
    for t in failed:
        assert markdown_escape(t.name) in feedback, t.name


def public_checks(assignment_id):
    """{part: [check]} of the released public checks of ``assignment_id``."""
    path = ROOT / "assignments" / assignment_id / "public_checks.py"
    spec = importlib.util.spec_from_file_location(f"_public_checks_{assignment_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CHECKS


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_course_check_passes_the_reference_and_fails_the_stubs_with_messages(capfd, monkeypatch, assignment_id):
    """`course check` from the command line runs the released public checks in the student's
    own Python: all pass on the solution, and each fails on the stubs saying what is missing."""
    monkeypatch.setenv("BACKPROP_LAB_LANG", "en")
    monkeypatch.syspath_prepend(str(ROOT / "assignments" / assignment_id))  # a5's checks import components
    checks = public_checks(assignment_id)
    total = sum(len(c) for c in checks.values())
    assert main(["--course", str(ROOT), "check", assignment_id, str(ROOT / "solutions" / assignment_id)]) == 0
    out = capfd.readouterr().out
    assert out.count("✓") == total and "✗" not in out and f"{len(checks)} / {len(checks)} (" in out
    assert main(["--course", str(ROOT), "check", assignment_id]) == 1  # the released stubs
    failures = [line for line in capfd.readouterr().out.splitlines() if "✗" in line]
    assert {line.split(":")[0].split()[-1] for line in failures} == set(checks)  # every part fails somewhere
    assert all("is not implemented yet" in line for line in failures), failures[:3]


@st.composite
def broadcast_case(draw):
    """(shape of x, shape of the broadcast result, gradient, x): x broadcasts to the result."""
    shapes = draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3))
    x_shape, result_shape = shapes.input_shapes[0], shapes.result_shape
    values = st.floats(-10, 10, allow_nan=False)
    grad = draw(arrays(np.float64, result_shape, elements=values))
    x = draw(arrays(np.float64, x_shape, elements=values))
    return x_shape, grad, x


@settings(max_examples=200, deadline=None)
@given(broadcast_case())
def test_unbroadcast_is_the_adjoint_of_broadcasting_for_any_shapes(case):
    """For x broadcast to B and any gradient g of shape B: unbroadcast(g, x.shape) has x's shape
    and sum(unbroadcast(g) * x) == sum(g * broadcast_to(x, B)) (the chain rule of a broadcast)."""
    x_shape, grad, x = case
    gates = _reference_gates()
    reduced = gates.unbroadcast(grad, x_shape)
    assert reduced.shape == x_shape
    np.testing.assert_allclose(np.sum(reduced * x), np.sum(grad * np.broadcast_to(x, grad.shape)),
                               rtol=1e-9, atol=1e-9)


def _reference_gates():
    if "gates" not in _CACHE:
        spec = importlib.util.spec_from_file_location("_reference_gates", ROOT / "solutions" / "a1_gates" / "gates.py")
        _CACHE["gates"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_CACHE["gates"])
    return _CACHE["gates"]


_CACHE = {}
