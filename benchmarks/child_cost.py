"""What one child and one request cost: a fork of the zygote, a part's first call, a round trip.

Measured in one sandbox (its zygote started and ready, as in a grade-batch worker), on a
small module standing for a student's file, each ``--repeat`` times, medians printed:

- fork: ``Child`` (a scratch folder, the zygote's fork, its answer), the child's isolation
  set up after that, while the grader goes on;
- a part's first call: spawn, isolation, import of the file, one call (what a part's first
  check waits for when its child was not spawned ahead);
- the first call to a child spawned ahead (``Session.spawn``, as grade() does for the next part);
- a round trip: one call that waits for its answer;
- a deferred call: ``new`` (written at once, its answer read with the next waited call's),
  per call, in a run of ten followed by one waited call;
- machine CPU per child (all processes and the kernel's, from /proc/stat): fork, isolation,
  import and one call, then the kill and the reap.

    python benchmarks/child_cost.py [--repeat 200]
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from autograder.config import load_course
from autograder.sandbox.session import Child, Sandbox, Session

ROOT = Path(__file__).resolve().parent.parent
MODULE = "import numpy as np\n\n\nclass Gate:\n    def f(self, x):\n        return 2 * x\n\n\ndef f(x):\n    return 2 * x\n"


def machine_cpu_s():
    """Seconds of CPU spent by the whole machine so far (user, nice, system, irq, softirq)."""
    fields = list(map(int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]))
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    course = load_course(ROOT)
    with tempfile.TemporaryDirectory() as tmp, Sandbox(course.limits) as sandbox:
        module = Path(tmp) / "m.py"
        module.write_text(MODULE)
        sandbox.zygote()
        figures = {"fork (the grader's side)": [], "a part's first call": [], "first call, spawned ahead": [],
                   "a round trip": [], "a deferred call (new)": []}
        for _ in range(args.repeat):
            scratch = sandbox.scratch({"m.py": module})
            figures["fork (the grader's side)"].append(timed(lambda: Child(sandbox, scratch).kill(wait=False)))
            with Session(sandbox, {"m": module}) as session:
                figures["a part's first call"].append(timed(lambda: session.call("m.f", 1.0)))
                figures["a round trip"].append(timed(lambda: session.call("m.f", 1.0)))
                start = time.perf_counter()
                for _ in range(10):
                    session.new("m.Gate")
                after = time.perf_counter()
                session.call("m.f", 1.0)
                figures["a deferred call (new)"].append((after - start) / 10)
            with Session(sandbox, {"m": module}) as ahead:
                ahead.spawn()
                time.sleep(0.01)  # its isolation is set up while the grader does other work
                figures["first call, spawned ahead"].append(timed(lambda: ahead.call("m.f", 1.0)))
        start = machine_cpu_s()
        for _ in range(args.repeat):
            with Session(sandbox, {"m": module}) as session:
                session.call("m.f", 1.0)
        time.sleep(1.0)  # the kernel's deferred clean-up of the namespaces, and the last reap
        cpu_ms = (machine_cpu_s() - start) / args.repeat * 1000
    print(f"isolation: {sandbox.isolation}; {os.cpu_count()} cores; medians of {args.repeat}")
    for name, values in figures.items():
        print(f"{name:32} {statistics.median(values) * 1000:8.3f} ms")
    print(f"{'machine CPU per child':32} {cpu_ms:8.2f} ms (fork, isolation, import, one call, kill and reap)")


if __name__ == "__main__":
    main()
