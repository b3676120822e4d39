"""`course grade-batch`: grade a whole class, resumably.

Input: a folder with one entry per student (a folder, a .py file or a notebook), an
nbgrader tree (``submitted/<student>/<assignment>/``), or a .zip of either.

Output, in ``--out``: ``<student>/results.json``, ``<student>/feedback.md``,
``<student>/feedback.html``, ``<student>/time.txt`` (seconds spent grading) and
``<student>/key.txt`` for each student, ``gradebook.csv``, appended row by row as
each submission finishes, and at the end the class report (``report.html``,
``report.json``, see ``autograder/report.py``). A student's files are written before the key that marks
them done, each atomically, so a batch interrupted at any point (Ctrl-C, kill -9)
loses at most the submission in progress. Running it again grades only what is new or
changed: the key is the hash of the submission's files, the grader's sources, the
assignment's solution and course.toml, and the course secret.
"""

import csv
import hashlib
import os
import statistics
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from autograder.grading import course_secret, grade
from autograder.sandbox import Sandbox
from autograder.submission import find_submission

LIMIT_STATUSES = ("timeout", "memory", "crashed")


def student_entries(assignment, submissions):
    """[(student id, path)] of a class folder or an nbgrader tree, sorted by student id.

    Symbolic links are not followed: a student's entry, or its nbgrader assignment
    folder, that is a link (to solutions/, say) is not that student's submission.
    """
    if (submissions / "submitted").is_dir():
        submissions = submissions / "submitted"
    entries = []
    for path in sorted(submissions.iterdir()):
        if path.name.startswith(".") or path.is_symlink() or not (path.is_dir() or path.suffix in (".py", ".ipynb")):
            continue
        nested = path / assignment.id
        own_nested = nested.is_dir() and not nested.is_symlink()
        entries.append((path.stem if path.is_file() else path.name, nested if own_nested else path))
    return entries


