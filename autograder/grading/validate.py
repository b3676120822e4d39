"""`course validate`: the instructor's proof that the grader scores what it should.

For an assignment it grades, with the same hidden checks students get, each of these
implementations as ``students`` different student ids (a seed sweep):

- the reference solution: must get full marks;
- the released stubs: must get 0, every check "not implemented";
- the do-nothing probes (``autograder.authoring.probes``: zeros, constant, echo, pass): must get 0;
- each variant declared in ``solutions/<id>/variants.toml`` (``autograder.authoring.variants``):
  a known-buggy one must lose points in exactly the parts it declares (the part check) and be
  named there as that mistake (``unnamed_parts``: else a student who makes it is told values
  only), a correct one must get full marks;
- with ``--mutants``, each single-point mutant of the reference's solution regions
  (``autograder.authoring.mutants``), graded once: it must lose points (killed) unless it
  is a declared correct variant (an equivalent mutant, declared with its ``why``); a
  survivor's row shows its diff.

Every implementation must get the same part scores for every student id: otherwise the
score depends on who submits the code. And every verdict of every check, for every
implementation and student id, must be at least ``MARGIN`` (10) times away from its
tolerance (``checks.core.margin``: a pass at most a tenth of the tolerance, a failure at
least ten times it), so no seed, BLAS or platform can flip it; a row says which check is
narrowest (``Row.margin``, ``Row.narrowest``). Time alike: no check of an implementation that
must get full marks may take more than a tenth of the assignment's ``timeout_s`` in its fastest
run over the student ids (``Row.slowest``), so a slower machine does not time it out. A declared
change that no longer applies to the reference gives a failing row naming the variant. It also checks that every hidden
check belongs to a part of course.toml and every part has a check. The result is a list
of ``Row``s, one per implementation.
"""

import contextlib
import os
import re
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from autograder.checks.core import MARGIN
from autograder.outputs.feedback_page import known_names
from autograder.config import STUDENTS
from autograder.grading.grade import grade, hidden_checks
from autograder.outputs.page_text import page_text
from autograder.results import points
from autograder.authoring.probes import PROBES, probe_files
from autograder.sandbox.session import Sandbox
from autograder.authoring.stubs import make_stub, strip_markers
from autograder.authoring.variants import VariantError, build, load_variants



@dataclass(frozen=True)
class Row:
    """One implementation graded by validate and what it was expected to get."""

    kind: str          # declarations, reference, stubs, probe, buggy, correct
    name: str
    expected: str
    got: str
    ok: bool
    detail: str = ""
    margin: float = float("inf")  # the smallest margin of any check for any student id
    narrowest: str = ""           # which: "part: check (student)"
    # a correct implementation: the longest wall seconds of a check that passed (its fastest run over the
    # student ids), and which ("part: check"); a measurement, so two gradings of the same rows compare equal
    slowest: float = field(default=0.0, compare=False)
    slowest_at: str = field(default="", compare=False)


@dataclass(frozen=True)
class Implementation:
    """Files to grade and what they must score.

    loses: the parts it must lose (empty: full marks); None: it must score 0 in every part.
    """

    kind: str
    name: str
    files: dict        # {file name: text}
    loses: frozenset | None
    why: str = ""


def implementations(course, assignment):
    """(the Implementations to grade, Rows of variants whose declaration no longer applies), said in
    the course's language."""
    text = page_text(course.language)
    folder = course.solutions / assignment.id
    texts = {n: (folder / n).read_text(encoding="utf-8") for n in assignment.files}
    found = [Implementation("reference", "solutions", {n: strip_markers(t) for n, t in texts.items()}, frozenset()),
             Implementation("stubs", "released", {n: make_stub(t) for n, t in texts.items()}, None)]
    found += [Implementation("probe", p, probe_files(texts, p), None, text("validate_computes_nothing"))
              for p in PROBES]
    broken = []
    for variant in load_variants(folder):
        try:
            files = build(folder, assignment.files, variant)
        except VariantError as exc:
            broken.append(Row(variant.kind, variant.name, text("validate_applies"), text("validate_not_applies"), False,
                              not_applied(exc, text)))
            continue
        found.append(Implementation(variant.kind, variant.name, files, frozenset(variant.loses),
                                    variant.why_in(course.language)))
    return found, broken


def not_applied(error, text):
    """Why a declared variant does not build (a VariantError), said by ``text`` (``page_text``)."""
    if not error.key:
        return str(error)
    fields = dict(error.fields)
    if "why" in fields:
        key, why = fields["why"]
        fields["why"] = text(key, **why)
    return text(error.key, **fields)


