"""course gradebook export: the CSV Canvas and Moodle import, checked against sample files built
from their documentation, and the mapping from our student ids to theirs."""

import csv
from fractions import Fraction

import pytest

from autograder.cli import main
from autograder.outputs import gradebook, lms
from autograder.outputs.late import Late
from autograder.results import GradingResult, PartResult
from autograder import results

# Canvas's gradebook export and import layout: Student ("Last, First"), ID, SIS User ID,
# SIS Login ID, Section, one column per assignment ("Title (assignment id)" to update one),
# then a "Points Possible" row; an empty score leaves the grade as it is.
CANVAS_SAMPLE = """Student,ID,SIS User ID,SIS Login ID,Section,계산 그래프의 게이트 (4711)
Points Possible,,,,,100
"Kim, Minji",1001,2026-0001,minji,Section 1,100
"Lee, Jun",1002,2026-0002,jun,Section 1,88.02
,,park_seoyeon,,,
"""

# Moodle's CSV grade import: a header row, a column to identify the user by (ID number or
# email address, chosen on import), one column per grade item.
MOODLE_SAMPLE = """ID number,Email address,계산 그래프의 게이트
2026-0001,minji@example.ac.kr,100
2026-0002,jun@example.ac.kr,88.02
park_seoyeon,,
"""

ROSTER = """student,name,canvas_id,sis_user_id,sis_login_id,section,idnumber,email
kim_minji,"Kim, Minji",1001,2026-0001,minji,Section 1,2026-0001,minji@example.ac.kr
lee_jun,"Lee, Jun",1002,2026-0002,jun,Section 1,2026-0002,jun@example.ac.kr
"""


def result(assignment, student, lost):
    """A graded result of ``assignment`` losing ``lost`` points in its first part."""
    parts = [PartResult(p.id, p.title, Fraction(p.points) - (lost if i == 0 else 0), Fraction(p.points))
             for i, p in enumerate(assignment.parts)]
    tests = [results.TestResult(p.id, "check", "pass" if p.score == p.max_score else "fail", p.score, p.max_score)
             for p in parts]
    return GradingResult(assignment.id, student, tests, parts, language="ko")


@pytest.fixture
def out(course, tmp_path):
    """A grade-batch --out: kim full marks, lee 97.78 less a 9.76 late penalty, park not graded."""
    a1 = course.assignment("a1_gates")
    kim, lee = result(a1, "kim_minji", 0), result(a1, "lee_jun", Fraction(222, 100))
    rows = [gradebook.graded_row(kim), gradebook.graded_row(lee, Late(penalty=Fraction(976, 100), note="late")),
            gradebook.invalid_row(a1, "park_seoyeon", "its name is reserved")]
    for r in (kim, lee):
        (tmp_path / r.student).mkdir()
        (tmp_path / r.student / "results.json").write_text(r.to_json())
    (tmp_path / gradebook.FILE).write_text(gradebook.render(a1, rows))
    (tmp_path / "roster.csv").write_text(ROSTER)
    return tmp_path


def test_canvas_csv_is_the_documented_layout(out, capsys):
    assert main(["gradebook", "export", "--format", "canvas", str(out), "--ids", str(out / "roster.csv"),
                 "--lms-assignment", "4711"]) == 0
    assert (out / "canvas.csv").read_text() == CANVAS_SAMPLE
    mapping = list(csv.DictReader((out / "canvas_ids.csv").open()))
    assert [(m["student"], m["sis_user_id"], m["in_file"]) for m in mapping] == [
        ("kim_minji", "2026-0001", "yes"), ("lee_jun", "2026-0002", "yes"), ("park_seoyeon", "park_seoyeon", "no")]
    assert "가져오기 전에 확인하세요" in capsys.readouterr().out


def test_moodle_csv_is_the_documented_layout(out):
    assert main(["gradebook", "export", "--format", "moodle", str(out), "--ids", str(out / "roster.csv")]) == 0
    assert (out / "moodle.csv").read_text() == MOODLE_SAMPLE
    assert [m["idnumber"] for m in csv.DictReader((out / "moodle_ids.csv").open())] == [
        "2026-0001", "2026-0002", "park_seoyeon"]


def test_without_ids_our_id_is_theirs_and_a_formula_stays_text(course, out):
    a1 = course.assignment("a1_gates")
    book = out / gradebook.FILE
    book.write_text(book.read_text().replace("park_seoyeon", "=HYPERLINK(1)"))
    target, _ = lms.export(a1, out, "moodle", lang="en")
    assert target.read_text().splitlines() == ["ID number,Email address,Gates of a computational graph",
                                               "kim_minji,,100", "lee_jun,,88.02", "'=HYPERLINK(1),,"]
