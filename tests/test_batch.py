"""`course grade-batch`: row by row, resumable after kill -9, only new or changed work regraded."""

import csv
import os
import signal
import subprocess
import sys
import time
import zipfile

from autograder.grading.batch import grade_batch, student_entries
from autograder.authoring.stubs import strip_markers
from tests.conftest import ROOT

REFERENCE = strip_markers((ROOT / "solutions" / "a1_gates" / "gates.py").read_text())


def make_class(folder, n, slow=()):
    """n students: every third one with a buggy MaxGate; those in ``slow`` sleep at import."""
    for i in range(n):
        text = REFERENCE if i % 3 else REFERENCE.replace("self.x_wins = x >= y", "self.x_wins = x < y")
        if i in slow:
            text = text.replace("import numpy as np\n", "import time\n\nimport numpy as np\n\ntime.sleep(0.3)\n", 1)
        student = folder / f"student{i:02d}"
        student.mkdir(parents=True)
        (student / "gates.py").write_text(text)
    return folder


def rows(out):
    with open(out / "gradebook.csv", newline="") as book:
        return {row["student"]: row for row in csv.DictReader(book)}


def test_results_and_gradebook_for_every_student(course, tmp_path):
    make_class(tmp_path / "class", 4)
    status, results, _ = grade_batch(course, course.assignment("a1_gates"), tmp_path / "class", tmp_path / "out",
                                     progress=False)
    assert status == 0 and sorted(results) == [f"student{i:02d}" for i in range(4)]
    book = rows(tmp_path / "out")
    assert float(book["student00"]["score"]) < 100 and float(book["student01"]["score"]) == 100
    for student in book:
        assert (tmp_path / "out" / student / "results.json").is_file()
        assert (tmp_path / "out" / student / "feedback.md").is_file()


def test_a_rerun_grades_only_what_changed(course, tmp_path):
    a1 = course.assignment("a1_gates")
    make_class(tmp_path / "class", 3)
    grade_batch(course, a1, tmp_path / "class", tmp_path / "out", progress=False)
    stamps = {s: (tmp_path / "out" / s / "key.txt").stat().st_mtime_ns for s in rows(tmp_path / "out")}
    (tmp_path / "class" / "student02" / "gates.py").write_text(REFERENCE.replace("x >= y", "x > y"))
    grade_batch(course, a1, tmp_path / "class", tmp_path / "out", progress=False)
    after = {s: (tmp_path / "out" / s / "key.txt").stat().st_mtime_ns for s in rows(tmp_path / "out")}
    assert after["student01"] == stamps["student01"]
    assert after["student02"] != stamps["student02"]
    assert float(rows(tmp_path / "out")["student02"]["max_gate"]) < 20


def test_kill_minus_nine_loses_nothing_and_the_rerun_finishes(course, tmp_path):
    make_class(tmp_path / "class", 6, slow=range(6))
    command = [sys.executable, "-m", "autograder.cli", "--course", str(ROOT), "grade-batch", "a1_gates",
               str(tmp_path / "class"), "--out", str(tmp_path / "out")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (tmp_path / "out" / "gradebook.csv").exists() and len(rows(tmp_path / "out")) >= 2:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    graded_before = {s for s in rows(tmp_path / "out")}
    assert 2 <= len(graded_before) < 6
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    final = rows(tmp_path / "out")
    assert sorted(final) == [f"student{i:02d}" for i in range(6)]
    clean = tmp_path / "clean"
    subprocess.run(command[:-1] + [str(clean)], check=True, stdout=subprocess.DEVNULL)
    assert final == rows(clean)
    assert (tmp_path / "out" / "gradebook.csv").read_bytes() == (clean / "gradebook.csv").read_bytes()
    for student in final:
        assert (tmp_path / "out" / student / "results.json").read_text() == (clean / student / "results.json").read_text()


def test_an_nbgrader_tree_and_a_zip_are_accepted(course, tmp_path):
    a1 = course.assignment("a1_gates")
    tree = tmp_path / "course" / "submitted"
    for student in ("ana", "bo"):
        (tree / student / "a1_gates").mkdir(parents=True)
        (tree / student / "a1_gates" / "gates.py").write_text(REFERENCE)
    assert [s for s, _ in student_entries(a1, tmp_path / "course")] == ["ana", "bo"]
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in tree.rglob("*.py"):
            zf.write(path, path.relative_to(tmp_path / "course"))
    status, results, _ = grade_batch(course, a1, archive, tmp_path / "out", progress=False)
    assert status == 0 and sorted(results) == ["ana", "bo"]
    assert all(r.score == 100 for r in results.values())


def test_two_jobs_give_the_same_gradebook_as_one(course, tmp_path):
    a1 = course.assignment("a1_gates")
    make_class(tmp_path / "class", 4)
    grade_batch(course, a1, tmp_path / "class", tmp_path / "one", jobs=1, progress=False)
    grade_batch(course, a1, tmp_path / "class", tmp_path / "two", jobs=2, progress=False)
    assert rows(tmp_path / "one") == rows(tmp_path / "two")


def test_links_in_a_class_tree_are_not_followed(course, tmp_path):
    a1 = course.assignment("a1_gates")
    make_class(tmp_path / "class", 1)
    (tmp_path / "class" / "mallory").symlink_to(tmp_path / "class" / "student00", target_is_directory=True)
    (tmp_path / "class" / "eve").mkdir()
    (tmp_path / "class" / "eve" / "a1_gates").symlink_to(ROOT / "solutions" / "a1_gates", target_is_directory=True)
    entries = dict(student_entries(a1, tmp_path / "class"))
    assert set(entries) == {"student00", "eve"} and entries["eve"] == tmp_path / "class" / "eve"
    status, results, _ = grade_batch(course, a1, tmp_path / "class", tmp_path / "out", progress=False)
    assert status == 0 and results["eve"].score == 0
