"""What grading one submission of each assignment costs: wall time per assignment, against the goal.

Grades the reference solution of every assignment ``--repeat`` times (all hidden
checks, including the a4 convergence trajectories and the a5 training runs) in one
sandbox, as a grade-batch worker does (its zygote started once), and prints the median
and the worst wall time, the number of hidden checks and the child processes started
(one per part). The course's cost per student is the sum of the five medians; the goal
(issue 18) is at most 0.6 s and at most 8.5 times the floor, starting a bare
``python -I -S -c "import numpy"``, measured in the same run. With ``--before REV`` the same
is measured on commit REV's engine and course first (benchmarks/before.py), side by side.
What one ``course grade`` command costs on top is in benchmarks/class_batch.py.

    python benchmarks/assignments.py [--repeat 5] [--before REV]
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from before import ROOT, engine, run_before  # benchmarks/before.py, beside this script

GOAL_S, GOAL_FLOORS = 0.6, 8.5


def process_floor(runs=10):
    """Median seconds to start ``python -I -S`` with a clean environment and import numpy."""
    site = Path(np.__file__).resolve().parent.parent
    command = [str(Path(sys.executable).resolve()), "-I", "-S", "-c",
               f"import sys; sys.path.insert(0, {str(site)!r}); import numpy"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env={}, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(course_root, repeat):
    """{assignment id: {"checks", "parts", "median", "max", "score"}} of the engine on sys.path."""
    e = engine()
    course = e.load_course(course_root)
    figures = {}
    with e.Sandbox(course.limits) as sandbox:
        for assignment in course.assignments:
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                result = e.grade(course, assignment, course.solutions / assignment.id, "benchmark", sandbox=sandbox)
                times.append(time.perf_counter() - start)
            figures[assignment.id] = {"checks": len(e.hidden_checks(course, assignment)),
                                      "parts": len(assignment.parts), "median": statistics.median(times),
                                      "max": max(times), "score": float(result.score)}
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", metavar="REV", help="measure commit REV first, side by side")
    parser.add_argument("--course", type=Path, default=ROOT, help=argparse.SUPPRESS)  # set by --before's run
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:  # the run of one engine for --before: figures only
        args.json.write_text(json.dumps(measure(args.course, args.repeat)))
        return
    before = run_before(Path(__file__), args.before, ["--repeat", str(args.repeat)]) if args.before else {}
    now = measure(args.course, args.repeat)
    floor = process_floor()
    head = f"{'assignment':16} {'checks':>6} {'parts':>5} {'median s':>9} {'max s':>7} {'score':>6}"
    print(head + (f" {'before: median s':>17}" if before else ""))
    for aid, f in now.items():
        was = f" {before[aid]['median']:17.3f}" if aid in before else (" " * 18 if before else "")
        print(f"{aid:16} {f['checks']:6d} {f['parts']:5d} {f['median']:9.3f} {f['max']:7.2f} {f['score']:6g}{was}")
    total = sum(f["median"] for f in now.values())
    print(f"\nthe course per student (medians added): {total:.3f} s"
          + (f", before ({args.before}): {sum(f['median'] for f in before.values()):.3f} s" if before else ""))
    print(f"floor, python -I -S importing numpy: {floor:.3f} s; the course costs {total / floor:.1f} floors")
    met = total <= GOAL_S and total <= GOAL_FLOORS * floor
    print(f"goal: at most {GOAL_S} s and {GOAL_FLOORS} floors per student: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
