"""Grading one submission: run the hidden checks of each part and score them.

Every part gets its own fresh child process (a ``Session``); a check that fails,
times out or crashes costs its own points and nothing else. The checks' random
inputs come from a seed derived from the course secret, the student id, the
assignment, the part and the check's name, so a regrade gives the same results and
two students never see the same numbers. Each check's time is decided by
``Limits.check_seconds`` (config.py): ``timeout_s``, cut to what is left of the part's
budget of ``part_timeouts`` x ``timeout_s``; once that is spent, the part's remaining
checks are not run and get ``timeout``.
"""

import errno
import hashlib
import importlib.util
import os
import sys
import time
import types
from fractions import Fraction
from pathlib import Path

import numpy as np

from autograder.checks.core import CheckFailure, Context, margin
from autograder.config import ConfigError
from autograder.results import GradingResult, PartResult, TestResult, apportion, exact
from autograder.sandbox.runners import Reference
from autograder.sandbox.session import Sandbox, Session, StudentError
from autograder.authoring.release import COMPONENTS_INIT
from autograder.authoring.variants import VariantError, build, load_variants
from autograder.grading.submission import choice_notes, find_submission, released_stubs
from source_lib.messages import load_titles, message

DEVELOPMENT_SECRET = "backprop-lab-development-secret"


def course_secret(course):
    """The course secret from the environment (the development secret when unset)."""
    return os.environ.get(course.secret_env) or DEVELOPMENT_SECRET


def development_secret_warning(course):
    """The loud line to print when no course secret is set (else None): anyone can then
    compute every student's hidden inputs."""
    if os.environ.get(course.secret_env):
        return None
    return (f"WARNING: {course.secret_env} is not set: the hidden inputs are seeded from the public development "
            "secret, so anyone can compute them. Set it for real grading (results.json records "
            "extra_data.model.secret = \"development\").")


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
    """solutions/<assignment_id>/<file_name> imported in this trusted process."""
    path = course.solutions / assignment_id / file_name
    name = f"_reference_{assignment_id}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def variant_references(course, assignment, reference):
    """part id -> [a ``Reference`` runner of each declared variant that loses the part] (cached),
    for ``checks.core.plausible``: the variant's modules, run in this trusted process, in
    place of the reference's. A declaration that no longer applies is left out (validate says so)."""
    folder = course.solutions / assignment.id
    runners = {}

    def of_part(part):
        if part not in runners:
            runners[part] = []
            for variant in load_variants(folder):
                if part not in variant.loses:
                    continue
                try:
                    files = build(folder, assignment.files, variant)
                except VariantError:
                    continue
                modules = dict(reference.modules)
                for name, text in files.items():
                    module = types.ModuleType(f"_variant_{assignment.id}_{variant.name}_{Path(name).stem}")
                    exec(compile(text, f"{variant.name}/{name}", "exec"), module.__dict__)
                    modules[Path(name).stem] = module
                runners[part].append(Reference(modules))
        return runners[part]

    return of_part


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
        files["components/__init__.py"] = COMPONENTS_INIT
        packages += [f"components.{Path(name).stem}" for name in files
                     if name.startswith("components/") and not name.endswith("__init__.py")]
    return files, packages


def checks_by_part(assignment, checks):
    """{part id: [its checks]}; raises ConfigError naming a part that has none (correct code
    would get its points for nothing) or a check of a part course.toml does not have."""
    by_part = {p.id: [c for c in checks if c.part == p.id] for p in assignment.parts}
    empty = [part for part, found in by_part.items() if not found]
    if empty:
        raise ConfigError(f"course.toml: assignments[{assignment.id}]: part {empty[0]!r} has no hidden check")
    stray = sorted({c.part for c in checks} - set(by_part))
    if stray:
        raise ConfigError(f"course.toml: assignments[{assignment.id}]: hidden checks for unknown part {stray[0]!r}")
    return by_part


def explain(error, lang, limits):
    """The student-facing message and status of a StudentError."""
    what = error.what or "your code"
    if error.at_load and error.status == "fail":
        text = message("import_failed", lang, file=error.what or "?", error=error.detail)
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


def diagnose_error(error):
    """The diagnosis code of a StudentError: what kind of failure, for the class report."""
    if error.at_load and error.status == "fail":
        return "syntax_error" if "SyntaxError" in error.detail else "import_error"
    return "raised" if error.status == "fail" else error.status


