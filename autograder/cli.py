"""The `course` command: a thin layer over the package's API.

    course release [ASSIGNMENT ...] [--check]
    course check ASSIGNMENT [PATH]
    course grade ASSIGNMENT SUBMISSION --student ID [--json FILE] [--feedback FILE] [--feedback-html FILE]
    course grade-batch ASSIGNMENT SUBMISSIONS --out DIR [--jobs N] [--shard K/N]
    course gradebook merge ASSIGNMENT OUT_DIR... --out DIR
    course report ASSIGNMENT OUT_DIR [ASSIGNMENT OUT_DIR ...] [--out DIR]
    course validate [ASSIGNMENT ...] [--students N] [--jobs N]
    course gradescope ASSIGNMENT --out autograder.zip
    course release ASSIGNMENT --classroom DIR

Exit status: 0 when the command did its job (whatever a student scored), 1 when a
check it runs failed (validate, release --check, check), 2 when it could not run or
a grader error was recorded. Every usage or environment error (a bad course.toml, a
missing path, a folder in use, a full disk) is one line on stderr, never a traceback.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.config import ConfigError, UsageError, load_course
from autograder.validate import STUDENTS


def positive(text):
    """An argparse type: an integer of at least 1."""
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def find_root(start):
    """The nearest folder at or above ``start`` holding course.toml."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / "course.toml").is_file():
            return folder
    raise ConfigError(f"no course.toml in {start} or above it (use --course)")


def console():
    """A rich console; 160 columns when the output is not a terminal (CI logs)."""
    from rich.console import Console

    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def cmd_release(course, args):
    from autograder.release import released_ids, stale_files, stale_reasons, users, write_release

    ids = args.assignments or released_ids(course)
    out = console()
    if args.classroom:
        from autograder.classroom import write_template

        for aid in ids:
            target = Path(args.classroom) / aid if len(ids) > 1 else Path(args.classroom)
            write_template(course, course.assignment(aid), target)
            out.print(f"{aid}: wrote a GitHub Classroom template repository to {target}/")
        return 0
    if args.check:  # an assignment that uses a checked one is checked too: its components may be stale
        wanted = set(ids).union(*(users(course, aid) for aid in ids))
        ids = [aid for aid in released_ids(course) if aid in wanted]
    bad = 0
    for aid in ids:
        assignment = course.assignment(aid)
        if args.check:
            stale = stale_reasons(course, assignment)
            bad += bool(stale)
            out.print(f"{aid}: " + ("up to date" if not stale else "OUT OF DATE: " + ", ".join(
                rel + (f" ({why})" if why else "") for rel, why in stale) + f" (run `course release {aid}`)"))
        else:
            written = write_release(course, assignment)
            out.print(f"{aid}: wrote {len(written)} files to assignments/{aid}/")
            for user in users(course, aid):
                if user not in ids and stale_files(course, course.assignment(user)):
                    out.print(f"{user} uses {aid}: its released components are now out of date "
                              f"(run `course release {user}`)")
    return 1 if bad else 0


def cmd_check(course, args):
    from autograder.release import release_dir

    assignment = course.assignment(args.assignment)
    folder = release_dir(course, assignment)
    path = Path(args.path or folder).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        if path.suffix == ".ipynb":
            from autograder.notebook import extract_files

            for name, text in extract_files(path, assignment).items():
                Path(tmp, name).write_text(text, encoding="utf-8")
            path = Path(tmp)
        elif path.is_file():
            path = path.parent
        env = dict(os.environ, BACKPROP_LAB_LANG=os.environ.get("BACKPROP_LAB_LANG", course.language))
        command = [sys.executable, "-m", "source_lib.public", str(folder), str(path), *assignment.files]
        try:
            return subprocess.run(command, env=env, timeout=args.timeout, cwd=folder).returncode
        except subprocess.TimeoutExpired:
            print(f"The public checks did not finish within {args.timeout} s: look for an infinite loop.")
            return 1


def print_result(result):
    from rich.markup import escape
    from rich.table import Table

    from autograder.results import points

    table = Table(title=escape(result.summary_line()))
    for column in ("part", "score", "max"):
        table.add_column(column)
    for part in result.parts:
        table.add_row(part.id, points(part.score), points(part.max_score))
    out = console()
    out.print(table)
    shown = set()
    for t in result.tests:
        if t.passed:
            continue
        if (t.part, t.message) in shown:
            out.print(f"[red]✗[/red] {escape(f'{t.part}: {t.name} [{t.status}]')}: (same as above)", soft_wrap=True)
        else:
            out.print(f"[red]✗[/red] {escape(f'{t.part}: {t.name} [{t.status}]: {t.message}')}", soft_wrap=True)
        shown.add((t.part, t.message))
    out.print(f"isolation: {escape(result.isolation)}", style="dim", soft_wrap=True)


