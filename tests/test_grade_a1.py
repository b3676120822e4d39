"""Grading a1_gates end to end: full marks, zero, determinism, and faulty submissions."""

import dataclasses
import json
import time

import numpy as np
import pytest

from autograder.grading.grade import derive_seed, grade
from autograder.outputs.feedback_page import NOT_RUN, feedback_view
from autograder.authoring.stubs import make_stub


@pytest.fixture(scope="module")
def a1(course):
    return course.assignment("a1_gates")


@pytest.fixture(scope="module")
def reference_text(course):
    return (course.solutions / "a1_gates" / "gates.py").read_text()


def part_scores(result):
    return {p.id: float(p.score) for p in result.parts}


def test_reference_gets_full_marks(course, a1, sandbox):
    result = grade(course, a1, course.solutions / "a1_gates" / "gates.py", "ref", sandbox=sandbox)
    assert result.score == result.max_score == a1.points
    assert all(t.status == "pass" for t in result.tests)


def test_stubs_get_zero_with_a_not_implemented_message_per_part(course, a1, sandbox, write_submission,
                                                                reference_text):
    folder = write_submission({"gates.py": make_stub(reference_text)})
    result = grade(course, a1, folder, "stub", sandbox=sandbox, lang="en")
    assert result.score == 0
    for part in a1.parts:
        messages = [t.message for t in result.tests if t.part == part.id]
        assert messages and all("is not implemented yet" in m for m in messages)


def test_grading_twice_gives_identical_results(course, a1, sandbox, reference_text, write_submission):
    buggy = reference_text.replace("self.x_wins = x >= y", "self.x_wins = x > y")
    folder = write_submission({"gates.py": buggy})
    first = grade(course, a1, folder, "kim", sandbox=sandbox).to_json()
    second = grade(course, a1, folder, "kim", sandbox=sandbox).to_json()
    assert first == second
    assert json.loads(first)["score"] < a1.points


def test_two_students_get_different_hidden_inputs():
    seeds = {derive_seed("secret", student, "a1_gates", "add_gate", "forward") for student in ("kim", "lee")}
    assert len(seeds) == 2
    draws = [np.random.default_rng(s).standard_normal(3) for s in seeds]
    assert not np.allclose(*draws)
    assert derive_seed("secret", "kim", "a1_gates", "p", "c") != derive_seed("other", "kim", "a1_gates", "p", "c")


def test_a_syntax_error_costs_everything_with_a_clear_message(course, a1, sandbox, write_submission,
                                                               reference_text):
    folder = write_submission({"gates.py": reference_text + "\ndef broken(:\n"})
    result = grade(course, a1, folder, "s", sandbox=sandbox, lang="en")
    assert result.score == 0
    assert all("could not be imported" in t.message and "SyntaxError" in t.message for t in result.tests)


def test_a_missing_class_costs_only_its_part(course, a1, sandbox, write_submission, reference_text):
    start = reference_text.index("class MaxGate:")
    end = reference_text.index("class SigmoidGate:")
    folder = write_submission({"gates.py": reference_text[:start] + reference_text[end:]})
    result = grade(course, a1, folder, "s", sandbox=sandbox, lang="en")
    scores = part_scores(result)
    assert scores["max_gate"] == 0
    assert all(scores[p.id] == p.points for p in a1.parts if p.id != "max_gate")
    assert any("MaxGate" in t.message for t in result.tests if t.part == "max_gate")


def test_an_infinite_loop_costs_its_part_and_grading_finishes(course, a1, write_submission, reference_text):
    looping = reference_text.replace('        """x: array of any shape. Returns out = 1 / (1 + exp(-x)), same shape."""',
                                     '        """x: array of any shape."""\n        while True:\n            pass')
    folder = write_submission({"gates.py": looping})
    quick = dataclasses.replace(course, limits=dataclasses.replace(course.limits, timeout_s=1.0))
    result = grade(quick, dataclasses.replace(a1, timeout_s=None), folder, "s", lang="en")  # [limits] decides
    scores = part_scores(result)
    assert scores["sigmoid_gate"] == 0 and scores["add_gate"] == 15
    assert any(t.status == "timeout" for t in result.tests)


def test_fake_results_and_exit_get_no_credit(course, a1, sandbox, write_submission, reference_text, tmp_path):
    hostile = reference_text.replace(
        '        """x: array of any shape. Returns out = 1 / (1 + exp(-x)), same shape."""',
        '        """x."""\n        import json, os\n'
        '        for d in (".", "..", os.environ.get("HOME", ".")):\n'
        '            try:\n'
        '                open(os.path.join(d, "results.json"), "w").write(json.dumps({"score": 100}))\n'
        '            except OSError:\n'
        '                pass\n'
        '        print("PASSED 100/100")\n'
        '        os._exit(0)')
    folder = write_submission({"gates.py": hostile})
    result = grade(course, a1, folder, "s", sandbox=sandbox, lang="en")
    scores = part_scores(result)
    assert scores["sigmoid_gate"] == 0
    assert scores["add_gate"] == 15
    assert any(t.status == "crashed" for t in result.tests if t.part == "sigmoid_gate")
    assert not (folder / "results.json").exists()


