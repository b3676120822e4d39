"""The late policy on the paths that grade one submission (``course grade``, Gradescope's
run_autograder) and on gradebooks written before the late columns (``course gradebook merge``).

The rule itself is tests/test_late.py's: here each path must apply it (``outputs/late.py``:
``assess``) with no late day spent, record raw score, penalty and final score, and say so.
Each test fails with its piece switched off: ``with_late`` returning its input, the terminal
ignoring the late lines, run_autograder without the metadata's time, the unspent-late-days
line, --submitted-at as a time itself, merge's acceptance of an old gradebook and the
late.json it writes for one.
"""

import csv
import datetime
import json
import os
import re
import subprocess
import sys
from fractions import Fraction

import pytest

from autograder.config import UsageError, load_course
from autograder.grading.batch import grade_batch
from autograder.outputs import gradebook, late
from autograder.platforms.gradescope import PROJECT, write_bundle
from autograder.results import GradingResult, exact
from tests.conftest import course_copy
from tests.test_gradescope import autograder_root, run_autograder
from tests.test_late import LATE, SAMPLES

AID = "a1_gates"
SUBMISSION = SAMPLES / "han_sora"         # a mean where a sum is due: a raw score that is not round


@pytest.fixture(scope="module")
def late_course(tmp_path_factory):
    """A course whose course.toml has test_late's [late]: 10% a started day, 15 minutes' grace,
    a 25% cap, 1 late day for the term."""
    root = tmp_path_factory.mktemp("late_course")
    course_copy(root)
    (root / "course.toml").write_text((root / "course.toml").read_text() + LATE)
    return load_course(root)


def course_grade(course, *args):
    return subprocess.run([sys.executable, "-m", "autograder.cli", "grade", AID, str(SUBMISSION), "--student", "lee",
                           *args], cwd=course.root, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, COLUMNS="400"))


def expected(raw, percent):
    """The penalty of ``percent`` of ``raw``, rounded half up to hundredths, worked out here."""
    return Fraction(int(raw * percent + Fraction(1, 2)), 100)


def test_course_grade_applies_the_rule_and_records_raw_penalty_and_final(late_course, tmp_path):
    due = late_course.assignment(AID).due
    stamp = (due + datetime.timedelta(hours=30)).isoformat()    # 2 started days; no late day spent alone
    times = tmp_path / "times.csv"
    times.write_text(f"student,submitted_at\nlee,{stamp}\n")
    given, from_csv = tmp_path / "given.json", tmp_path / "csv.json"
    pages = tmp_path / "feedback.md", tmp_path / "feedback.html"
    done = course_grade(late_course, "--submitted-at", stamp, "--json", str(given), "--feedback", str(pages[0]),
                        "--feedback-html", str(pages[1]))
    assert done.returncode == 0, done.stderr
    assert course_grade(late_course, "--submitted-at", str(times), "--json", str(from_csv)).returncode == 0
    assert given.read_bytes() == from_csv.read_bytes()                  # a time or a CSV: the same grade
    results = json.loads(given.read_text(encoding="utf-8"))
    raw = GradingResult.from_gradescope(results).exact_score           # the model reads back raw
    assert raw < 100 and raw * 100 == int(raw * 100)
    penalty = expected(raw, 20)
    assert exact(results["score"]) == raw - penalty                     # Gradescope and Classroom take the final
    record = results["extra_data"]["late"]
    assert (exact(record["raw_score"]), exact(record["penalty"]), exact(record["final_score"])) == (
        raw, penalty, raw - penalty)
    assert (record["days_late"], record["days_used"], record["percent"], record["source"]) == (2, 0, "20", "given")
    said = f"원점수 {float(raw):g}, 지각 감점 {float(penalty):g}, 최종 점수 {float(raw - penalty):g} / 100"
    assert said in results["output"] and said in done.stdout
    assert all(said in page.read_text(encoding="utf-8") for page in pages)  # the pages say it too
    final = f"{float(raw - penalty):g} / 100"
    assert pages[0].read_text(encoding="utf-8").splitlines()[0].endswith(f": {final}")  # and head with it
    assert f'class="score">{final}<' in pages[1].read_text(encoding="utf-8")
    heads = f"{AID} lee: {final}"  # the terminal and results.json's output head with the final score too
    assert done.stdout.splitlines()[0] == heads and results["output"].splitlines()[0] == heads, done.stdout
    assert "2일 늦음" in done.stdout and "20% 감점" in done.stdout and "학기 지각 사용일을 셀 수 없습니다" in done.stdout
    unknown = tmp_path / "unknown.json"
    assert course_grade(late_course, "--json", str(unknown)).returncode == 0   # a .py file: no time known
    nothing = json.loads(unknown.read_text(encoding="utf-8"))
    assert exact(nothing["score"]) == raw and nothing["extra_data"]["late"]["note"] == "no_time"
    assert "제출 시각을 알 수 없음: 감점 없음" in nothing["output"]
    bad = course_grade(late_course, "--submitted-at", "2026-09-19 10:00")
    assert bad.returncode == 2 and "--submitted-at: 2026-09-19 10:00: neither a file nor an ISO 8601 time" in bad.stderr


