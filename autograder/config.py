"""course.toml, loaded into typed dataclasses.

A bad file is rejected with ``ConfigError`` naming the file, the key and what was
expected: unknown keys, wrong types, numbers that are not finite or outside their sane
range (``RANGES``), points that are not whole hundredths, parts whose points do not add
up to the assignment's points, duplicate ids, a student file missing from ``solutions/``.
"""

import datetime
import math
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

LANGUAGES = ("en", "ko")
STUDENTS = 20  # the default of `course validate --students`: how many student ids each implementation is graded as


class ConfigError(Exception):
    """course.toml is not valid; the message says where and what was expected."""


class UsageError(Exception):
    """A command cannot run as asked (a missing path, a folder in use, a refused zip): one line."""


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    points: float
    title_ko: str = ""

    def title_in(self, lang):
        """The part's title in ``lang``: ``title_ko`` in Korean when given, else ``title``."""
        return self.title_ko if lang == "ko" and self.title_ko else self.title


@dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    points: float
    files: tuple[str, ...]
    due: datetime.datetime | None
    parts: tuple[Part, ...]
    uses: tuple[str, ...] = ()
    title_ko: str = ""
    timeout_s: float | None = None  # its own [limits] timeout_s (``Course.limits_of``); None: the course's

    def title_in(self, lang):
        """The assignment's title in ``lang``: ``title_ko`` in Korean when given, else ``title``."""
        return self.title_ko if lang == "ko" and self.title_ko else self.title

    def part(self, part_id):
        for part in self.parts:
            if part.id == part_id:
                return part
        raise KeyError(part_id)

    @property
    def modules(self):
        """The module names of the student files: ("gates",) for ("gates.py",)."""
        return tuple(Path(f).stem for f in self.files)


@dataclass(frozen=True)
class Limits:
    """What one child process may use: the one definition, read from course.toml's [limits].

    timeout_s: wall time of one check (an assignment may set its own: ``Course.limits_of``).
    part_timeouts: a part's checks share a budget of that many check timeouts
    (``part_budget_s``); each check gets
    ``check_seconds(part_elapsed)``, so a part never runs longer than its budget, and
    the child's CPU-time rlimit (``cpu_s``) is a backstop just above it. memory_mb:
    address space. output_kb: the size of any one file the child writes (what it prints
    included; RLIMIT_FSIZE, at every level). disk_mb: all it may write in its scratch
    directory together (a size-limited tmpfs, at the ``jail`` level). processes:
    RLIMIT_NPROC at the ``jail`` level. class_mb, class_files, class_depth: caps on
    reading a class (a zip or a folder tree): total bytes, entries, folder depth.
    submission_s: wall time of grading one submission, all parts together (a backstop
    well above the sum of the part budgets): past it, its remaining checks are not run
    and get ``timeout``, so a batch never stalls on one student.
    """

    timeout_s: float = 10.0
    memory_mb: int = 1024
    output_kb: int = 256
    disk_mb: int = 64
    part_timeouts: int = 2
    processes: int = 64
    class_mb: int = 2048
    class_files: int = 100_000
    class_depth: int = 16
    submission_s: float = 600.0

    @property
    def part_budget_s(self):
        return self.part_timeouts * self.timeout_s

    def check_seconds(self, part_elapsed, submission_elapsed=0.0):
        """Wall seconds the next check of a part gets after ``part_elapsed`` seconds of it and
        ``submission_elapsed`` of the whole submission: ``timeout_s``, cut to what is left of
        the part's budget and of ``submission_s`` (0 or less: none left)."""
        return min(self.timeout_s, self.part_budget_s - part_elapsed, self.submission_s - submission_elapsed)

    @property
    def cpu_s(self):
        """RLIMIT_CPU of a child (it lives for one part): the part's budget plus one second."""
        return math.ceil(self.part_budget_s) + 1


# key: (lowest, highest) accepted; every number must also be finite
RANGES = {
    "timeout_s": (0.05, 3600), "memory_mb": (64, 1 << 20), "output_kb": (1, 1 << 20), "disk_mb": (1, 1 << 20),
    "part_timeouts": (1, 100), "processes": (1, 10_000), "class_mb": (1, 1 << 24), "class_files": (1, 10**8),
    "class_depth": (2, 1000), "submission_s": (1, 86400), "gradcheck": (1e-12, 0.1), "reference": (1e-15, 0.1), "points": (0.01, 1e6),
    "threshold": (0.05, 1.0), "penalty": (0, 100), "grace_minutes": (0, 10_080), "cap": (0, 100), "late_days": (0, 365),
}


@dataclass(frozen=True)
class Tolerances:
    gradcheck: float = 1e-5
    reference: float = 1e-6


VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")


