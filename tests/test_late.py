"""Late policy: course.toml's [late] validated, the rule applied in exact hundredths from any
source of submission time (Gradescope, a commit, --submitted-at), nothing deducted without one."""

import datetime
import json
import shutil
import subprocess
from fractions import Fraction

import pytest

from autograder.config import ConfigError, LatePolicy, load_course
from autograder.grading.batch import grade_batch
from autograder.outputs import gradebook, late
from autograder.results import exact
from tests.conftest import ROOT, course_copy

SAMPLES = ROOT / "examples" / "submissions" / "a1_gates"
DUE = datetime.datetime(2026, 9, 18, 23, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
LATE = """
[late]
per = "day"
penalty = 10
grace_minutes = 15
cap = 25
late_days = 1
"""


def after(**delta):
    return DUE + datetime.timedelta(**delta)


def test_the_rule_grace_units_cap_and_hundredths():
    daily = LatePolicy("day", 10, 15, 25, 0)
    raw = Fraction(9778, 100)
    assert late.assess(daily, DUE, raw, after(minutes=14)).penalty == 0               # within grace
    assert late.assess(daily, DUE, raw, after(minutes=14)).note == "on_time"
    one = late.assess(daily, DUE, raw, after(minutes=16))                             # a started day
    assert (one.days_late, one.percent, one.penalty) == (1, 10, Fraction(978, 100))   # 9.778 -> 9.78
    two = late.assess(daily, DUE, raw, after(days=1, minutes=1))
    assert (two.percent, two.penalty) == (20, Fraction(1956, 100))                    # 19.556 -> 19.56
    assert late.assess(daily, DUE, raw, after(days=9)).percent == 25                  # the cap
    hourly = LatePolicy("hour", Fraction(1, 2), 0, 100, 0)
    three = late.assess(hourly, DUE, raw, after(hours=2, minutes=1))                  # 3 started hours
    assert (three.percent, three.penalty) == (Fraction(3, 2), Fraction(147, 100))     # 1.4667 -> 1.47
    for cost in (one, two, three):
        assert (raw - cost.penalty) * 100 == int((raw - cost.penalty) * 100)
    assert late.assess(daily, DUE, raw, None) == late.Late(note="no_time")
    assert late.assess(None, DUE, raw, after(days=3)) == late.Late()


def test_late_days_cover_whole_days_in_due_date_order(course):
    policy = LatePolicy("day", 10, 0, 100, 2)
    covered = late.assess(policy, DUE, Fraction(100), after(days=1, hours=1), days_left=2)
    assert (covered.days_used, covered.penalty, covered.note) == (2, 0, "covered")
    partly = late.assess(policy, DUE, Fraction(100), after(days=2, hours=1), days_left=2)
    assert (partly.days_used, partly.percent) == (2, 10)                              # one day left to pay
    with_budget = course.__class__(**{**course.__dict__, "late": policy})
    ledger = {("kim", "a1_gates"): 1, ("kim", "a3_losses"): 5, ("lee", "a1_gates"): 9}
    a2 = with_budget.assignment("a2_layers")
    assert late.days_left(with_budget, ledger, "kim", a2) == 1                        # a1 used 1 (a3 is later)
    assert late.days_left(with_budget, ledger, "lee", a2) == 0                        # a1 took them all
    assert late.days_left(with_budget, ledger, "kim", with_budget.assignment("a3_losses")) == 1


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t + '[late]\nper = "week"\npenalty = 10\n', "late.per: expected one of ('day', 'hour'), got 'week'"),
    (lambda t: t + '[late]\nper = "day"\n', "late.penalty: expected a number (missing)"),
    (lambda t: t + '[late]\npenalty = 101\n', "late.penalty: expected a finite number from 0 to 100"),
    (lambda t: t + '[late]\npenalty = 10.005\n', "late.penalty: expected a percent in whole hundredths"),
    (lambda t: t + '[late]\npenalty = 10\nlate_days = 1.5\n', "late.late_days: expected a whole number of days"),
    (lambda t: t + '[late]\npenalty = 10\ngrace = 5\n', "late.grace: expected one of"),
    (lambda t: t.replace("threshold = 0.6", "threshold = 2"), "similarity.threshold: expected a finite number"),
])
def test_a_bad_late_or_similarity_table_is_rejected_naming_the_key(tmp_path, edit, expected):
    course_copy(tmp_path)
    toml = tmp_path / "course.toml"
    toml.write_text(edit(toml.read_text()))
    with pytest.raises(ConfigError) as info:
        load_course(tmp_path)
    assert expected in str(info.value)