def late_root(bundle, base, files, metadata):
    """An autograder root (tests/test_gradescope.py) whose bundled course.toml has the [late] table."""
    root = autograder_root(bundle, base, files, metadata)
    toml = root / "source" / PROJECT / "course.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + LATE, encoding="utf-8")
    return root


def test_gradescope_takes_the_time_from_metadata_and_the_due_date_from_course_toml(course, late_course, tmp_path):
    bundle = tmp_path / "autograder.zip"
    write_bundle(course, course.assignment(AID), bundle, secret="late-paths-secret")
    due = late_course.assignment(AID).due
    metadata = {"created_at": (due + datetime.timedelta(days=2, hours=3)).isoformat(),   # 3 started days
                "assignment": {"due_date": (due + datetime.timedelta(days=9)).isoformat(),  # not read
                               "late_due_date": None},
                "users": [{"sid": "lee"}]}
    files = {"gates.py": (SUBMISSION / "gates.py").read_text(encoding="utf-8")}
    done, results = run_autograder(late_root(bundle, tmp_path / "late", files, metadata))
    assert done.returncode == 0, done.stderr
    raw = GradingResult.from_gradescope(results).exact_score
    penalty = expected(raw, 25)                                         # 3 days at 10%, capped at 25%
    assert penalty * 100 != raw * 25                                    # the rounding is exercised
    assert exact(results["score"]) == raw - penalty
    record = results["extra_data"]["late"]
    assert (record["days_late"], record["days_used"], record["percent"], record["source"]) == (3, 0, "25", "gradescope")
    shown = re.sub(r"\\(.)", r"\1", results["output"])              # the feedback as Markdown shows it
    for text in (" ".join(done.stdout.split()), shown):  # the log (wrapped at its width) and the feedback
        assert "(Gradescope): 3일 늦음" in text and "25% 감점" in text and "학기 지각 사용일을 셀 수 없습니다" in text
    final = f"{float(raw - penalty):g} / 100"
    assert shown.splitlines()[0].endswith(f": {final}")                # its heading: the score that counts
    metadata.pop("created_at")
    done, results = run_autograder(late_root(bundle, tmp_path / "unknown", files, metadata))
    assert exact(results["score"]) == raw and results["extra_data"]["late"]["note"] == "no_time"


def test_merge_takes_a_gradebook_from_before_the_late_columns_as_no_time_known(course, tmp_path):
    a1 = course.assignment(AID)
    cls = tmp_path / "class"
    (cls / "lee").mkdir(parents=True)
    (cls / "lee" / "gates.py").write_text((SUBMISSION / "gates.py").read_text(encoding="utf-8"))
    grade_batch(course, a1, cls, tmp_path / "old", progress=False)
    book = tmp_path / "old" / gradebook.FILE
    rows = gradebook.read(book)
    old_columns = [c for c in gradebook.header(a1) if c not in gradebook.LATE_COLUMNS]
    with open(book, "w", newline="", encoding="utf-8") as handle:  # as grade-batch wrote it before them
        writer = csv.DictWriter(handle, old_columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    merged = gradebook.merge(a1, [tmp_path / "old"], tmp_path / "merged")
    row = dict(zip(gradebook.header(a1), merged[0]))
    assert (row["late_penalty"], row["final_score"], row["late_days_used"]) == ("0", rows[0]["score"], "0")
    assert "제출 시각을 알 수 없음" in row["message"]
    assert late.load_late(tmp_path / "merged" / "lee") == late.Late(note="no_time")
    again = gradebook.merge(a1, [tmp_path / "old", tmp_path / "merged"], tmp_path / "again")
    assert again == merged                                              # the merged folder agrees with its source
    with open(book, "w", newline="", encoding="utf-8") as handle:       # anything else is still refused
        csv.writer(handle).writerow(old_columns[1:])
    with pytest.raises(UsageError, match="its columns are not those of a1_gates's gradebook"):
        gradebook.merge(a1, [tmp_path / "old"], tmp_path / "refused")
