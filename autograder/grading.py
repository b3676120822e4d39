"""Grading one submission: run the hidden checks of each part and score them.

Every part gets its own fresh child process (a ``Session``); a check that fails,
times out or crashes costs its own points and nothing else. The checks' random
inputs come from a seed derived from the course secret, the student id, the
assignment, the part and the check's name, so a regrade gives the same results and
two students never see the same numbers.
"""

import hashlib
import importlib.util
import os
import sys
import time
import types
from fractions import Fraction
from pathlib import Path

import numpy as np

from autograder.checks import CheckFailure, Context
from autograder.results import GradingResult, PartResult, TestResult
from autograder.runners import Reference
from autograder.sandbox import Limits, Sandbox, Session, StudentError
from autograder.submission import find_submission
from source_lib.messages import message

DEVELOPMENT_SECRET = "backprop-lab-development-secret"
PART_BUDGET = 2  # a part's checks share this many per-check time limits; the rest then time out


def course_secret(course):
    """The course secret from the environment (the development secret when unset)."""
    return os.environ.get(course.secret_env) or DEVELOPMENT_SECRET


def derive_seed(secret, *names):
    """A 63-bit seed from the secret and names (student, assignment, part, check)."""
    digest = hashlib.sha256("\0".join((secret, *names)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


HIDDEN_CHECKS = "hidden_checks.py"  # in solutions/<id>/: the CHECKS list, loaded by path here only
DOUBLES = "doubles.py"  # in solutions/<id>/, optional: test doubles, shipped to the child as module ``doubles``


def hidden_checks(course, assignment):
    """The CHECKS list of solutions/<assignment id>/hidden_checks.py."""
    return _import_solution(course, assignment.id, HIDDEN_CHECKS).CHECKS


def _import_solution(course, assignment_id, file_name):
    path = course.solutions / assignment_id / file_name
    name = f"_reference_{assignment_id}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_reference(course, assignment):
    """The reference modules of ``assignment``: {module name: module}, imported in-process.

    An assignment that ``uses`` earlier ones also gets ``components``, a namespace of
    their reference modules (``components.layers``), as the student's code does.
    """
    modules = {Path(f).stem: _import_solution(course, assignment.id, f) for f in assignment.files}
    if (course.solutions / assignment.id / DOUBLES).is_file():
        modules["doubles"] = _import_solution(course, assignment.id, DOUBLES)
    if assignment.uses:
        modules["components"] = types.SimpleNamespace(**{
            Path(f).stem: _import_solution(course, used, f)
            for used in assignment.uses for f in course.assignment(used).files})
    return modules


def component_files(course, assignment):
    """({relative name: path}, [package names]) given to the child beside the student's files.

    The assignment's own ``doubles.py`` when it has one (its test doubles); for an
    assignment that uses earlier ones, their reference components, which are the files
    released in ``assignments/<id>/components/`` (released only once those are due), so
    the child learns nothing it was not given.
    """
    doubles = course.solutions / assignment.id / DOUBLES
    files = {DOUBLES: doubles} if doubles.is_file() else {}
    packages = ["doubles"] if doubles.is_file() else []
    if assignment.uses:
        files.update({f"components/{f}": course.solutions / used / f
                      for used in assignment.uses for f in course.assignment(used).files})
        files["components/__init__.py"] = Path(__file__).parent / "components_init.py"
        packages += [f"components.{Path(name).stem}" for name in files
                     if name.startswith("components/") and not name.endswith("__init__.py")]
    return files, packages


def sandbox_limits(course):
    return Limits(timeout_s=course.limits.timeout_s, memory_mb=course.limits.memory_mb,
                  output_kb=course.limits.output_kb)


def explain(error, lang, limits):
    """The student-facing message and status of a StudentError."""
    what = error.what or "your code"
    if getattr(error, "during_load", False) and error.status == "error":
        text = message("import_failed", lang, file=error.file or "?", error=error.detail)
        status = "fail"
    elif error.status == "not_implemented":
        text, status = message("not_implemented", lang, what=what), "not_implemented"
    elif error.status == "timeout":
        text, status = message("timeout", lang, what=what, seconds=limits.timeout_s), "timeout"
    elif error.status == "memory":
        text, status = message("memory", lang, what=what, limit_mb=limits.memory_mb), "memory"
    elif error.status == "crashed":
        text, status = message("crashed", lang, what=what, detail=error.detail), "crashed"
    else:
        text, status = message("raised", lang, what=what, error=error.detail), "fail"
    if error.where:
        text += " (" + "; ".join(error.where) + ")"
    return status, text


def run_check(check, ctx):
    """(status, message) of one check."""
    try:
        check.run(ctx)
    except CheckFailure as failure:
        return "fail", str(failure)
    except StudentError as error:
        return explain(error, ctx.lang, ctx.student.sandbox.limits)
    except Exception as exc:  # a fault of the grader, never a silent zero
        return "grader_error", f"grader error in {type(check).__name__}: {type(exc).__name__}: {exc}"
    return "pass", ""


def grade(course, assignment, submission_path, student_id, sandbox=None, secret=None, lang=None):
    """Grade one submission; returns a GradingResult.

    course, assignment: from ``config.load_course``. submission_path: a folder or a file.
    sandbox: a shared ``Sandbox`` (one is made and removed if not given).
    """
    lang = lang or course.language
    secret = secret if secret is not None else course_secret(course)
    own_sandbox = sandbox is None
    sandbox = sandbox or Sandbox(sandbox_limits(course))
    try:
        return _grade(course, assignment, submission_path, student_id, sandbox, secret, lang)
    finally:
        if own_sandbox:
            sandbox.close()


def missing_file_message(submission, file, lang):
    """Why ``file`` was not found: not in the folder, or not in the notebook's cells."""
    if submission.notebook is not None:
        return message("missing_in_notebook", lang, file=file, notebook=submission.notebook.name)
    return message("missing_file", lang, file=file)


def _grade(course, assignment, submission_path, student_id, sandbox, secret, lang):
    submission = find_submission(assignment, submission_path, sandbox.workdir())
    checks = hidden_checks(course, assignment)
    reference = Reference(load_reference(course, assignment))
    components = component_files(course, assignment)
    result = GradingResult(assignment.id, student_id, language=lang, isolation=sandbox.isolation)
    sandbox.zygote()  # started here, so no student's time budget pays for it
    load_error = None
    for part in assignment.parts:
        part_checks = [c for c in checks if c.part == part.id]
        total_weight = sum(Fraction(c.weight) for c in part_checks)
        score = Fraction(0)
        session = Session(sandbox, {f[:-3]: p for f, p in submission.files.items()}, *components)
        session.load_error = load_error
        part_deadline = time.monotonic() + PART_BUDGET * sandbox.limits.timeout_s
        with session:
            for check in part_checks:
                max_score = Fraction(part.points) * Fraction(check.weight) / total_weight
                if time.monotonic() > part_deadline:
                    status = "timeout"
                    text = message("part_budget", lang, seconds=PART_BUDGET * sandbox.limits.timeout_s)
                elif submission.missing:
                    status = "fail"
                    text = " ".join(missing_file_message(submission, f, lang) for f in submission.missing)
                else:
                    seed = derive_seed(secret, student_id, assignment.id, part.id, check.name)
                    ctx = Context(session, reference, np.random.default_rng(seed), course.tolerances.gradcheck,
                                  course.tolerances.reference, lang)
                    session.start_budget(sandbox.limits.timeout_s)
                    status, text = run_check(check, ctx)
                    load_error = load_error or session.load_error
                got = max_score if status == "pass" else Fraction(0)
                score += got
                result.tests.append(TestResult(part.id, check.name, status, got, max_score, text))
        result.parts.append(PartResult(part.id, part.title, score, Fraction(part.points)))
    return result
