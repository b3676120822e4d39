"""Grading results as plain dataclasses: written to results.json and read back from it.

``GradingResult.to_json`` writes Gradescope's schema; ``GradingResult.from_json`` reads
the same model back (batch, gradebook, merge, Classroom), never by the position of
Gradescope's ``tags``. Output is deterministic: no timestamps, tests in course order,
sorted JSON keys.

Text from a submission (an exception's message, a file or type name, a student id)
reaches every output; ``safe_text`` is the one policy for how it lands there.

Points are exact: a part's points are apportioned over its checks in hundredths of a
point by the largest remainder (``apportion``), so every number shown (a test's
max_score, a part's score, the total) is a whole number of hundredths and the numbers
shown at 2 decimals add up exactly to the totals beside them.
"""

import json
from dataclasses import dataclass, field
from fractions import Fraction

from source_lib.messages import message

# The one status vocabulary: of a test, and of a StudentError (what student code did)
STATUSES = ("pass", "fail", "timeout", "memory", "crashed", "not_implemented", "grader_error")
LIMIT_STATUSES = ("timeout", "memory", "crashed")
SECRETS = ("course", "development")  # which secret seeded the hidden inputs


def apportion(total, weights):
    """``total`` (points, whole hundredths) split in proportion to ``weights``: a list of
    Fractions of whole hundredths adding up to ``total`` exactly.

    Each share is floor(cents * w / sum w); the cents left over go one each to the
    largest remainders, ties to the earlier check (largest-remainder method).
    """
    cents = round(Fraction(total) * 100)
    weights = [Fraction(w) for w in weights]
    quotas = [cents * w / sum(weights) for w in weights]
    shares = [q.numerator // q.denominator for q in quotas]
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in order[:cents - sum(shares)]:
        shares[i] += 1
    return [Fraction(s, 100) for s in shares]


def safe_text(text, terminal=False):
    """``text`` as it may be written anywhere the grader writes: the one policy for student text.

    Every character that is not printable (``str.isprintable``) is replaced by its escape
    (``\\x1b``, ``\\udcff``, ``\\u202e``): a lone surrogate, which UTF-8 cannot encode (an
    exception message built of undecodable bytes), so writing never fails; control
    characters such as the escape sequences that clear a screen, set a window title or
    fill the clipboard (OSC 52), a carriage return that overwrites a line, C1 controls and
    bidirectional overrides, so no terminal interprets them, even one that shows a file
    written here (``cat gradebook.csv``). A file keeps its newlines and tabs; on a terminal
    or in a log (``terminal``) they are escaped too, so the text is one line and nothing in
    it can start a line of its own (a fake score table stays inside its failure's line).
    Idempotent: an escape is printable ASCII.
    """
    text = str(text)
    keep = "" if terminal else "\n\t"
    if (text if terminal else text.replace("\n", "").replace("\t", "")).isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in text)


