"""The GitHub Classroom template: no hidden tests readable, and the workflow's grading steps run locally.

The test takes the ``run`` commands of the workflow's decrypt and grade steps from
classroom.yml and runs them, as GitHub's runner would, in a copy of the template with
a student's work filled in; the reporter's input is then decoded and checked.
"""

import ast
import base64
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from autograder.platforms.classroom import (ENCRYPTED, KEY_ENV, RUNNER, ClassroomError, assignment_key, runner_result,
                                  secret_name, write_template)
from autograder.cli import main as course_main
from autograder.authoring.release import release_files
from tests.conftest import ROOT
from tests.test_notebook import MAXGATE_WRONG_INPUT, reference_text
from tests.test_release import solution_lines

AID = "a1_gates"
PASSPHRASE = "classroom-test-passphrase"


@pytest.fixture(scope="module")
def template(course, tmp_path_factory):
    folder = tmp_path_factory.mktemp("classroom") / "template"
    write_template(course, course.assignment(AID), folder, passphrase=PASSPHRASE)
    return folder


def steps(template):
    workflow = yaml.safe_load((template / ".github" / "workflows" / "classroom.yml").read_text())
    return {step["name"]: step for step in workflow["jobs"]["run-autograding-tests"]["steps"]}


def a1_key(course):
    return assignment_key(PASSPHRASE, course.assignment(AID))


def run_step(template, repo, name, tmp_path, passphrase):
    """Run the ``run`` command of the workflow step ``name`` in ``repo`` as a runner would,
    with ``passphrase`` in the secret the workflow hands to it."""
    env = dict(os.environ, RUNNER_TEMP=str(tmp_path / "runner"), GITHUB_OUTPUT=str(tmp_path / "output"),
               GITHUB_REPOSITORY=f"course-org/{AID}-kim", BACKPROP_LAB_PYTHON=sys.executable)
    env[KEY_ENV] = passphrase
    (tmp_path / "runner").mkdir(exist_ok=True)
    return subprocess.run(["bash", "-c", steps(template)[name]["run"]], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=300)


def student_repo(template, tmp_path, gates):
    repo = tmp_path / "repo"
    shutil.copytree(template, repo)
    (repo / "gates.py").write_text(gates, encoding="utf-8")
    return repo


def reported(tmp_path):
    """The runner result handed to the reporter: the last ``result=`` line of $GITHUB_OUTPUT."""
    line = [l for l in (tmp_path / "output").read_text().splitlines() if l.startswith("result=")][-1]
    return json.loads(base64.b64decode(line.removeprefix("result=")))


