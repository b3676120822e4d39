"""`course report`: what a class got right and wrong, for the instructor.

Reads what ``grade-batch`` wrote in each OUT_DIR (``<student>/results.json`` and
``<student>/time.txt``) and writes ``report.json`` and ``report.html`` (self-contained,
inline SVG, no script), in the assignment's OUT_DIR or, for several assignments, in
``--out``. Per assignment:
- the score distribution of each part and of the total (a histogram each);
- the most common diagnosed mistakes (``TestResult.diagnosis``): for each part and
  diagnosis, how many students made it, with one example message, anonymised (no
  student named, the student's id removed from the message); a mistake that stops the
  whole file (a syntax error, a missing file) counts once per student, not per part;
- the submissions that hit a limit (time, memory, crash) or could not be graded (the
  file missing or not importable, a grader error), by name: the instructor follows
  those up;
- grading time per submission (median, slowest, total).
Output is deterministic for the same OUT_DIRs.
"""

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

from autograder.outputs.changes import report_section
from autograder.outputs.page_text import diagnosis_name, page_text

LIMIT_STATUSES = ("timeout", "memory", "crashed", "grader_error")
WHOLE_FILE = ("syntax_error", "import_error", "missing_file")  # one mistake per student, not per part
NOT_MISTAKES = ("timeout", "memory", "crashed", "")             # limits are listed on their own
ANONYMOUS = "<student>"


class ReportError(Exception):
    """The report cannot be made; the message says why, in one line."""


@dataclass(frozen=True)
class Batch:
    """One assignment graded by grade-batch: its config and its OUT_DIR."""

    assignment: object     # config.Assignment
    out: Path


def read_results(out):
    """{student: results.json dict} of a grade-batch OUT_DIR, sorted by student."""
    results = {}
    for path in sorted(Path(out).glob("*/results.json")):
        try:
            results[path.parent.name] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ReportError(f"{path}: not a results.json ({exc})") from None
    return results


def read_times(out, students):
    """{student: seconds} from each ``<student>/time.txt`` that grade-batch wrote."""
    times = {}
    for student in students:
        path = Path(out) / student / "time.txt"
        try:
            times[student] = float(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return times


def _test_part(test):
    return test["tags"][0]


def _test_status(test):
    return test["tags"][1]


def _diagnosis(test):
    return test.get("extra_data", {}).get("diagnosis", "")


def mistakes(assignment, results, lang):
    """[{part, diagnosis, name, count, example}] most common first."""
    found = {}
    for student, data in results.items():
        seen = set()
        for test in data["tests"]:
            code = _diagnosis(test)
            if _test_status(test) == "pass" or code in NOT_MISTAKES:
                continue
            key = ("", code) if code in WHOLE_FILE else (_test_part(test), code)
            if key in seen:
                continue
            seen.add(key)
            entry = found.setdefault(key, {"students": [], "example": test["output"].replace(student, ANONYMOUS)})
            entry["students"].append(student)
    order = {p.id: i for i, p in enumerate(assignment.parts)}
    rows = [{"part": part, "diagnosis": code, "name": diagnosis_name(code, lang), "count": len(entry["students"]),
             "example": entry["example"]} for (part, code), entry in found.items()]
    return sorted(rows, key=lambda r: (-r["count"], order.get(r["part"], -1), r["diagnosis"]))


def problems(assignment, results):
    """[{student, what: [(part or "", status or diagnosis, checks)]}] of submissions that hit a
    limit or could not be graded."""
    rows = []
    for student, data in results.items():
        counts = {}
        for test in data["tests"]:
            status, code = _test_status(test), _diagnosis(test)
            if status in LIMIT_STATUSES:
                key = (_test_part(test), status)
            elif code in WHOLE_FILE:
                key = ("", code)
            else:
                continue
            counts[key] = counts.get(key, 0) + 1
        if counts:
            rows.append({"student": student, "what": [{"part": p, "problem": s, "checks": n}
                                                      for (p, s), n in counts.items()]})
    return rows


def summarise(batch, lang):
    """The report.json entry of one assignment."""
    assignment = batch.assignment
    results = read_results(batch.out)
    if not results:
        raise ReportError(f"{batch.out}: no <student>/results.json here (run `course grade-batch "
                          f"{assignment.id} SUBMISSIONS --out {batch.out}` first)")
    totals = [r["score"] for r in results.values()]
    parts = []
    for part in assignment.parts:
        scores = [r["extra_data"]["parts"][part.id] for r in results.values()]
        parts.append({"id": part.id, "title": part.title_in(lang), "max_score": float(part.points),
                      "mean": round(statistics.mean(scores), 4), "full_marks": sum(s == part.points for s in scores),
                      "zero": sum(s == 0 for s in scores), "scores": sorted(scores)})
    times = read_times(batch.out, results)
    timing = None
    if times:
        slowest = max(sorted(times), key=times.get)
        timing = {"n": len(times), "median": round(statistics.median(times.values()), 3),
                  "slowest": round(times[slowest], 3), "slowest_student": slowest,
                  "total": round(sum(times.values()), 3)}
    return {"assignment": assignment.id, "out": str(batch.out), "submissions": len(results),
            "max_score": float(assignment.points), "mean": round(statistics.mean(totals), 4),
            "median": statistics.median(totals), "scores": sorted(totals), "parts": parts,
            "mistakes": mistakes(assignment, results, lang), "problems": problems(assignment, results),
            "grading_time": timing, "regrade": report_section(assignment, batch.out, lang)}


def build_report(batches, lang):
    """The whole report as a JSON-ready dict."""
    return {"language": lang, "assignments": [summarise(b, lang) for b in batches]}


def report_html(report):
    """report.html for ``build_report``'s dict."""
    from markupsafe import Markup

    from autograder.outputs.feedback_page import render
    from autograder.outputs.figures import svg

    text = page_text(report["language"])
    return render("report.html.j2", report=report, text=text, draw=lambda figure: Markup(svg(figure, text)),
                  diagnosis=lambda code: diagnosis_name(code, report["language"]),
                  titles={a["assignment"]: {p["id"]: p["title"] for p in a["parts"]} for a in report["assignments"]})


def write_report(course, batches, out):
    """Write ``out``/report.json and report.html; returns the path of report.html."""
    report = build_report(batches, course.language)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    page = out / "report.html"
    page.write_text(report_html(report), encoding="utf-8")
    return page


def main(course, args):
    """`course report ASSIGNMENT OUT_DIR [ASSIGNMENT OUT_DIR ...] [--out DIR]`."""
    pairs = args.pairs
    if len(pairs) % 2:
        print("course report: give pairs of ASSIGNMENT OUT_DIR (an assignment without its OUT_DIR: "
              f"{pairs[-1]})")
        return 2
    batches = []
    for assignment_id, out in zip(pairs[::2], pairs[1::2]):
        if not Path(out).is_dir():
            print(f"course report: {out} is not a folder (the --out of `course grade-batch {assignment_id}`)")
            return 2
        batches.append(Batch(course.assignment(assignment_id), Path(out)))
    target = Path(args.out) if args.out else (batches[0].out if len(batches) == 1 else None)
    if target is None:
        print("course report: with several assignments, say where the report goes with --out DIR")
        return 2
    try:
        page = write_report(course, batches, target)
    except ReportError as exc:
        print(f"course report: {exc}")
        return 2
    print(f"class report: {page}")
    return 0