def test_a_due_date_without_time_zone_is_refused_with_a_late_policy(tmp_path):
    course_copy(tmp_path)
    toml = tmp_path / "course.toml"
    toml.write_text(toml.read_text().replace("due = 2026-09-18T23:59:00+09:00", "due = 2026-09-18T23:59:00") + LATE)
    with pytest.raises(ConfigError, match=r"assignments\[a1_gates\].due: expected a date-time with a time zone"):
        load_course(tmp_path)


def test_the_gradebook_gets_raw_penalty_final_and_days_from_every_source(tmp_path):
    course = course_copy(tmp_path / "course")
    toml = course.root / "course.toml"
    toml.write_text(toml.read_text() + LATE)
    course = load_course(course.root)
    a1 = course.assignment("a1_gates")
    due = a1.due
    cls = tmp_path / "class"
    for student, source in (("gs", "kim_minji"), ("git", "lee_jun"), ("given", "kim_minji"), ("none", "lee_jun")):
        shutil.copytree(SAMPLES / source, cls / student)
    (cls / "gs" / "submission_metadata.json").write_text(json.dumps(
        {"created_at": (due + datetime.timedelta(days=2, hours=3)).isoformat(), "users": [{"sid": "gs"}]}))
    stamp = (due + datetime.timedelta(minutes=10)).isoformat()
    env = {"GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_DATE": stamp, "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=s", "-c", "user.email=s@x", "commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(cls / "git"), *args], check=True, env=env)
    times = tmp_path / "times.csv"
    times.write_text(f"student,submitted_at\ngiven,{(due + datetime.timedelta(hours=30)).isoformat()}\n")
    ledger = tmp_path / "ledger.csv"
    grade_batch(course, a1, cls, tmp_path / "out", progress=False, submitted_at=times, late_ledger=ledger)
    rows = {r["student"]: r for r in gradebook.read(tmp_path / "out" / gradebook.FILE)}
    for row in rows.values():
        assert exact(row["final_score"]) == exact(row["score"]) - exact(row["late_penalty"])
    # 2 days 3 hours late: 1 late day covers a day, 2 more started days at 10% = 20% of 100
    assert (rows["gs"]["late_penalty"], rows["gs"]["late_days_used"]) == ("20", "1")
    assert "Gradescope" in rows["gs"]["message"] and "20% 감점" in rows["gs"]["message"]
    # 10 minutes late, within the 15-minute grace
    assert (rows["git"]["late_penalty"], rows["git"]["late_days_used"]) == ("0", "0")
    assert "마지막 커밋" in rows["git"]["message"] and "기한 내" in rows["git"]["message"]
    # 30 hours late: 2 started days, 1 covered, 10% of 100
    assert (rows["given"]["late_penalty"], rows["given"]["late_days_used"]) == ("10", "1")
    assert "교수자가 준 시각" in rows["given"]["message"] and "--" not in rows["given"]["message"]  # words, not a flag
    assert (rows["none"]["late_penalty"], rows["none"]["final_score"]) == ("0", rows["none"]["score"])
    assert "제출 시각을 알 수 없음" in rows["none"]["message"]
    for name in ("feedback.md", "feedback.html"):  # the student's pages say what lateness cost, as the gradebook
        page = (tmp_path / "out" / "gs" / name).read_text(encoding="utf-8")
        assert "원점수 100, 지각 감점 20, 최종 점수 80 / 100" in page and "20% 감점" in page, name
        heading = page.split("</p>")[0] if name.endswith("html") else page.splitlines()[0]
        assert "80 / 100" in heading and "100 / 100" not in heading, name     # it heads with the score that counts
        assert "제출 시각을 알 수 없음: 감점 없음" in (tmp_path / "out" / "none" / name).read_text(encoding="utf-8")
    assert late.read_ledger(ledger) == {("gs", "a1_gates"): 3, ("git", "a1_gates"): 0, ("given", "a1_gates"): 2}
    gradebook.merge(a1, [tmp_path / "out"], tmp_path / "merged")  # the late columns survive a merge
    assert (tmp_path / "merged" / gradebook.FILE).read_text() == (tmp_path / "out" / gradebook.FILE).read_text()
