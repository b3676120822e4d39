"""grade-batch against a careless operator and hostile entries: invalid rows instead of tracebacks,
grader errors never final, one run per --out, shards that merge into the single run's gradebook."""

import errno
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from filelock import FileLock

from autograder.outputs import gradebook
from autograder.outputs.page_text import page_text
from autograder.grading.batch import grade_batch, in_shard
from autograder.cli import main as course_main
from autograder.config import UsageError
from autograder.results import GradingResult
from tests.conftest import ROOT, settled
from tests.test_batch import REFERENCE, make_class

A1 = "a1_gates"


def unset_secret_warning(course):
    """The line ``course grade`` and ``grade-batch`` print when the course secret is not set."""
    return page_text(course.language)("development_secret_unset", env=course.secret_env)


def book_rows(out):
    return {row["student"]: row for row in gradebook.read(out / "gradebook.csv")}


def test_bad_entries_get_invalid_rows_and_everyone_else_is_graded(course, tmp_path):
    folder = make_class(tmp_path / "class", 2)
    long_name = "x" * 300
    os.mkdir(os.fsencode(folder) + b"/caf\xe9")  # not UTF-8
    for name in (long_name[:250], "gradebook.csv", "dup"):
        (folder / name).mkdir()
        (folder / name / "gates.py").write_text(REFERENCE)
    (folder / "dup.py").write_text(REFERENCE)
    deep = folder / "deep"
    (deep / "/".join("d" * 30)).mkdir(parents=True)
    (deep / "gates.py").write_text(REFERENCE)
    out = tmp_path / "out"
    (out / "student01").mkdir(parents=True)
    (out / "student01" / "results.json").write_text("")  # an empty results.json left behind
    status, results, invalid = grade_batch(course, course.assignment(A1), folder, out, progress=False)
    rows = book_rows(out)
    assert status == 0 and sorted(results) == ["student00", "student01"]
    assert rows["student01"]["status"] == "graded" and float(rows["student01"]["score"]) == 100
    bad = {s: r["message"] for s, r in rows.items() if r["status"] == "invalid"}
    assert set(bad) == {"caf\\xe9", "x" * 100 + "…", "gradebook.csv", "dup", "deep"}, bad
    text = page_text(course.language)  # each reason in the course's language, from the catalogue
    assert bad["caf\\xe9"] == text("invalid_not_utf8") and bad["x" * 100 + "…"] == text("invalid_long_name", n=100)
    assert bad["gradebook.csv"] == text("invalid_reserved", name="'gradebook.csv'")
    assert bad["dup"] == text("invalid_duplicate", n=2, entries="dup, dup.py")
    assert bad["deep"] == text("invalid_deep", n=course.limits.class_depth)
    assert (out / "gradebook.csv").is_file() and not (out / "gradebook.csv").is_dir()


def test_an_out_folder_inside_the_class_is_not_a_student(course, tmp_path):
    folder = make_class(tmp_path / "class", 1)
    status, results, invalid = grade_batch(course, course.assignment(A1), folder, folder / "graded", progress=False)
    assert sorted(results) == ["student00"] and not invalid
    status, results, invalid = grade_batch(course, course.assignment(A1), folder, folder / "graded", progress=False)
    assert sorted(results) == ["student00"] and not invalid


def test_a_second_run_on_the_same_out_is_refused(course, tmp_path):
    folder = make_class(tmp_path / "class", 1)
    (tmp_path / "out").mkdir()
    with FileLock(str(tmp_path / "out" / gradebook.LOCK)):
        with pytest.raises(UsageError, match="in use by another grade-batch"):
            grade_batch(course, course.assignment(A1), folder, tmp_path / "out", progress=False)


