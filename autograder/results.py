"""Grading results as plain dataclasses, with one way to write each output format.

Output is deterministic: no timestamps, tests in course order, sorted JSON keys.
"""

import json
from dataclasses import dataclass, field
from fractions import Fraction

from source_lib.messages import message

STATUSES = ("pass", "fail", "timeout", "memory", "crashed", "not_implemented", "grader_error")


@dataclass(frozen=True)
class TestResult:
    """One hidden check's outcome. Only ``pass`` scores."""

    part: str
    name: str
    status: str
    score: Fraction
    max_score: Fraction
    message: str = ""

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
    """All of one submission's results."""

    assignment: str
    student: str
    tests: list = field(default_factory=list)
    parts: list = field(default_factory=list)
    language: str = "en"
    isolation: str = ""
    notes: list = field(default_factory=list)

    @property
    def score(self):
        return float(round(sum((t.score for t in self.tests), Fraction(0)), 4))

    @property
    def max_score(self):
        return float(sum((p.max_score for p in self.parts), Fraction(0)))

    @property
    def grader_errors(self):
        return [t for t in self.tests if t.status == "grader_error"]

    def to_gradescope(self):
        """Gradescope's results.json schema: top-level score and one entry per test."""
        tests = []
        for number, t in enumerate(self.tests, 1):
            tests.append({
                "name": f"{t.part}: {t.name}",
                "number": str(number),
                "score": float(round(t.score, 4)),
                "max_score": float(round(t.max_score, 4)),
                "status": "passed" if t.passed else "failed",
                "output": t.message if t.message else message("passed", self.language),
                "tags": [t.part, t.status],
                "visibility": "visible",
            })
        return {
            "score": self.score,
            "output": "\n".join([self.summary_line(), *self.notes]),
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": tests,
            "extra_data": {"assignment": self.assignment, "student": self.student, "isolation": self.isolation,
                           "parts": {p.id: float(round(p.score, 4)) for p in self.parts}},
        }

    def to_json(self):
        return json.dumps(self.to_gradescope(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def summary_line(self):
        return f"{self.assignment} {self.student}: {self.score:g} / {self.max_score:g}"

    def to_markdown(self):
        """The student's feedback report."""
        lines = [f"# {self.assignment}: {self.score:g} / {self.max_score:g}", ""]
        lines += [f"- {n}" for n in self.notes]
        for part in self.parts:
            lines += ["", f"## {part.title} ({part.id}): {float(round(part.score, 4)):g} / {float(part.max_score):g}", ""]
            for t in self.tests:
                if t.part != part.id:
                    continue
                mark = "✅" if t.passed else "❌"
                text = f"- {mark} {t.name}"
                if not t.passed:
                    text += f" — `{t.status}`: {t.message}"
                lines.append(text)
        return "\n".join(lines) + "\n"
