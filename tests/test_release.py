"""The release: up to date with solutions/, and never holding solution code or hidden tests."""

import ast

import pytest

from autograder.cli import main
from autograder.authoring.release import release_files, released_ids, stale_files
from autograder.authoring.stubs import solution_regions
from autograder.authoring.variants import load_variants
from tests.conftest import ROOT, course_copy


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
    for assignment in released(course):
        hidden = course.solutions / assignment.id / "hidden_checks.py"
        declared = {node.name for node in ast.walk(ast.parse(hidden.read_text()))
                    if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        for rel, text in release_files(course, assignment).items():
            if rel.startswith("source_lib/"):
                continue  # the public library the grader imports too (data.regression is used by a3's checks)
            assert "hidden_checks" not in text and "CHECKS = [" not in text, rel
            assert not any(f"def {name}(" in text for name in declared - {"check"}), rel


def test_the_stub_raises_not_implemented_naming_the_method(course):
    files = release_files(course, course.assignment("a1_gates"))
    assert 'raise NotImplementedError("MaxGate.backward")' in files["gates.py"]
    compile(files["gates.py"], "gates.py", "exec")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_both_language_notebooks_are_released(course, lang):
    files = release_files(course, course.assignment("a1_gates"))
    assert f"a1_gates.{lang}.ipynb" in files


def test_a_release_holds_only_what_students_may_see(course):
    """Stubs, public checks, notebooks, README, the student kit (source_lib, check.py,
    requirements.txt, the checks' Korean titles) and, for a5, components; never hidden checks,
    variants, test doubles or reference files, and no line of a variant or of the doubles."""
    kit = {f"source_lib/{p.name}" for p in (ROOT / "source_lib").glob("*.py")}
    for assignment in released(course):
        folder = course.solutions / assignment.id
        files = release_files(course, assignment)
        own = {name for name in files if not name.startswith("components/")}
        assert own == {*assignment.files, "public_checks.py", "test_public.py", "pytest.ini", "README.md",
                       f"{assignment.id}.en.ipynb", f"{assignment.id}.ko.ipynb", "check.py", "requirements.txt",
                       "titles.ko.toml", *kit}, assignment.id
        reference = "\n".join((folder / name).read_text() for name in assignment.files)
        private = [(folder / "doubles.py").read_text()] if (folder / "doubles.py").is_file() else []
        private += [change.get("source", change.get("replace", "")) for variant in load_variants(folder)
                    for change in variant.changes]
        lines = {line.strip() for text in private for line in text.splitlines()
                 if len(line.strip()) > 25 and line.strip() not in reference}
        assert lines, assignment.id
        for rel, text in files.items():
            leaked = [line for line in lines if line in text]
            assert not leaked, f"{assignment.id}/{rel} leaks {leaked[:2]}"


def test_release_check_names_components_left_stale_by_an_earlier_reference(tmp_path, capsys):
    course = course_copy(tmp_path)
    assert main(["--course", str(tmp_path), "release", "--check", "a2_layers"]) == 0
    layers = course.solutions / "a2_layers" / "layers.py"
    layers.write_text(layers.read_text().replace('"""', '"""Edited. ', 1))
    capsys.readouterr()
    assert main(["--course", str(tmp_path), "release", "--check", "a2_layers"]) == 1
    out = " ".join(capsys.readouterr().out.split())  # as wide as the terminal: read it unwrapped
    assert "a5_training: OUT OF DATE: components/layers.py (the reference of a2_layers changed)" in out
    assert main(["--course", str(tmp_path), "release", "a2_layers"]) == 0
    assert "a5_training uses a2_layers: its released components are now out of date" in " ".join(
        capsys.readouterr().out.split())
    assert main(["--course", str(tmp_path), "release", "a5_training"]) == 0
    assert main(["--course", str(tmp_path), "release", "--check"]) == 0