def test_the_template_holds_the_release_and_no_hidden_tests(course, template):
    assignment = course.assignment(AID)
    for rel in release_files(course, assignment):
        assert (template / rel).is_file(), rel
    hidden = ast.parse((ROOT / "solutions" / AID / "hidden_checks.py").read_text())
    declared = {node.name for node in ast.walk(hidden) if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    secret = solution_lines(course, assignment)
    for path in template.rglob("*"):
        if path.is_file() and path.relative_to(template).as_posix() != ENCRYPTED:
            text = path.read_text(encoding="utf-8")
            assert "autograder.hidden" not in text and "CHECKS = [" not in text, path
            assert not [name for name in declared - {"check"} if f"def {name}(" in text], path
            if path.parent.name != "source_lib":  # shared with students as-is, it shares idioms with solutions
                assert not [line for line in secret if line in text], path
    encrypted = (template / ENCRYPTED).read_bytes()
    assert encrypted.startswith(b"Salted__")  # openssl's salted format, not a readable zip
    assert b"hidden_checks" not in encrypted and b"CHECKS" not in encrypted


def test_the_workflow_feeds_the_grade_step_to_githubs_reporter(course, template):
    by_name = steps(template)
    grade, reporter = by_name["Grade"], by_name["Autograding Reporter"]
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter@")
    assert grade["id"] == RUNNER and reporter["with"]["runners"] == RUNNER
    assert reporter["env"][f"{RUNNER.upper()}_RESULTS"] == "${{ steps.%s.outputs.result }}" % RUNNER
    assert by_name["Decrypt the grader"]["env"][KEY_ENV] == "${{ secrets.%s }}" % secret_name(course.assignment(AID))


def test_the_grading_step_reports_full_points_for_the_reference(course, template, tmp_path):
    repo = student_repo(template, tmp_path, reference_text(course))
    done = run_step(template, repo, "Decrypt the grader", tmp_path, a1_key(course))
    assert done.returncode == 0, done.stderr
    done = run_step(template, repo, "Grade", tmp_path, a1_key(course))
    assert done.returncode == 0, done.stderr
    result = reported(tmp_path)
    assert result["version"] == 1 and result["status"] == "pass" and result["max_score"] == 100
    assert sum(t["score"] for t in result["tests"]) == 100
    assert len(result["tests"]) == len(course.assignment(AID).parts)
    assert json.loads((tmp_path / "runner" / "autograder" / "results" / "results.json").read_text())[
        "extra_data"]["student"] == f"{AID}-kim"


def test_the_grading_step_reports_what_a_buggy_submission_lost(course, template, tmp_path):
    repo = student_repo(template, tmp_path, reference_text(course).replace(*MAXGATE_WRONG_INPUT))
    assert run_step(template, repo, "Decrypt the grader", tmp_path, a1_key(course)).returncode == 0
    assert run_step(template, repo, "Grade", tmp_path, a1_key(course)).returncode == 0
    result = reported(tmp_path)
    tests = {t["name"].split(":")[0]: t for t in result["tests"]}
    assert result["status"] == "fail" and tests["max_gate"]["status"] == "fail"
    assert tests["max_gate"]["score"] < 20 and "MaxGate.backward" in tests["max_gate"]["message"]
    assert all(t["status"] == "pass" for part, t in tests.items() if part != "max_gate")


def test_the_wrong_passphrase_does_not_decrypt_the_grader(course, template, tmp_path):
    repo = student_repo(template, tmp_path, reference_text(course))
    done = run_step(template, repo, "Decrypt the grader", tmp_path, passphrase="guess")
    assert done.returncode != 0
    assert not (tmp_path / "runner" / "autograder" / "source" / "run_autograder").exists()
    done = run_step(template, repo, "Decrypt the grader", tmp_path, passphrase="")
    assert done.returncode != 0 and KEY_ENV in done.stderr


def test_a_grader_failure_is_reported_as_an_error_worth_nothing(course):
    failure = {"score": 0.0, "output": "the grader failed", "tests": [{"name": "grader", "score": 0.0,
                                                                        "max_score": 100.0, "status": "failed"}],
               "extra_data": {"assignment": AID, "grader_error": True}}
    result = runner_result(failure, course.assignment(AID))
    assert result["status"] == "error" and result["max_score"] == 100
    assert [t["score"] for t in result["tests"]] == [0]


def test_each_assignment_has_its_own_key_in_its_own_secret(course, template, tmp_path):
    """A leaked key (or the instructor's passphrase itself) does not decrypt another assignment's bundle."""
    a1, a2 = course.assignment(AID), course.assignment("a2_layers")
    assert assignment_key(PASSPHRASE, a1) != assignment_key(PASSPHRASE, a2)
    assert steps(template)["Decrypt the grader"]["env"][KEY_ENV] == "${{ secrets.%s }}" % secret_name(a1)
    assert secret_name(a1) == "BACKPROP_LAB_GRADER_KEY_A1_GATES"
    repo = student_repo(template, tmp_path, reference_text(course))
    for wrong in (PASSPHRASE, assignment_key(PASSPHRASE, a2)):
        assert run_step(template, repo, "Decrypt the grader", tmp_path, wrong).returncode != 0
    assert run_step(template, repo, "Decrypt the grader", tmp_path, a1_key(course)).returncode == 0


def test_without_a_passphrase_no_template_is_written(course, tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(ClassroomError, match=KEY_ENV):
        write_template(course, course.assignment(AID), tmp_path / "template")
    assert course_main(["--course", str(ROOT), "release", AID, "--classroom", str(tmp_path / "cli")]) == 2
    monkeypatch.setenv(KEY_ENV, PASSPHRASE)
    assert course_main(["--course", str(ROOT), "release", AID, "--classroom", str(tmp_path / "cli")]) == 0
    assert (tmp_path / "cli" / ENCRYPTED).is_file()
