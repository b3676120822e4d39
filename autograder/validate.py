"""`course validate`: the instructor's proof that the grader itself is right.

For an assignment it grades, with the same hidden checks students get:

- the reference solution: must get full marks;
- the released stubs: must get 0, every check "not implemented";
- each buggy variant of ``autograder/validation/<id>/``: must lose points in each part
  its manifest says it breaks, and only there;
- each correct variant: must get full marks.

It also checks that every hidden check belongs to a part of course.toml and every
part has a check. The result is a list of ``Row``s, one per graded implementation.
"""

import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder.grading import grade, hidden_checks
from autograder.stubs import make_stub

VALIDATION = Path(__file__).parent / "validation"


@dataclass(frozen=True)
class Row:
    """One implementation graded by validate and what it was expected to get."""

    kind: str          # reference, stubs, buggy, correct, declarations
    name: str
    expected: str
    got: str
    ok: bool
    detail: str = ""


def manifest(assignment):
    """The validation manifest of ``assignment`` ({} when it has none)."""
    path = VALIDATION / assignment.id / "manifest.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _materialise(course, assignment, folder, overrides):
    """Write a full submission to ``folder``: reference files, replaced by ``overrides``."""
    folder.mkdir(parents=True)
    for name in assignment.files:
        source = overrides.get(name)
        if source is None:
            text = (course.solutions / assignment.id / name).read_text(encoding="utf-8")
        else:
            text = source if isinstance(source, str) else Path(source).read_text(encoding="utf-8")
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _scores(result):
    return {p.id: (float(p.score), float(p.max_score)) for p in result.parts}


def _failing(result, limit=2):
    return "; ".join(f"{t.part}: {t.name}: {t.message[:160]}" for t in result.tests if not t.passed)[:600]


def declaration_rows(assignment):
    part_ids = {p.id for p in assignment.parts}
    checks = hidden_checks(assignment)
    stray = sorted({c.part for c in checks} - part_ids)
    empty = sorted(part_ids - {c.part for c in checks})
    ok = not stray and not empty
    detail = (f"checks of unknown parts {stray}. " if stray else "") + (f"parts without checks {empty}" if empty else "")
    return [Row("declarations", f"{len(checks)} hidden checks", "every part checked", "ok" if ok else "bad", ok, detail)]


def validate(course, assignment, sandbox=None, progress=None):
    """The rows of ``course validate`` for one assignment."""
    rows = declaration_rows(assignment)
    student = "validate"
    tmp = Path(tempfile.mkdtemp(prefix="backprop-validate-"))
    try:
        def run(kind, name, overrides):
            if progress:
                progress(kind, name)
            folder = _materialise(course, assignment, tmp / f"{kind}-{name}", overrides)
            return grade(course, assignment, folder, student, sandbox=sandbox)

        result = run("reference", "solutions", {})
        full = result.score == result.max_score
        rows.append(Row("reference", "solutions", "full marks", f"{result.score:g}/{result.max_score:g}", full,
                        "" if full else _failing(result)))
        stubs = {n: make_stub((course.solutions / assignment.id / n).read_text(encoding="utf-8"))
                 for n in assignment.files}
        result = run("stubs", "released", stubs)
        zero = result.score == 0 and all(t.status == "not_implemented" for t in result.tests)
        rows.append(Row("stubs", "released", "0, all not implemented", f"{result.score:g}/{result.max_score:g}", zero,
                        "" if zero else _failing(result)))
        spec = manifest(assignment)
        for name, entry in sorted(spec.get("buggy", {}).items()):
            folder = VALIDATION / assignment.id / "buggy" / name
            result = run("buggy", name, {p.name: p for p in folder.glob("*.py")})
            scores = _scores(result)
            breaks = set(entry["breaks"])
            lost = {part for part, (score, max_score) in scores.items() if score < max_score}
            ok = lost == breaks and not result.grader_errors
            rows.append(Row("buggy", name, "loses " + ", ".join(sorted(breaks)),
                            "loses " + (", ".join(sorted(lost)) or "nothing"), ok, entry.get("why", "")))
        for name, entry in sorted(spec.get("correct", {}).items()):
            folder = VALIDATION / assignment.id / "correct" / name
            result = run("correct", name, {p.name: p for p in folder.glob("*.py")})
            full = result.score == result.max_score
            rows.append(Row("correct", name, "full marks", f"{result.score:g}/{result.max_score:g}", full,
                            entry.get("why", "") if full else _failing(result)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows
