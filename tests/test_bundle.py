"""An assignment is loaded once per process (grading.grade.load_bundle) and again after an edit."""
import os

from autograder.grading import grade as grading
from tests.conftest import course_copy


def test_a_bundle_is_built_once_and_rebuilt_after_an_edit(tmp_path, monkeypatch):
    course = course_copy(tmp_path)
    assignment = course.assignment("a1_gates")
    imported = []
    real = grading._import_solution
    monkeypatch.setattr(grading, "_import_solution", lambda c, aid, name: imported.append(name) or real(c, aid, name))
    first = grading.load_bundle(course, assignment)
    assert grading.load_bundle(course, assignment) is first
    loads = len(imported)
    assert loads >= 2  # the hidden checks and the reference, once
    hidden = course.solutions / "a1_gates" / "hidden_checks.py"
    os.utime(hidden, ns=(hidden.stat().st_atime_ns, hidden.stat().st_mtime_ns + 10**9))
    assert grading.load_bundle(course, assignment) is not first
    assert len(imported) == 2 * loads


def test_grading_twice_gives_the_same_result_from_one_bundle(course, sandbox):
    assignment = course.assignment("a1_gates")
    folder = course.solutions / "a1_gates"
    first = grading.grade(course, assignment, folder, "2026001", sandbox=sandbox).to_json()
    assert grading.grade(course, assignment, folder, "2026001", sandbox=sandbox).to_json() == first
