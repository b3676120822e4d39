"""What the feedback pages add to grading a class (issue 13: at most 50 ms per submission).

Grades a small mixed class once: the a1 sample submissions (examples/submissions/a1_gates)
and, for pages with pictures, a5 submissions built from a5_training's declared known
bugs (loss curves, masks, gradient norms). Then it times, per
submission, grading alone and drawing its feedback.html, as a batch worker does both.

Measured on the 2-core machine (2026-12-01, shared with other jobs): a page costs 0.3 to
1.2 ms (median 0.6 ms; 8 pictures, 26 kB, for the worst a5 submission) against 0.5 to
1.2 s of grading. The first version drew the pictures with matplotlib: 140 ms median,
1.5 s for that a5 page, so the pictures are now drawn as SVG directly (autograder/outputs/figures.py).

    python benchmarks/feedback_pages.py [--repeat 3]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing  # noqa: E402

from autograder.config import load_course  # noqa: E402
from autograder.outputs.feedback_page import feedback_html  # noqa: E402
from autograder.grading.grade import grade  # noqa: E402
from autograder.sandbox.session import Sandbox  # noqa: E402
from autograder.authoring.variants import build_named  # noqa: E402

A5_VARIANTS = [("train_step_never_steps", "fit_unweighted_mean", "dead_units_single_row"),
               ("fit_unweighted_mean", "gradient_norms_reversed"),
               ("train_step_stale_grads", "dead_units_strict_inequality")]


def a5_class(course, folder):
    a5 = course.assignment("a5_training")
    for variants in A5_VARIANTS:
        student = folder / "+".join(variants)
        student.mkdir(parents=True)
        for name, text in build_named(course.solutions / a5.id, a5.files, variants).items():
            (student / name).write_text(text)
        yield student


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    course = load_course(ROOT)
    samples = sorted(p for p in (ROOT / "examples" / "submissions" / "a1_gates").iterdir() if p.is_dir())
    with tempfile.TemporaryDirectory() as tmp, Sandbox(course.limits) as sandbox:
        work = [("a1_gates", p) for p in samples] + [("a5_training", p) for p in a5_class(course, Path(tmp))]
        graded, grading = [], []
        for aid, path in work:
            start = time.perf_counter()
            graded.append(grade(course, course.assignment(aid), path, path.name, sandbox=sandbox))
            grading.append(time.perf_counter() - start)
    pages = {}
    for result in graded:
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            html = feedback_html(result)
            times.append(time.perf_counter() - start)
        pages[result.student] = (min(times), html.count("<svg"), len(html))
    print(f"{'submission':55} {'grading':>9} {'page':>8} {'pictures':>8} {'size':>8}")
    for result, seconds in zip(graded, grading):
        page, pictures, size = pages[result.student]
        print(f"{result.assignment + ' ' + result.student:55} {seconds * 1000:7.0f} ms {page * 1000:5.1f} ms"
              f" {pictures:8d} {size / 1024:6.0f} kB")
    costs = [p[0] for p in pages.values()]
    print(f"page per submission: median {statistics.median(costs) * 1000:.1f} ms, "
          f"worst {max(costs) * 1000:.1f} ms; grading per submission: median {statistics.median(grading) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
