"""The release: up to date with solutions/, and never holding solution code or hidden tests."""

import ast

import pytest

from autograder.release import release_files, released_ids, stale_files
from autograder.stubs import solution_regions
from tests.conftest import ROOT


def released(course):
    return [course.assignment(aid) for aid in released_ids(course)]


def test_every_assignment_with_public_checks_is_released_and_up_to_date(course):
    assert released_ids(course)[0] == "a1_gates"
    for assignment in released(course):
        assert stale_files(course, assignment) == [], f"run `course release {assignment.id}`"


def solution_lines(course, assignment):
    """The substantial lines inside marked regions of the assignment's solution files
    that appear nowhere outside them (a docstring may state a formula a line computes)."""
    lines = set()
    for name in assignment.files:
        text = (course.solutions / assignment.id / name).read_text()
        all_lines = text.splitlines()
        inside = set()
        for begin, end in solution_regions(text):
            inside.update(range(begin + 1, end))
        outside = "\n".join(line for i, line in enumerate(all_lines) if i not in inside)
        lines.update(all_lines[i].strip() for i in inside
                     if len(all_lines[i].strip()) > 25 and all_lines[i].strip() not in outside)
    return lines


def test_a_release_holds_no_solution_code(course):
    for assignment in released(course):
        secret = solution_lines(course, assignment)
        assert secret
        for rel, text in release_files(course, assignment).items():
            if rel.startswith(("components/", "source_lib/")):
                continue  # reference code of earlier assignments released after they were due; the public library
            leaked = [line for line in secret if line in text]
            assert not leaked, f"{assignment.id}/{rel} leaks {leaked[:2]}"


def test_a_release_holds_no_hidden_tests(course):
    hidden_dir = ROOT / "autograder" / "hidden"
    for assignment in released(course):
        hidden = hidden_dir / f"{assignment.id}.py"
        declared = {node.name for node in ast.walk(ast.parse(hidden.read_text()))
                    if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        for rel, text in release_files(course, assignment).items():
            if rel.startswith("source_lib/"):
                continue  # the public library the grader imports too (data.regression is used by a3's checks)
            assert "autograder.hidden" not in text and "CHECKS = [" not in text, rel
            assert not any(f"def {name}(" in text for name in declared - {"check"}), rel


def test_the_stub_raises_not_implemented_naming_the_method(course):
    files = release_files(course, course.assignment("a1_gates"))
    assert 'raise NotImplementedError("MaxGate.backward")' in files["gates.py"]
    compile(files["gates.py"], "gates.py", "exec")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_both_language_notebooks_are_released(course, lang):
    files = release_files(course, course.assignment("a1_gates"))
    assert f"a1_gates.{lang}.ipynb" in files
