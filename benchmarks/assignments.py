"""What grading one submission of each assignment costs: wall time per assignment.

Grades the reference solution of every assignment ``--repeat`` times (all hidden
checks, including the a4 convergence trajectories and the a5 training runs) in one
sandbox, as a grade-batch worker does (its zygote started once), and prints the median
and the worst wall time, the number of hidden checks and the child processes started
(one per part). What one ``course grade`` command costs on top (starting Python, the
sandbox and its zygote) is in benchmarks/class_batch.py.

    python benchmarks/assignments.py [--repeat 5]
"""

import argparse
import statistics
import time
from pathlib import Path

from autograder.config import load_course
from autograder.grading.grade import grade, hidden_checks
from autograder.sandbox.session import Sandbox

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    course = load_course(ROOT)
    print(f"{'assignment':16} {'checks':>6} {'parts':>5} {'median s':>9} {'max s':>7} {'score':>6}")
    with Sandbox(course.limits) as sandbox:
        for assignment in course.assignments:
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                result = grade(course, assignment, course.solutions / assignment.id, "benchmark", sandbox=sandbox)
                times.append(time.perf_counter() - start)
            print(f"{assignment.id:16} {len(hidden_checks(course, assignment)):6d} {len(assignment.parts):5d} "
                  f"{statistics.median(times):9.2f} {max(times):7.2f} {result.score:6g}")


if __name__ == "__main__":
    main()