def mutant_implementations(course, assignment):
    """An Implementation of kind "mutant" for every single-point mutant of the reference's
    solution regions (``autograder.authoring.mutants``) that is not a declared variant (an
    equivalent mutant is declared as a correct variant, graded as such); ``why`` holds its diff."""
    from autograder.authoring.mutants import mutants  # libcst, loaded only when mutants are asked for

    folder = course.solutions / assignment.id
    texts = {n: (folder / n).read_text(encoding="utf-8") for n in assignment.files}
    reference = {n: strip_markers(t) for n, t in texts.items()}
    declared = []
    for variant in load_variants(folder):
        try:
            declared.append(build(folder, assignment.files, variant))
        except VariantError:
            continue  # validate's own rows say so
    return [Implementation("mutant", mutant_name(m, course.language), m.files, None, m.diff(reference))
            for m in mutants(texts) if m.files not in declared]


def mutant_name(mutant, lang):
    """A Mutant (``authoring.mutants``) named in ``lang``: "gates.py:42 operator: * made /"."""
    text = page_text(lang)
    return text("mutant_name", file=mutant.file, line=mutant.line, kind=text(f"mutant_kind_{mutant.kind}"),
                change=text(f"mutant_{mutant.change}", **mutant.fields))


def _failing(result):
    return "; ".join(f"{t.part}: {t.name}: {t.message[:160]}" for t in result.tests if not t.passed)[:600]


def _part_scores(result):
    return tuple((p.id, p.score) for p in result.parts)


def narrowest(margins):
    """(smallest margin, "part: check (student)") over ``margins``: {student: {(part, check): margin}}."""
    return min(((m, f"{part}: {check} ({student})") for student, found in margins.items()
                for (part, check), m in found.items()), default=(float("inf"), ""))


def slowest(timings):
    """(seconds, "part: check") of the check whose fastest run over the student ids is the longest,
    from ``timings``: {student: {(part, check): seconds}}. The fastest run is the check's own time
    (as ``timeit`` takes the minimum): what a machine busy with something else adds is left out,
    so a test suite's or a CI runner's load does not fail a correct row. A check slow for some
    inputs only is not seen by it; the checks' inputs vary in values, not in size."""
    times = {}
    for found in timings.values():
        for key, seconds in found.items():
            times[key] = min(seconds, times.get(key, seconds))
    return max(((s, f"{part}: {check}") for (part, check), s in times.items()), default=(0.0, ""))


def unnamed_parts(impl, result):
    """The parts ``impl`` (a declared buggy variant) loses where ``result``, its code graded as a
    student's, does not name it (``grade.name_known_mistakes``): a student who makes this mistake
    there would be told values only."""
    return sorted({t.part for t in result.tests if not t.passed and t.part in impl.loses
                   and impl.name not in known_names(t.diagnosis)})


def verdict(impl, results, margins=None, lang="en", timings=None, timeout_s=None):
    """The Row of ``impl`` from its GradingResults, one per student id (at least one), the
    margins of its checks ({student: {(part, check): margin}}, see ``grade``) and the seconds of
    those that passed (``timings``, alike), said in ``lang``. An implementation that must get full
    marks fails its row when a check of it took more than ``timeout_s`` / MARGIN: on a slower or
    busier machine it would run out of time, a false failure."""
    text = page_text(lang)
    first = results[0]
    got = f"{points(first.score)}/{points(first.max_score)}"
    lost = {p.id for p in first.parts if p.score < p.max_score}
    if impl.kind == "mutant":
        expected = text("validate_killed")
        ok = first.score < first.max_score
    elif impl.kind == "stubs":
        expected = text("validate_stubs")
        ok = first.score == 0 and all(t.status == "not_implemented" for t in first.tests)
    elif impl.loses is None:
        expected, ok = "0", first.score == 0
    elif impl.loses:
        expected = text("validate_loses", parts=", ".join(sorted(impl.loses)))
        got = text("validate_loses", parts=", ".join(sorted(lost))) if lost else text("validate_nothing")
        ok = lost == impl.loses and not first.grader_errors
    else:
        expected, ok = text("validate_full"), first.score == first.max_score
    if ok and impl.kind == "mutant":
        detail = ""
    elif ok or impl.loses or impl.kind == "mutant":
        detail = impl.why
    elif impl.loses is None and impl.kind != "stubs":
        detail = text("validate_earns", checks="; ".join(f"{t.part}: {t.name}" for t in first.tests if t.passed)[:600])
    else:
        detail = _failing(first)
    varying = [r for r in results if _part_scores(r) != _part_scores(first)]
    if varying:
        ok = False
        other = varying[0]
        detail = text("validate_varies", first=first.student, other=other.student, n=len(varying), total=len(results),
                      first_parts=", ".join(f"{p.id} {points(p.score)}" for p in first.parts),
                      other_parts=", ".join(f"{p.id} {points(p.score)}" for p in other.parts))
    smallest, where = narrowest(margins or {})
    if smallest < MARGIN:
        # a mutant is arbitrary code, graded once: a narrow verdict is noted, it is not a declared convention
        ok = ok and impl.kind == "mutant"
        detail = text("validate_narrow", factor=smallest, margin=MARGIN, where=where) + " " + detail
    unnamed = unnamed_parts(impl, first) if ok and impl.kind == "buggy" else []
    if unnamed:
        ok = False
        detail = text("validate_unnamed", parts=", ".join(unnamed)) + " " + detail
    took, at = slowest(timings or {}) if impl.loses == frozenset() else (0.0, "")  # must get full marks
    if timeout_s and took * MARGIN > timeout_s:
        ok = False
        detail = text("validate_slow", seconds=took, factor=timeout_s / took, limit=timeout_s, margin=MARGIN,
                      where=at) + " " + detail
    return Row(impl.kind, impl.name, expected, got, ok, detail, smallest, where, took, at)


