"""One class graded as 4 shards, one after the other, merged: the same gradebook as one run.

Builds the seeded synthetic a1_gates class of benchmarks/class_batch.py, grades it once
with ``grade_batch`` (``--jobs`` workers), then as shards 1/4 to 4/4 into four folders
(what four machines of a GitHub Actions matrix would do, here one after the other),
merges them with ``course gradebook merge``'s API, and prints the time of each run, the
students per shard, whether the merged gradebook.csv is byte-identical to the single
run's, and the merged gradebook itself.

    python benchmarks/shards.py [--students 40] [--jobs 2] [--shards 4]

Measured on the 2-core machine (2026-12-01), shared with four other jobs (load
average 15, so a bare ``python -I -S -c "import numpy"`` took 0.8 s instead of 0.18 s),
``python benchmarks/shards.py``: single run 52.3 s; shards 1/4 to 4/4 of 10, 12, 12 and
6 students in 13.1, 31.3, 15.0 and 9.0 s; merge 0.49 s; the merged gradebook.csv
byte-identical to the single run's (True), then printed.
"""

import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path

from class_batch import AID, ROOT, class_mix, kinds, write_class

from autograder.grading.batch import grade_batch
from autograder.config import load_course
from autograder.outputs.gradebook import merge


def quiet_batch(course, class_dir, out, jobs, shard=None):
    """Seconds of one grade_batch run (its summary swallowed)."""
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        grade_batch(course, course.assignment(AID), class_dir, out, jobs=jobs, progress=False, shard=shard)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    course = load_course(ROOT)
    all_kinds = kinds(course)
    with tempfile.TemporaryDirectory(prefix="shards-") as tmp:
        tmp = Path(tmp)
        write_class(tmp / "class", all_kinds, class_mix(all_kinds, args.students, 0.05, args.seed))
        single = quiet_batch(course, tmp / "class", tmp / "single", args.jobs)
        print(f"{args.students} submissions of {AID}, --jobs {args.jobs}")
        print(f"single run: {single:.1f} s")
        outs = []
        for k in range(1, args.shards + 1):
            out = tmp / f"shard{k}"
            seconds = quiet_batch(course, tmp / "class", out, args.jobs, shard=(k, args.shards))
            count = len((out / "gradebook.csv").read_text().splitlines()) - 1
            print(f"shard {k}/{args.shards}: {count} students, {seconds:.1f} s")
            outs.append(out)
        start = time.perf_counter()
        merge(course.assignment(AID), outs, tmp / "merged")
        print(f"merge: {time.perf_counter() - start:.2f} s")
        merged = (tmp / "merged" / "gradebook.csv").read_text(encoding="utf-8")
        same = merged == (tmp / "single" / "gradebook.csv").read_text(encoding="utf-8")
        print(f"merged gradebook.csv byte-identical to the single run's: {same}\n")
        print(merged, end="")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