@dataclass(frozen=True)
class GradescopeSettings:
    """When Gradescope shows a result to the student (its visibility values, ``VISIBILITIES``).

    summary: the total and the per-part summary; checks: each hidden check's result.
    mistakes: whether the summary names a part's known mistakes while the checks are not
    shown yet (off by default: a mistake's name tells what a hidden check tests).
    """

    summary: str = "visible"
    checks: str = "visible"
    mistakes: bool = False


LATE_UNITS = ("day", "hour")


@dataclass(frozen=True)
class LatePolicy:
    """course.toml's ``[late]``: what a late submission costs (``grading/late.py`` applies it).

    Lateness is the submission time minus the assignment's due time. Within
    ``grace_minutes`` it costs nothing; past it, every started ``per`` (a day or an hour)
    costs ``penalty`` percent of the raw score, at most ``cap`` percent in all. A student
    has ``late_days`` for the term (0: none): each started day of lateness spends one,
    earlier due dates first, and a day covered by one costs nothing.
    """

    per: str = "day"
    penalty: float = 0
    grace_minutes: float = 0
    cap: float = 100
    late_days: int = 0


@dataclass(frozen=True)
class Course:
    root: Path
    name: str
    language: str
    secret_env: str
    limits: Limits
    tolerances: Tolerances
    assignments: tuple[Assignment, ...] = field(default=())
    gradescope: GradescopeSettings = GradescopeSettings()
    late: LatePolicy | None = None          # None: no [late] table, nothing is ever deducted
    similarity_threshold: float = 0.6       # [similarity] threshold: pairs at or above it are shown

    def limits_of(self, assignment):
        """The ``Limits`` an assignment's checks run under: [limits], with the assignment's own
        ``timeout_s`` when it sets one (so a loop in a1, whose checks take milliseconds, need
        not hold a core as long as one in a5)."""
        if assignment.timeout_s is None:
            return self.limits
        return replace(self.limits, timeout_s=assignment.timeout_s)

    def assignment(self, assignment_id):
        for assignment in self.assignments:
            if assignment.id == assignment_id:
                return assignment
        known = ", ".join(a.id for a in self.assignments)
        raise ConfigError(f"{self.root / 'course.toml'}: no assignment {assignment_id!r} (known: {known})")

    @property
    def solutions(self):
        return self.root / "solutions"


class _Table:
    """Reads one TOML table, checking types and rejecting unknown keys."""

    def __init__(self, path, where, data):
        self.path, self.where, self.data = path, where, data
        if not isinstance(data, dict):
            self.fail("", "a table")
        self.used = set()

    def fail(self, key, expected, got=None):
        name = f"{self.where}.{key}" if key else self.where
        shown = "" if got is None else f", got {got!r}"
        raise ConfigError(f"{self.path}: {name}: expected {expected}{shown}")

    def get(self, key, types, expected, default=None, required=True):
        self.used.add(key)
        if key not in self.data:
            if required:
                self.fail(key, f"{expected} (missing)")
            return default
        value = self.data[key]
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            self.fail(key, expected, value)
        return value

    def done(self):
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            self.fail(unknown[0], f"one of {sorted(self.used)} (unknown key)")


def _number(table, key, default, required=False):
    """A finite number within ``RANGES[key]``."""
    value = table.get(key, (int, float), "a number", default, required=required)
    low, high = RANGES[key]
    if not math.isfinite(value) or not low <= value <= high:
        table.fail(key, f"a finite number from {low:g} to {high:g}", value)
    return value


def _points(table, key, default, required=False):
    """Points: a number of whole hundredths (so every total shown at 2 decimals is exact)."""
    value = _number(table, key, default, required)
    if abs(value * 100 - round(value * 100)) > 1e-6:
        table.fail(key, "points in whole hundredths", value)
    return value


def _strings(table, key, required=True):
    values = table.get(key, (list,), "a list of strings", [], required)
    if not all(isinstance(v, str) for v in values):
        table.fail(key, "a list of strings", values)
    return tuple(values)


