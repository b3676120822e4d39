"""The sample submissions of the README demo get what examples/submissions/a1_gates/README.md says."""

import pytest

from autograder.grading.grade import grade
from tests.conftest import ROOT

SAMPLES = ROOT / "examples" / "submissions" / "a1_gates"


@pytest.fixture(scope="module")
def results(course, sandbox):
    a1 = course.assignment("a1_gates")
    return {p.name: grade(course, a1, p, p.name, sandbox=sandbox, lang="en") for p in sorted(SAMPLES.iterdir())
            if p.is_dir()}


def lost(result):
    return {p.id for p in result.parts if p.score < p.max_score}


def test_correct_but_different_gets_full_marks(results):
    assert lost(results["kim_minji"]) == set()


def test_tie_rule_bug_costs_max_gate_only(results):
    assert lost(results["lee_jun"]) == {"max_gate"}


def test_partial_work_scores_what_is_done(results):
    result = results["park_seoyeon"]
    assert lost(result) == {"max_gate", "sigmoid_gate", "neuron"}
    assert all(p.score == 0 for p in result.parts if p.id in lost(result))
    assert any("not implemented yet" in t.message for t in result.tests)


def test_syntax_error_scores_zero_and_says_where(results):
    result = results["choi_hyun"]
    assert result.score == 0
    assert all("SyntaxError" in t.message and "line" in t.message for t in result.tests)


def test_hostile_sample_loses_only_the_part_it_crashes(results):
    result = results["jung_woo"]
    assert lost(result) == {"max_gate"}
    assert all(t.status == "crashed" for t in result.tests if t.part == "max_gate")
    assert not (SAMPLES / "jung_woo" / "results.json").exists()


@pytest.mark.parametrize("student", ["han_sora", "oh_jisu"])
def test_a_mean_where_a_sum_is_due_costs_the_broadcasting_gates_and_is_named(results, student):
    result = results[student]
    assert lost(result) == {"add_gate", "multiply_gate", "max_gate"}
    assert any("a mean where a sum is due" in t.message for t in result.tests if not t.passed)
