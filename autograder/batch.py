"""`course grade-batch`: grade a class, one folder per student.

Writes ``OUT/<student>/results.json`` and ``feedback.md`` for each student and
appends a row to ``OUT/gradebook.csv`` as each submission finishes.
"""

import csv
import statistics
from pathlib import Path

from autograder.grading import grade, sandbox_limits
from autograder.sandbox import Sandbox


def student_folders(submissions):
    """(student id, path) of each submission: the entries of ``submissions``, sorted."""
    return [(p.stem if p.is_file() else p.name, p) for p in sorted(submissions.iterdir())
            if not p.name.startswith(".") and (p.is_dir() or p.suffix in (".py", ".ipynb"))]


def main(course, args):
    """`course grade-batch`."""
    return grade_batch(course, course.assignment(args.assignment), Path(args.submissions), Path(args.out),
                       jobs=args.jobs)


def grade_batch(course, assignment, submissions, out, jobs=1):
    """Grade every submission; returns the exit status (2 if any grading failed)."""
    from rich.console import Console
    from rich.table import Table

    out.mkdir(parents=True, exist_ok=True)
    part_ids = [p.id for p in assignment.parts]
    gradebook = out / "gradebook.csv"
    table = Table(title=f"{assignment.id}: {len(student_folders(submissions))} submissions")
    for column in ("student", *part_ids, "total"):
        table.add_column(column)
    totals, status = [], 0
    with Sandbox(sandbox_limits(course)) as sandbox, open(gradebook, "w", newline="", encoding="utf-8") as book:
        writer = csv.writer(book)
        writer.writerow(["student", *part_ids, "score", "max_score"])
        for student, path in student_folders(submissions):
            result = grade(course, assignment, path, student, sandbox=sandbox)
            folder = out / student
            folder.mkdir(exist_ok=True)
            (folder / "results.json").write_text(result.to_json(), encoding="utf-8")
            (folder / "feedback.md").write_text(result.to_markdown(), encoding="utf-8")
            scores = [f"{float(p.score):g}" for p in result.parts]
            writer.writerow([student, *scores, f"{result.score:g}", f"{result.max_score:g}"])
            book.flush()
            table.add_row(student, *scores, f"{result.score:g}")
            totals.append(result.score)
            status = 2 if result.grader_errors else status
    console = Console(highlight=False)
    console.print(table)
    if totals:
        console.print(f"mean {statistics.mean(totals):.1f}, median {statistics.median(totals):g}; "
                      f"results in {out}/, gradebook {gradebook}")
    return status
