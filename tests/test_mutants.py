"""course validate --mutants: single-point mutants of the solution regions, each graded once; a
survivor fails with its diff unless it is declared as a correct (equivalent) variant."""

from fractions import Fraction

from autograder.authoring.mutants import CHANGES, KINDS, mutants
from autograder.authoring.stubs import strip_markers
from autograder.grading.validate import Implementation, mutant_implementations, mutant_name, verdict
from autograder.results import GradingResult, PartResult
from autograder.results import TestResult as Outcome
from tests.conftest import course_copy

MARKED = '''import numpy as np


def given(x):
    return x - 1


def loss(x, y):
    """A function with one marked region."""
    ### BEGIN SOLUTION
    d = x - y
    d *= 2.0
    if np.max(d) >= 0:
        return np.sum(d, axis=0, keepdims=True), -d
    return np.minimum(d, 0), d
    ### END SOLUTION
'''


def test_every_kind_of_change_is_made_once_and_only_inside_the_solution_region():
    found = mutants({"f.py": MARKED})
    reference = strip_markers(MARKED)
    assert {m.kind for m in found} == set(KINDS) and {m.change for m in found} == set(CHANGES)
    for m in found:
        text = m.files["f.py"]
        assert text != reference and "BEGIN SOLUTION" not in text
        assert "return x - 1" in text, m  # outside the region: never changed
        changed = [a for a, b in zip(reference.splitlines(), text.splitlines()) if a != b]
        assert len(changed) == 1 and len(text.splitlines()) == len(reference.splitlines()), m
        compile(text, "f.py", "exec")
    names = [mutant_name(m, "en") for m in found]
    assert len(names) == len(set(names))
    assert "f.py:12 copy: *= made a new binding" in names and "f.py:13 comparison: >= made >" in names
    assert "f.py:11 drop: dropped 'y'" in names and "f.py:14 keyword: axis=0 made axis=1" in names
    korean = {mutant_name(m, "ko") for m in found}
    assert len(korean) == len(names) and "f.py:12 복사: *= 대신 새 바인딩" in korean and "f.py:11 항 삭제: 'y' 항을 뺌" in korean


def test_a_surviving_mutant_fails_with_its_diff_and_a_killed_one_passes():
    mutant = Implementation("mutant", "f.py:3 operator: - made +", {}, None, "--- reference/f.py\n+++ mutant/f.py\n")

    def result(score):
        return GradingResult("a1_gates", "s", tests=[Outcome("a", "check", "pass" if score else "fail",
                                                               Fraction(score), Fraction(10), "")],
                             parts=[PartResult("a", "a", Fraction(score), Fraction(10))])

    killed = verdict(mutant, [result(0)])
    assert killed.ok and killed.expected == "killed: loses points"
    survivor = verdict(mutant, [result(10)])
    assert not survivor.ok and "+++ mutant/f.py" in survivor.detail
    narrow = verdict(mutant, [result(0)], {"s": {("a", "check"): 2.0}})  # noted, not failed: arbitrary code
    assert narrow.ok and "within a factor 2" in narrow.detail and narrow.narrowest == "a: check (s)"


def test_a_mutant_declared_as_a_correct_variant_is_not_graded_as_a_mutant(tmp_path):
    course = course_copy(tmp_path)
    assignment = course.assignment("a1_gates")
    before = {i.name: i for i in mutant_implementations(course, assignment)}
    reference = strip_markers((course.solutions / "a1_gates" / "gates.py").read_text())

    def change(name):
        (old, new), = [(a.strip(), b.strip()) for a, b in
                       zip(reference.splitlines(), before[name].files["gates.py"].splitlines()) if a != b]
        return old, new

    name = next(n for n in sorted(before) if reference.count(change(n)[0]) == 1 and '"' not in "".join(change(n)))
    old, new = change(name)
    path = course.solutions / "a1_gates" / "variants.toml"
    path.write_text(path.read_text() + f"\n[declared_equivalent]\nloses = []\nwhy = \"x\"\n"
                    f"change = [{{ find = \"{old}\", replace = \"{new}\" }}]\n")
    after = {i.name for i in mutant_implementations(course, assignment)}
    assert name not in after and after == set(before) - {name}
