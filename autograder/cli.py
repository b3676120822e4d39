"""The `course` command: a thin layer over the package's API.

    course release [ASSIGNMENT ...] [--check]
    course check ASSIGNMENT [PATH]
    course grade ASSIGNMENT SUBMISSION --student ID [--json FILE] [--feedback FILE] [--feedback-html FILE]
                 [--submitted-at TIME_OR_FILE]
    course grade-batch ASSIGNMENT SUBMISSIONS --out DIR [--jobs N] [--shard K/N] [--submitted-at FILE]
    course gradebook merge ASSIGNMENT OUT_DIR... --out DIR
    course gradebook diff ASSIGNMENT OUT_A OUT_B [--csv FILE]
    course gradebook export --format canvas|moodle OUT_DIR [--ids FILE] [--lms-assignment ID]
    course report ASSIGNMENT OUT_DIR [ASSIGNMENT OUT_DIR ...] [--out DIR]
    course similarity ASSIGNMENT OUT_DIR
    course validate [ASSIGNMENT ...] [--students N] [--jobs N] [--mutants]
    course gradescope ASSIGNMENT --out autograder.zip
    course release ASSIGNMENT --classroom DIR
    course nbgrader ASSIGNMENT DIR [--grades]

Exit status: 0 when the command did its job (whatever a student scored), 1 when a
check it runs failed (validate, release --check, check), 2 when it could not run or
a grader error was recorded. Every usage or environment error (a bad course.toml, an
unknown assignment, a missing path, a folder in use, a full disk) is one line on stderr,
never a traceback. Output piped into ``head`` ends quietly; a console that cannot print
✓ and ✗ (cp949, cp1252) gets ASCII marks.
"""

import argparse
import dataclasses
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.config import STUDENTS, ConfigError, UsageError, load_course


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
    """The rich console of stdout (``autograder.outputs.terminal.console``)."""
    from autograder.outputs.terminal import console as stdout_console

    return stdout_console()


def with_language(course, lang):
    """``course`` speaking ``lang`` (``--lang``) to students, or as it is when ``lang`` is None."""
    return dataclasses.replace(course, language=lang) if lang else course


def known_assignment(course, assignment_id):
    """ConfigError, with the nearest known ids, unless ``assignment_id`` is an assignment of the course."""
    known = [a.id for a in course.assignments]
    if assignment_id in known:
        return
    near = difflib.get_close_matches(assignment_id, known, n=2, cutoff=0.5)
    near += [aid for aid in known if aid.startswith(assignment_id) and aid not in near]
    hint = f"did you mean {' or '.join(near)}?" if near else f"known: {', '.join(known)}"
    raise ConfigError(f"no assignment {assignment_id!r} in {course.root / 'course.toml'}: {hint}")


def cmd_release(course, args):
    from autograder.authoring.release import released_ids, stale_files, stale_reasons, users, write_release

    ids = args.assignments or released_ids(course)
    out = console()
    if args.classroom:
        from autograder.platforms.classroom import KEY_ENV, assignment_key, secret_name, write_template

        for aid in ids:
            target = Path(args.classroom) / aid if len(ids) > 1 else Path(args.classroom)
            write_template(course, course.assignment(aid), target)
            out.print(f"{aid}: wrote a GitHub Classroom template repository to {target}/; store its key as the "
                      f"organisation secret {secret_name(course.assignment(aid))}: "
                      f"{assignment_key(os.environ[KEY_ENV], course.assignment(aid))}", soft_wrap=True)
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
    """The public checks on the student files found at PATH, chosen as the grader chooses them."""
    from autograder.authoring.release import release_dir, write_copies
    from autograder.grading.submission import choice_notes, find_submission, released_stubs
    from source_lib.cells import notebook_language

    assignment = course.assignment(args.assignment)
    folder = release_dir(course, assignment)
    write_copies(course, assignment)  # the released checks import the kit's components, which are not committed
    path = Path(args.path or folder).resolve()
    if not path.exists():
        raise ConfigError(f"{path}: no such file or folder")
    lang = args.lang or (notebook_language(path) if path.suffix == ".ipynb" else None) or os.environ.get(
        "BACKPROP_LAB_LANG") or course.language
    with tempfile.TemporaryDirectory() as tmp:
        found = find_submission(assignment, path, Path(tmp, "extracted"), released_stubs(course, assignment))
        for note in choice_notes(found, lang):
            print(note)
        if found.missing:
            from autograder.grading.grade import missing_text

            print(missing_text(found, lang))
            return 1
        files = Path(tmp, "files")
        files.mkdir()
        for name, source in found.files.items():
            shutil.copyfile(source, files / name)
        env = dict(os.environ, BACKPROP_LAB_LANG=lang)
        command = [sys.executable, "-m", "source_lib.public", str(folder), str(files), *assignment.files]
        try:
            return subprocess.run(command, env=env, timeout=args.timeout, cwd=folder).returncode
        except subprocess.TimeoutExpired:
            print(f"The public checks did not finish within {args.timeout} s: look for an infinite loop.")
            return 1


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
    from autograder.sandbox.premises import Premises

    premises = Premises.make()  # the zygote boots while the grader below loads (numpy first)
    from autograder.sandbox.session import Sandbox

    sandbox = Sandbox(course.limits, premises)
    try:
        return graded_one(course, args, sandbox)
    finally:
        sandbox.close()


