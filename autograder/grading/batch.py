"""`course grade-batch`: grade a whole class, resumably, in shards if asked.

Input: a folder with one entry per student (a folder, a .py file or a notebook), an
nbgrader tree (``submitted/<student>/<assignment>/``), or a .zip of either. A zip and
every entry are read with caps (course.toml's ``[limits]``: ``class_mb``,
``class_files``, ``class_depth``, and names of at most ``MAX_NAME`` characters): a
zip over them is refused whole before anything large is written; an entry over them,
or one whose name is not UTF-8, too long, reserved, or shared with another entry
(``x/`` and ``x.py``), gets a gradebook row with status ``invalid`` and everyone else
is graded. An entry that is ``--out`` itself, or holds it, is skipped.

Output, in ``--out`` (locked for the run: a second run on it is refused):
``<student>/results.json``, ``<student>/feedback.md``, ``<student>/feedback.html``,
``<student>/time.txt`` (seconds spent grading) and ``<student>/key.txt`` for each
student, ``gradebook.csv`` (autograder/outputs/gradebook.py), appended row by row as each
submission finishes and rewritten sorted at the end, and the class report
(``report.html``, ``report.json``: autograder/outputs/report.py). A student's files are
written before the key that marks them done, each atomically, so a batch interrupted
at any point (Ctrl-C, kill -9) loses at most the submissions in progress. Running it
again grades only what is new or changed: the key is the hash of the submission's
files, the grader's sources, the assignment's solution and course.toml, and the
course secret. A result with a grader error gets no key: it is recorded, counted in
the exit status and the summary, and regraded by the next run. Running out of temp
space stops the batch with one line; nothing is recorded for the submissions cut short.

``--shard K/N`` grades only the students whose id hashes to shard K of N (1 <= K <= N),
so N machines grade a class together; ``course gradebook merge`` joins their outputs.
"""

import errno
import hashlib
import os
import shutil
import statistics
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from autograder.outputs import changes, gradebook, lms, similarity
from autograder.outputs.page_text import page_text
from autograder.outputs.terminal import line
from autograder.config import UsageError
from autograder.grading.grade import course_secret, development_secret_warning, grade
from autograder.sandbox.isolation import die_with_parent, parse
from autograder.results import LIMIT_STATUSES
from autograder.sandbox.premises import claim_tempdir, remove_abandoned_tempdirs
from autograder.sandbox.session import Sandbox
from autograder.grading.submission import find_submission, released_stubs
from autograder.grading.submitted_at import late_rule

MAX_NAME = 100  # characters of a student id (an entry's name)
RESERVED = {gradebook.FILE, gradebook.LOCK, changes.FILE, changes.FOLDER, *similarity.FILES, *lms.FILES}
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
SHOWN_STUDENTS = 50  # a larger class's scores are only in the gradebook


class NoSpace(Exception):
    """Temp space ran out: the batch stops (the message is the one line to print)."""


def student_entries(assignment, submissions):
    """[(name, path)] of a class folder or an nbgrader tree, sorted by name.

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


def label(name):
    """A printable, UTF-8 form of an entry's name (undecodable bytes as \\xNN), at most MAX_NAME + 1 characters."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text if len(text) <= MAX_NAME else text[:MAX_NAME] + "…"


def tree_problem(path, limits, text):
    """Why the files under ``path`` exceed the class caps (said by ``text``, a ``page_text``), or None.
    Links are not followed."""
    count, total = 0, 0
    for folder, dirs, files in os.walk(path):
        depth = len(Path(folder).relative_to(path).parts)
        if depth > limits.class_depth:
            return text("invalid_deep", n=limits.class_depth)
        for name in [*dirs, *files]:
            if len(name) > 255:
                return text("invalid_long_file_name")
        count += len(files) + len(dirs)
        total += sum(os.lstat(os.path.join(folder, f)).st_size for f in files)
        if count > limits.class_files:
            return text("invalid_files", n=limits.class_files)
        if total > limits.class_mb << 20:
            return text("invalid_mb", n=limits.class_mb)
    return None


