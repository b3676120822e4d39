"""The Gradescope bundle, unpacked into an autograder root laid out as Gradescope does and run end to end."""

import json
import os
import stat
import subprocess
import sys
import zipfile

import pytest

from autograder.cli import main as course_main
from autograder.config import load_course
from autograder.platforms.gradescope import (PROJECT, bundle_files, course_toml_for, gradescope_results, student_id,
                                   write_bundle)
from autograder.grading.grade import grade
from source_lib.messages import message
from tests.conftest import ROOT
from tests.test_notebook import MAXGATE_WRONG_INPUT, filled, reference_text, released_notebook

AID = "a1_gates"
SECRET = "gradescope-test-secret"


@pytest.fixture(scope="module")
def bundle(course, tmp_path_factory):
    path = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    write_bundle(course, course.assignment(AID), path, secret=SECRET)
    return path


def autograder_root(bundle, base, files, metadata=None):
    """base/autograder with source/ (the unpacked bundle), submission/ (``files``) and results/."""
    root = base / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    for name, text in files.items():
        (root / "submission" / name).write_text(text, encoding="utf-8")
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    return root


def run_autograder(root):
    """Run the bundle's run_autograder on ``root`` with this interpreter (setup.sh's venv stands in)."""
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), BACKPROP_LAB_PYTHON=sys.executable)
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=300)
    return done, json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def test_the_bundle_holds_what_grading_needs_and_nothing_of_other_assignments(course, bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        assert archive.read("secret.txt").decode().strip() == SECRET
    assert {"setup.sh", "run_autograder", "secret.txt", f"{PROJECT}/course.toml", f"{PROJECT}/pyproject.toml",
            f"{PROJECT}/autograder/grading/grade.py", f"{PROJECT}/solutions/{AID}/hidden_checks.py",
            f"{PROJECT}/source_lib/gradcheck.py", f"{PROJECT}/solutions/{AID}/gates.py"} <= names
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    solutions = {n for n in names if "/solutions/" in n}
    assert solutions == {f"{PROJECT}/solutions/{AID}/{name}"
                         for name in ("gates.py", "hidden_checks.py", "doubles.py", "titles.ko.toml", "variants.toml")}
    assert not [n for n in names if "__pycache__" in n]


def test_the_scripts_are_valid_bash(bundle, tmp_path):
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    for script in ("setup.sh", "run_autograder"):
        done = subprocess.run(["bash", "-n", str(tmp_path / script)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_the_reference_gets_full_marks_and_the_same_results_as_course_grade(course, bundle, tmp_path):
    files = {"gates.py": reference_text(course)}
    metadata = {"id": 1, "users": [{"email": "kim@example.edu", "id": 77, "name": "Kim", "sid": "2026001"}]}
    done, results = run_autograder(autograder_root(bundle, tmp_path, files, metadata))
    assert done.returncode == 0, done.stderr
    assert results["score"] == 100 and results["extra_data"]["student"] == "2026001"
    local = grade(course, course.assignment(AID), tmp_path / "autograder" / "submission", "2026001", secret=SECRET)
    assert gradescope_results(course, local, results["execution_time"]) == results


def test_results_say_when_gradescope_shows_them_with_the_feedback_page_in_markdown(course, bundle, tmp_path):
    """Visibility from course.toml's [gradescope] (the bundled course holds checks until published)."""
    assert course.gradescope.checks == "after_published" and course.gradescope.summary == "visible"
    done, results = run_autograder(autograder_root(bundle, tmp_path, {"gates.py": reference_text(course)}))
    assert {t["visibility"] for t in results["tests"]} == {course.gradescope.checks}


def test_a_buggy_submission_loses_the_points_of_its_part_only(course, bundle, tmp_path):
    files = {"gates.py": reference_text(course).replace(*MAXGATE_WRONG_INPUT), "notes.txt": "my notes"}
    done, results = run_autograder(autograder_root(bundle, tmp_path, files))
    assert done.returncode == 0, done.stderr
    parts = results["extra_data"]["parts"]
    assert parts["max_gate"] < 20 and results["score"] == 80 + parts["max_gate"]
    assert any(t["tags"][0] == "max_gate" and t["score"] == 0 and t["output"] for t in results["tests"])


def test_a_korean_notebook_submission_is_graded_like_its_py(course, bundle, tmp_path):
    notebook = filled(released_notebook(course, "ko"), reference_text(course).replace(*MAXGATE_WRONG_INPUT))
    files = {"a1_gates.ko.ipynb": json.dumps(notebook, ensure_ascii=False)}
    _, from_notebook = run_autograder(autograder_root(bundle, tmp_path / "nb", files))
    _, from_py = run_autograder(autograder_root(bundle, tmp_path / "py",
                                                {"gates.py": reference_text(course).replace(*MAXGATE_WRONG_INPUT)}))
    for results in (from_notebook, from_py):
        results.pop("execution_time")
    assert from_notebook == from_py and from_py["score"] < 100


def break_hidden_module(path):
    path.unlink()


def break_one_check(path):
    """A check whose inputs raise in the grader: a grader error, never a silent zero for the student."""
    text = path.read_text()
    path.write_text(text.replace("def worked_example(rng):\n", "def worked_example(rng):\n    1 / 0\n"))


@pytest.mark.parametrize("fault", [break_hidden_module, break_one_check])
def test_a_grader_failure_still_writes_results_and_exits_non_zero(course, bundle, tmp_path, fault):
    root = autograder_root(bundle, tmp_path, {"gates.py": reference_text(course)})
    fault(root / "source" / PROJECT / "solutions" / AID / "hidden_checks.py")
    done, results = run_autograder(root)
    assert done.returncode != 0
    assert results["score"] == 0 and results["extra_data"]["grader_error"] is True
    assert results["visibility"] == "visible" and results["output"] == message("grader_failed", course.language)
    assert results["tests"][0]["max_score"] == 100


def test_student_ids_from_gradescope_metadata():
    assert student_id({"users": [{"sid": "", "email": "b@x", "id": 2}, {"sid": "2026", "id": 1}]}) == "2026+b@x"
    assert student_id({"users": [{"id": 5}]}) == "5"
    assert student_id({}) == "student"


COURSE_TOML = """[course]
name = "Cut"
language = "en"

[[assignments]]
id = "first"
title = "First"
points = 10
files = ["first.py"]
parts = [{ id = "p", title = "P", points = 10 }]

[[assignments]]
id = "second"
title = "Second"
points = 10
files = ["second.py"]
uses = ["first"]
parts = [{ id = "p", title = "P", points = 10 }]

[[assignments]]
id = "third"
title = "Third"
points = 10
files = ["third.py"]
parts = [{ id = "p", title = "P", points = 10 }]

[limits]
timeout_s = 3.0
"""


def test_course_toml_is_cut_down_to_an_assignment_and_those_it_uses(tmp_path):
    (tmp_path / "course.toml").write_text(COURSE_TOML)
    for aid in ("first", "second", "third"):
        (tmp_path / "solutions" / aid).mkdir(parents=True)
        (tmp_path / "solutions" / aid / f"{aid}.py").write_text("")
    course = load_course(tmp_path)
    cut_dir = tmp_path / "cut"
    (cut_dir / "solutions").mkdir(parents=True)
    for aid in ("first", "second"):
        (tmp_path / "solutions" / aid).rename(cut_dir / "solutions" / aid)
    (cut_dir / "course.toml").write_text(course_toml_for(course, ["first", "second"]))
    cut = load_course(cut_dir)
    assert [a.id for a in cut.assignments] == ["first", "second"]
    assert cut.assignments == course.assignments[:2] and cut.limits.timeout_s == 3.0


def test_course_gradescope_writes_the_bundle(course, tmp_path, monkeypatch):
    """Without the course secret in the environment, the bundle gets a fresh random one."""
    monkeypatch.delenv(course.secret_env, raising=False)
    out = tmp_path / "out" / "autograder.zip"
    assert course_main(["--course", str(ROOT), "gradescope", AID, "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        assert "run_autograder" in archive.namelist()
        assert len(archive.read("secret.txt").strip()) >= 32


@pytest.mark.parametrize("assignment_id", ["a2_layers", "a5_training"])
def test_the_bundle_holds_the_graded_assignments_checks_and_doubles_and_only_the_references_it_uses(
        course, assignment_id):
    assignment = course.assignment(assignment_id)
    names = set(bundle_files(course, assignment, SECRET))
    own = course.solutions / assignment_id
    expected = {f"solutions/{assignment_id}/{name}" for name in (*assignment.files, "hidden_checks.py", "variants.toml")}
    expected |= {f"solutions/{assignment_id}/doubles.py"} if (own / "doubles.py").is_file() else set()
    expected |= {f"solutions/{assignment_id}/{p.name}" for p in own.glob("titles.*.toml")}
    expected |= {f"solutions/{used}/{name}" for used in assignment.uses for name in course.assignment(used).files}
    assert {n.removeprefix(f"{PROJECT}/") for n in names if n.startswith(f"{PROJECT}/solutions/")} == expected
    assert assignment_id != "a2_layers" or f"{PROJECT}/solutions/a2_layers/doubles.py" in names
