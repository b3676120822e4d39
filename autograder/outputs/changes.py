"""Regrades that explain themselves: which scores moved between two runs of grade-batch, and why.

A ``Change`` is one student's part whose score differs between an earlier result and a
later one, with the checks of that part whose verdict (passed or not) changed. They are
written to ``changes.csv`` (columns ``student, part, before, after, change, checks``;
points as ``results.points`` shows them, "+2.50" for a change, each check as "name: ✗ → ✓";
text cells escaped as the gradebook's) and said in
short lines, one per group of students whose scores moved alike ("12 students (kim,
lee, …): BatchNorm1d +2.50, check 'train mode: running statistics' now passes"), on the terminal
and in the class report.

When grade-batch regrades a student it had recorded (the grader, the solution,
course.toml or the submission changed), the earlier results.json is kept in
``earlier/<run>/<student>/results.json`` (run 1, 2, ... in order) before it is replaced;
after the run, the folder holds only the students whose score changed, and
``changes.csv`` describes the last run that changed any. ``course gradebook diff OUT_A
OUT_B`` compares any two --out folders the same way.
"""

import csv
import io
import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from autograder.config import UsageError
from autograder.outputs.gradebook import escape, load_result, unescape, write_atomically
from autograder.outputs.page_text import page_text
from autograder.results import points

FILE = "changes.csv"
FOLDER = "earlier"
COLUMNS = ("student", "part", "before", "after", "change", "checks")
NAMED = 5  # students named in a line of ``lines`` (all of them are in changes.csv)
MARKS = {True: "✓", False: "✗"}  # a check's verdict in changes.csv: passed, not passed


@dataclass(frozen=True)
class Change:
    """One student's part: its score before and after (exact Fractions), and ((check, passed
    before, passed after), ...) of its checks whose verdict changed."""

    student: str
    part: str
    before: Fraction
    after: Fraction
    checks: tuple

    @property
    def delta(self):
        return self.after - self.before


def signed(value):
    """A change of points as shown: "+2.50", "-0.75" (always 2 decimals and a sign)."""
    return f"{'+' if value >= 0 else '-'}{abs(float(value)):.2f}"


def compare(before, after):
    """[Change] between {student: GradingResult} ``before`` and ``after`` (students in both),
    by student then in the parts' order."""
    found = []
    for student in sorted(set(before) & set(after)):
        old, new = before[student], after[student]
        old_scores = old.part_scores()
        verdicts = {(t.part, t.name): t.passed for t in old.tests}
        for part in new.parts:
            if part.id not in old_scores or old_scores[part.id] == part.score:
                continue
            checks = tuple((t.name, verdicts[(t.part, t.name)], t.passed) for t in new.tests
                           if t.part == part.id and (t.part, t.name) in verdicts
                           and verdicts[(t.part, t.name)] != t.passed)
            found.append(Change(student, part.id, old_scores[part.id], part.score, checks))
    return found


def render(changes):
    """The text of changes.csv."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for c in changes:
        checks = "; ".join(f"{name}: {MARKS[was]} → {MARKS[now]}" for name, was, now in c.checks)
        writer.writerow([escape(c.student), escape(c.part), points(c.before), points(c.after), signed(c.delta),
                         escape(checks)])  # the numbers are ours: never a formula
    return buffer.getvalue()


def read(path):
    """[{column: value}] of a changes.csv, unescaped."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [{k: unescape(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def lines(assignment, changes, lang):
    """The short lines saying ``changes``: students whose scores moved alike (the same parts by
    the same amounts, the same checks turned) counted together, the largest group first."""
    text = page_text(lang)
    by_student = {}
    for c in changes:
        by_student.setdefault(c.student, []).append(c)
    groups = {}
    for student, own in by_student.items():
        what = []
        for c in own:
            what.append(text("regrade_part", part=assignment.part(c.part).title_in(lang), delta=signed(c.delta)))
            what += [text("regrade_now_passes" if now else "regrade_now_fails", check=name)
                     for name, _, now in c.checks]
        groups.setdefault(", ".join(what), []).append(student)
    return [text("regrade_line", n=len(students), what=what,
                 who=", ".join(students[:NAMED]) + (", …" if len(students) > NAMED else ""))
            for what, students in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0]))]


def read_run(out):
    """{student: GradingResult} of a grade-batch --out folder (its readable results.json files)."""
    results = {}
    for path in sorted(Path(out).glob("*/results.json")):
        result = load_result(path.parent)
        if result is not None:
            results[path.parent.name] = result
    return results


def keep_earlier(out, earlier):
    """Copy the results.json of ``earlier`` ({student: GradingResult}, about to be regraded) to
    ``out``/earlier/<next run>/; returns that folder (None when there is nobody to keep)."""
    if not earlier:
        return None
    last = latest(out)
    folder = Path(out) / FOLDER / str(int(last.name) + 1 if last else 1)
    for student, result in sorted(earlier.items()):
        (folder / student).mkdir(parents=True, exist_ok=True)
        write_atomically(folder / student / "results.json", result.to_json())
    return folder


def settle(out, folder, earlier, later):
    """After a run: [Change] from ``earlier`` to ``later``; the kept ``folder`` trimmed to the
    students whose score changed (removed when none did) and changes.csv written when any did."""
    found = compare(earlier, later)
    moved = {c.student for c in found}
    if folder is not None:
        for student in earlier:
            if student not in moved:
                shutil.rmtree(folder / student, ignore_errors=True)
        if not moved:
            shutil.rmtree(folder, ignore_errors=True)
            if not any(folder.parent.iterdir()):
                folder.parent.rmdir()
    if found:
        write_atomically(Path(out) / FILE, render(found))
    return found


def latest(out):
    """The folder of the last run that changed a score (``earlier/<run>``), or None."""
    base = Path(out) / FOLDER
    runs = [int(p.name) for p in base.glob("*") if p.name.isdigit()] if base.is_dir() else []
    return base / str(max(runs)) if runs else None


def report_section(assignment, out, lang):
    """The class report's words on the last regrade of ``out``: {lines, students, kept}, or None."""
    folder = latest(out)
    if folder is None:
        return None
    found = compare(read_run(folder), read_run(out))
    return {"lines": lines(assignment, found, lang), "students": len({c.student for c in found}),
            "kept": folder.relative_to(out).as_posix()}


def diff_main(course, args):
    """`course gradebook diff ASSIGNMENT OUT_A OUT_B`: the changes from run A to run B."""
    assignment = course.assignment(args.assignment)
    runs = []
    for out in (args.out_a, args.out_b):
        if not Path(out).is_dir():
            raise UsageError(f"{out}: not a folder (the --out of `course grade-batch {assignment.id}`)")
        runs.append(read_run(out))
    found = compare(*runs)
    text = page_text(course.language)
    print(text("regrade_diff", a=args.out_a, b=args.out_b, n=len(found)))
    for line in lines(assignment, found, course.language):
        print(line)
    if args.csv:
        write_atomically(args.csv, render(found))
    return 0