def declaration_rows(course, assignment):
    text = page_text(course.language)
    part_ids = {p.id for p in assignment.parts}
    checks = hidden_checks(course, assignment)
    stray = sorted({c.part for c in checks} - part_ids)
    empty = sorted(part_ids - {c.part for c in checks})
    ok = not stray and not empty
    detail = " ".join([text("validate_unknown_parts", parts=stray)] * bool(stray)
                      + [text("validate_unchecked_parts", parts=empty)] * bool(empty))
    return [Row("declarations", text("validate_checks", n=len(checks)), text("validate_every_part"),
                text("validate_declared_ok" if ok else "validate_declared_bad"), ok, detail)]


def student_ids(students):
    return [f"validate-{k}" for k in range(students)]


def grade_all(course, assignment, impls, students=STUDENTS, jobs=1, sandbox=None, progress=None):
    """[Row] of ``impls``, each graded as ``students`` student ids, by ``jobs`` workers
    (batch's worker pool; ``sandbox`` is used when jobs is 1)."""
    from autograder.grading.batch import _init_worker

    tmp = Path(tempfile.mkdtemp(prefix="backprop-validate-"))
    try:
        folders = []
        for i, impl in enumerate(impls):
            folder = tmp / re.sub(r"[^\w.-]+", "_", f"{i}-{impl.kind}-{impl.name}")  # a mutant's name holds "/"
            folder.mkdir()
            for name, text in impl.files.items():
                (folder / name).write_text(text, encoding="utf-8")
            folders.append(folder)
        tasks = [(i, student) for i in range(len(impls)) for student in student_ids(students)]
        graded = {}  # (i, student): (GradingResult, margins, timings)
        if jobs > 1:
            with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                                     initargs=(course, os.getpid())) as pool:
                futures = {task: pool.submit(_grade_with_margins, assignment.id, task[1], str(folders[task[0]]))
                           for task in tasks}
                graded = {task: future.result() for task, future in futures.items()}
        else:
            with contextlib.nullcontext(sandbox) if sandbox else Sandbox(course.limits) as box:
                for i, student in tasks:
                    if progress and student == student_ids(1)[0]:
                        progress(impls[i].kind, impls[i].name)
                    margins, timings = {}, {}
                    graded[i, student] = grade(course, assignment, folders[i], student, sandbox=box,
                                               margins=margins, timings=timings), margins, timings
        ids = student_ids(students)
        return [verdict(impl, [graded[i, s][0] for s in ids], {s: graded[i, s][1] for s in ids}, course.language,
                        {s: graded[i, s][2] for s in ids}, course.limits_of(assignment).timeout_s)
                for i, impl in enumerate(impls)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _grade_with_margins(assignment_id, student, path):
    """(GradingResult, margins, timings) of one submission in a worker of batch's pool."""
    from autograder.grading.batch import _WORKER

    course, margins, timings = _WORKER["course"], {}, {}
    return grade(course, course.assignment(assignment_id), path, student, sandbox=_WORKER["sandbox"],
                 margins=margins, timings=timings), margins, timings


def validate(course, assignment, sandbox=None, progress=None, students=STUDENTS, jobs=1, with_mutants=False):
    """The rows of ``course validate`` for one assignment; with_mutants: also a row per
    undeclared single-point mutant, graded as one student id, that must be killed."""
    impls, broken = implementations(course, assignment)
    rows = declaration_rows(course, assignment)
    rows += grade_all(course, assignment, impls, students, jobs, sandbox, progress) + broken
    if with_mutants:
        rows += grade_all(course, assignment, mutant_implementations(course, assignment), 1, jobs, sandbox, progress)
    return rows
