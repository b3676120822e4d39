"""Regrades with a diff: a run of grade-batch that changes a recorded score keeps the earlier
results, writes changes.csv, and says what moved (terminal, class report, `course gradebook diff`)."""

import shutil

from autograder.cli import main
from autograder.grading.batch import grade_batch
from autograder.outputs import changes
from autograder.results import exact, points
from tests.conftest import ROOT, course_copy

SAMPLES = ROOT / "examples" / "submissions" / "a1_gates"


def test_a_regrade_that_moves_a_score_keeps_the_earlier_result_and_says_why(tmp_path, capsys):
    course = course_copy(tmp_path / "course")
    a1 = course.assignment("a1_gates")
    for student in ("lee_jun", "kim_minji"):
        shutil.copytree(SAMPLES / student, tmp_path / "class" / student)
    out = tmp_path / "out"
    grade_batch(course, a1, tmp_path / "class", out, progress=False)
    before = changes.read_run(out)
    assert not (out / changes.FILE).exists() and not (out / changes.FOLDER).exists()

    # the grader changes (course.toml), no score moves: everything regraded, nothing kept
    toml = course.root / "course.toml"
    toml.write_text(toml.read_text().replace("reference = 1e-6", "reference = 2e-6"))
    grade_batch(course, a1, tmp_path / "class", out, progress=False)
    assert not (out / changes.FILE).exists() and not (out / changes.FOLDER).exists()

    # lee_jun fixes MaxGate's tie rule: max_gate moves, the earlier result is kept
    fixed = tmp_path / "class" / "lee_jun" / "gates.py"
    fixed.write_text(fixed.read_text().replace("x > y", "x >= y"))
    capsys.readouterr()
    grade_batch(course, a1, tmp_path / "class", out, progress=False)
    terminal = capsys.readouterr().out
    after = changes.read_run(out)

    kept = changes.read_run(out / changes.FOLDER / "1")
    assert list(kept) == ["lee_jun"] and kept["lee_jun"].to_json() == before["lee_jun"].to_json()
    rows = changes.read(out / changes.FILE)
    gained = after["lee_jun"].part_scores()["max_gate"] - before["lee_jun"].part_scores()["max_gate"]
    assert gained > 0
    assert [(r["student"], r["part"], r["before"], r["after"], r["change"]) for r in rows] == [
        ("lee_jun", "max_gate", points(before["lee_jun"].part_scores()["max_gate"]),
         points(after["lee_jun"].part_scores()["max_gate"]), f"+{float(gained):.2f}")]
    turned = [t.name for t in after["lee_jun"].tests if t.part == "max_gate" and t.passed
              and not next(o for o in before["lee_jun"].tests if o.name == t.name).passed]
    assert turned and all(f"{name}: ✗ → ✓" in rows[0]["checks"] for name in turned)
    line = f"학생 1명 (lee_jun): MaxGate +{float(gained):.2f}, 검사 '{turned[0]}' 이제 통과"
    assert line in terminal.replace("\n", "")

    report = (out / "report.html").read_text()
    assert "재채점으로 바뀐 점수" in report and f"MaxGate +{float(gained):.2f}" in report
    from tests.browser import chromium, render

    if chromium() is not None:  # as the instructor reads it
        shown = render(out / "report.html", tmp_path / "report.png")
        assert line in shown.text and "earlier/1" in shown.text and shown.console == []

    # the same, between any two runs
    assert main(["--course", str(course.root), "gradebook", "diff", "a1_gates", str(out / changes.FOLDER / "1"),
                 str(out), "--csv", str(tmp_path / "diff.csv")]) == 0
    assert f"MaxGate +{float(gained):.2f}" in capsys.readouterr().out
    assert (tmp_path / "diff.csv").read_text() == (out / changes.FILE).read_text()
    assert exact(rows[0]["after"]) - exact(rows[0]["before"]) == gained