def run_check(check, ctx):
    """(status, message, diagnosis, figure) of one check (see CheckFailure for the last two)."""
    try:
        check.run(ctx)
    except CheckFailure as failure:
        return "fail", str(failure), failure.diagnosis, failure.figure
    except StudentError as error:
        return *explain(error, ctx.lang, ctx.student.sandbox.limits), diagnose_error(error), None
    except Exception as exc:  # a fault of the grader, never a silent zero
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise  # temp space ran out: no result is recorded at all
        return "grader_error", f"grader error in {type(check).__name__}: {type(exc).__name__}: {exc}", "", None
    return "pass", "", "", None


def grade(course, assignment, submission_path, student_id, sandbox=None, secret=None, lang=None, margins=None):
    """Grade one submission; returns a GradingResult.

    course, assignment: from ``config.load_course``. submission_path: a folder or a file.
    sandbox: a shared ``Sandbox`` (one is made and removed if not given). margins: a dict to
    fill with {(part id, check name): how many times its verdict is away from its tolerance}
    (``checks.core.margin``), for validate.
    """
    lang = lang or course.language
    secret = secret if secret is not None else course_secret(course)
    own_sandbox = sandbox is None
    sandbox = sandbox or Sandbox(course.limits)
    try:
        return _grade(course, assignment, submission_path, student_id, sandbox, secret, lang,
                      {} if margins is None else margins)
    finally:
        if own_sandbox:
            sandbox.close()


def missing_file_message(submission, file, lang):
    """Why ``file`` was not found: not in the folder, or not in the notebook's cells."""
    if submission.notebook is not None:
        return message("missing_in_notebook", lang, file=file, notebook=submission.notebook.name)
    return message("missing_file", lang, file=file)


def _grade(course, assignment, submission_path, student_id, sandbox, secret, lang, margins):
    submission = find_submission(assignment, submission_path, sandbox.workdir(), released_stubs(course, assignment))
    hidden = _import_solution(course, assignment.id, HIDDEN_CHECKS)
    by_part = checks_by_part(assignment, hidden.CHECKS)
    reference = Reference(load_reference(course, assignment))
    variants = variant_references(course, assignment, reference)
    components = component_files(course, assignment)
    titles = load_titles(course.solutions / assignment.id, lang)
    result = GradingResult(assignment.id, student_id, language=lang, isolation=sandbox.isolation,
                           notes=choice_notes(submission, lang),
                           secret="development" if secret == DEVELOPMENT_SECRET else "course")
    limits = sandbox.limits
    sandbox.zygote()  # started here, so no student's time budget pays for it
    load_error = None
    replaced = getattr(hidden, "STAND_INS", {})  # {part: {"module.name": "doubles.name"}}
    for part in assignment.parts:
        if part.id in replaced:
            names = ", ".join(target.split(".", 1)[1] for target in replaced[part.id])
            result.notes.append(message("stand_ins", lang, part=part.title_in(lang), names=names))
        part_checks = by_part[part.id]
        shares = apportion(part.points, [c.weight for c in part_checks])
        started = time.monotonic()
        with Session(sandbox, {f[:-3]: p for f, p in submission.files.items()}, *components,
                     load_error=load_error, stand_ins=replaced.get(part.id)) as session:
            for check, max_score in zip(part_checks, shares):
                diagnosis, figure, ratios = "", None, []
                seconds = limits.check_seconds(time.monotonic() - started)
                if seconds <= 0:
                    status, diagnosis = "timeout", "timeout"
                    text = message("part_budget", lang, seconds=limits.part_budget_s)
                elif submission.missing:
                    status, diagnosis = "fail", "missing_file"
                    text = " ".join(missing_file_message(submission, f, lang) for f in submission.missing)
                else:
                    seed = derive_seed(secret, student_id, assignment.id, part.id, check.name)
                    ctx = Context(session, reference, np.random.default_rng(seed), course.tolerances.gradcheck,
                                  course.tolerances.reference, lang, variants)
                    session.start_budget(seconds)
                    status, text, diagnosis, figure = run_check(check, ctx)
                    ratios = ctx.ratios
                margins[part.id, check.name] = margin(ratios, status == "pass")
                got = max_score if status == "pass" else Fraction(0)
                result.tests.append(TestResult(part.id, titles.get(check.name, check.name), status, got, max_score,
                                               text, diagnosis, figure))
            load_error = session.load_error
        score = sum((t.score for t in result.tests if t.part == part.id), Fraction(0))
        result.parts.append(PartResult(part.id, part.title_in(lang), score, exact(part.points)))
    return result
