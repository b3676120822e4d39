"""Margins: `course validate` records how far every verdict is from its tolerance and fails an
implementation whose verdict on any check lands within a factor 10 of it, for any student id."""

import math

import numpy as np
import pytest

from autograder.checks.core import MARGIN, Context, assert_close, margin
from autograder.outputs.page_text import page_text
from autograder.authoring.stubs import strip_markers
from autograder.grading.grade import grade
from autograder.grading.validate import Implementation, grade_all


def test_a_verdict_is_as_far_as_its_closest_deciding_comparison():
    assert margin([0.01, 0.002], passed=True) == 100.0
    assert margin([], passed=True) == math.inf
    assert margin([0.01, 3e4, 25.0], passed=False) == 25.0  # the nearest failing comparison decides
    assert margin([0.01], passed=False) == math.inf  # failed without a tolerance (a shape, an exception)


def test_every_comparison_with_a_tolerance_is_recorded():
    ctx = Context(None, None, None, 1e-5, 1e-6, "en")
    assert_close(ctx, np.array([1.0 + 2e-8]), np.array([1.0]), "out", 1e-6)
    assert len(ctx.ratios) == 1 and math.isclose(ctx.ratios[0], 1e-2, rel_tol=1e-3)


def test_grade_reports_the_margin_of_every_check(course, sandbox, write_submission):
    assignment = course.assignment("a1_gates")
    folder = write_submission({"gates.py": strip_markers((course.solutions / "a1_gates" / "gates.py").read_text())})
    margins = {}
    grade(course, assignment, folder, "kim", sandbox=sandbox, margins=margins)
    from autograder.grading.grade import hidden_checks

    assert set(margins) == {(c.part, c.name) for c in hidden_checks(course, assignment)}
    assert min(margins.values()) >= MARGIN


def test_a_verdict_near_its_tolerance_fails_validate(course, sandbox):
    """An AddGate whose forward is off by 6e-7 (a relative error of 3e-7) passes every check (tolerance 1e-6) but
    within a factor 10 of it: validate fails the row and names the check; the reference's row passes."""
    assignment = course.assignment("a1_gates")
    reference = strip_markers((course.solutions / "a1_gates" / "gates.py").read_text())
    near = reference.replace("        return x + y\n", "        return (x + y) * (1 + 6e-7)\n")
    assert near != reference
    rows = grade_all(course, assignment, [Implementation("reference", "solutions", {"gates.py": reference}, frozenset()),
                                          Implementation("correct", "near", {"gates.py": near}, frozenset())],
                     students=1, sandbox=sandbox)
    assert rows[0].ok and rows[0].margin >= MARGIN
    assert rows[1].got == "100/100" and not rows[1].ok
    said = page_text(course.language)("validate_narrow", factor=rows[1].margin, margin=MARGIN, where=rows[1].narrowest)
    assert rows[1].margin == pytest.approx(1e-6 / 3e-7, rel=1e-3) and said in rows[1].detail
    assert "add_gate: forward" in rows[1].narrowest


def test_a_correct_check_near_its_time_limit_fails_validate(course, sandbox):
    """An AddGate that sleeps 0.15 s in its first forward gets full marks, but that check took over a tenth of
    a1's timeout_s (1 s): on a machine a few times slower it would time out, so validate fails the row and
    names the check; the reference's row passes and says how long its slowest check took."""
    assignment = course.assignment("a1_gates")
    timeout_s = course.limits_of(assignment).timeout_s
    reference = strip_markers((course.solutions / "a1_gates" / "gates.py").read_text())
    slow = reference.replace("import numpy as np\n", "import time\n\nimport numpy as np\n\nSLEPT = []\n", 1).replace(
        "        return x + y\n", "        if not SLEPT:\n            SLEPT.append(time.sleep(0.15))\n        return x + y\n")
    assert slow.count("time.sleep") == 1
    rows = grade_all(course, assignment, [Implementation("reference", "solutions", {"gates.py": reference}, frozenset()),
                                          Implementation("correct", "slow", {"gates.py": slow}, frozenset())],
                     students=2, sandbox=sandbox)
    assert 0 < rows[0].slowest < rows[1].slowest  # its fastest run: about 0.02 s, however busy the suite's machine
    assert rows[0].ok == (rows[0].slowest * MARGIN <= timeout_s)
    assert rows[1].got == "100/100" and not rows[1].ok
    assert rows[1].slowest >= 0.15 and rows[1].slowest_at.startswith("add_gate: ")
    said = page_text(course.language)("validate_slow", seconds=rows[1].slowest, factor=timeout_s / rows[1].slowest,
                                      limit=timeout_s, margin=MARGIN, where=rows[1].slowest_at)
    assert said in rows[1].detail


def test_a_checks_time_is_its_fastest_run_over_the_student_ids():
    """A student id graded while the machine was busy does not make a check slow; a check slow for all is."""
    from autograder.grading.validate import slowest

    busy_once = {"a": {("p", "quick"): 0.5, ("p", "slow"): 0.2}, "b": {("p", "quick"): 0.01, ("p", "slow"): 0.3},
                 "c": {("p", "quick"): 0.01, ("p", "slow"): 0.25}}
    assert slowest(busy_once) == (0.2, "p: slow") and slowest({}) == (0.0, "")