def student_id(text):
    """The --student argument: a non-empty UTF-8 string (its hidden inputs are seeded from it)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError("--student: not valid UTF-8") from None
    if not text.strip():
        raise UsageError("--student: an empty student id would give every such student the same hidden inputs")
    return text


def cmd_grade(course, args):
    from autograder.gradebook import write_atomically
    from autograder.grading import development_secret_warning, grade

    student = student_id(args.student)
    if not Path(args.submission).exists():
        raise UsageError(f"{args.submission}: no such file or folder")
    for option in (args.json, args.feedback):
        if option and not Path(option).parent.is_dir():
            raise UsageError(f"{option}: its folder does not exist")
    warning = development_secret_warning(course)
    if warning:
        print(warning, file=sys.stderr)
    result = grade(course, course.assignment(args.assignment), args.submission, student)
    if args.json:
        write_atomically(args.json, result.to_json())
    if args.feedback:
        write_atomically(args.feedback, result.to_markdown())
    if args.feedback_html:
        from autograder.feedback_page import feedback_html

        write_atomically(args.feedback_html, feedback_html(result))
    print_result(result)
    return 2 if result.grader_errors else 0


def cmd_grade_batch(course, args):
    from autograder.batch import main

    return main(course, args)


def cmd_report(course, args):
    from autograder.report import main

    return main(course, args)


def cmd_gradebook_merge(course, args):
    from autograder.gradebook import merge

    rows = merge(course.assignment(args.assignment), args.sources, Path(args.out))
    print(f"{args.out}: gradebook of {len(rows)} students merged from {len(args.sources)} folders")
    return 0


def cmd_gradescope(course, args):
    from autograder.gradescope import main

    return main(course, args)


def cmd_validate(course, args):
    from rich.table import Table

    from autograder.validate import validate

    ids = args.assignments or [a.id for a in course.assignments]
    out = console()
    all_ok = True
    for aid in ids:
        start = time.perf_counter()
        rows = validate(course, course.assignment(aid), students=args.students, jobs=args.jobs)
        seconds = time.perf_counter() - start
        table = Table(title=f"course validate {aid}")
        for column in ("", "kind", "implementation", "expected", "got", "why / detail"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row("[green]ok[/green]" if row.ok else "[red]FAIL[/red]", row.kind, row.name, row.expected,
                          row.got, row.detail)
            all_ok &= row.ok
        out.print(table)
        out.print(f"{aid}: {sum(r.ok for r in rows)} of {len(rows)} rows as expected, each implementation graded as "
                  f"{args.students} students ({seconds:.1f} s)")
    return 0 if all_ok else 1


def parser():
    p = argparse.ArgumentParser(prog="course", description="Backprop Lab: release, check, grade and validate.")
    p.add_argument("--course", help="the course folder (default: the nearest with course.toml)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("release", help="write assignments/ from solutions/")
    s.add_argument("assignments", nargs="*")
    s.add_argument("--check", action="store_true", help="fail if assignments/ is out of date")
    s.add_argument("--classroom", metavar="DIR", help="write a GitHub Classroom template repository to DIR")
    s.set_defaults(run=cmd_release)
    s = sub.add_parser("check", help="run the public checks on your files")
    s.add_argument("assignment")
    s.add_argument("path", nargs="?", help="a folder, a .py file or a notebook (default: the release folder)")
    s.add_argument("--timeout", type=float, default=120.0)
    s.set_defaults(run=cmd_check)
    s = sub.add_parser("grade", help="grade one submission with the hidden tests")
    s.add_argument("assignment")
    s.add_argument("submission", help="a folder, a .py file or a notebook")
    s.add_argument("--student", required=True)
    s.add_argument("--json", help="write Gradescope's results.json here")
    s.add_argument("--feedback", help="write the student's Markdown feedback here")
    s.add_argument("--feedback-html", metavar="FILE", help="write the student's feedback page (HTML, self-contained) here")
    s.set_defaults(run=cmd_grade)
    s = sub.add_parser("grade-batch", help="grade a class: a folder of submissions, an nbgrader tree or a zip")
    s.add_argument("assignment")
    s.add_argument("submissions")
    s.add_argument("--out", required=True)
    s.add_argument("--jobs", type=int, default=1)
    s.add_argument("--shard", metavar="K/N", help="grade only shard K of N (1 <= K <= N); see `course gradebook merge`")
    s.set_defaults(run=cmd_grade_batch)
    s = sub.add_parser("report", help="the class report (report.html, report.json) of graded batches")
    s.add_argument("pairs", nargs="+", metavar="ASSIGNMENT OUT_DIR", help="an assignment and its grade-batch --out, "
                   "one pair or several")
    s.add_argument("--out", help="where the report goes (default: the OUT_DIR, when there is one)")
    s.set_defaults(run=cmd_report)
    s = sub.add_parser("gradebook", help="work on the outputs of grade-batch")
    books = s.add_subparsers(dest="gradebook_command", required=True)
    s = books.add_parser("merge", help="merge the --out folders of grade-batch shards into one gradebook")
    s.add_argument("assignment")
    s.add_argument("sources", nargs="+", metavar="OUT_DIR")
    s.add_argument("--out", required=True)
    s.set_defaults(run=cmd_gradebook_merge)
    s = sub.add_parser("gradescope", help="write a Gradescope autograder bundle")
    s.add_argument("assignment")
    s.add_argument("--out", required=True, help="the .zip to write")
    s.set_defaults(run=cmd_gradescope)
    s = sub.add_parser("validate", help="prove the grader right on reference, stubs and known bugs")
    s.add_argument("assignments", nargs="*")
    s.add_argument("--students", type=positive, default=STUDENTS,
                   help=f"grade each implementation as N student ids; fail when a score varies (default {STUDENTS})")
    s.add_argument("--jobs", type=positive, default=1, help="grade with N worker processes")
    s.set_defaults(run=cmd_validate)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        course = load_course(args.course or find_root(Path.cwd()))
        return args.run(course, args)
    except (ConfigError, UsageError) as exc:
        print(f"course: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the environment: a full disk, a folder we may not write, ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"course: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("course: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
