"""`course report`: what a class got right and wrong, for the instructor.

Reads what ``grade-batch`` wrote in each OUT_DIR (``<student>/results.json`` and
``<student>/time.txt``) and writes ``report.json`` and ``report.html`` (self-contained,
inline SVG, no script), in the assignment's OUT_DIR or, for several assignments, in
``--out``. Per assignment:
- the mistakes, counted per student, never per check: one row per (parts, mistake), where
  a mistake is a cause of ``feedback_page.causes`` (a known mistake by its variant, a
  diagnosis that names one, or for wrong values without a pattern the checks that failed),
  so a check that failed only because of a cause (not judged, collateral) folds into it and
  a mistake in a helper every part calls is one row for all of them; each row says how many
  students and who (each name links to the student's page), with one anonymised example;
- one row per student: the score of each part, their mistakes, a link to their page;
- the score distribution of each part and of the total (a histogram each);
- the submissions that hit a limit (time, memory, crash) or could not be graded;
- grading time per submission (median, slowest, total);
- a warning when the public development secret seeded anyone's hidden inputs.
With several assignments, a student x assignment table of totals comes first. Titles and
words are in ``--lang`` (default: the course's language). Output is deterministic for the
same OUT_DIRs.
"""

import json
import os
import statistics
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.authoring.variants import load_variants
from autograder.outputs.feedback_page import NOT_RUN, WHOLE_FILE, causes, known_names
from autograder.outputs.changes import report_section
from autograder.outputs.page_text import diagnosis_name, page_text
from autograder.results import GradingResult

LIMIT_STATUSES = ("timeout", "memory", "crashed", "grader_error")
NOT_MISTAKES = (*LIMIT_STATUSES, NOT_RUN)  # limits are listed on their own
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


def _model(data, path):
    try:
        return GradingResult.from_gradescope(data)
    except ValueError as exc:
        raise ReportError(f"{path}: {exc}") from None


def mistake_name(code, lang, whys):
    """The words for a mistake: a known mistake by its variant's why, else the diagnosis's name."""
    names = known_names(code)
    if names and all(name in whys for name in names):
        return "; ".join(whys[name].why_in(lang) for name in names)
    return diagnosis_name(code or "wrong_values", lang)


def student_mistakes(data, path):
    """[(key, Failure)] of one student's results.json: each cause once (mistakes, not limits);
    the parts left unimplemented are one cause, whose parts are all of them."""
    found, unimplemented = [], None
    for cause in causes(_model(data, path)):
        if cause.code in NOT_MISTAKES:
            continue
        if cause.code == "not_implemented":
            if unimplemented is not None:
                unimplemented.parts += [p for p in cause.parts if p not in unimplemented.parts]
                continue
            unimplemented = cause = replace(cause, parts=list(cause.parts))
        key = ((), cause.code) if cause.code in WHOLE_FILE else cause.key
        if all(k != key for k, _ in found):
            found.append((key, cause))
    return [(("not_implemented", tuple(c.parts)) if c is unimplemented else k, c) for k, c in found]


def mistakes(assignment, results, lang, whys=None, out=None):
    """[{parts, part, diagnosis, name, count, students, example}] most common first.

    whys: {variant name: Variant} of the assignment, for naming known mistakes."""
    found = {}
    for student, data in results.items():
        for key, cause in student_mistakes(data, Path(out or ".") / student / "results.json"):
            entry = found.setdefault(key, {"students": [], "cause": cause,
                                           "example": cause.message.replace(student, ANONYMOUS)})
            entry["students"].append(student)
    order = {p.id: i for i, p in enumerate(assignment.parts)}
    rows = []
    for key, entry in found.items():
        cause = entry["cause"]
        parts = [] if cause.code in WHOLE_FILE else list(cause.parts)
        rows.append({"parts": parts, "part": parts[0] if len(parts) == 1 else ",".join(parts),
                     "diagnosis": cause.code or "wrong_values", "name": mistake_name(cause.code, lang, whys or {}),
                     "count": len(entry["students"]), "students": entry["students"], "example": entry["example"]})
    return sorted(rows, key=lambda r: (-r["count"], [order.get(p, -1) for p in r["parts"]], r["diagnosis"],
                                       r["students"]))


