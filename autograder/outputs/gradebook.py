"""gradebook.csv: one row per student, built from the results model, safe to open in a spreadsheet.

Columns: ``student``, one per part, ``score`` (the raw score), ``late_penalty``,
``final_score`` (score - late_penalty), ``late_days_used`` (course.toml's ``[late]``,
``outputs/late.py``), ``max_score``, ``status`` (``graded``,
``grader_error``: graded but not final, regraded by the next run, or ``invalid``: the
entry could not be graded, see ``message``) and ``message`` (also what lateness cost,
or that no submission time was known). Scores are shown at 2
decimals at most (``results.points``), so a row's parts add up exactly to its score.
Rows are sorted by student, so the same results give the same file byte for byte,
whether they come from one run, a resumed run or merged shards.

Spreadsheet safety (OWASP, CSV injection): a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a single quote in front, so no spreadsheet runs
it as a formula. A program reading the CSV takes the quote off again (``unescape``):
a cell that starts with ``'`` followed by one of those characters had it added. A control
character, or one UTF-8 cannot encode, is shown as its escape (``results.safe_text``) in
every cell and every file written here.
"""

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

from autograder.config import UsageError
from autograder.outputs.page_text import page_text
from autograder.results import GradingResult, points, safe_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STATUSES = ("graded", "grader_error", "invalid")
FILE = "gradebook.csv"
LATE_COLUMNS = ("late_penalty", "final_score", "late_days_used")
LOCK = ".lock"


def escape(cell):
    """``cell`` made safe for a spreadsheet: a leading ' before a formula's first character."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def unescape(cell):
    """The value ``escape`` was given."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def header(assignment):
    return ["student", *(p.id for p in assignment.parts), "score", *LATE_COLUMNS, "max_score", "status", "message"]


def graded_row(result, late=None):
    """The row of one GradingResult and its ``late.Late`` (None: nothing deducted, nothing said)."""
    from autograder.outputs.late import Late, note_text

    late = late or Late()
    status = "grader_error" if result.grader_errors else "graded"
    notes = [page_text(result.language)("grader_errors_note", n=len(result.grader_errors))] if result.grader_errors else []
    notes += [note_text(late, result.language)] if late.note else []
    return [result.student, *(points(p.score) for p in result.parts), points(result.score), points(late.penalty),
            points(result.exact_score - late.penalty), str(late.days_used), points(result.max_score), status,
            "; ".join(notes)]


def invalid_row(assignment, label, message):
    """The row of an entry that could not be graded: no scores, the reason."""
    return [label, *("" for _ in assignment.parts), "", *("" for _ in LATE_COLUMNS), points(assignment.points),
            "invalid", message]


def failed_row(assignment, student, message):
    """The row of a submission whose grading itself failed (not final: the next run regrades it)."""
    return [student, *("" for _ in assignment.parts), "", *("" for _ in LATE_COLUMNS), points(assignment.points),
            "grader_error", message]


def render(assignment, rows):
    """The CSV text of ``rows`` (sorted by student, every cell escaped)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header(assignment))
    for row in sorted(rows, key=lambda r: r[0]):
        writer.writerow([escape(safe_text(cell)) for cell in row])
    return buffer.getvalue()


def read(path):
    """[{column: value}] of a gradebook.csv, every cell unescaped."""
    with open(path, newline="", encoding="utf-8") as book:
        return [{k: unescape(v) for k, v in row.items()} for row in csv.DictReader(book)]


def write_atomically(path, text):
    """Write ``text`` (made ``safe_text``) to ``path`` so that a reader sees the old file or the new one, never a part."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(safe_text(text))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def locked(out):
    """The lock of an output folder: held for a whole run; a second run on it is refused."""
    from filelock import FileLock, Timeout  # imported here: one `course grade` needs no lock (10 ms)

    lock = FileLock(str(Path(out) / LOCK), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise UsageError(f"{out} is in use by another grade-batch or merge (lock {Path(out) / LOCK}); "
                         "wait for it to finish or use another --out") from None
    return lock


def load_result(folder):
    """The GradingResult in ``folder``/results.json, or None if there is none or it is unreadable."""
    try:
        return GradingResult.from_json((folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def merge(assignment, sources, out):
    """Merge the outputs of shards (or of any grade-batch runs) into ``out``; returns the rows.

    Each source's gradebook.csv says which students it holds; their folders are copied
    into ``out`` and ``out``/gradebook.csv is written from their results. Merging again,
    or merging ``out`` itself among the sources, gives the same folder. A student found
    in two sources with different results is an error (nothing is overwritten).

    A gradebook written before the late columns (``LATE_COLUMNS``) is merged as one whose
    submission times were unknown: nothing deducted, the row says so, and the student's
    folder in ``out`` gets that ``late.json``, so merging ``out`` again gives the same rows.
    """
    from autograder.outputs.late import FILE as LATE_FILE, Late

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows, origin, unknown_time = {}, {}, set()
    with locked(out):
        for source in map(Path, sources):
            book = source / FILE
            if not book.is_file():
                raise UsageError(f"{source}: no {FILE} (not the --out of a grade-batch run)")
            columns = read_columns(book)
            before_late = columns == [c for c in header(assignment) if c not in LATE_COLUMNS]
            if columns != header(assignment) and not before_late:
                raise UsageError(f"{book}: its columns are not those of {assignment.id}'s gradebook")
            for entry in read(book):
                row = _source_row(assignment, source, entry, Late(note="no_time") if before_late else None)
                student = row[0]
                if student in rows and rows[student] != row:
                    raise UsageError(f"{student}: different results in {origin[student]} and {source}; "
                                     "merge refused (regrade one of them)")
                rows[student], origin[student] = row, source
                if before_late and entry["score"] != "":
                    unknown_time.add(student)
                else:
                    unknown_time.discard(student)
        for student, source in origin.items():
            target = out / student
            if (source / student).is_dir() and source.resolve() != out.resolve():
                staging = out / f".{student}.merging"
                shutil.rmtree(staging, ignore_errors=True)
                shutil.copytree(source / student, staging)
                shutil.rmtree(target, ignore_errors=True)
                os.replace(staging, target)
        for student in sorted(unknown_time):
            write_atomically(out / student / LATE_FILE, Late(note="no_time").to_json())
        write_atomically(out / FILE, render(assignment, rows.values()))
    return list(rows.values())


def read_columns(book):
    with open(book, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), [])


def _source_row(assignment, source, entry, unknown=None):
    """A gradebook row of ``source``: rebuilt from the student's results model and late.json unless
    invalid; ``unknown``: the Late of a source written before the late columns (none there)."""
    student = entry["student"]
    if entry["status"] == "invalid":
        return invalid_row(assignment, student, entry["message"])
    if entry["score"] == "":
        return failed_row(assignment, student, entry["message"])
    result = load_result(source / student)
    if result is None:
        raise UsageError(f"{source / student}: no readable results.json for a row of {source / FILE}")
    from autograder.outputs.late import load_late

    return graded_row(result, unknown or load_late(source / student))
