"""Late submissions: what course.toml's ``[late]`` (``config.LatePolicy``) costs, in exact hundredths.

``assess`` is the one place the rule is applied. With lateness = submitted - due:
- no policy, no due date: nothing is deducted (``note`` ""); no submission time known:
  nothing is deducted and the note says so (``"no_time"``);
- lateness <= grace_minutes: on time;
- else days late = ceil(lateness / 1 day); the student's remaining late days cover up to
  that many (``days_used``); a fully covered submission costs nothing;
- else units = ceil(uncovered lateness / ``per``) with uncovered = lateness - days_used days;
  percent = min(units * penalty, cap); penalty = raw * percent / 100, rounded to the
  nearest hundredth (half up), so final = raw - penalty is exact hundredths too.

The late days of the term are shared by a student's assignments in due-date order
(``days_left``), whatever order they are graded in: a ledger (``late_days.csv``: student,
assignment, days_late) records the days each graded submission needed. A submission graded
on its own (``course grade``, Gradescope's run_autograder: each in a container of its own,
with no ledger shared between them) spends none: its penalty is the submission's alone
(``days_left`` 0), and ``late_lines`` says so when that cost points.

Gradescope's results.json of a late submission (``with_late``): ``score`` is the final
score, the number Gradescope records; ``extra_data.late`` keeps the raw score, the
penalty and how late it was.
"""

import csv
import datetime
import io
import json
import math
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

DAY = 86_400
UNIT_SECONDS = {"day": DAY, "hour": 3_600}
FILE = "late.json"             # <student>/late.json: the Late of the graded submission
LEDGER = "late_days.csv"
LEDGER_COLUMNS = ("student", "assignment", "days_late")


@dataclass(frozen=True)
class Late:
    """What lateness cost one submission. submitted: ISO time or ""; source: where it came from
    ("gradescope", "classroom", "given" or ""); penalty: points (exact hundredths);
    note: "" , "on_time", "late", "covered" (late days paid it all) or "no_time"."""

    submitted: str = ""
    source: str = ""
    seconds_late: int = 0
    days_late: int = 0
    days_used: int = 0
    percent: Fraction = Fraction(0)
    penalty: Fraction = Fraction(0)
    note: str = ""

    def to_json(self):
        data = {**asdict(self), "percent": str(self.percent), "penalty": str(self.penalty)}
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        return cls(**{**data, "percent": Fraction(data["percent"]), "penalty": Fraction(data["penalty"])})


def assess(policy, due, raw, submitted, source="", days_left=0):
    """The Late of a submission with raw score ``raw`` (a Fraction of whole hundredths) made at
    ``submitted`` (an aware datetime or None) for ``due``; ``days_left``: the student's unspent
    late days of the term."""
    if policy is None or due is None:
        return Late()
    if submitted is None:
        return Late(note="no_time")
    stamp = submitted.isoformat()
    seconds = math.ceil((submitted - due).total_seconds())
    if seconds <= policy.grace_minutes * 60:
        return Late(stamp, source, max(seconds, 0), note="on_time")
    days_late = math.ceil(seconds / DAY)
    used = min(days_late, days_left) if policy.late_days else 0
    if used == days_late:
        return Late(stamp, source, seconds, days_late, used, note="covered")
    units = math.ceil((seconds - used * DAY) / UNIT_SECONDS[policy.per])
    percent = min(Fraction(units) * Fraction(str(policy.penalty)), Fraction(str(policy.cap)))
    cents = math.floor(raw * 100 * percent / 100 + Fraction(1, 2))
    return Late(stamp, source, seconds, days_late, used, percent, Fraction(cents, 100), "late")


def read_ledger(path):
    """{(student, assignment): days late} of a ledger file ({} when there is none)."""
    if not Path(path).is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as handle:
        return {(row["student"], row["assignment"]): int(row["days_late"]) for row in csv.DictReader(handle)}


def render_ledger(entries):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LEDGER_COLUMNS)
    for (student, aid), days in sorted(entries.items()):
        writer.writerow([student, aid, days])
    return buffer.getvalue()


def days_left(course, ledger, student, assignment):
    """The late days ``student`` still has for ``assignment``: the term's budget minus what the
    assignments due before it used (each used min(its days late, what was left then))."""
    budget = course.late.late_days if course.late else 0
    earlier = sorted((a for a in course.assignments if a.due is not None and assignment.due is not None
                      and (a.due, a.id) < (assignment.due, assignment.id)), key=lambda a: (a.due, a.id))
    for other in earlier:
        budget -= min(ledger.get((student, other.id), 0), budget)
    return budget


def parse_time(text, where):
    """An aware datetime of an ISO 8601 text (``Z`` or an offset required); ValueError naming ``where``."""
    try:
        value = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{where}: not an ISO 8601 time: {text.strip()!r}") from None
    if value.tzinfo is None:
        raise ValueError(f"{where}: {text.strip()!r} has no time zone (add Z or +09:00)")
    return value


def load_late(folder):
    """The Late in ``folder``/late.json, or None when there is none."""
    path = Path(folder) / FILE
    return Late.from_json(path.read_text(encoding="utf-8")) if path.is_file() else None


def note_text(late, lang):
    """The gradebook's words for a Late: how late, what it cost, or that no time was known."""
    from autograder.outputs.page_text import page_text
    from autograder.results import points

    text = page_text(lang)
    return text(f"late_{late.note}", submitted=late.submitted, source=text(f"late_source_{late.source or 'none'}"),
                days=late.days_late, used=late.days_used, percent=points(late.percent))


def late_lines(late, result, alone=None):
    """What a student is told of ``late``, the Late of ``result`` (a GradingResult), in its language
    (``course grade``'s terminal, results.json's output, Gradescope's feedback): how late and
    what it cost, then raw score, penalty and final score.
    No policy (note ""): nothing. alone: the policy (``config.LatePolicy``) when the submission
    is graded on its own, where none of its ``late_days`` is spent (said when that cost points)."""
    from autograder.outputs.page_text import page_text
    from autograder.results import points

    if not late.note:
        return []
    text, raw = page_text(result.language), result.exact_score
    scores = text("late_scores", raw=points(raw), penalty=points(late.penalty), final=points(raw - late.penalty),
                  max=points(result.exact_max_score))
    lines = [note_text(late, result.language), scores]
    return lines + ([text("late_days_untracked")] if alone and alone.late_days and late.note == "late" else [])


def final_score(late, result):
    """The score that counts (a Fraction): ``result``'s raw score less what lateness cost (``late``, a
    Late, or None: nothing). Every page heads with it; ``late_lines`` under it give raw and penalty."""
    return result.exact_score - (late.penalty if late is not None else 0)


def with_late(data, late, result):
    """Gradescope's results.json ``data`` (``result.to_gradescope()``, its ``output`` already
    saying ``late_lines``) with its Late: ``score`` the final score (raw - penalty, what
    Gradescope records), ``extra_data.late`` the raw score, the penalty, the final score and
    the Late's fields. No policy (note ""): ``data`` unchanged. ``GradingResult.from_gradescope``
    still reads the raw result back (its tests hold the raw scores)."""
    from autograder.results import points

    if not late.note:
        return data
    raw = result.exact_score
    record = {**asdict(late), "percent": points(late.percent), "penalty": float(late.penalty),
              "raw_score": float(raw), "final_score": float(raw - late.penalty)}
    return {**data, "score": float(raw - late.penalty), "extra_data": {**data["extra_data"], "late": record}}