def test_an_exception_is_reported_with_the_line(course, a1, sandbox, write_submission, reference_text):
    raising = reference_text.replace("        return self.x * self.y\n", "        return self.x * self.z\n")
    folder = write_submission({"gates.py": raising})
    result = grade(course, a1, folder, "s", sandbox=sandbox, lang="en")
    messages = [t.message for t in result.tests if t.part == "multiply_gate" and not t.passed]
    assert messages and "AttributeError" in messages[0] and "line" in messages[0]
    assert part_scores(result)["multiply_gate"] == 0


def test_a_missing_file_fails_every_test_with_a_message(course, a1, sandbox, write_submission):
    folder = write_submission({"other.txt": "nothing"})
    result = grade(course, a1, folder, "s", sandbox=sandbox, lang="en")
    assert result.score == 0 and all("has no gates.py" in t.message for t in result.tests)


def test_a_part_never_runs_longer_than_its_budget(course, a1, write_submission, reference_text):
    """Limits.check_seconds: each check gets timeout_s, cut to what is left of the part's
    part_timeouts x timeout_s; checks after that are not run."""
    looping = reference_text.replace('        """x: array of any shape. Returns out = 1 / (1 + exp(-x)), same shape."""',
                                     '        """x: array of any shape."""\n        while True:\n            pass')
    limits = dataclasses.replace(course.limits, timeout_s=0.6, part_timeouts=2)
    assert limits.check_seconds(0) == 0.6 and abs(limits.check_seconds(1.0) - 0.2) < 1e-9
    assert limits.check_seconds(1.2) <= 0
    quick = dataclasses.replace(course, limits=limits)
    start = time.monotonic()
    result = grade(quick, dataclasses.replace(a1, timeout_s=None), write_submission({"gates.py": looping}), "s",
                   lang="en")  # a1 without its own timeout_s: [limits] decides
    took = time.monotonic() - start
    sigmoid = [t for t in result.tests if t.part == "sigmoid_gate"]
    not_run = [t for t in sigmoid if t.message.startswith("Not run")]
    assert len(sigmoid) >= 3 and all(t.status == "timeout" for t in sigmoid)
    assert len(sigmoid) - len(not_run) <= 2 and not_run
    looping_parts = {t.part for t in result.tests if t.status == "timeout"}
    assert took < len(looping_parts) * limits.part_budget_s + 10
    # one mistake, one entry: the checks left unrun are listed under the loop that used up the time
    [part] = [p for p in feedback_view(result)[1] if p.id == "sigmoid_gate"]
    assert len(part.failures) == 1 and "did not finish within 0.6 s" in part.failures[0].message
    assert part.failures[0].collateral == [t.name for t in not_run]
    assert {status for name, status in part.checks if name in part.failures[0].collateral} == {NOT_RUN}  # tagged so


def test_an_assignments_own_timeout_decides_its_checks_time(course, a1, sandbox, write_submission, reference_text):
    """[[assignments]] timeout_s (``Course.limits_of``), not the sandbox's [limits]: a loop is stopped after it,
    the part after two of it, and the student is told it."""
    looping = reference_text.replace('        """x: array of any shape. Returns out = 1 / (1 + exp(-x)), same shape."""',
                                     '        """x: array of any shape."""\n        while True:\n            pass')
    slow = dataclasses.replace(course, limits=dataclasses.replace(course.limits, timeout_s=30.0))
    start = time.monotonic()
    result = grade(slow, dataclasses.replace(a1, timeout_s=0.3), write_submission({"gates.py": looping}), "s",
                   sandbox=sandbox, lang="en")
    took = time.monotonic() - start
    stopped = [t for t in result.tests if t.part == "sigmoid_gate" and t.status == "timeout"]
    assert stopped and "within 0.3 s" in stopped[0].message
    assert any("time budget of 0.6 s" in t.message for t in stopped)
    assert took < 10 and part_scores(result)["add_gate"] == 15


def test_a_child_that_cannot_be_spawned_ahead_is_spawned_by_its_part(course, a1, sandbox, monkeypatch):
    """grade() spawns the next part's child while a part runs; when that fails (no zygote at that
    moment), the part's first call spawns it and the grade goes on: the same full marks."""
    from autograder.sandbox import session

    sandbox.jail  # the level is known before the children are counted
    made, real = [], session.Child.__init__

    def failing_once(self, *args):
        made.append(1)
        if len(made) == 1:  # the second part's child, spawned ahead before the first part's first call
            raise RuntimeError("the zygote failed: test")
        real(self, *args)

    monkeypatch.setattr(session.Child, "__init__", failing_once)
    result = grade(course, a1, course.solutions / "a1_gates", "kim", sandbox=sandbox)
    assert len(made) > len(a1.parts) and result.score == result.max_score