def grader_version(course, assignment):
    """A hash of everything that decides a grade besides the submission itself."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    sources = sorted(package.rglob("*.py")) + sorted((package.parent / "source_lib").rglob("*.py"))
    sources += sorted((course.solutions / assignment.id).rglob("*"))
    sources += [course.root / "course.toml"]
    for path in sources:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(hashlib.sha256(course_secret(course).encode()).digest())
    return digest.hexdigest()


def submission_key(assignment, path, version, workdir):
    found = find_submission(assignment, path, workdir)
    return hashlib.sha256((found.content_hash() + version + ",".join(found.missing)).encode()).hexdigest()


def _write_atomically(path, text):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


_WORKER = {}
SHOWN_STUDENTS = 50  # a larger class's scores are only in the gradebook


def _init_worker(course):
    from multiprocessing.util import Finalize

    sandbox = Sandbox(course.limits)
    Finalize(sandbox, sandbox.close, exitpriority=10)  # workers end with os._exit: atexit would not run
    _WORKER["sandbox"] = sandbox
    _WORKER["course"] = course


def _grade_one(assignment_id, student, path):
    """(student, GradingResult, feedback.html, seconds spent grading); the page is drawn in the worker."""
    from autograder.feedback_page import feedback_html

    course = _WORKER["course"]
    start = time.monotonic()
    result = grade(course, course.assignment(assignment_id), path, student, sandbox=_WORKER["sandbox"])
    seconds = time.monotonic() - start
    return student, result, feedback_html(result), seconds


def _row(student, result):
    return [student, *(f"{float(p.score):g}" for p in result.parts), f"{result.score:g}", f"{result.max_score:g}"]


def grade_batch(course, assignment, submissions, out, jobs=1, progress=True):
    """Grade every new or changed submission; returns (exit status, {student: results dict})."""
    import json

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(highlight=False, width=None if console_is_tty() else 160)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="backprop-batch-") as tmp:
        if submissions.is_file() and submissions.suffix == ".zip":
            with zipfile.ZipFile(submissions) as archive:
                archive.extractall(Path(tmp) / "class")
            submissions = Path(tmp) / "class"
            inner = [p for p in submissions.iterdir() if not p.name.startswith(("__MACOSX", "."))]
            if len(inner) == 1 and inner[0].is_dir() and not (inner[0] / f"{assignment.files[0]}").exists():
                submissions = inner[0]
        entries = student_entries(assignment, submissions)
        version = grader_version(course, assignment)
        keys = {s: submission_key(assignment, p, version, Path(tmp) / f"key-{i}") for i, (s, p) in enumerate(entries)}
        done, todo = {}, []
        for student, path in entries:
            folder = out / student
            key_file, results_file = folder / "key.txt", folder / "results.json"
            if key_file.is_file() and results_file.is_file() and key_file.read_text() == keys[student]:
                done[student] = json.loads(results_file.read_text(encoding="utf-8"))
            else:
                todo.append((student, path))
        part_ids = [p.id for p in assignment.parts]
        gradebook = out / "gradebook.csv"
        with open(gradebook, "w", newline="", encoding="utf-8") as book:
            writer = csv.writer(book)
            writer.writerow(["student", *part_ids, "score", "max_score"])
            for student, data in sorted(done.items()):
                parts = data["extra_data"]["parts"]
                writer.writerow([student, *(f"{parts[p]:g}" for p in part_ids), f"{data['score']:g}",
                                 f"{assignment.points:g}"])
            book.flush()
            status = 0
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=console, disable=not progress) as bar, \
                    ProcessPoolExecutor(max_workers=max(1, jobs), initializer=_init_worker,
                                        initargs=(course,)) as pool:
                task = bar.add_task(f"{assignment.id}: grading {len(todo)} (skipping {len(done)} unchanged)",
                                    total=len(todo))
                futures = [pool.submit(_grade_one, assignment.id, s, str(p)) for s, p in todo]
                for future in as_completed(futures):
                    student, result, page, seconds = future.result()
                    folder = out / student
                    folder.mkdir(exist_ok=True)
                    _write_atomically(folder / "results.json", result.to_json())
                    _write_atomically(folder / "feedback.md", result.to_markdown())
                    _write_atomically(folder / "feedback.html", page)
                    _write_atomically(folder / "time.txt", f"{seconds:.3f}\n")
                    _write_atomically(folder / "key.txt", keys[student])
                    writer.writerow(_row(student, result))
                    book.flush()
                    done[student] = result.to_gradescope()
                    status = 2 if result.grader_errors else status
                    bar.advance(task)
    summary(console, assignment, done, gradebook)
    if done:
        from autograder.report import Batch, write_report

        console.print(f"class report: {write_report(course, [Batch(assignment, out)], out)}", soft_wrap=True,
                      markup=False)
    return status, done


def console_is_tty():
    import sys

    return sys.stdout.isatty()


def isolation_levels(results):
    """The sorted isolation levels ("jail", "netns", "process") reached for {student: results.json dict}."""
    return sorted({r["extra_data"].get("isolation", "").split(":")[0] for r in results.values()})


def summary(console, assignment, results, gradebook):
    """Mean, median and per-part distribution, each student's scores (for a small class), and the
    submissions that hit limits."""
    from rich.table import Table

    if not results:
        console.print("no submissions")
        return
    totals = [r["score"] for r in results.values()]
    table = Table(title=f"{assignment.id}: {len(results)} submissions, mean {statistics.mean(totals):.1f}, "
                        f"median {statistics.median(totals):g} of {assignment.points:g}")
    for column in ("part", "max", "mean", "full marks", "zero"):
        table.add_column(column)
    for part in assignment.parts:
        scores = [r["extra_data"]["parts"][part.id] for r in results.values()]
        table.add_row(part.id, f"{part.points:g}", f"{statistics.mean(scores):.1f}",
                      str(sum(s == part.points for s in scores)), str(sum(s == 0 for s in scores)))
    console.print(table)
    if len(results) <= SHOWN_STUDENTS:
        scores = Table(title="scores")
        for column in ("student", *(p.id for p in assignment.parts), "score"):
            scores.add_column(column, justify="left" if column == "student" else "right")
        for student, r in sorted(results.items()):
            scores.add_row(student, *(f"{r['extra_data']['parts'][p.id]:g}" for p in assignment.parts),
                           f"{r['score']:g}")
        console.print(scores)
    else:
        console.print(f"scores of the {len(results)} submissions: see the gradebook")
    limited = sorted(s for s, r in results.items() if any(t["tags"][1] in LIMIT_STATUSES for t in r["tests"]))
    console.print("hit a limit (timeout, memory, crash): " + (", ".join(limited) or "none"))
    console.print(f"isolation: {', '.join(isolation_levels(results))} (README, What the sandbox protects)")
    console.print(f"gradebook: {gradebook}")


def main(course, args):
    """`course grade-batch`."""
    status, _ = grade_batch(course, course.assignment(args.assignment), Path(args.submissions), Path(args.out),
                            jobs=args.jobs)
    return status
