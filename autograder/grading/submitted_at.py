"""When each submission was made, for the late policy (``autograder/outputs/late.py``).

The first source that knows, in this order:
1. ``given``: ``--submitted-at`` of grade-batch or ``course grade``: a CSV file with columns
   ``student`` and ``submitted_at``, or one time for every student (a file holding it, or
   the time itself); ISO 8601 with a time zone;
2. Gradescope: ``created_at`` of a ``submission_metadata.json`` in the student's entry
   (Gradescope writes it beside every submission);
3. GitHub Classroom: the committer time of the last commit of a student's repository
   (``git log -1 --format=%cI``). A commit time is what the student's own git wrote: it can
   be set by hand; the time of the push is not in the repository (use a --submitted-at
   CSV from Classroom's own records when that matters).
None of them: the time is unknown and nothing is deducted.
"""

import csv
import json
import subprocess
from pathlib import Path

from autograder.config import UsageError
from autograder.outputs.late import parse_time


def read_given(path):
    """{student: datetime} of a CSV file (student, submitted_at), or {None: datetime} for one time (a file
    holding it, or ``path`` itself when no such file exists)."""
    if not Path(path).is_file():
        try:
            return {None: parse_time(str(path), "--submitted-at")}
        except ValueError:
            raise UsageError(f"--submitted-at: {path}: neither a file nor an ISO 8601 time with a time zone "
                             "(e.g. 2026-09-19T10:00:00+09:00)") from None
    text = Path(path).read_text(encoding="utf-8-sig")
    try:
        rows = list(csv.DictReader(text.splitlines()))
        if rows and {"student", "submitted_at"} <= set(rows[0]):
            return {row["student"]: parse_time(row["submitted_at"], f"{path}, {row['student']}") for row in rows}
        return {None: parse_time(text, str(path))}
    except ValueError as exc:
        raise UsageError(f"--submitted-at: {exc}") from None


def gradescope_time(entry):
    """``created_at`` of ``entry``/submission_metadata.json, or None."""
    path = Path(entry) / "submission_metadata.json"
    if not path.is_file():
        return None
    try:
        return parse_time(json.loads(path.read_text(encoding="utf-8"))["created_at"], str(path))
    except (ValueError, KeyError, TypeError):
        return None


def commit_time(entry):
    """The committer time of the last commit of the git repository ``entry``, or None."""
    if not (Path(entry) / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(entry), "log", "-1", "--format=%cI"], capture_output=True,
                             text=True, timeout=30, check=True).stdout
        return parse_time(out, str(entry))
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def submission_time(student, entry, given):
    """(datetime or None, source) of ``student``'s submission at ``entry`` (its folder or file)."""
    if student in given or None in given:
        return given.get(student, given.get(None)), "given"
    for source, read in (("gradescope", gradescope_time), ("classroom", commit_time)):
        if Path(entry).is_dir() and (found := read(entry)) is not None:
            return found, source
    return None, ""


def late_of_one(course, assignment, result, entry, given):
    """The ``late.Late`` of one submission graded on its own (``course grade``): its time from
    ``given`` (``read_given`` of --submitted-at, or {}) or ``entry`` (``submission_time``), no late
    days spent (no ledger: ``outputs/late.py``). Without ``[late]`` nothing is deducted."""
    from autograder.outputs import late

    if course.late is None:
        return late.Late()
    when, source = submission_time(result.student, entry, given)
    return late.assess(course.late, assignment.due, result.exact_score, when, source)


def late_rule(course, assignment, valid, out, given_path=None, ledger_path=None):
    """The gradebook row of a result with its lateness: a function ``row_of(result)`` returning
    (row, ``late.Late``; an empty one without a policy).

    Reads each student's submission time (``submission_time``) once, records the days each
    one is late in the term's ledger (default: ``late_days.csv`` beside ``out``, the folder
    holding every assignment's --out), and for each result writes ``<student>/late.json``
    (``outputs/late.py``: ``assess``) and returns its row. Without ``[late]`` in
    course.toml no time is read, nothing is deducted and no late.json is kept.
    """
    from fractions import Fraction

    from filelock import FileLock

    from autograder.outputs import gradebook, late

    if course.late is None:
        def row_without(result):  # and no late.json left from a policy since removed (merge reads it)
            (Path(out) / result.student / late.FILE).unlink(missing_ok=True)
            return gradebook.graded_row(result), late.Late()

        return row_without
    given = read_given(given_path) if given_path else {}
    times = {s: submission_time(s, path, given) for s, path in sorted(valid.items())}
    ledger_path = Path(ledger_path) if ledger_path else Path(out).resolve().parent / late.LEDGER
    with FileLock(str(ledger_path) + ".lock"):
        ledger = late.read_ledger(ledger_path)
        for student, (when, source) in times.items():
            if when is not None:
                ledger[(student, assignment.id)] = late.assess(course.late, assignment.due, Fraction(0), when,
                                                               source).days_late
        gradebook.write_atomically(ledger_path, late.render_ledger(ledger))

    def row_of(result):
        when, source = times.get(result.student, (None, ""))
        left = late.days_left(course, ledger, result.student, assignment)
        cost = late.assess(course.late, assignment.due, result.exact_score, when, source, left)
        gradebook.write_atomically(Path(out) / result.student / late.FILE, cost.to_json())
        return gradebook.graded_row(result, cost), cost

    return row_of