def students_table(assignment, results, lang, whys, out):
    """[{student, score, parts: {part id: score}, mistakes: [names], page}] one row per student;
    a limit the student's code hit is named there too (with its parts), never "none"."""
    titles = {p.id: p.title_in(lang) for p in assignment.parts}
    rows = []
    for student, data in results.items():
        names = [mistake_name(cause.code, lang, whys) for _, cause in student_mistakes(data, out / student)]
        limits = {}
        for test in data["tests"]:
            if _test_status(test) in NOT_MISTAKES:
                limits.setdefault(_test_status(test), []).append(titles.get(_test_part(test), _test_part(test)))
        names += [f"{diagnosis_name(status, lang)} ({', '.join(dict.fromkeys(parts))})" for status, parts in limits.items()]
        rows.append({"student": student, "score": data["score"], "parts": dict(data["extra_data"]["parts"]),
                     "mistakes": names, "page": f"{student}/feedback.html"})
    return rows


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


def summarise(batch, lang, solutions=None):
    """The report.json entry of one assignment. solutions: the course's solutions/ folder
    (for naming known mistakes by their variants)."""
    assignment = batch.assignment
    results = read_results(batch.out)
    if not results:
        raise ReportError(f"{batch.out}: no <student>/results.json here (run `course grade-batch "
                          f"{assignment.id} SUBMISSIONS --out {batch.out}` first)")
    whys = {v.name: v for v in load_variants(Path(solutions) / assignment.id)} if solutions else {}
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
    development = sorted(s for s, r in results.items()
                         if r.get("extra_data", {}).get("model", {}).get("secret") == "development")
    return {"assignment": assignment.id, "title": assignment.title_in(lang), "out": str(batch.out),
            "submissions": len(results), "max_score": float(assignment.points), "mean": round(statistics.mean(totals), 4),
            "median": statistics.median(totals), "scores": sorted(totals), "parts": parts,
            "mistakes": mistakes(assignment, results, lang, whys, batch.out),
            "students": students_table(assignment, results, lang, whys, batch.out),
            "development_secret": development, "problems": problems(assignment, results), "grading_time": timing,
            "regrade": report_section(assignment, batch.out, lang)}


def build_report(batches, lang, solutions=None):
    """The whole report as a JSON-ready dict; with several assignments, ``totals``: {student:
    {assignment id: total}} (a student x assignment table)."""
    assignments = [summarise(b, lang, solutions) for b in batches]
    report = {"language": lang, "assignments": assignments}
    if len(assignments) > 1:
        students = sorted({row["student"] for a in assignments for row in a["students"]})
        report["totals"] = {s: {a["assignment"]: next((r["score"] for r in a["students"] if r["student"] == s), None)
                                for a in assignments} for s in students}
    return report


def report_html(report, where="."):
    """report.html for ``build_report``'s dict; ``where``: the folder it is written to (student
    pages are linked relative to it)."""
    from markupsafe import Markup

    from autograder.outputs.feedback_page import render
    from autograder.outputs.figures import svg

    text = page_text(report["language"])
    return render("report.html.j2", report=report, text=text, limits=LIMIT_STATUSES,
                  draw=lambda figure: Markup(svg(figure, text)),
                  diagnosis=lambda code: diagnosis_name(code, report["language"]),
                  titles={a["assignment"]: {p["id"]: p["title"] for p in a["parts"]} for a in report["assignments"]},
                  link=lambda a, student: os.path.relpath(Path(a["out"]) / student / "feedback.html", where))


def write_report(course, batches, out, lang=None):
    """Write ``out``/report.json and report.html in ``lang`` (default: the course's); returns
    the path of report.html."""
    report = build_report(batches, lang or course.language, course.solutions)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    page = out / "report.html"
    page.write_text(report_html(report, out), encoding="utf-8")
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
        page = write_report(course, batches, target, getattr(args, "lang", None))
    except ReportError as exc:
        print(f"course report: {exc}")
        return 2
    print(f"class report: {page}")
    return 0
