"""Grading one submission: run the hidden checks of each part and score them.

Every part gets its own fresh child process (a ``Session``); a check that fails,
times out or crashes costs its own points and nothing else. The checks' random
inputs come from a seed derived from the course secret, the student id, the
assignment, the part and the check's name, so a regrade gives the same results and
two students never see the same numbers. Each check's time is decided by
``Limits.check_seconds`` (config.py) of the assignment's limits (``Course.limits_of``):
``timeout_s``, cut to what is left of the part's budget of ``part_timeouts`` x
``timeout_s``; once that is spent, the part's remaining checks are not run and get
``timeout``.
"""

import ast
import errno
import hashlib
import importlib.util
import os
import sys
import time
import types
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from autograder.checks.core import CheckFailure, Context, margin
from autograder.config import LANGUAGES, ConfigError
from autograder.results import GradingResult, PartResult, TestResult, apportion, exact
from autograder.sandbox.runners import Reference
from autograder.sandbox.session import Sandbox, Session, StudentError
from autograder.authoring.release import COMPONENTS_INIT
from autograder.grading.mistakes import Observation, Recorder, known_mistakes, variant_modules
from autograder.outputs.feedback_page import KNOWN, NOT_RUN
from autograder.authoring.variants import VariantError, build, load_variants
from autograder.grading.submission import MAX_FILE_BYTES, choice_notes, find_submission, released_stubs
from autograder.outputs.page_text import page_text
from source_lib.messages import load_titles, message, where_text

DEVELOPMENT_SECRET = "backprop-lab-development-secret"


def course_secret(course):
    """The course secret from the environment (the development secret when unset)."""
    return os.environ.get(course.secret_env) or DEVELOPMENT_SECRET


def development_secret_warning(course):
    """The loud line to print when no course secret is set (else None), in the course's language:
    anyone can then compute every student's hidden inputs."""
    if os.environ.get(course.secret_env):
        return None
    return page_text(course.language)("development_secret_unset", env=course.secret_env)