def graded_one(course, args, sandbox):
    """``course grade``'s work, in ``sandbox``."""
    from autograder.outputs.feedback_page import feedback_html, feedback_markdown, heading
    from autograder.outputs.gradebook import write_atomically
    from autograder.outputs.terminal import show_result
    from autograder.grading.grade import development_secret_warning, grade
    from autograder.grading.submitted_at import late_of_one, read_given
    from autograder.outputs.late import with_late
    from autograder.results import json_text

    student = student_id(args.student)
    if not Path(args.submission).exists():
        raise UsageError(f"{args.submission}: no such file or folder")
    for option in (args.json, args.feedback, args.feedback_html):
        if option and not Path(option).parent.is_dir():
            raise UsageError(f"{option}: its folder does not exist")
    given = read_given(args.submitted_at) if args.submitted_at else {}
    warning = development_secret_warning(course)
    if warning:
        print(warning, file=sys.stderr)
    assignment = course.assignment(args.assignment)
    result = grade(course, assignment, args.submission, student, sandbox=sandbox)
    cost = late_of_one(course, assignment, result, args.submission, given)
    if args.json:
        score, told = heading(result, cost, course.late)  # as the pages and the terminal head
        data = result.to_gradescope(score)
        data["output"] = "\n\n".join([data["output"], *told])
        write_atomically(args.json, json_text(with_late(data, cost, result)))
    if args.feedback:
        write_atomically(args.feedback, feedback_markdown(result, cost, course.late))
    if args.feedback_html:
        write_atomically(args.feedback_html, feedback_html(result, cost, course.late))
    show_result(result, console(), cost, course.late)
    return 2 if result.grader_errors else 0


def cmd_grade_batch(course, args):
    from autograder.grading.batch import main

    return main(course, args)


def cmd_report(course, args):
    from autograder.outputs.report import main

    return main(course, args)


def cmd_similarity(course, args):
    from autograder.outputs.similarity import main

    return main(course, args)


def cmd_gradebook_merge(course, args):
    from autograder.outputs.gradebook import merge

    rows = merge(course.assignment(args.assignment), args.sources, Path(args.out))
    print(f"{args.out}: gradebook of {len(rows)} students merged from {len(args.sources)} folders")
    return 0


def cmd_gradebook_diff(course, args):
    from autograder.outputs.changes import diff_main

    return diff_main(course, args)


def cmd_gradebook_export(course, args):
    from autograder.outputs.lms import main

    return main(course, args)


def cmd_gradescope(course, args):
    from autograder.platforms.gradescope import main

    return main(course, args)


