"""`course gradescope`: a Gradescope autograder bundle for one assignment.

The bundle (a zip; Gradescope unpacks it into ``/autograder/source``) holds:

- ``setup.sh``: run once when Gradescope builds the image; makes ``/autograder/venv``
  (Python 3.11 or later) and pip-installs the bundled project into it;
- ``run_autograder``: run for each submission; grades ``/autograder/submission`` into
  ``/autograder/results/results.json`` (``gradescope_results``). When grading fails it still writes a
  results.json (score 0 of the assignment's points, a visible message that the grader
  failed, ``extra_data.grader_error``) and exits non-zero;
- ``secret.txt``: the course secret the hidden inputs are drawn from: the value of the
  course's secret variable (``BACKPROP_LAB_SECRET``) when the bundle is built, else a
  fresh random one. The bundle is for instructors only;
- ``backprop_lab/``: what grading needs of the project: ``pyproject.toml``,
  ``README.md``, ``source_lib/``, ``autograder/`` (the engine, which names no
  assignment), this assignment's reference files, hidden checks, test doubles and declared
  variants (a check judges code whose forward is a variant's) from ``solutions/<id>/`` (no
  lessons or public checks), the reference files of
  the assignments it ``uses``, and a ``course.toml`` cut down to those assignments.

``run_autograder`` takes the root from ``AUTOGRADER_ROOT`` (default ``/autograder``)
and the Python from ``BACKPROP_LAB_PYTHON`` (default the venv of setup.sh), so the
bundle also runs outside Gradescope (a test, the GitHub Classroom workflow). It
grades with the bundle's own copy of the package (``python -m`` from
``backprop_lab/``). The student id, from which the hidden inputs are seeded, is taken
from ``submission_metadata.json``: each user's ``sid``, else e-mail, else Gradescope id.
"""

import io
import json
import os
import re
import secrets
import stat
import sys
import time
import tomllib
import zipfile
from pathlib import Path

from autograder.config import load_course
from autograder.authoring.variants import VARIANTS_FILE
from autograder.grading.grade import DOUBLES, HIDDEN_CHECKS
from autograder.outputs.feedback_page import NOT_RUN, WHOLE_FILE, known_names, known_sentence
from autograder.results import points, safe_text
from source_lib.messages import message

PROJECT = "backprop_lab"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis"}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3.11 python3.11-venv
  PYTHON=python3.11
fi
if ! "$PYTHON" -m venv "$ROOT/venv"; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
  "$PYTHON" -m venv "$ROOT/venv"
fi
"$ROOT/venv/bin/python" -m pip install --quiet --upgrade pip
"$ROOT/venv/bin/python" -m pip install --quiet "$ROOT/source/backprop_lab"
# run_autograder imports the grader, the hidden checks and the references from the source folder:
# their bytecode, written into the image once, spares every submission compiling them (about 50 ms)
"$ROOT/venv/bin/python" -m compileall -q "$ROOT/source/backprop_lab"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission: grade $ROOT/submission into $ROOT/results/results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{BACKPROP_LAB_PYTHON:-$ROOT/venv/bin/python}}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
cd "$ROOT/source/backprop_lab" && "$PYTHON" -m autograder.platforms.gradescope {assignment} "$ROOT"
status=$?
if [ "$status" -ne 0 ] || [ ! -s "$RESULTS" ]; then
  echo "run_autograder: grading failed (exit status $status); writing a grader-error results.json" >&2
  cat > "$RESULTS" <<'RESULTS_JSON'
{failure}
RESULTS_JSON
  [ "$status" -ne 0 ] || status=1
  exit "$status"