def entry_problem(name, path, limits, text):
    """Why the entry ``name`` cannot be graded (said by ``text``, a ``page_text``), or None."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return text("invalid_not_utf8")
    if len(name) > MAX_NAME:
        return text("invalid_long_name", n=MAX_NAME)
    if name in RESERVED:
        return text("invalid_reserved", name=repr(name))
    return tree_problem(path, limits, text) if path.is_dir() else None


def scan_class(assignment, submissions, out, limits, lang="en"):
    """({student: path} to grade, {label: message in ``lang``} of invalid entries, [skipped paths])."""
    text = page_text(lang)
    out = out.resolve()
    by_name, skipped = {}, []
    for name, path in student_entries(assignment, submissions):
        top = path if path.parent.resolve() == submissions.resolve() else path.parent
        if out == top.resolve() or out.is_relative_to(top.resolve()):
            skipped.append(top)
            continue
        by_name.setdefault(name, []).append(path)
    valid, invalid = {}, {}
    for name, paths in by_name.items():
        if len(paths) > 1:
            invalid[label(name)] = text("invalid_duplicate", n=len(paths), entries=", ".join(label(p.name) for p in paths))
        elif problem := entry_problem(name, paths[0], limits, text):
            invalid[label(name)] = problem
        else:
            valid[name] = paths[0]
    return valid, invalid, skipped


def in_shard(student, shard):
    """Whether ``student`` belongs to ``shard`` = (K, N), 1 <= K <= N: sha256 of the id, mod N."""
    k, n = shard
    return int.from_bytes(hashlib.sha256(student.encode()).digest()[:8], "big") % n == k - 1


def parse_shard(text):
    """(K, N) of "K/N"; UsageError unless 1 <= K <= N."""
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise UsageError(f"--shard {text}: expected K/N, for example 2/4") from None
    if not 1 <= k <= n:
        raise UsageError(f"--shard {text}: expected 1 <= K <= N")
    return k, n


def read_zip(archive, dest, limits):
    """Extract the class zip ``archive`` into ``dest`` within the class caps, or refuse it whole.

    The declared sizes, entry count, depth and name lengths are checked before anything
    is written; zipfile stops each member at its declared size (a CRC error past it).
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UsageError(f"{archive}: not a readable zip file ({exc})") from None
    cap = limits.class_mb << 20
    refuse = f"{archive}: refused, a zip of submissions must hold"
    with zf:
        members = zf.infolist()
        if len(members) > limits.class_files:
            raise UsageError(f"{refuse} at most {limits.class_files} entries (class_files), it holds {len(members)}")
        if sum(m.file_size for m in members) > cap:
            raise UsageError(f"{refuse} at most {limits.class_mb} MB (class_mb) once expanded")
        for member in members:
            parts = member.filename.split("/")
            if len(parts) > limits.class_depth + 2 or any(len(p) > 255 for p in parts):
                raise UsageError(f"{refuse} no path deeper than {limits.class_depth} folders (class_depth) "
                                 "or name longer than 255 characters")
        try:
            zf.extractall(dest)  # names made safe by zipfile; no member can write past its declared size
        except (zipfile.BadZipFile, EOFError) as exc:
            raise UsageError(f"{archive}: a damaged zip file ({exc})") from None
    return dest


def class_folder(submissions, tmp, assignment, limits):
    """The folder of the class: ``submissions`` itself, or the zip's contents extracted into ``tmp``."""
    if not submissions.exists():
        raise UsageError(f"{submissions}: no such file or folder")
    if submissions.is_file():
        if submissions.suffix != ".zip":
            raise UsageError(f"{submissions}: expected a folder of submissions or a .zip of one")
        folder = read_zip(submissions, tmp / "class", limits)
        inner = [p for p in folder.iterdir() if not p.name.startswith(("__MACOSX", "."))] if folder.is_dir() else []
        if len(inner) == 1 and inner[0].is_dir() and not (inner[0] / assignment.files[0]).exists():
            return inner[0]
        return folder
    return submissions