def cmd_nbgrader(course, args):
    from autograder.outputs.terminal import line
    from autograder.platforms.nbgrader_course import write_grades, write_nbgrader_course
    from autograder.results import points

    assignment = course.assignment(args.assignment)
    if not args.grades:
        write_nbgrader_course(course, assignment, args.dir)
        print(f"{assignment.id}: wrote the nbgrader course {args.dir}/ (due {assignment.due or '-'} in its gradebook); "
              f"in it: nbgrader generate_assignment {assignment.id}, later nbgrader autograde {assignment.id}, then "
              f"course nbgrader {assignment.id} {args.dir} --grades")
        return 0
    results = write_grades(course, assignment, args.dir)
    for student, result in results.items():
        print(line(student, f": {points(result.score)} / {points(result.max_score)} written to nbgrader's gradebook"))
    return 2 if any(r.grader_errors for r in results.values()) else 0


def print_validate_table(out, aid, rows, lang="en"):
    """The table of ``rows`` (validate.Row) on the console ``out``, its heads in ``lang``: three columns,
    so that it fits 80 columns with whole words (the longest implementation name is one word)."""
    from autograder.outputs.page_text import page_text
    from autograder.outputs.terminal import print_table

    text = page_text(lang)
    print_table(out, text("validate_columns").split("|"),
                [[text("validate_ok" if row.ok else "validate_fail"), f"{row.name} ({text(f'validate_kind_{row.kind}')})",
                  f"{row.expected} → {row.got}" + (f" · {row.detail}" if row.detail else "")] for row in rows],
                title=text("validate_title", assignment=aid))


def validate_summary(aid, rows, students, seconds, lang, timeout_s):
    """The lines under ``course validate``'s table of ``rows`` for ``aid``, in ``lang``: how many rows
    are as expected, and how far the slowest check of a correct implementation is from ``timeout_s``."""
    from autograder.outputs.page_text import page_text

    text = page_text(lang)
    said = [text("validate_summary", assignment=aid, ok=sum(r.ok for r in rows), n=len(rows), students=students,
                 seconds=seconds)]
    took = max(row.slowest for row in rows)
    if took:
        said.append(text("validate_time", assignment=aid, seconds=took, factor=timeout_s / took, limit=timeout_s))
    return said


def cmd_validate(course, args):
    from autograder.grading.validate import validate

    ids = args.assignments or [a.id for a in course.assignments]
    out = console()
    all_ok = True
    for aid in ids:
        start = time.perf_counter()
        rows = validate(course, course.assignment(aid), students=args.students, jobs=args.jobs,
                        with_mutants=args.mutants)
        seconds = time.perf_counter() - start
        print_validate_table(out, aid, rows, course.language)
        all_ok &= all(row.ok for row in rows)
        for said in validate_summary(aid, rows, args.students, seconds, course.language,
                                     course.limits_of(course.assignment(aid)).timeout_s):
            out.print(said)  # fits 80 columns
    return 0 if all_ok else 1


class Parser(argparse.ArgumentParser):
    """argparse with usage errors said in one line (and exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def version():
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("backprop-lab")
    except PackageNotFoundError:
        return "unknown (not installed)"


class Version(argparse.Action):
    """--version: the installed version, looked up only when asked (importlib.metadata costs every command 20 ms)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit", **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"{parser.prog} {version()}")
        parser.exit()


ASSIGNMENT_HELP = "an assignment id of course.toml, e.g. a1_gates"
LANG_HELP = "the language of the messages: en or ko (default: course.toml's language"