def test_a_grader_error_is_recorded_counted_and_regraded(course, tmp_path, monkeypatch):
    from autograder.checks.core import Forward

    folder = make_class(tmp_path / "class", 2)
    original = Forward.run

    def broken(self, ctx):
        raise RuntimeError("a bug in the grader")

    monkeypatch.setattr(Forward, "run", broken)  # the pool's workers are forked: they see it too
    status, results, _ = grade_batch(course, course.assignment(A1), folder, tmp_path / "out", progress=False)
    assert status == 2 and all(r.grader_errors for r in results.values())
    assert {r["status"] for r in book_rows(tmp_path / "out").values()} == {"grader_error"}
    assert not (tmp_path / "out" / "student00" / "key.txt").exists()
    monkeypatch.setattr(Forward, "run", original)
    status, results, _ = grade_batch(course, course.assignment(A1), folder, tmp_path / "out", progress=False)
    assert status == 0 and not any(r.grader_errors for r in results.values())
    assert {r["status"] for r in book_rows(tmp_path / "out").values()} == {"graded"}


def test_temp_space_running_out_stops_the_batch_with_one_line(course, tmp_path, monkeypatch, capsys):
    from autograder.sandbox.session import Sandbox

    folder = make_class(tmp_path / "class", 2)

    def full(self, files):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Sandbox, "scratch", full)
    status = course_main(["--course", str(ROOT), "grade-batch", A1, str(folder), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len([line for line in err if line.startswith("course:")]) == 1
    said = page_text(course.language)("no_space_grading", student="", error="").split(":")[0]
    assert said in err[-1] and "Traceback" not in "".join(err)
    assert not list((tmp_path / "out").glob("*/results.json"))  # no zero recorded


def test_gradebook_cells_cannot_run_as_formulas_and_read_back_unchanged(course, tmp_path):
    folder = tmp_path / "class"
    names = ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "plain"]
    for name in names:
        (folder / name).mkdir(parents=True)
        (folder / name / "gates.py").write_text(REFERENCE)
    grade_batch(course, course.assignment(A1), folder, tmp_path / "out", progress=False)
    text = (tmp_path / "out" / "gradebook.csv").read_text()
    cells = [line.split(",")[0].strip('"') for line in text.splitlines()[1:]]
    assert all(not c.startswith(gradebook.FORMULA_STARTS) for c in cells), cells
    assert sorted(book_rows(tmp_path / "out")) == sorted(names)
    assert gradebook.unescape(gradebook.escape("\tx")) == "\tx" and gradebook.escape("'=x") == "'=x"


def test_a_zip_bomb_is_refused_before_it_is_written(course, tmp_path, capsys):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb/gates.py", b"\0" * (3 << 20))  # 3 MB that compress to a few KB
    (tmp_path / "course.toml").write_text((ROOT / "course.toml").read_text().replace(
        "output_kb = 256", "output_kb = 256\nclass_mb = 2"))
    (tmp_path / "solutions").symlink_to(ROOT / "solutions")
    status = course_main(["--course", str(tmp_path), "grade-batch", A1, str(archive), "--out", str(tmp_path / "out")])
    err = [line for line in capsys.readouterr().err.splitlines() if line != unset_secret_warning(course)]
    assert status == 2 and len(err) == 1 and "refused" in err[0] and "class_mb" in err[0]
    assert archive.stat().st_size < 100_000


@pytest.mark.parametrize("args, expected", [
    (["grade", A1, "/no/such/path", "--student", "kim"], "no such file or folder"),
    (["grade", A1, "{ref}", "--student", "kim", "--json", "/no/such/folder/results.json"], "folder does not exist"),
    (["grade", A1, "{ref}", "--student", ""], "empty student id"),
    (["grade", A1, "{ref}", "--student", "k\udce9m"], "not valid UTF-8"),
    (["grade-batch", A1, "/no/such/class", "--out", "{tmp}/out"], "no such file or folder"),
    (["grade-batch", A1, "{tmp}/fake.zip", "--out", "{tmp}/out"], "not a readable zip"),
    (["grade-batch", A1, "{tmp}", "--out", "{tmp}/out", "--shard", "4/3"], "1 <= K <= N"),
    (["gradebook", "merge", A1, "/no/such/out", "--out", "{tmp}/merged"], "no gradebook.csv"),
])
def test_usage_errors_are_one_line_exit_2_never_a_traceback_or_a_zero(course, tmp_path, capsys, args, expected):
    (tmp_path / "fake.zip").write_text("not a zip")
    ref = tmp_path / "ref"
    ref.mkdir()
    (ref / "gates.py").write_text(REFERENCE)
    args = [a.format(tmp=tmp_path, ref=ref) for a in args]
    status = course_main(["--course", str(ROOT), *args])
    captured = capsys.readouterr()
    assert status == 2, captured
    lines = [line for line in captured.err.splitlines() if line != unset_secret_warning(course)]
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in captured.err
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def test_three_shards_in_separate_processes_merge_into_the_single_run(course, tmp_path):
    folder = make_class(tmp_path / "class", 6)
    (folder / "=evil").mkdir()
    (folder / "=evil" / "gates.py").write_text(REFERENCE)
    (folder / ("y" * 150)).mkdir()  # an invalid entry must land in exactly one shard
    base = [sys.executable, "-m", "autograder.cli", "--course", str(ROOT)]
    shards = [subprocess.Popen(base + ["grade-batch", A1, str(folder), "--out", str(tmp_path / f"shard{k}"),
                                       "--shard", f"{k}/3"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
              for k in (1, 2, 3)]
    assert [p.wait() for p in shards] == [0, 0, 0]
    sizes = [len(book_rows(tmp_path / f"shard{k}")) for k in (1, 2, 3)]
    assert sum(sizes) == 8 and all(in_shard(s, (k, 3)) for k in (1, 2, 3) for s in book_rows(tmp_path / f"shard{k}"))
    merge = base + ["gradebook", "merge", A1, *(str(tmp_path / f"shard{k}") for k in (1, 2, 3)), "--out"]
    subprocess.run(merge + [str(tmp_path / "merged")], check=True, stdout=subprocess.DEVNULL)
    first = (tmp_path / "merged" / "gradebook.csv").read_bytes()
    subprocess.run(merge + [str(tmp_path / "merged")], check=True, stdout=subprocess.DEVNULL)  # idempotent
    assert (tmp_path / "merged" / "gradebook.csv").read_bytes() == first
    subprocess.run(base + ["grade-batch", A1, str(folder), "--out", str(tmp_path / "single")], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert first == (tmp_path / "single" / "gradebook.csv").read_bytes()
    for student in ("student00", "=evil"):
        assert (tmp_path / "merged" / student / "results.json").read_bytes() == \
            (tmp_path / "single" / student / "results.json").read_bytes()


def test_results_json_reads_back_as_the_same_model_and_totals_are_exact(course, tmp_path):
    from autograder.grading.grade import grade

    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "gates.py").write_text(REFERENCE.replace("self.x_wins = x >= y", "self.x_wins = x < y"))
    result = grade(course, course.assignment(A1), folder, "kim", lang="en")
    back = GradingResult.from_json(result.to_json())
    assert back == result and back.to_json() == result.to_json()
    for part in result.parts:
        tests = [t for t in result.tests if t.part == part.id]
        assert sum(t.max_score for t in tests) == part.max_score and sum(t.score for t in tests) == part.score
        assert all((t.max_score * 100).denominator == 1 for t in tests)
    assert result.exact_score == sum(p.score for p in result.parts)


def descendants(pid):
    """The pids of the live (not zombie) processes below ``pid``."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def owned_tempdirs(root):
    return {p for p in Path(root).glob("backprop-*") if (p / ".owner").exists()}


def test_a_killed_batch_leaves_no_process_and_the_next_run_removes_its_temp_folders(course, tmp_path):
    folder = make_class(tmp_path / "class", 6, slow=range(6))
    temp = tmp_path / "tmp"  # its own temp folder: another run on the machine removes abandoned folders too
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp))
    command = [sys.executable, "-m", "autograder.cli", "--course", str(ROOT), "grade-batch", A1, str(folder),
               "--out", str(tmp_path / "out"), "--jobs", "2"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((tmp_path / "out").glob("*/key.txt")):
        time.sleep(0.05)
    below = descendants(process.pid)
    assert len(below) >= 4  # two workers, their zygotes
    process.kill()  # kill -9 of the main process only: its workers are not told
    process.wait()
    assert not settled(lambda: below & descendants(1), seconds=10)  # still alive anywhere on the machine
    left = owned_tempdirs(temp)
    assert left  # what kill -9 leaves behind...
    time.sleep(1.1)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    assert not [p for p in left if p.exists()]  # ...the next run removes