def grader_version(course, assignment):
    """A hash of everything that decides a grade besides the submission itself."""
    digest = hashlib.sha256()
    package = Path(__file__).parents[1]  # autograder/, every subpackage
    sources = sorted(package.rglob("*.py")) + sorted((package.parent / "source_lib").rglob("*.py"))
    sources += sorted((course.solutions / assignment.id).rglob("*"))
    sources += [course.root / "course.toml"]
    for path in sources:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(hashlib.sha256(course_secret(course).encode()).digest())
    return digest.hexdigest()


def submission_key(assignment, path, version, workdir, stubs=None):
    """What decides a submission's grade besides the grader: the files graded (chosen as ``grade``
    chooses them, given the released ``stubs``) and ``version`` (``grader_version``)."""
    found = find_submission(assignment, path, workdir, stubs)
    return hashlib.sha256((found.content_hash() + version + ",".join(found.missing)).encode()).hexdigest()


_WORKER = {}


def _init_worker(course, parent):
    from multiprocessing.util import Finalize

    die_with_parent(parent)  # a killed grade-batch takes its workers (and their zygotes) with it
    sandbox = Sandbox(course.limits)
    Finalize(sandbox, sandbox.close, exitpriority=10)  # workers end with os._exit: atexit would not run
    _WORKER["sandbox"] = sandbox
    _WORKER["course"] = course


def _grade_one(assignment_id, student, path):
    """(student, GradingResult, seconds spent grading)."""
    course = _WORKER["course"]
    start = time.monotonic()
    result = grade(course, course.assignment(assignment_id), path, student, sandbox=_WORKER["sandbox"])
    return student, result, time.monotonic() - start


def no_space(exc):
    return isinstance(exc, OSError) and exc.errno in NO_SPACE


def _keys(assignment, valid, version, tmp, stubs, text):
    """({student: key}, {label: message}): the keys, and the entries whose files cannot be read
    (said by ``text``, a ``page_text``; the error as Python gave it)."""
    keys, invalid = {}, {}
    for i, (student, path) in enumerate(sorted(valid.items())):
        try:
            keys[student] = submission_key(assignment, path, version, tmp / f"key-{i}", stubs)
        except Exception as exc:  # a broken notebook, unreadable files: this entry only
            if no_space(exc):
                raise NoSpace(text("no_space_reading", student=label(student), error=exc)) from None
            invalid[label(student)] = text("invalid_unreadable", error=f"{type(exc).__name__}: {str(exc)[:200]}")
    return keys, invalid


def keep_code(assignment, valid, out, tmp, stubs):
    """Copy the files graded of each student ({student: path}) to ``out/<student>/code/`` (a
    notebook's as extracted from its cells), for ``course similarity``."""
    for i, (student, path) in enumerate(sorted(valid.items())):
        found = find_submission(assignment, path, tmp / f"code-{i}", stubs)
        folder = out / student / similarity.CODE
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, source in found.files.items():
            shutil.copyfile(source, folder / name)


def grade_batch(course, assignment, submissions, out, jobs=1, progress=True, shard=None, submitted_at=None,
                late_ledger=None):
    """Grade every new or changed submission (of ``shard`` = (K, N) only, if given).

    submitted_at, late_ledger: the late policy's --submitted-at file and the term's ledger
    (``grading/submitted_at.py``: ``late_rule``).

    Returns (exit status, {student: GradingResult}, {label: message} of invalid entries):
    the status is 2 when a result holds a grader error, else 0.
    """
    from autograder.outputs.terminal import console as stdout_console

    console = stdout_console()
    out.mkdir(parents=True, exist_ok=True)
    remove_abandoned_tempdirs()
    tmp, owner = claim_tempdir("backprop-batch-")
    try:
        with gradebook.locked(out):
            return _grade_batch(course, assignment, class_folder(submissions, tmp, assignment, course.limits),
                                out, jobs, progress, shard, tmp, console, (submitted_at, late_ledger))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        owner.close()