def parser():
    examples = argparse.RawDescriptionHelpFormatter
    p = Parser(prog="course", formatter_class=examples,
               description="Backprop Lab: release, check, grade and validate.",
               epilog="examples:\n  course release\n  course check a1_gates a1_gates.ko.ipynb\n"
                      "  course grade a1_gates submission/ --student kim --json results.json\n"
                      "`course COMMAND --help` explains each command.")
    p.add_argument("--version", action=Version)
    p.add_argument("--course", metavar="DIR",
                   help="the course folder (default: the nearest folder at or above this one with course.toml); "
                        "e.g. --course ~/backprop-lab")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND",
                           help="what to do, e.g. check; `course COMMAND --help` shows its arguments")

    def command(name, text, *example_lines):
        return sub.add_parser(name, help=text, description=text, formatter_class=examples,
                              epilog="examples:\n" + "\n".join(f"  {line}" for line in example_lines))

    s = command("release", "write assignments/ from solutions/", "course release", "course release a1_gates --check",
                "course release a1_gates --classroom ../a1_gates-template")
    s.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                   help="assignment ids to release, e.g. a1_gates a2_layers (default: every releasable one)")
    s.add_argument("--check", action="store_true", help="write nothing; fail if assignments/ is out of date")
    s.add_argument("--classroom", metavar="DIR",
                   help="write a GitHub Classroom template repository to DIR, e.g. --classroom ../a1_gates-template")
    s.set_defaults(run=cmd_release)
    s = command("check", "run the public checks on your files", "course check a1_gates",
                "course check a1_gates my_folder/", "course check a1_gates a1_gates.ko.ipynb --lang en")
    s.add_argument("assignment", metavar="ASSIGNMENT", help=ASSIGNMENT_HELP)
    s.add_argument("path", nargs="?", metavar="PATH",
                   help="a folder, a .py file or a notebook, e.g. gates.py (default: the release folder)")
    s.add_argument("--lang", choices=("en", "ko"), help=LANG_HELP + ", or the notebook's), e.g. --lang en")
    s.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                   help="stop the checks after this many seconds (default: 120), e.g. --timeout 30")
    s.set_defaults(run=cmd_check)
    s = command("grade", "grade one submission with the hidden tests",
                "course grade a1_gates gates.py --student kim",
                "course grade a1_gates submission/ --student kim --json results.json --feedback feedback.md")
    s.add_argument("assignment", metavar="ASSIGNMENT", help=ASSIGNMENT_HELP)
    s.add_argument("submission", metavar="SUBMISSION",
                   help="a folder, a .py file or a notebook, e.g. submissions/kim/")
    s.add_argument("--student", required=True, metavar="ID",
                   help="the student id the hidden inputs are seeded from, e.g. --student kim")
    s.add_argument("--json", metavar="FILE", help="write Gradescope's results.json here, e.g. --json results.json")
    s.add_argument("--feedback", metavar="FILE",
                   help="write the student's Markdown feedback here, e.g. --feedback feedback.md")
    s.add_argument("--feedback-html", metavar="FILE",
                   help="write the student's feedback page (HTML, self-contained) here, e.g. --feedback-html f.html")
    s.add_argument("--submitted-at", metavar="TIME_OR_FILE",
                   help="when it was submitted, for course.toml's [late]: an ISO time or a CSV (student,submitted_at), "
                        "e.g. --submitted-at 2026-09-19T10:00:00+09:00 (default: Gradescope's metadata or the last "
                        "commit)")
    s.add_argument("--lang", choices=("en", "ko"), help=LANG_HELP + "), e.g. --lang ko")
    s.set_defaults(run=cmd_grade)
    s = command("grade-batch", "grade a class: a folder of submissions, an nbgrader tree or a zip",
                "course grade-batch a1_gates examples/submissions/a1_gates --out build/a1_gates",
                "course grade-batch a1_gates nbgrader-course/submitted --out build/a1 --jobs 2 --lang en")
    s.add_argument("assignment", metavar="ASSIGNMENT", help=ASSIGNMENT_HELP)
    s.add_argument("submissions", metavar="SUBMISSIONS",
                   help="a folder with one entry per student, nbgrader's submitted/ or a zip, e.g. submissions/")
    s.add_argument("--out", required=True, metavar="DIR",
                   help="where results, feedback and gradebook.csv go, e.g. --out build/a1_gates")
    s.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="submissions graded at once (default: 1), e.g. --jobs 2")
    s.add_argument("--shard", metavar="K/N",
                   help="grade only shard K of N (1 <= K <= N), e.g. --shard 2/4; see `course gradebook merge`")
    s.add_argument("--submitted-at", metavar="FILE",
                   help="submission times for course.toml's [late]: a CSV (student,submitted_at) or one ISO time, "
                        "e.g. --submitted-at times.csv (default: Gradescope's metadata or the last commit)")
    s.add_argument("--late-ledger", metavar="FILE",
                   help="the term's late days per student and assignment (default: late_days.csv beside --out), "
                        "e.g. --late-ledger build/late_days.csv")
    s.add_argument("--lang", choices=("en", "ko"), help=LANG_HELP + "), e.g. --lang ko")
    s.set_defaults(run=cmd_grade_batch)
    s = command("report", "the class report (report.html, report.json) of graded batches",
                "course report a1_gates build/a1_gates",
                "course report a1_gates build/a1 a2_layers build/a2 --out build/report")
    s.add_argument("pairs", nargs="+", metavar="ASSIGNMENT OUT_DIR",
                   help="an assignment and its grade-batch --out, one pair or several, e.g. a1_gates build/a1_gates")
    s.add_argument("--out", metavar="DIR", help="where the report goes (default: the OUT_DIR, when there is one), e.g. --out build/report")
    s.add_argument("--lang", choices=("en", "ko"), help="the report's language (default: course.toml's language), e.g. --lang en")
    s.set_defaults(run=cmd_report)
    s = command("similarity", "which students of a graded batch wrote the same code (similarity.html, .json)",
                "course similarity a1_gates build/a1_gates")
    s.add_argument("assignment", metavar="ASSIGNMENT", help=ASSIGNMENT_HELP)
    s.add_argument("out_dir", metavar="OUT_DIR", help="the --out of `course grade-batch`, e.g. build/a1_gates")
    s.set_defaults(run=cmd_similarity)
    s = command("gradebook", "work on the outputs of grade-batch",
                "course gradebook merge a1_gates shard1/ shard2/ --out build/a1_gates")
    books = s.add_subparsers(dest="gradebook_command", required=True, parser_class=Parser, metavar="ACTION",
                             help="what to do with the gradebooks, e.g. merge")
    s = books.add_parser("merge", help="merge the --out folders of grade-batch shards into one gradebook",
                         description="merge the --out folders of grade-batch shards into one gradebook",
                         formatter_class=examples,
                         epilog="examples:\n  course gradebook merge a1_gates shard1/ shard2/ --out build/a1_gates")
    s.add_argument("assignment", metavar="ASSIGNMENT", help=ASSIGNMENT_HELP)
    s.add_argument("sources", nargs="+", metavar="OUT_DIR", help="the --out folders of the shards, e.g. shard1/")
    s.add_argument("--out", required=True, metavar="DIR", help="where the merged gradebook goes, e.g. --out build/a1_gates")
    s.set_defaults(run=cmd_gradebook_merge)
    s = books.add_parser("diff", help="which scores changed from one grade-batch run to another, and which checks",
                         description="which scores changed from one grade-batch run to another, and which checks",
                         formatter_class=examples,
                         epilog="examples:\n  course gradebook diff a2_layers build/a2-week4 build/a2")
    s.add_argument("assignment", metavar="ASSIGNMENT", help=ASSIGNMENT_HELP)
    s.add_argument("out_a", metavar="OUT_A", help="the earlier --out of grade-batch, e.g. build/a2-week4")
    s.add_argument("out_b", metavar="OUT_B", help="the later --out of grade-batch, e.g. build/a2")
    s.add_argument("--csv", metavar="FILE", help="also write the changes as changes.csv here, e.g. --csv changes.csv")
    s.set_defaults(run=cmd_gradebook_diff)
    s = books.add_parser("export", help="the CSV Canvas or Moodle imports, from a grade-batch --out",
                         description="the CSV Canvas or Moodle imports, from a grade-batch --out",
                         formatter_class=examples,
                         epilog="examples:\n  course gradebook export --format canvas build/a1_gates --ids roster.csv")
    s.add_argument("--format", required=True, choices=("canvas", "moodle"), help="the LMS, e.g. --format canvas")
    s.add_argument("out_dir", metavar="OUT_DIR", help="the --out of grade-batch, e.g. build/a1_gates")
    s.add_argument("--ids", metavar="FILE",
                   help="our student ids to theirs: a CSV with 'student' and the LMS's columns, e.g. --ids roster.csv")
    s.add_argument("--lms-assignment", metavar="ID",
                   help="Canvas: the id of the assignment to update (default: a new assignment), e.g. 4711")
    s.set_defaults(run=cmd_gradebook_export)
    s = command("gradescope", "write a Gradescope autograder bundle",
                "course gradescope a1_gates --out autograder.zip")
    s.add_argument("assignment", metavar="ASSIGNMENT", help=ASSIGNMENT_HELP)
    s.add_argument("--out", required=True, metavar="ZIP", help="the .zip to write, e.g. --out autograder.zip")
    s.set_defaults(run=cmd_gradescope)
    s = command("nbgrader", "write an nbgrader course, or write our grades into its gradebook",
                "course nbgrader a1_gates nbgrader-course", "course nbgrader a1_gates nbgrader-course --grades")
    s.add_argument("assignment", metavar="ASSIGNMENT", help=ASSIGNMENT_HELP)
    s.add_argument("dir", metavar="DIR", help="the nbgrader course folder, e.g. nbgrader-course")
    s.add_argument("--grades", action="store_true",
                   help="after `nbgrader autograde`: grade submitted/ with the hidden checks and write each part's "
                        "score into nbgrader's gradebook (formgrader, nbgrader export)")
    s.set_defaults(run=cmd_nbgrader)
    s = command("validate", "prove the grader right on reference, stubs and known bugs", "course validate",
                "course validate a1_gates")
    s.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                   help="assignment ids to validate, e.g. a1_gates (default: all)")
    s.add_argument("--students", type=positive, default=STUDENTS, metavar="N",
                   help=f"grade each implementation as N student ids; fail when a score varies (default {STUDENTS}), "
                        "e.g. --students 5")
    s.add_argument("--jobs", type=positive, default=1, metavar="N", help="grade with N worker processes, e.g. --jobs 2")
    s.add_argument("--mutants", action="store_true",
                   help="also grade every single-point mutant of the references once; fail while one survives "
                        "undeclared")
    s.set_defaults(run=cmd_validate)
    return p


