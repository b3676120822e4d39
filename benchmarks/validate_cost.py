"""What `course validate` costs for the whole course: wall time per assignment, against the goal.

Runs ``validate`` (reference, stubs, probes and every declared variant, each as ``--students``
student ids, on ``--jobs`` workers) for every assignment and prints the time of each, the
number of implementations graded, the rows that failed and the slowest check of a correct
implementation (its fastest run over the student ids) against the assignment's ``timeout_s``.
The goal (issue 18) is all five assignments with ``--students 20`` in under 15 minutes on 2
cores. With ``--before REV`` the same is measured on commit REV's engine and course first
(benchmarks/before.py).

    python benchmarks/validate_cost.py [--students 20] [--jobs 2] [--before REV]
"""

import argparse
import json
import time
from pathlib import Path

from before import ROOT, engine, run_before  # benchmarks/before.py, beside this script

GOAL_S = 15 * 60


def measure(course_root, students, jobs):
    """{assignment id: {"seconds", "rows", "failed"}} of the engine on sys.path."""
    e = engine()
    course = e.load_course(course_root)
    figures = {}
    for assignment in course.assignments:
        start = time.perf_counter()
        rows = e.validate(course, assignment, students=students, jobs=jobs)
        figures[assignment.id] = {"seconds": time.perf_counter() - start, "rows": len(rows),
                                  "failed": sum(not row.ok for row in rows),
                                  "slowest": max(getattr(row, "slowest", 0.0) for row in rows),  # before 7c97b0f: none
                                  "timeout": course.limits_of(assignment).timeout_s
                                  if hasattr(course, "limits_of") else course.limits.timeout_s}
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--before", metavar="REV", help="measure commit REV first, side by side")
    parser.add_argument("--course", type=Path, default=ROOT, help=argparse.SUPPRESS)  # set by --before's run
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        args.json.write_text(json.dumps(measure(args.course, args.students, args.jobs)))
        return
    options = ["--students", str(args.students), "--jobs", str(args.jobs)]
    before = run_before(Path(__file__), args.before, options) if args.before else {}
    now = measure(args.course, args.students, args.jobs)
    print(f"{'assignment':16} {'rows':>5} {'failed':>6} {'seconds':>8} {'slowest correct check':>22}"
          + (f" {'before: seconds':>16}" if before else ""))
    for aid, f in now.items():
        was = f" {before[aid]['seconds']:16.1f}" if aid in before else ""
        slowest = f"{f['slowest']:.3f} s of {f['timeout']:g} s"
        print(f"{aid:16} {f['rows']:5d} {f['failed']:6d} {f['seconds']:8.1f} {slowest:>22}{was}")
    total = sum(f["seconds"] for f in now.values())
    print(f"\nthe course, --students {args.students} --jobs {args.jobs}: {total:.0f} s"
          + (f", before ({args.before}): {sum(f['seconds'] for f in before.values()):.0f} s" if before else ""))
    print(f"goal: under {GOAL_S // 60} minutes: {'met' if total < GOAL_S else 'NOT met'}")


if __name__ == "__main__":
    main()