def _grade_batch(course, assignment, submissions, out, jobs, progress, shard, tmp, console, late_sources):
    valid, invalid, skipped = scan_class(assignment, submissions, out, course.limits, course.language)
    if shard:
        valid = {s: p for s, p in valid.items() if in_shard(s, shard)}
        invalid = {s: m for s, m in invalid.items() if in_shard(s, shard)}
    stubs = released_stubs(course, assignment)
    keys, unreadable = _keys(assignment, valid, grader_version(course, assignment), tmp, stubs,
                             page_text(course.language))
    invalid.update(unreadable)
    keep_code(assignment, {s: valid[s] for s in keys}, out, tmp, stubs)
    done, todo = {}, []
    for student in sorted(keys):
        result = gradebook.load_result(out / student)
        key_file = out / student / "key.txt"
        if result is not None and key_file.is_file() and key_file.read_text() == keys[student]:
            done[student] = result
        else:
            todo.append(student)
    earlier = {s: r for s in todo if (r := gradebook.load_result(out / s)) is not None and not r.grader_errors}
    kept = changes.keep_earlier(out, earlier)  # before a regrade replaces them
    row_of = late_rule(course, assignment, {s: valid[s] for s in keys}, out, *late_sources)
    rows = [row_of(r)[0] for r in done.values()]
    rows += [gradebook.invalid_row(assignment, s, m) for s, m in invalid.items()]
    book = out / gradebook.FILE
    gradebook.write_atomically(book, gradebook.render(assignment, rows))
    failed = {}
    try:
        _run(course, assignment, valid, keys, todo, out, jobs, progress, console, done, rows, failed, row_of)
    finally:
        gradebook.write_atomically(book, gradebook.render(assignment, rows))
    errors = sorted([s for s, r in done.items() if r.grader_errors] + list(failed))
    summary(console, assignment, done, invalid, errors, skipped, book, course.language)
    regraded = changes.settle(out, kept, earlier, {s: done[s] for s in earlier if s in done})
    for text in changes.lines(assignment, regraded, course.language):
        console.print(line(text), soft_wrap=True, markup=False)
    if done:
        from autograder.outputs.report import Batch, write_report

        console.print(page_text(course.language)("class_report", path=write_report(course, [Batch(assignment, out)],
                                                                                     out)), soft_wrap=True, markup=False)
    return (2 if errors else 0), done, invalid


