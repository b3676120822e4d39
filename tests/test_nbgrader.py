"""A real nbgrader round trip: generate_assignment and autograde agree with `course grade`.

The nbgrader course is built from ours (``autograder.platforms.nbgrader_course``); nbgrader turns
the instructor's notebook into the student's, then autogrades the reference, the stubs
and a buggy submission (MaxGate sends the gradient to the wrong input) in a Jupyter
kernel. nbgrader grades a part through its check cell (the part's public checks), our
grader through the hidden checks: a part has full marks in one exactly when it has full
marks in the other.
"""

import csv
import datetime
import json
import re
import shutil

import pytest
from nbgrader.api import Gradebook

from autograder.grading.batch import grade_batch
from autograder.cli import main as course_main
from autograder.grading.grade import grade
from autograder.platforms.nbgrader_course import run_nbgrader, write_nbgrader_course
from autograder.authoring.notebook import build_notebook
from tests.conftest import ROOT
from tests.test_notebook import MAXGATE_WRONG_INPUT, filled, reference_text

pytestmark = pytest.mark.slow

AID = "a1_gates"


def nbgrader(course_dir, *args):
    """Run ``nbgrader ARGS`` in ``course_dir``; it must succeed."""
    done = run_nbgrader(course_dir, *args, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def round_trip(course, tmp_path_factory):
    """(nbgrader course folder, {student: submitted notebook}) after generate_assignment and autograde."""
    folder = tmp_path_factory.mktemp("nbgrader") / "course"
    write_nbgrader_course(course, course.assignment(AID), folder)
    nbgrader(folder, "generate_assignment", AID)
    released = json.loads((folder / "release" / AID / f"{AID}.ipynb").read_text(encoding="utf-8"))
    reference = reference_text(course)
    submissions = {"reference": filled(released, reference), "stubs": released,
                   "buggy": filled(released, reference.replace(*MAXGATE_WRONG_INPUT))}
    paths = {}
    for student, notebook in submissions.items():
        path = folder / "submitted" / student / AID / f"{AID}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(notebook), encoding="utf-8")
        paths[student] = path
    nbgrader(folder, "autograde", AID)
    return folder, paths


def nbgrader_scores(folder, student):
    """{part: score} from nbgrader's gradebook: the scores of the check cells."""
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(AID, AID, student)
        return {g.name.removeprefix("check_"): g.score for g in notebook.grades}


def test_nbgrader_makes_the_same_student_notebook_as_course_release(course, round_trip):
    """Only the stub's message differs: nbgrader's NotImplementedError() does not name the method."""
    folder, _ = round_trip
    ours = build_notebook(course, course.assignment(AID), course.language)
    theirs = json.loads((folder / "release" / AID / f"{AID}.ipynb").read_text(encoding="utf-8"))
    unnamed = [re.sub(r'raise NotImplementedError\("[\w.]+"\)', "raise NotImplementedError()", cell.source)
               for cell in ours.cells]
    assert unnamed == ["".join(cell["source"]) for cell in theirs["cells"]]
    assert [c.metadata.get("backprop_lab") for c in ours.cells] == [c["metadata"].get("backprop_lab")
                                                                    for c in theirs["cells"]]
    assert (folder / "release" / AID / "public_checks.py").is_file()


@pytest.mark.parametrize("student", ["reference", "stubs", "buggy"])
def test_nbgrader_and_course_grade_agree_part_by_part(course, sandbox, round_trip, student):
    folder, paths = round_trip
    assignment = course.assignment(AID)
    theirs = nbgrader_scores(folder, student)
    ours = {p.id: float(p.score) for p in grade(course, assignment, paths[student], student, sandbox=sandbox).parts}
    points = {p.id: p.points for p in assignment.parts}
    assert set(theirs) == set(ours) == set(points)
    assert {part: theirs[part] == points[part] for part in points} == {part: ours[part] == points[part]
                                                                       for part in points}
    expected_full = {"reference": set(points), "stubs": set(), "buggy": set(points) - {"max_gate"}}[student]
    assert {part for part in points if theirs[part] == points[part]} == expected_full
    if student == "stubs":
        assert sum(theirs.values()) == sum(ours.values()) == 0


def test_course_grade_batch_grades_nbgraders_submitted_folder(course, round_trip, tmp_path):
    folder, _ = round_trip
    assignment = course.assignment(AID)
    status, _, _ = grade_batch(course, assignment, folder / "submitted", tmp_path, progress=False)
    assert status == 0
    with open(tmp_path / "gradebook.csv", newline="", encoding="utf-8") as book:
        totals = {row["student"]: float(row["score"]) for row in csv.DictReader(book)}
    max_gate = next(part.points for part in assignment.parts if part.id == "max_gate")
    assert totals["reference"] == assignment.points and totals["stubs"] == 0
    assert assignment.points - max_gate <= totals["buggy"] < assignment.points


def test_our_grades_reach_nbgraders_gradebook_and_export(course, sandbox, round_trip, tmp_path):
    """After `course nbgrader --grades`, nbgrader's export shows the totals of `course grade`
    (hidden checks included), and the due date of course.toml."""
    folder = tmp_path / "course"
    shutil.copytree(round_trip[0], folder)
    assignment = course.assignment(AID)
    assert course_main(["--course", str(ROOT), "nbgrader", AID, str(folder), "--grades"]) == 0
    nbgrader(folder, "export", "--to", str(tmp_path / "grades.csv"))
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as book:
        rows = {row["student_id"]: row for row in csv.DictReader(book)}
    for student in ("reference", "stubs", "buggy"):
        ours = grade(course, assignment, folder / "submitted" / student / AID / f"{AID}.ipynb", student,
                     sandbox=sandbox)
        assert float(rows[student]["score"]) == pytest.approx(ours.score, abs=1e-9), student
        assert float(rows[student]["max_score"]) == ours.max_score
    due = assignment.due.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    assert datetime.datetime.fromisoformat(rows["reference"]["duedate"]) == due
    buggy = grade(course, assignment, folder / "submitted" / "buggy" / AID / f"{AID}.ipynb", "buggy", sandbox=sandbox)
    assert nbgrader_scores(folder, "buggy") == {p.id: float(p.score) for p in buggy.parts}
