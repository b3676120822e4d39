"""`course gradebook export --format canvas|moodle OUT_DIR`: the CSV each LMS imports.

Scores are the gradebook's ``final_score`` (the raw score less any late penalty), at 2
decimals at most; an entry that was not graded (invalid, grader error) gets an empty
cell, which both LMSs read as "leave this grade as it is".

Canvas (Grades > Import): the layout of Canvas's own gradebook export. The columns
``Student`` (sortable name, "Last, First"), ``ID`` (Canvas's user id), ``SIS User ID``,
``SIS Login ID``, ``Section`` identify the student (Canvas matches on ID, else SIS User
ID, else SIS Login ID), then one column per assignment: ``Title (canvas assignment id)``
updates that assignment (``--lms-assignment ID``), a bare title creates a new one. A second row ``Points Possible``
gives the assignment's points.

Moodle (Grade administration > Import > CSV file): a header row, one column that
identifies the user (mapped under "Identify user by" to ID number, username or email
address) and one column per grade item (mapped under "Grade item mappings"). We write
``ID number``, ``Email address`` and the assignment's title.

The mapping from our student ids (the names of the entries grade-batch graded) to
theirs comes from ``--ids FILE``, a CSV with a ``student`` column and any of
``name, canvas_id, sis_user_id, sis_login_id, section`` (Canvas) or
``idnumber, email`` (Moodle). A student missing from it is written with our id as the
SIS User ID (Canvas) or ID number (Moodle). The mapping actually used is written beside
the CSV (``canvas_ids.csv``, ``moodle_ids.csv``, with ``in_file`` yes/no) so the
instructor can check it before importing.
"""

import csv
import io
from pathlib import Path

from autograder.config import UsageError
from autograder.outputs.gradebook import FILE, escape, read, write_atomically
from autograder.results import points

FORMATS = ("canvas", "moodle")
FILES = tuple(name for fmt in FORMATS for name in (f"{fmt}.csv", f"{fmt}_ids.csv"))  # what export writes
CANVAS_IDS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_IDS = ("ID number", "Email address")
ID_COLUMNS = {"canvas": ("name", "canvas_id", "sis_user_id", "sis_login_id", "section"),
              "moodle": ("idnumber", "email")}


def read_ids(path):
    """{our student id: {column: value}} of an --ids CSV ({} without one)."""
    if path is None:
        return {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if rows and "student" not in rows[0]:
        raise UsageError(f"{path}: expected a column 'student' (our student ids), got {sorted(rows[0])}")
    return {row["student"]: row for row in rows}


def their_ids(fmt, student, known):
    """The identifier cells of ``student`` in ``fmt``: from ``known`` (its --ids row) or our id."""
    row = known.get(student)
    if row is None:
        return ("", "", student, "", "") if fmt == "canvas" else (student, "")
    return tuple(row.get(column, "") for column in ID_COLUMNS[fmt])


def _csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([escape(str(cell)) for cell in row])
    return buffer.getvalue()


def export(assignment, out, fmt, ids_path=None, lang="en", lms_assignment=None):
    """Write ``out``/<fmt>.csv and <fmt>_ids.csv from ``out``/gradebook.csv; returns both paths."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
    book = Path(out) / FILE
    if not book.is_file():
        raise UsageError(f"{out}: no {FILE} (run `course grade-batch {assignment.id} SUBMISSIONS --out {out}` first)")
    known = read_ids(ids_path)
    entries = read(book)
    title = assignment.title_in(lang)
    if fmt == "canvas":
        heading = f"{title} ({lms_assignment})" if lms_assignment else title
        rows = [[*CANVAS_IDS, heading], ["Points Possible", "", "", "", "", points(assignment.points)]]
    else:
        rows = [[*MOODLE_IDS, title]]
    mapping = [["student", *ID_COLUMNS[fmt], "in_file"]]
    for entry in entries:
        ids = their_ids(fmt, entry["student"], known)
        rows.append([*ids, entry["final_score"] if "final_score" in entry else entry["score"]])  # older gradebooks
        mapping.append([entry["student"], *ids, "yes" if entry["student"] in known else "no"])
    target = Path(out) / f"{fmt}.csv"
    ids_file = Path(out) / f"{fmt}_ids.csv"
    write_atomically(target, _csv(rows))
    write_atomically(ids_file, _csv(mapping))
    return target, ids_file


def graded_assignment(course, out):
    """The assignment whose results are in ``out`` (as results.json says)."""
    from autograder.outputs.changes import read_run

    found = {result.assignment for result in read_run(out).values()}
    if len(found) != 1:
        raise UsageError(f"{out}: expected the results of one assignment (the --out of grade-batch), "
                         f"found {sorted(found) or 'none'}")
    return course.assignment(found.pop())


def main(course, args):
    """`course gradebook export --format canvas|moodle OUT_DIR [--ids FILE] [--lms-assignment ID]`."""
    target, ids_file = export(graded_assignment(course, Path(args.out_dir)), Path(args.out_dir), args.format,
                              args.ids, course.language, args.lms_assignment)
    from autograder.outputs.page_text import page_text

    print(page_text(course.language)("lms_written", lms=args.format.capitalize(), path=target, ids=ids_file))
    return 0