fi
"""


class BundleError(ValueError):
    """The bundle cannot be built as asked."""


def needed_assignments(course, assignment):
    """The ids of ``assignment`` and of every assignment it uses, directly or not, in course order."""
    needed, todo = set(), [assignment.id]
    while todo:
        aid = todo.pop()
        if aid not in needed:
            needed.add(aid)
            todo.extend(course.assignment(aid).uses)
    return [a.id for a in course.assignments if a.id in needed]


def course_toml_for(course, keep):
    """The text of course.toml with only the assignments whose ids are in ``keep``.

    The file is cut at its table headers (lines starting with ``[``); a table under
    ``assignments`` belongs to the ``[[assignments]]`` above it. The result is loaded
    back and must describe the kept assignments and the course settings exactly.
    """
    text = (course.root / "course.toml").read_text(encoding="utf-8")
    header = re.compile(r"^\[\[?\s*([^\]\s]+)\s*\]\]?\s*(#.*)?$")
    chunks = [["", []]]
    for line in text.splitlines(keepends=True):
        match = header.match(line.rstrip("\n"))
        if match:
            chunks.append([match.group(1), []])
        chunks[-1][1].append(line)
    kept, keeping = [], True
    for name, lines in chunks:
        chunk = "".join(lines)
        if name == "assignments":
            keeping = tomllib.loads(chunk)["assignments"][0].get("id") in keep
        elif not name.startswith("assignments."):
            keeping = True
        if keeping:
            kept.append(chunk)
    return "".join(kept)


def bundle_files(course, assignment, secret):
    """{path inside the zip: bytes} of the Gradescope bundle of ``assignment``."""
    root = Path(course.root)
    keep = needed_assignments(course, assignment)
    files = {}

    def add_tree(folder, skip=lambda rel: False):
        for path in sorted((root / folder).rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not SKIPPED_PARTS & set(rel.parts) and not skip(rel):
                files[f"{PROJECT}/{rel.as_posix()}"] = path.read_bytes()

    add_tree("autograder")
    add_tree("source_lib")
    for aid in keep:
        graded = aid == assignment.id
        titles = {p.name for p in (root / "solutions" / aid).glob("titles.*.toml")}  # the checks' names in each language
        needed = set(course.assignment(aid).files) | ({HIDDEN_CHECKS, DOUBLES, VARIANTS_FILE, *titles} if graded else set())
        add_tree(Path("solutions", aid), skip=lambda rel: rel.name not in needed)
    for name in ("pyproject.toml", "README.md"):
        files[f"{PROJECT}/{name}"] = (root / name).read_bytes()
    files[f"{PROJECT}/course.toml"] = course_toml_for(course, keep).encode()
    failed = message("grader_failed", course.language)
    failure = {
        "score": 0.0,
        "output": failed,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [{"name": "grader", "number": "1", "score": 0.0, "max_score": float(assignment.points),
                   "status": "failed", "output": failed, "tags": ["grader_error"], "visibility": "visible"}],
        "extra_data": {"assignment": assignment.id, "grader_error": True},
    }
    files["setup.sh"] = SETUP_SH.encode()
    files["run_autograder"] = RUN_AUTOGRADER.format(
        assignment=assignment.id, failure=json.dumps(failure, indent=2, sort_keys=True, ensure_ascii=False)).encode()
    files["secret.txt"] = (secret + "\n").encode()
    return files


def check_bundle(course, assignment, files):
    """BundleError unless the bundle's course.toml describes ``assignment`` as the course does."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for rel, data in files.items():
            path = Path(tmp, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        cut = load_course(Path(tmp, PROJECT))
    same = [(a.id, a) for a in cut.assignments] == [(aid, course.assignment(aid))
                                                   for aid in needed_assignments(course, assignment)]
    settings = (cut.name, cut.language, cut.secret_env, cut.limits, cut.tolerances, cut.gradescope)
    if not same or settings != (course.name, course.language, course.secret_env, course.limits, course.tolerances,
                                course.gradescope):
        raise BundleError(f"{course.root / 'course.toml'}: could not be cut down to {assignment.id} "
                          "(keep each table's header at the start of its line)")


def write_bundle(course, assignment, out, secret=None):
    """Write the bundle of ``assignment`` to the zip ``out``; returns the secret it holds."""
    secret = secret or os.environ.get(course.secret_env) or secrets.token_urlsafe(32)
    files = bundle_files(course, assignment, secret)
    check_bundle(course, assignment, files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for rel in sorted(files):
            info = zipfile.ZipInfo(rel, ZIP_TIME)
            mode = 0o755 if rel in ("setup.sh", "run_autograder") else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, files[rel])
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_bytes(buffer.getvalue())
    return secret


def student_id(metadata):
    """The student id of a Gradescope submission_metadata.json: sid, else e-mail, else id, of each user.

    A group submission gets its members' ids, sorted and joined with "+". An id is ``safe_text``
    (the JSON may hold a lone surrogate, which could neither seed the inputs nor be written).
    """
    ids = sorted(safe_text(u.get("sid") or u.get("email") or u.get("id")) for u in metadata.get("users", []))
    return "+".join(ids) or "student"


# diagnoses that name no mistake (WHOLE_FILE's say what the submission is: it does not import, a file is missing)
UNNAMED = ("", "wrong_values", "forward_first", NOT_RUN)


def checks_shown_with_summary(settings):
    """Whether the summary may say what the checks say: they are shown whenever it is."""
    return settings.checks in ("visible", settings.summary)


def part_mistakes(result, part_id):
    """The names of the mistakes recognised in a part's failed checks, each once, in check order: a
    known mistake by the sentence that names it on the page (its checks' first line, with the
    variant's why), anything else by its diagnosis's name."""
    from autograder.outputs.page_text import diagnosis_name

    failed = [t for t in result.tests if t.part == part_id and not t.passed and t.diagnosis not in UNNAMED + WHOLE_FILE]
    return list(dict.fromkeys(known_sentence(t.message)[0] if known_names(t.diagnosis)
                              else diagnosis_name(t.diagnosis, result.language) for t in failed))


def held_summary(result, settings, escape=None, late=None, alone=None):
    """The summary (Markdown) while the checks are not shown: the total (and what lateness cost:
    ``feedback_page.heading`` of ``late`` and ``alone``), each part's score, its recognised
    mistakes when ``settings.mistakes`` allows, the notes, and what the submission itself is (a
    file that does not import or is missing), never a check's name or message. escape: how text
    is escaped (Markdown's; ``str`` for a plain log)."""
    from autograder.outputs.feedback_page import heading, markdown_escape
    from autograder.outputs.page_text import page_text

    markdown_escape = escape or markdown_escape
    lang = result.language
    title = page_text(lang)("feedback_title", assignment=result.assignment)
    score, late_said = heading(result, late, alone)
    lines = [f"# {markdown_escape(title)}: {points(score)} / {points(result.max_score)}", ""]
    lines += [item for said in late_said for item in (markdown_escape(said), "")]
    lines += [markdown_escape(message(f"held_checks_{settings.checks}", lang)), ""]
    for part in result.parts:
        lines.append("- " + markdown_escape(message("part_summary", lang, part=part.title, score=float(part.score),
                                                    max_score=float(part.max_score))))
        if settings.mistakes:
            lines += [markdown_escape(message("held_mistake", lang, mistake=m)) for m in part_mistakes(result, part.id)]
    whole = dict.fromkeys(t.message for t in result.tests if t.diagnosis in WHOLE_FILE)
    lines += [""] + [f"- {markdown_escape(text)}" for text in [*whole, *result.notes]]
    return "\n".join(lines).rstrip() + "\n"


def gradescope_results(course, result, seconds, late=None):
    """Gradescope's results.json (a dict) for ``result``: ``result.to_gradescope()`` plus what only
    Gradescope reads: the visibility of the summary and of each check from course.toml's
    ``[gradescope]``, the Markdown output, and ``execution_time`` (whole seconds, so only this
    file, not ``course grade``'s, changes from one run to the next).

    The output is shown with the summary: it holds the feedback page's content (scores per
    part, the root cause said once, the notes) when the checks are shown whenever the summary
    is, and else only ``held_summary``, so nothing a check says is seen before its time.
    """
    from autograder.outputs.feedback_page import feedback_markdown

    settings = course.gradescope
    data = result.to_gradescope()
    output = feedback_markdown(result, late, course.late) if checks_shown_with_summary(settings) \
        else held_summary(result, settings, late=late, alone=course.late)
    data.update(output=output, output_format="md", test_output_format="md",
                execution_time=max(1, round(seconds)), visibility=settings.summary)
    for test in data["tests"]:
        test["visibility"] = settings.checks
    return data


def run(assignment_id, root):
    """Grade ``root/submission`` as Gradescope does; returns (exit status, GradingResult, its Late).

    root: the autograder root holding ``source/`` (the bundle), ``submission/`` and
    ``results/``. Writes ``results/results.json``; the status is 2 when a check hit a
    grader error (run_autograder then reports the grader's failure instead).

    Lateness: course.toml's due date and ``[late]`` rule decide (``outputs/late.py``), the
    submission time is ``created_at`` of ``submission_metadata.json`` (its ``due_date`` and
    ``late_due_date`` are not read: one place holds the due date). Each submission is
    graded in a container of its own, so the term's late days cannot be counted here:
    the penalty is the submission's alone, and the feedback says so when it cost points.
    """
    from autograder.grading.grade import grade
    from autograder.grading.submitted_at import gradescope_time
    from autograder.outputs.gradebook import write_atomically
    from autograder.outputs.late import assess, with_late
    from autograder.results import json_text

    root = Path(root)
    course = load_course(root / "source" / PROJECT)
    secret = (root / "source" / "secret.txt").read_text(encoding="utf-8").strip()
    metadata_path = root / "submission_metadata.json"
    metadata = json.loads(metadata_path.read_text(encoding="utf-8")) if metadata_path.is_file() else {}
    started = time.monotonic()
    assignment = course.assignment(assignment_id)
    result = grade(course, assignment, root / "submission", student_id(metadata), secret=secret)
    cost = assess(course.late, assignment.due, result.exact_score, gradescope_time(root), "gradescope")
    data = with_late(gradescope_results(course, result, time.monotonic() - started, cost), cost, result)
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    write_atomically(results / "results.json", json_text(data))
    return (2 if result.grader_errors else 0), result, cost


def main(course, args):
    """`course gradescope ASSIGNMENT --out autograder.zip`."""
    from rich.console import Console

    assignment = course.assignment(args.assignment)
    write_bundle(course, assignment, args.out)
    secret_from = course.secret_env if os.environ.get(course.secret_env) else "a new random secret (secret.txt)"
    Console(highlight=False).print(f"{assignment.id}: wrote the Gradescope autograder bundle {args.out} "
                                   f"(hidden inputs seeded from {secret_from}; keep the bundle private)")
    return 0


if __name__ == "__main__":  # the log (Gradescope's stdout, the Classroom workflow's): plain text, and no more
    status, outcome, cost = run(sys.argv[1], sys.argv[2])  # than the summary says (Gradescope may show both)
    from autograder.outputs.terminal import console, line, show_result

    sys.stdout.reconfigure(errors="backslashreplace")  # printing the log never fails the grade written above
    course_read = load_course(Path(sys.argv[2]) / "source" / PROJECT)
    if checks_shown_with_summary(course_read.gradescope):
        show_result(outcome, console(), cost, course_read.late)
    else:
        log = console()
        held = held_summary(outcome, course_read.gradescope, escape=str, late=cost, alone=course_read.late)
        for text in held.splitlines():
            log.print(line(text), markup=False, soft_wrap=True)
    sys.exit(status)
