"""What recognising known mistakes adds to grading a submission (issue 16: "cheap").

For each assignment, grades submissions built from its first N declared buggy variants
(``variants.toml``) twice: as the grader does (a part that lost points runs its declared
variants in the trusted process, ``autograder/grading/mistakes.py``), and with that
matching switched off. Prints, per assignment, the median grading time both ways, the
median extra time, and how many of the submissions were named by their own variant
(alone, or among variants the checks cannot tell apart).

    python benchmarks/known_mistakes.py [--per-assignment 3]

Measured on the 2-core machine shared with other jobs (2026-12-02), every declared buggy
variant (--per-assignment 100), before variants the checks cannot tell apart were named
together (a2's sequential_skips_last and a5's train_step_stale_grads were then named by
another variant; both are now named with it):

    a1_gates: 13 submissions, median 0.82 s without matching, 0.87 s with it (median extra +0.14 s, max +1.99 s)
    a2_layers: 28 submissions, median 2.10 s without matching, 2.38 s with it (median extra +0.16 s, max +0.97 s)
    a3_losses: 19 submissions, median 0.72 s without matching, 0.81 s with it (median extra +0.09 s, max +0.67 s)
    a4_optimizers: 24 submissions, median 2.47 s without matching, 2.70 s with it (median extra +0.17 s, max +1.58 s)
    a5_training: 16 submissions, median 1.05 s without matching, 1.20 s with it (median extra +0.18 s, max +0.48 s)

A correct submission pays nothing (no part lost points).
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing  # noqa: E402

from autograder.authoring.variants import build, load_variants  # noqa: E402
from autograder.config import load_course  # noqa: E402
from autograder.grading import grade as grading  # noqa: E402
from autograder.outputs.feedback_page import known_names  # noqa: E402
from autograder.sandbox.session import Sandbox  # noqa: E402


def timed(course, assignment, folder, sandbox, matching):
    """(seconds, GradingResult) of one grade, with or without known-mistake matching."""
    original = grading.known_mistakes
    if not matching:
        grading.known_mistakes = lambda *args, **kwargs: []
    try:
        start = time.perf_counter()
        result = grading.grade(course, assignment, folder, "bench", sandbox=sandbox)
        return time.perf_counter() - start, result
    finally:
        grading.known_mistakes = original


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-assignment", type=int, default=3)
    args = parser.parse_args(argv)
    course = load_course(ROOT)
    with tempfile.TemporaryDirectory() as tmp, Sandbox(course.limits) as sandbox:
        for assignment in course.assignments:
            folder = course.solutions / assignment.id
            buggy = [v for v in load_variants(folder) if v.loses][: args.per_assignment]
            with_matching, without, named = [], [], 0
            for variant in buggy:
                submission = Path(tmp) / assignment.id / variant.name
                submission.mkdir(parents=True)
                for name, text in build(folder, assignment.files, variant).items():
                    (submission / name).write_text(text, encoding="utf-8")
                off, _ = timed(course, assignment, submission, sandbox, matching=False)
                on, result = timed(course, assignment, submission, sandbox, matching=True)
                without.append(off)
                with_matching.append(on)
                named += any(variant.name in known_names(t.diagnosis) for t in result.tests)
            extra = [a - b for a, b in zip(with_matching, without)]
            print(f"{assignment.id}: {len(buggy)} submissions, median {statistics.median(without):.2f} s without "
                  f"matching, {statistics.median(with_matching):.2f} s with it (median extra "
                  f"{statistics.median(extra):+.2f} s, max {max(extra):+.2f} s); named by their own variant: "
                  f"{named}/{len(buggy)}")


if __name__ == "__main__":
    main()