def _run(course, assignment, valid, keys, todo, out, jobs, progress, console, done, rows, failed, row_of):
    """Grade ``todo`` in a pool; record each result as it comes (into ``done`` and ``rows``, made by
    ``row_of``; a grading that raised into ``failed``: {student: message})."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not progress) as bar, \
            ProcessPoolExecutor(max_workers=max(1, jobs), initializer=_init_worker,
                                initargs=(course, os.getpid())) as pool:
        task = bar.add_task(page_text(course.language)("batch_progress", assignment=assignment.id, n=len(todo),
                                                       unchanged=len(done)), total=len(todo))
        futures = {pool.submit(_grade_one, assignment.id, s, str(valid[s])): s for s in todo}
        with open(out / gradebook.FILE, "a", encoding="utf-8", newline="") as book:
            for future in as_completed(futures):
                student = futures[future]
                try:
                    _, result, seconds = future.result()
                    row, cost = row_of(result)  # before the pages, which say what lateness cost
                    _record(out, student, result, keys[student], cost, seconds)
                    done[student] = result
                    rows.append(row)
                except Exception as exc:
                    if no_space(exc):
                        pool.shutdown(wait=False, cancel_futures=True)
                        raise NoSpace(page_text(course.language)("no_space_grading", student=label(student),
                                                                 error=exc)) from None
                    failed[student] = page_text(course.language)("grader_error_entry",
                                                                 error=f"{type(exc).__name__}: {str(exc)[:300]}")
                    rows.append(gradebook.failed_row(assignment, student, failed[student]))
                book.write(gradebook.render(assignment, [rows[-1]]).split("\n", 1)[1])
                book.flush()
                bar.advance(task)


def _record(out, student, result, key, late, seconds):
    """Write one student's files, the feedback pages saying what lateness cost (``late``, its Late);
    the key (which makes the result final) only without a grader error."""
    from autograder.outputs.feedback_page import feedback_html, feedback_markdown

    folder = out / student
    folder.mkdir(exist_ok=True)
    (folder / "key.txt").unlink(missing_ok=True)
    gradebook.write_atomically(folder / "results.json", result.to_json())
    gradebook.write_atomically(folder / "feedback.md", feedback_markdown(result, late))
    gradebook.write_atomically(folder / "feedback.html", feedback_html(result, late))
    gradebook.write_atomically(folder / "time.txt", f"{seconds:.3f}\n")
    if not result.grader_errors:
        gradebook.write_atomically(folder / "key.txt", key)


def isolation_levels(results):
    """The sorted isolation levels reached for {student: GradingResult}, each with its features as
    results.json records them ("jail+seccomp", "process"...), without the reasons."""
    return sorted({"+".join([level, *features]) for level, features, _ in (parse(r.isolation) for r in results.values())})


def summary(console, assignment, results, invalid, errors, skipped, book, lang="en"):
    """Mean, median and per-part distribution, each student's scores (for a small class), the
    submissions that hit limits, and what was not graded (invalid, grader errors, skipped), in
    ``lang``. Numbers are exact (``results.points``; a mean at 2 decimals); tables keep whole
    words (``terminal.print_table``), and every line is ``safe_text`` for a terminal."""
    from fractions import Fraction

    from autograder.outputs.terminal import print_table
    from autograder.results import exact, points

    text = page_text(lang)

    def say(words):
        console.print(line(words), markup=False)

    if results:
        totals = [r.exact_score for r in results.values()]
        mean = sum(totals, Fraction(0)) / len(totals)
        say(text("batch_summary", assignment=assignment.id, n=len(results), mean=f"{float(mean):.2f}",
                 median=points(statistics.median(totals)), max=points(assignment.points)))
        rows = []
        for part in assignment.parts:
            scores = [r.part_scores()[part.id] for r in results.values()]
            rows.append([part.id, points(part.points), f"{float(sum(scores, Fraction(0)) / len(scores)):.2f}",
                         str(sum(s == exact(part.points) for s in scores)), str(sum(s == 0 for s in scores))])
        print_table(console, [text("part"), text("max"), text("mean"), text("full_marks"), text("zero")], rows)
        if len(results) <= SHOWN_STUDENTS:
            print_table(console, [text("student"), *(p.id for p in assignment.parts), text("score")],
                        [[student, *(points(p.score) for p in r.parts), points(r.score)]
                         for student, r in sorted(results.items())])
        else:
            say(text("scores_in_gradebook", n=len(results)))
        limited = sorted(s for s, r in results.items() if any(t.status in LIMIT_STATUSES for t in r.tests))
        say(text("hit_limit", who=", ".join(limited) or text("none")))
        say(text("isolation_levels", levels=", ".join(isolation_levels(results))))
    else:
        say(text("no_graded"))
    for name, why in sorted(invalid.items()):
        say(text("invalid", who=name, why=why))
    for path in skipped:
        say(text("skipped", path=path))
    say(text("grader_errors", n=len(errors)) + (": " + ", ".join(errors) if errors else ""))
    say(text("gradebook", path=book))


def main(course, args):
    """`course grade-batch`."""
    import sys

    warning = development_secret_warning(course)
    if warning:
        print(warning, file=sys.stderr)
    shard = parse_shard(args.shard) if args.shard else None
    try:
        status, _, _ = grade_batch(course, course.assignment(args.assignment), Path(args.submissions),
                                   Path(args.out), jobs=args.jobs, shard=shard, submitted_at=args.submitted_at,
                                   late_ledger=args.late_ledger)
    except NoSpace as exc:
        raise UsageError(str(exc)) from None
    return status