def derive_seed(secret, *names):
    """A 63-bit seed from the secret and names (student, assignment, part, check)."""
    digest = hashlib.sha256("\0".join((secret, *names)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


HIDDEN_CHECKS = "hidden_checks.py"  # in solutions/<id>/: the CHECKS list, loaded by path here only
DOUBLES = "doubles.py"  # in solutions/<id>/, optional: test doubles, shipped as module ``doubles`` (``component_files``)


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
                modules = {**reference.modules, **variant_modules(files, f"{assignment.id}_{variant.name}")}
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


def given(hidden, part):
    """What of the grader's own the child of ``part`` gets: "components" and "doubles.<name>"
    (one test double), as hidden_checks.py declares in ``GIVEN`` ({part: [those]}) and in
    ``STAND_INS`` (its stand-ins). Raises ConfigError for anything else."""
    names = {*getattr(hidden, "GIVEN", {}).get(part, ()), *getattr(hidden, "STAND_INS", {}).get(part, {}).values()}
    wrong = sorted(n for n in names if n != "components" and not n.startswith("doubles."))
    if wrong:
        raise ConfigError(f"{HIDDEN_CHECKS}: part {part!r} is given {wrong[0]!r}: expected components or doubles.<name>")
    return names


def doubles_only(source, names):
    """The source of a doubles.py holding only the top-level definitions ``names`` (and its
    imports, constants and _private helpers): the other doubles may be correct code of the
    part under test. Raises ConfigError naming a double it does not define."""
    tree = ast.parse(source)
    defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    if set(names) - defined:
        raise ConfigError(f"{DOUBLES}: no test double {sorted(set(names) - defined)[0]!r}")
    tree.body = [node for node in tree.body if not isinstance(node, (ast.FunctionDef, ast.ClassDef))
                 or node.name in names or node.name.startswith("_")]
    return ast.unparse(tree)


def component_files(course, assignment, names):
    """({relative name: path}, [package names], doubles) given to a part's child beside the
    student's files: of ``names`` (see ``given``), nothing else of the grader's, so the
    student's module cannot import any other (in that child nothing else exists).

    doubles: for ``doubles.<name>``, the source of a ``doubles`` module holding those test
    doubles of the assignment's own ``doubles.py`` ("" when none), which the sandbox writes
    (``Sandbox.given_file``); ``components``: for an assignment that uses earlier ones, their
    reference components, which are the files released in ``assignments/<id>/components/``
    (released only once those are due), so the child learns nothing it was not given.
    """
    files, packages, doubles = {}, [], ""
    names_of_doubles = [name.split(".", 1)[1] for name in sorted(names) if name.startswith("doubles.")]
    if names_of_doubles:
        doubles = doubles_only((course.solutions / assignment.id / DOUBLES).read_text(encoding="utf-8"),
                               names_of_doubles)
        packages = ["doubles"]
    if assignment.uses and "components" in names:
        files.update({f"components/{f}": course.solutions / used / f
                      for used in assignment.uses for f in course.assignment(used).files})
        files["components/__init__.py"] = COMPONENTS_INIT
        packages += [f"components.{Path(name).stem}" for name in files
                     if name.startswith("components/") and not name.endswith("__init__.py")]
    return files, packages, doubles


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
    what = error.what or message("your_code", lang)
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
        detail = message(error.key, lang, **error.fields) if error.key else error.detail
        text, status = message("crashed", lang, what=what, detail=detail), "crashed"
    elif error.key:  # a failure the grader words (a value too large to take)
        text, status = message(error.key, lang, what=what, **error.fields), "fail"
    else:
        text, status = message("raised", lang, what=what, error=error.detail), "fail"
    if error.where:
        text += f" ({where_text(error.where, lang)})"
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
        ctx.student.flush()  # the answers of its deferred requests (``Session._defer``) are this check's
    except CheckFailure as failure:
        return "fail", str(failure), failure.diagnosis, failure.figure
    except StudentError as error:
        return *explain(error, ctx.lang, ctx.student.limits), diagnose_error(error), None
    except Exception as exc:  # a fault of the grader, never a silent zero
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise  # temp space ran out: no result is recorded at all
        return "grader_error", message("grader_error", ctx.lang, check=type(check).__name__,
                                       error=f"{type(exc).__name__}: {exc}"), "", None
    return "pass", "", "", None


def grade(course, assignment, submission_path, student_id, sandbox=None, secret=None, lang=None, margins=None,
          timings=None):
    """Grade one submission; returns a GradingResult.

    course, assignment: from ``config.load_course``. submission_path: a folder or a file.
    sandbox: a shared ``Sandbox`` (one is made and removed if not given). margins: a dict to
    fill with {(part id, check name): how many times its verdict is away from its tolerance}
    (``checks.core.margin``); timings: with {(part id, check name): wall seconds} of each check
    that passed, what its time budget counted. Both for validate.
    """
    lang = lang or course.language
    secret = secret if secret is not None else course_secret(course)
    own_sandbox = sandbox is None
    sandbox = sandbox or Sandbox(course.limits)
    try:
        return _grade(course, assignment, submission_path, student_id, sandbox, secret, lang,
                      {} if margins is None else margins, {} if timings is None else timings)
    finally:
        if own_sandbox:
            sandbox.close()


def name_known_mistakes(result, part_id, variants, lang):
    """Each failed check of the part says first that the code behaves like ``variants`` (one, or
    several the checks cannot tell apart), and carries their diagnosis (``KNOWN`` + "a|b")."""
    text = page_text(lang)
    line = text("known_mistake", why=variants[0].why_in(lang)) if len(variants) == 1 else \
        text("known_mistakes", whys="; ".join(v.why_in(lang) for v in variants))
    code = KNOWN + "|".join(v.name for v in variants)
    result.tests[:] = [replace(t, message=f"{line}\n{t.message}", diagnosis=code)
                       if t.part == part_id and not t.passed else t for t in result.tests]


def missing_text(submission, lang):
    """Why the submission's missing files were not found, said once: the files too large to
    read, if any (they explain the rest), else each missing file."""
    if submission.oversized:
        return " ".join(message("file_too_large", lang, file=name, mb=f"{size / (1 << 20):.1f}",
                                limit=MAX_FILE_BYTES >> 20) for name, size in submission.oversized.items())
    return " ".join(missing_file_message(submission, name, lang) for name in submission.missing)


def missing_file_message(submission, file, lang):
    """Why ``file`` was not found: not in the folder, or not in the notebook's cells."""
    if submission.notebook is not None:
        return message("missing_in_notebook", lang, file=file, notebook=submission.notebook.name)
    return message("missing_file", lang, file=file)


@dataclass(frozen=True)
class Bundle:
    """What grading reads of an assignment besides the submission, loaded once per process
    (``load_bundle``), so a grade is (bundle, submission, student) -> result.

    by_part: {part id: [its hidden checks]}; stand_ins: {part id: {"module.name": "doubles.name"}};
    reference: the reference modules' runner; components: {part id: what of the grader's its
    child gets (``component_files`` of ``given``)}; stubs: {file name: released stub text}; titles: {lang: {English title: title}};
    variants: part id -> runners of its declared buggy variants (``variant_references``, built on first use).
    """

    by_part: dict
    stand_ins: dict
    reference: Reference
    components: dict
    stubs: dict
    titles: dict
    variants: object


_BUNDLES = {}  # {(course root, assignment id): ((fingerprint, assignment), Bundle)}


def _fingerprint(course, assignment):
    """What a bundle is built from, as (path, mtime, size): course.toml and the solution
    folders of the assignment and of those it uses. An edit makes the next grade reload."""
    folders = [course.solutions / aid for aid in (assignment.id, *assignment.uses)]
    paths = [course.root / "course.toml", *(p for f in folders for p in sorted(f.glob("*")) if p.is_file())]
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.exists())


def load_bundle(course, assignment):
    """The assignment's ``Bundle``, imported once per process and again only after an edit."""
    key, built_from = (str(course.root), assignment.id), (_fingerprint(course, assignment), assignment)
    cached = _BUNDLES.get(key)
    if cached and cached[0] == built_from:
        return cached[1]
    hidden = _import_solution(course, assignment.id, HIDDEN_CHECKS)
    reference = Reference(load_reference(course, assignment))
    bundle = Bundle(by_part=checks_by_part(assignment, hidden.CHECKS), stand_ins=getattr(hidden, "STAND_INS", {}),
                    reference=reference,
                    components={part.id: component_files(course, assignment, given(hidden, part.id))
                                for part in assignment.parts},
                    stubs=released_stubs(course, assignment),
                    titles={lang: load_titles(course.solutions / assignment.id, lang) for lang in LANGUAGES},
                    variants=variant_references(course, assignment, reference))
    _BUNDLES[key] = built_from, bundle
    return bundle


def _grade(course, assignment, submission_path, student_id, sandbox, secret, lang, margins, timings):
    bundle = load_bundle(course, assignment)
    submission = find_submission(assignment, submission_path, sandbox.workdir(), bundle.stubs)
    by_part, reference, titles, variants = bundle.by_part, bundle.reference, bundle.titles[lang], bundle.variants
    result = GradingResult(assignment.id, student_id, language=lang, isolation=sandbox.isolation,
                           notes=choice_notes(submission, lang),
                           secret="development" if secret == DEVELOPMENT_SECRET else "course")
    limits = course.limits_of(assignment)
    sandbox.zygote()  # ready before the first check, so no student's time budget pays for its start
    begun = time.monotonic()
    load_error = None
    replaced = bundle.stand_ins
    parts = assignment.parts

    def session_of(part):
        files, packages, doubles = bundle.components[part.id]
        if doubles:
            files = {**files, DOUBLES: sandbox.given_file(DOUBLES, doubles)}
        return Session(sandbox, {f[:-3]: p for f, p in submission.files.items()}, files, packages,
                       stand_ins=replaced.get(part.id), limits=limits)

    upcoming = session_of(parts[0])
    try:
        for index, part in enumerate(parts):
            if part.id in replaced:
                names = ", ".join(target.split(".", 1)[1] for target in replaced[part.id])
                result.notes.append(message("stand_ins", lang, part=part.title_in(lang), names=names))
            part_checks = by_part[part.id]
            shares = apportion(part.points, [c.weight for c in part_checks])
            session, upcoming = upcoming, session_of(parts[index + 1]) if index + 1 < len(parts) else None
            session.load_error = load_error
            if upcoming is not None and load_error is None and not submission.missing:
                try:
                    upcoming.spawn()  # its child's isolation is set up while this part runs
                except RuntimeError:  # no zygote now: that part's first call spawns it, and says so in its check
                    pass
            started = time.monotonic()
            observed = []  # what each check saw, to recognise a known mistake (mistakes.py)
            with session:
                for check, max_score in zip(part_checks, shares):
                    diagnosis, figure, ratios = "", None, []
                    seconds = limits.check_seconds(time.monotonic() - started, time.monotonic() - begun)
                    if seconds <= 0:  # not run: what used up the budget is the cause (feedback_page.COLLATERAL)
                        status, diagnosis = "timeout", NOT_RUN
                        text = (message("submission_budget", lang, seconds=limits.submission_s)
                                if time.monotonic() - begun >= limits.submission_s
                                else message("part_budget", lang, seconds=limits.part_budget_s))
                    elif submission.missing:
                        status, diagnosis = "fail", "missing_file"
                        text = missing_text(submission, lang)
                    else:
                        seed = derive_seed(secret, student_id, assignment.id, part.id, check.name)
                        recorder = Recorder(session)
                        ctx = Context(recorder, reference, np.random.default_rng(seed), course.tolerances.gradcheck,
                                      course.tolerances.reference, lang, variants)
                        session.start_budget(seconds)
                        checked = time.monotonic()
                        status, text, diagnosis, figure = run_check(check, ctx)
                        if status == "pass":
                            timings[part.id, check.name] = time.monotonic() - checked
                        observed.append(Observation(check, seed, status, recorder.values if status != "pass" else []))
                        ratios = ctx.ratios
                    margins[part.id, check.name] = margin(ratios, status == "pass")
                    got = max_score if status == "pass" else Fraction(0)
                    result.tests.append(TestResult(part.id, titles.get(check.name, check.name), status, got, max_score,
                                                   text, diagnosis, figure))
                load_error = session.load_error
            if len(observed) == len(part_checks) and any(o.status == "fail" for o in observed) \
                    and all(o.status in ("pass", "fail") for o in observed):
                known = known_mistakes(course, assignment, part, observed, reference, sandbox, replaced.get(part.id),
                                       lang, run_check, variants)
                if known:
                    name_known_mistakes(result, part.id, known, lang)
            score = sum((t.score for t in result.tests if t.part == part.id), Fraction(0))
            result.parts.append(PartResult(part.id, part.title_in(lang), score, exact(part.points)))
    finally:
        if upcoming is not None:
            upcoming.close()
    return result