def safe_data(data):
    """JSON-like ``data`` (dicts, lists, strings, numbers) with every string, keys too, made ``safe_text``."""
    if isinstance(data, str):
        return safe_text(data)
    if isinstance(data, dict):
        return {safe_text(k): safe_data(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [safe_data(v) for v in data]
    return data


def json_text(data):
    """The text of a results.json holding ``data``: every string safe, keys sorted, indented."""
    return json.dumps(safe_data(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def points(value):
    """A number of points as it is shown, exactly and without trailing zeros: a whole number of
    hundredths (every score) at 2 decimals at most ("6.67", "20"), the median of an even count
    of them (a whole number of half-hundredths) at 3 ("87.465")."""
    value = Fraction(value)
    exact_halves = (value * 200).denominator == 1  # whole hundredths, or the median of an even count of them
    thousandths = round(value * 1000) if exact_halves else round(value * 100) * 10
    return f"{thousandths / 1000:.3f}".rstrip("0").rstrip(".")


def exact(number):
    """Points (a number of whole hundredths, as course.toml or results.json holds it) as an exact Fraction."""
    return Fraction(round(float(number) * 100), 100)


@dataclass(frozen=True)
class TestResult:
    """One hidden check's outcome. Only ``pass`` scores."""

    part: str
    name: str
    status: str
    score: Fraction
    max_score: Fraction
    message: str = ""
    diagnosis: str = ""      # the kind of mistake, when recognised ("transposed", "syntax_error", ...)
    figure: dict = None      # data for the feedback page's picture of the failure (checks.CheckFailure)

    @property
    def passed(self):
        return self.status == "pass"


@dataclass(frozen=True)
class PartResult:
    id: str
    title: str
    score: Fraction
    max_score: Fraction


@dataclass
class GradingResult:
    """All of one submission's results. secret: "course", or "development" when the
    public development secret seeded the hidden inputs (anyone can compute them)."""

    assignment: str
    student: str
    tests: list = field(default_factory=list)
    parts: list = field(default_factory=list)
    language: str = "en"
    isolation: str = ""
    notes: list = field(default_factory=list)
    secret: str = "course"

    @property
    def exact_score(self):
        """The total, a Fraction of whole hundredths."""
        return sum((t.score for t in self.tests), Fraction(0))

    @property
    def exact_max_score(self):
        return sum((p.max_score for p in self.parts), Fraction(0))

    @property
    def score(self):
        """The total as a float (the nearest to its exact hundredths)."""
        return float(self.exact_score)

    @property
    def max_score(self):
        return float(self.exact_max_score)

    @property
    def grader_errors(self):
        return [t for t in self.tests if t.status == "grader_error"]

    def part_scores(self):
        """{part id: exact score}."""
        return {p.id: p.score for p in self.parts}

    def to_gradescope(self, score=None):
        """Gradescope's results.json schema: top-level score and one entry per test; the rest of
        the model (parts, statuses, secret) in ``extra_data``. score: the total its output heads
        with (``summary_line``); the scores recorded stay the raw ones (``outputs.late.with_late``
        records the final)."""
        tests = []
        for number, t in enumerate(self.tests, 1):
            details = {k: v for k, v in (("diagnosis", t.diagnosis), ("figure", t.figure)) if v}
            tests.append({
                "name": f"{t.part}: {t.name}",
                "number": str(number),
                "score": float(t.score),
                "max_score": float(t.max_score),
                "status": "passed" if t.passed else "failed",
                "output": t.message if t.message else message("passed", self.language),
                "tags": [t.part, t.status],
                "visibility": "visible",
                **({"extra_data": details} if details else {}),
            })
        return {
            "score": float(self.score),
            "output": "\n".join([self.summary_line(score), *self.notes]),
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": tests,
            "extra_data": {"assignment": self.assignment, "student": self.student, "isolation": self.isolation,
                           "parts": {p.id: float(p.score) for p in self.parts},
                           "model": {"language": self.language, "notes": list(self.notes), "secret": self.secret,
                                     "parts": [{"id": p.id, "title": p.title, "max_score": float(p.max_score)}
                                               for p in self.parts],
                                     "tests": [{"part": t.part, "check": t.name, "status": t.status}
                                               for t in self.tests]}},
        }

    def to_json(self):
        return json_text(self.to_gradescope())

    @classmethod
    def from_gradescope(cls, data):
        """The model written by ``to_gradescope``; raises ValueError for anything else."""
        try:
            extra = data["extra_data"]
            model = extra["model"]
            tests = [TestResult(m["part"], m["check"], m["status"], exact(t["score"]), exact(t["max_score"]),
                                "" if m["status"] == "pass" else t["output"],
                                t.get("extra_data", {}).get("diagnosis", ""), t.get("extra_data", {}).get("figure"))
                     for m, t in zip(model["tests"], data["tests"], strict=True)]
            parts = [PartResult(p["id"], p["title"], exact(extra["parts"][p["id"]]), exact(p["max_score"]))
                     for p in model["parts"]]
            if any(t.status not in STATUSES for t in tests):
                raise ValueError("unknown status")
            return cls(extra["assignment"], extra["student"], tests, parts, model["language"], extra["isolation"],
                       list(model["notes"]), model["secret"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a results.json written by this grader ({type(exc).__name__}: {exc})") from None

    @classmethod
    def from_json(cls, text):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"not JSON: {exc}") from None
        return cls.from_gradescope(data)

    def summary_line(self, score=None):
        """"a1_gates kim: 90 / 100": the total ``score`` (the final score after lateness; by default
        the raw score) out of the maximum."""
        shown = self.exact_score if score is None else score
        return f"{self.assignment} {self.student}: {points(shown)} / {points(self.max_score)}"