def kit_check(args):
    """`course check` where there is no course.toml: in a released folder, run its kit's check.py."""
    path = Path(args.path or ".").resolve()
    folder = path if path.is_dir() else path.parent
    if not (folder / "check.py").is_file() or not (folder / "public_checks.py").is_file():
        return None
    command = [sys.executable, "check.py", *([str(path)] if path.is_file() else []),
               *(["--lang", args.lang] if args.lang else [])]
    return subprocess.run(command, cwd=folder, timeout=args.timeout).returncode


def main(argv=None):
    if hasattr(sys.stdout, "reconfigure"):  # a console that cannot encode a character shows its escape
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        args = parser().parse_args(argv)
        if args.command == "check" and not args.course and not any(
                (folder / "course.toml").is_file() for folder in (Path.cwd().resolve(), *Path.cwd().resolve().parents)):
            status = kit_check(args)
            if status is not None:
                return status
        course = load_course(args.course or find_root(Path.cwd()))
        for aid in getattr(args, "assignments", None) or [getattr(args, "assignment", None)]:
            if aid is not None:
                known_assignment(course, aid)
        return args.run(with_language(course, getattr(args, "lang", None)), args)
    except (ConfigError, UsageError) as exc:
        print(f"course: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`course check ... | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:  # the environment: a full disk, a folder we may not write, ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"course: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("course: interrupted", file=sys.stderr)
        return 130


def entry():
    """The ``course`` program: ``main``, then the process ends at once with its status, stdout and
    stderr flushed, without the interpreter's teardown of every module it imported (numpy's
    included: about 20 ms of a ``course grade``, a fifth of what CI waits for beyond the grading;
    mypy ends the same way). Every command closes what it opens itself (files with ``with``,
    sandboxes and pools in ``finally``), so nothing is left for that teardown to do."""
    status = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the reader went away, the stream is closed: nothing more to say
            pass
    os._exit(status or 0)


if __name__ == "__main__":
    entry()