def _assignment(path, index, data, root):
    table = _Table(path, f"assignments[{index}]", data)
    aid = table.get("id", (str,), "a string")
    table.where = f"assignments[{aid}]"
    title = table.get("title", (str,), "a string")
    title_ko = table.get("title_ko", (str,), "a string", "", required=False)
    points = _points(table, "points", 100)
    files = _strings(table, "files")
    if not files:
        table.fail("files", "at least one student file")
    uses = _strings(table, "uses", required=False)
    due = table.get("due", (datetime.datetime, datetime.date), "a TOML date-time", None, required=False)
    timeout_s = float(_number(table, "timeout_s", None)) if "timeout_s" in data else None
    raw_parts = table.get("parts", (list,), "a list of parts")
    table.done()
    parts = []
    for i, raw in enumerate(raw_parts):
        pt = _Table(path, f"assignments[{aid}].parts[{i}]", raw)
        parts.append(Part(pt.get("id", (str,), "a string"), pt.get("title", (str,), "a string"),
                          _points(pt, "points", None, required=True), pt.get("title_ko", (str,), "a string", "",
                                                                            required=False)))
        pt.done()
    ids = [p.id for p in parts]
    if len(set(ids)) != len(ids):
        table.fail("parts", "unique part ids", ids)
    total = sum(p.points for p in parts)
    if abs(total - points) > 1e-9:
        table.fail("parts", f"points adding up to {points:g}", f"{total:g}")
    for name in files:
        if not (root / "solutions" / aid / name).is_file():
            table.fail("files", f"a file solutions/{aid}/{name}", name)
    return Assignment(aid, title, points, files, due, tuple(parts), uses, title_ko, timeout_s)


def load_course(root="."):
    """The course of ``root/course.toml``; raises ConfigError if the file is not valid."""
    root = Path(root).resolve()
    path = root / "course.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    top = _Table(path, "course.toml", data)
    course = _Table(path, "course", top.get("course", (dict,), "a [course] table"))
    limits = _Table(path, "limits", top.get("limits", (dict,), "a [limits] table", {}, required=False))
    tols = _Table(path, "tolerances", top.get("tolerances", (dict,), "a [tolerances] table", {}, required=False))
    raw_assignments = top.get("assignments", (list,), "an array of [[assignments]] tables")
    gs = _Table(path, "gradescope", top.get("gradescope", (dict,), "a [gradescope] table", {}, required=False))
    raw_late = top.get("late", (dict,), "a [late] table", None, required=False)
    similar = _Table(path, "similarity", top.get("similarity", (dict,), "a [similarity] table", {}, required=False))
    top.done()
    late = None if raw_late is None else _late(_Table(path, "late", raw_late))
    threshold = float(_number(similar, "threshold", 0.6))
    similar.done()
    visibility = {key: gs.get(key, (str,), f"one of {VISIBILITIES}", "visible", required=False)
                  for key in ("summary", "checks")}
    for key, value in visibility.items():
        if value not in VISIBILITIES:
            gs.fail(key, f"one of {VISIBILITIES}", value)
    mistakes = gs.get("mistakes", (bool,), "true or false", False, required=False)
    gs.done()
    language = course.get("language", (str,), "a language", "en", required=False)
    if language not in LANGUAGES:
        course.fail("language", f"one of {LANGUAGES}", language)
    name = course.get("name", (str,), "a string")
    secret_env = course.get("secret_env", (str,), "an environment variable name", "BACKPROP_LAB_SECRET", required=False)
    course.done()
    lim = Limits(**{f.name: f.type(_number(limits, f.name, f.default)) for f in fields(Limits)})
    limits.done()
    tol = Tolerances(float(_number(tols, "gradcheck", 1e-5)), float(_number(tols, "reference", 1e-6)))
    tols.done()
    assignments = tuple(_assignment(path, i, a, root) for i, a in enumerate(raw_assignments))
    ids = [a.id for a in assignments]
    if len(set(ids)) != len(ids):
        top.fail("assignments", "unique assignment ids", ids)
    for a in assignments:
        if late is not None and a.due is not None and getattr(a.due, "tzinfo", None) is None:
            top.fail(f"assignments[{a.id}].due", "a date-time with a time zone when [late] is set "
                     "(e.g. 2026-09-18T23:59:00+09:00)", str(a.due))
        for used in a.uses:
            if used not in ids:
                top.fail(f"assignments[{a.id}].uses", f"ids of other assignments {ids}", used)
    return Course(root, name, language, secret_env, lim, tol, assignments, GradescopeSettings(**visibility, mistakes=mistakes), late, threshold)


def _late(table):
    """The LatePolicy of a ``[late]`` table; percents and a cap in whole hundredths of a percent."""
    per = table.get("per", (str,), f"one of {LATE_UNITS}", "day", required=False)
    if per not in LATE_UNITS:
        table.fail("per", f"one of {LATE_UNITS}", per)
    penalty = _number(table, "penalty", None, required=True)
    cap = _number(table, "cap", 100)
    for key, value in (("penalty", penalty), ("cap", cap)):
        if abs(value * 100 - round(value * 100)) > 1e-6:
            table.fail(key, "a percent in whole hundredths", value)
    late_days = _number(table, "late_days", 0)
    if late_days != int(late_days):
        table.fail("late_days", "a whole number of days", late_days)
    policy = LatePolicy(per, penalty, _number(table, "grace_minutes", 0), cap, int(late_days))
    table.done()
    return policy
