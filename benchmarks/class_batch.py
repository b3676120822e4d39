"""What grading a whole class costs: our grader against nbgrader's autograde, same class.

Builds a seeded synthetic class of ``--students`` a1_gates submissions (one folder per
student holding gates.py): the reference and the correct-but-different variants of
``solutions/a1_gates/variants.toml``, its known-buggy ones, the released stubs and a few hostile
ones (an infinite loop, ``os._exit(0)`` at import, fake PASSED/JSON lines, a 1 TB
array, a syntax error). Then it measures:

- our grader: each submission graded alone, one after the other (latency, median and
  p95), the class in one ``grade_batch`` run with ``--jobs`` workers (total wall time,
  throughput, submissions that hit a limit), and one ``course grade`` command;
- nbgrader: the same code put into the solution cells of the notebook nbgrader
  generates, ``nbgrader autograde`` over the first ``--nbgrader-students`` of the class
  (total and per submission) and one ``nbgrader autograde --student`` command;
- the floor: starting ``python -I -S -c "import numpy"``, what every child costs at least.

It also prints, per kind of submission, the scores both graders gave and the parts our
grader took away that it should not have, or left that it should have taken, and the
submissions whose score alone differs from their score in the batch.

    python benchmarks/class_batch.py [--students 200] [--jobs 2] [--nbgrader-students N] [--quick]

Measured on the 2-core machine (2026-12-02, commit fa73de3), ``python benchmarks/class_batch.py
--nbgrader-students 4 --before e7de5e3`` (2 minutes): 200 submissions, 100 correct (the
reference and 9 variants), 60 buggy (14 kinds), 30 stubs, 10 hostile (2 of each); our grader took
away exactly the expected parts of every kind, at the ``jail+seccomp`` level, gave each
submission the same score alone and in the batch, and the same scores as e7de5e3. nbgrader's
per-cell timeout was 30 s, with no memory limit; its check cells run the public checks, so it
gave 55 to a buggy sigmoid backward and failed on ``os._exit(0)`` (dead kernel)::

                                             ours, grade_batch --jobs 2    before, e7de5e3    nbgrader autograde
    per submission, alone: median                                0.09 s             0.09 s                     -
    per submission, alone: p95                                   0.14 s             0.14 s                     -
    per submission, alone: worst                                 2.08 s            10.09 s                     -
    class graded one by one: total                         22.3 s (200)       38.6 s (200)                     -
    per submission in the class run                             0.076 s            0.117 s                1.91 s
    single-submission command                                    0.29 s             0.32 s                3.40 s
    class run total                                        15.2 s (200)       23.4 s (200)             7.6 s (4)
    throughput                                                  13.20/s             8.54/s                0.52/s
    hit a limit / failed               6 (timeout 2, memory 2, crashed 2)  6 (the same)  0 timed out, 1 failed
    floor: python -I -S, import numpy                           0.080 s
    goals: ... 0.076 s (met); one course grade command at most 0.3 s: 0.29 s (met)
    of which the time limit: the 2 submission(s) that ran out of time held a core 4.2 s in all
    (alone), 0.010 s per submission at --jobs 2 before any other work; the others took 0.092 s
    each alone, and at most 0.141 s each would meet the goal

A submission is graded in 5 parts, one child each. The worst is the infinite loop: its part is
stopped after its budget of 2 checks x 1 s (a1's own ``timeout_s``; 2 x 5 s before, 20.2 s of
a core for the two loops), a core spinning all along. The command ends without the interpreter's
teardown (``cli.entry``: 26 ms). nbgrader over the whole class (2026-12-01): 729 s, 3.65 s per
submission.
"""

import argparse
import contextlib
import io
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from before import engine, run_before  # benchmarks/before.py, beside this script
from autograder.config import load_course
from autograder.results import LIMIT_STATUSES

# The measuring functions use only engine() and the two modules above, which every engine has,
# so --before can run them on an earlier commit; building the class and nbgrader's side import
# today's modules inside the functions that need them.

ROOT = Path(__file__).resolve().parent.parent
AID = "a1_gates"
NBGRADER_CELL_TIMEOUT_S = 30
IMPORTS = "import numpy as np\n"
# name: (line of the reference, what replaces it, the parts it must lose or None for all)
HOSTILE = {
    "hostile: infinite loop in SigmoidGate.backward": (
        "        return dout * self.out * (1.0 - self.out)\n",
        "        while True:\n            pass\n", {"sigmoid_gate"}),  # the neuron runs on the stand-in gates
    "hostile: os._exit(0) at import": (IMPORTS, IMPORTS + "import os\n\nos._exit(0)\n", None),
    "hostile: prints PASSED and JSON at import": (
        IMPORTS, IMPORTS + 'print(\'{"score": 100, "tests": []}\')\nprint("PASSED 100/100")\n', set()),
    "hostile: 1 TB array in MaxGate.forward": (
        "        return np.maximum(x, y)\n", "        big = np.ones(2**40 // 8)\n        return np.maximum(x, y)\n",
        {"max_gate"}),
    "hostile: syntax error in MultiplyGate.forward": (
        "        return self.x * self.y\n", "        return self.x * * self.y\n", None),
}


def kinds(course):
    """{kind: (gates.py text, parts it must lose)} of every kind of submission in the class."""
    assignment = course.assignment(AID)
    every = {p.id for p in assignment.parts}
    from autograder.authoring.stubs import strip_markers
    from autograder.authoring.variants import build, load_variants

    reference = strip_markers((course.solutions / AID / "gates.py").read_text(encoding="utf-8"))
    found = {"correct: reference": (reference, set())}
    for variant in load_variants(course.solutions / AID):
        text = build(course.solutions / AID, assignment.files, variant)["gates.py"]
        found[f"{variant.kind}: {variant.name}"] = (text, set(variant.loses))
    found["stubs"] = ((ROOT / "assignments" / AID / "gates.py").read_text(encoding="utf-8"), every)
    for name, (old, new, lost) in HOSTILE.items():
        assert old in reference, name
        found[name] = (reference.replace(old, new, 1), every if lost is None else lost)
    return found


def class_mix(all_kinds, students, hostile_share, seed):
    """[kind] of each student, shuffled with ``seed``: hostile ``hostile_share``, 15% stubs,
    30% buggy, the rest correct; each group cycles through its kinds."""
    groups = {g: [k for k in all_kinds if k.startswith(g)] for g in ("hostile", "stubs", "buggy", "correct")}
    counts = {"hostile": max(1, round(hostile_share * students)), "stubs": round(0.15 * students),
              "buggy": round(0.30 * students)}
    counts["correct"] = students - sum(counts.values())
    mix = [k for g, n in counts.items() for k in itertools.islice(itertools.cycle(groups[g]), n)]
    return list(np.random.default_rng(seed).permutation(mix))


def write_class(folder, all_kinds, mix):
    """One folder per student (s000, s001, ...) holding gates.py; returns {student: kind}."""
    students = {}
    for i, kind in enumerate(mix):
        student = f"s{i:03d}"
        (folder / student).mkdir(parents=True)
        (folder / student / "gates.py").write_text(all_kinds[kind][0], encoding="utf-8")
        students[student] = kind
    return students


def timed(function, *args, **kwargs):
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def process_floor(runs=10):
    """Median seconds to start ``python -I -S`` with a clean environment and import numpy."""
    site = Path(np.__file__).resolve().parent.parent
    command = [str(Path(sys.executable).resolve()), "-I", "-S", "-c",
               f"import sys; sys.path.insert(0, {str(site)!r}); import numpy"]
    return statistics.median(timed(subprocess.run, command, env={}, check=True)[0] for _ in range(runs))


def lost_parts(parts, points):
    """The parts whose score is below their points, from {part: score}."""
    return {part for part, score in parts.items() if score < points[part]}


def one_by_one(course, class_dir, students):
    """{student: (seconds, score)} grading each submission alone, one after the other, in one sandbox."""
    assignment = course.assignment(AID)
    graded = {}
    e = engine()
    with e.Sandbox(course.limits) as sandbox:
        for student in students:
            seconds, result = timed(e.grade, course, assignment, class_dir / student, student, sandbox=sandbox)
            graded[student] = seconds, result.score
    return graded


def batch(course, class_dir, out, jobs):
    """(seconds, exit status, {student: GradingResult}) of one grade_batch run; its summary is swallowed."""
    with contextlib.redirect_stdout(io.StringIO()):
        seconds, (status, results, *_) = timed(engine().grade_batch, course, course.assignment(AID), class_dir, out, jobs=jobs,
                                           progress=False)
    return seconds, status, results


def limit_hits(results):
    """{student: sorted limit statuses} of the submissions whose tests hit a limit."""
    hits = {s: sorted({t.status for t in r.tests} & set(LIMIT_STATUSES)) for s, r in results.items()}
    return {s: statuses for s, statuses in hits.items() if statuses}


def course_grade_command(course_root, folder, out, runs=3):
    """Median seconds of ``course grade a1_gates FOLDER --student solo --json ...``, with the
    grader's and the course's bytecode compiled first, as an installed grader has it (pip compiles
    a package it installs; the Gradescope image compiles its source folder): without it a
    machine that sets PYTHONDONTWRITEBYTECODE, as this one does, compiles them on every run."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "autograder", "source_lib", "solutions"],
                   cwd=course_root, capture_output=True, check=True)
    command = [sys.executable, "-m", "autograder.cli", "--course", str(course_root), "grade", AID, str(folder),
               "--student", "solo", "--json", str(out / "solo.json")]
    return statistics.median(timed(subprocess.run, command, cwd=course_root, capture_output=True, check=True)[0]
                             for _ in range(runs))


def chunks(text):
    """(header, {name: source}) of a file cut at its top-level def and class lines, without parsing it."""
    starts = [m.start() for m in re.finditer(r"^(?:def|class) ", text, re.M)] + [len(text)]
    bodies = {}
    for start, end in zip(starts, starts[1:]):
        name = re.match(r"(?:def|class) (\w+)", text[start:]).group(1)
        bodies[name] = text[start:end].rstrip()
    return text[:starts[0]].rstrip(), bodies


def student_notebook(released, text):
    """The released notebook (a dict) with ``text``'s definitions in its solution cells.

    nbgrader's autograde restores locked cells, so what the file adds to the header
    (module-level code) and any definition the notebook has no cell for go at the top
    of the first solution cell, where they run at the same point as in the .py file.
    """
    header, bodies = chunks(text)
    notebook = json.loads(json.dumps(released))
    named = [c for c in notebook["cells"] if c["metadata"].get("backprop_lab", {}).get("name")]
    released_header = next("".join(c["source"]).rstrip() for c in named
                           if c["metadata"]["backprop_lab"]["name"] == "__header__")
    solution = [c for c in named if c["metadata"]["backprop_lab"]["name"] != "__header__"]
    extra = [header] if header != released_header else []
    extra += [body for name, body in bodies.items() if name not in {c["metadata"]["backprop_lab"]["name"]
                                                                    for c in solution}]
    for cell in solution:
        cell["source"] = bodies[cell["metadata"]["backprop_lab"]["name"]]
    solution[0]["source"] = "\n\n\n".join(extra + [solution[0]["source"]])
    return notebook


def nbgrader_course(course, folder):
    """An nbgrader course of a1_gates in ``folder``, its assignment generated; returns the released notebook."""
    from autograder.platforms.nbgrader_course import run_nbgrader, write_nbgrader_course

    write_nbgrader_course(course, course.assignment(AID), folder)
    with open(folder / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(f"c.Execute.timeout = {NBGRADER_CELL_TIMEOUT_S}\n")
    done = run_nbgrader(folder, "generate_assignment", AID)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((folder / "release" / AID / f"{AID}.ipynb").read_text(encoding="utf-8"))


def submit(folder, released, student, text):
    """Write ``student``'s notebook, holding the code ``text``, where nbgrader autograde looks for it."""
    path = folder / "submitted" / student / AID / f"{AID}.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(student_notebook(released, text)), encoding="utf-8")


def nbgrader_scores(folder, students):
    """{student: {part: score}} from nbgrader's gradebook: the scores of the check cells."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        grades = {s: gradebook.find_submission_notebook(AID, AID, s).grades for s in students}
        return {s: {g.name.removeprefix("check_"): g.score for g in found} for s, found in grades.items()}


def nbgrader_failures(done):
    """The students nbgrader autograde reported an error for (a dead kernel: it records zeros)."""
    return set(re.findall(r"error processing assignment '\w+' for student '(\w+)'", done.stdout + done.stderr))


def nbgrader_timeouts(folder, students):
    """The students whose autograded notebook has a cell stopped by nbgrader's per-cell timeout."""
    notebooks = {s: folder / "autograded" / s / AID / f"{AID}.ipynb" for s in students}
    return {s for s, path in notebooks.items() if path.is_file() and "CellTimeoutError" in path.read_text("utf-8")}


def measure_nbgrader(course, folder, class_dir, students, reference):
    """nbgrader autograde of ``students`` (their gates.py in notebooks), then of one more submission alone.

    Returns {"total": seconds, "single": seconds, "scores": {student: {part: score}},
    "failed": students it reported an error for, "timeouts": students with a cell timed out,
    "status": its exit status}.
    """
    from autograder.platforms.nbgrader_course import run_nbgrader

    released = nbgrader_course(course, folder)
    for student in students:
        submit(folder, released, student, (class_dir / student / "gates.py").read_text(encoding="utf-8"))
    total, done = timed(run_nbgrader, folder, "autograde", AID)
    submit(folder, released, "solo", reference)
    single, one = timed(run_nbgrader, folder, "autograde", AID, "--student", "solo")
    assert one.returncode == 0, one.stdout + one.stderr
    return {"total": total, "single": single, "scores": nbgrader_scores(folder, students),
            "failed": nbgrader_failures(done), "timeouts": nbgrader_timeouts(folder, students),
            "status": done.returncode}


def span(scores):
    """"lowest-highest" of some scores, or the one score they all share."""
    scores = list(scores)
    low, high = f"{min(scores):.4g}", f"{max(scores):.4g}"
    return low if low == high else f"{low}-{high}"


def print_mix(all_kinds, students, ours, theirs, failed, points):
    """Per kind: count, score range from both graders, and whether our grader took away the right parts."""
    print(f"\n{'kind':48} {'n':>3} {'ours':>9} {'nbgrader':>18}  our lost parts vs expected")
    for kind, (_, expected) in all_kinds.items():
        members = [s for s, k in students.items() if k == kind]
        if not members:
            continue
        graded = [sum(theirs[s].values()) for s in members if s in theirs]
        nb = span(graded) if graded else "-"
        nb += f" ({len(failed & set(members))} failed)" if failed & set(members) else ""
        wrong = {frozenset(lost_parts(ours[s]["parts"], points)) for s in members} - {
            frozenset(expected)}
        verdict = "ok" if not wrong else "UNEXPECTED: lost " + "; ".join(", ".join(sorted(w)) or "none" for w in wrong)
        print(f"{kind:48} {len(members):3d} {span(ours[s]['total'] for s in members):>9} {nb:>18}  {verdict}")
    print(f"(scores out of {sum(points.values()):g})")


def measure_ours(course_root, class_dir, students, jobs, solo, tmp):
    """The figures of the engine on sys.path over the class: each submission alone, the class
    in one batch, one ``course grade`` command on the folder ``solo``. A dict that JSON keeps (for --before)."""
    course = load_course(course_root)
    alone = one_by_one(course, class_dir, students)
    batch_s, status, results = batch(course, class_dir, tmp / "out", jobs)
    return {"alone": {s: seconds for s, (seconds, _) in alone.items()},
            "alone_scores": {s: float(score) for s, (_, score) in alone.items()},
            "batch_s": batch_s, "status": status, "command_s": course_grade_command(course_root, solo, tmp),
            "hits": limit_hits(results), "isolation": sorted({r.isolation for r in results.values()}),
            "scores": {s: {"total": float(r.score), "parts": {p.id: float(p.score) for p in r.parts}}
                       for s, r in results.items()}}


def column(figures, jobs):
    """{row label: text} of one engine's figures (measure_ours)."""
    times, n = list(figures["alone"].values()), len(figures["alone"])
    hits = figures["hits"]
    by_status = ", ".join(f"{s} {sum(s in v for v in hits.values())}" for s in LIMIT_STATUSES)
    return {
        "per submission, alone: median": f"{statistics.median(times):.2f} s",
        "per submission, alone: p95": f"{np.percentile(times, 95):.2f} s",
        "per submission, alone: worst": f"{max(times):.2f} s",
        "class graded one by one: total": f"{sum(times):.1f} s ({n})",
        "per submission in the class run": f"{figures['batch_s'] / n:.3f} s",
        "single-submission command": f"{figures['command_s']:.2f} s",
        "class run total": f"{figures['batch_s']:.1f} s ({n})",
        "throughput": f"{n / figures['batch_s']:.2f}/s",
        "hit a limit / failed": f"{len(hits)} ({by_status})",
    }


def print_table(jobs, floor, ours, before, nb):
    """The figures side by side: ours now, ours at --before (or None), nbgrader (or None)."""
    n_nb = len(nb["scores"]) if nb else 0
    theirs = {
        "per submission in the class run": f"{nb['total'] / n_nb:.2f} s", "single-submission command":
        f"{nb['single']:.2f} s", "class run total": f"{nb['total']:.1f} s ({n_nb})",
        "throughput": f"{n_nb / nb['total']:.2f}/s",
        "hit a limit / failed": f"{len(nb['timeouts'])} timed out, {len(nb['failed'])} failed",
    } if nb else {}
    now, was = column(ours, jobs), column(before["figures"], jobs) if before else {}
    head = f"ours, grade_batch --jobs {jobs}"
    print(f"\n{'':34} {head:>32}" + (f" {'before, ' + before['rev']:>26}" if before else "")
          + f" {'nbgrader autograde':>26}")
    for label, mine in now.items():
        print(f"{label:34} {mine:>32}" + (f" {was[label]:>26}" if before else "") + f" {theirs.get(label, '-'):>26}")
    print(f"{'floor: python -I -S, import numpy':34} {f'{floor:.3f} s':>32}")
    n = len(ours["alone"])
    per = ours["batch_s"] / n
    print(f"goals: a1 in a class with --jobs {jobs} at most 0.08 s per submission: {per:.3f} s "
          f"({'met' if per <= 0.08 else 'NOT met'}); one course grade command at most 0.3 s: "
          f"{ours['command_s']:.2f} s ({'met' if ours['command_s'] <= 0.3 else 'NOT met'})")
    stalled = [s for s, statuses in ours["hits"].items() if "timeout" in statuses]
    if stalled:  # a check that runs out of time spins a core for its whole budget: no grader can shorten that
        held = sum(ours["alone"][s] for s in stalled)
        rest = (sum(ours["alone"].values()) - held) / (n - len(stalled))
        room = (0.08 * n * jobs - held) / (n - len(stalled))
        print(f"of which the time limit: the {len(stalled)} submission(s) that ran out of time held a core "
              f"{held:.1f} s in all (alone), {held / jobs / n:.3f} s per submission at --jobs {jobs} before any "
              f"other work; the others took {rest:.3f} s each alone, and "
              + (f"at most {room:.3f} s each would meet the goal" if room > 0 else "no time is left for them"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--nbgrader-students", type=int, help="autograde only the first N with nbgrader "
                        "(default: all; 0 skips nbgrader)")
    parser.add_argument("--hostile-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="20 students")
    parser.add_argument("--before", metavar="REV", help="grade the same class with commit REV's engine too")
    parser.add_argument("--course", type=Path, default=ROOT, help=argparse.SUPPRESS)  # set by --before's run
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--class-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--solo", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:  # the run of one engine for --before, on the class it is given
        with tempfile.TemporaryDirectory(prefix="class-batch-") as tmp:
            students = sorted(p.name for p in args.class_dir.iterdir())
            args.json.write_text(json.dumps(measure_ours(args.course, args.class_dir, students, args.jobs, args.solo,
                                                         Path(tmp))))
        return
    n = 20 if args.quick else args.students
    course = load_course(ROOT)
    all_kinds = kinds(course)
    reference = all_kinds["correct: reference"][0]
    with tempfile.TemporaryDirectory(prefix="class-batch-") as tmp:
        tmp = Path(tmp)
        class_dir = tmp / "class"
        students = write_class(class_dir, all_kinds, class_mix(all_kinds, n, args.hostile_share, args.seed))
        (tmp / "solo").mkdir()
        (tmp / "solo" / "gates.py").write_text(reference, encoding="utf-8")
        floor = process_floor()
        print(f"{n} submissions of {AID}; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
        before = {"rev": args.before, "figures": run_before(Path(__file__), args.before, [
            "--class-dir", str(class_dir), "--solo", str(tmp / "solo"), "--jobs", str(args.jobs)])} if args.before else None
        (tmp / "ours").mkdir()
        ours = measure_ours(ROOT, class_dir, sorted(students), args.jobs, tmp / "solo", tmp / "ours")
        n_nb = n if args.nbgrader_students is None else min(args.nbgrader_students, n)
        nb = measure_nbgrader(course, tmp / "nbgrader" / "course", class_dir, list(students)[:n_nb],
                              reference) if n_nb else None
    print_mix(all_kinds, students, ours["scores"], nb["scores"] if nb else {}, nb["failed"] if nb else set(),
              {p.id: p.points for p in course.assignment(AID).parts})
    differ = sorted(s for s, score in ours["alone_scores"].items() if score != ours["scores"][s]["total"])
    moved = sorted(s for s in ours["scores"] if before and before["figures"]["scores"][s] != ours["scores"][s])
    limits = course.limits_of(course.assignment(AID))
    print(f"\nours: isolation level {', '.join(ours['isolation'])}; limits {limits.timeout_s:g} s per check "
          f"(a part {limits.part_budget_s:g} s), {limits.memory_mb} MB; a shared sandbox for the one-by-one run, as in each batch worker; "
          f"grade_batch exit status {ours['status']}; one-by-one and batch scores differ for: {', '.join(differ) or 'none'}"
          + (f"; scores that differ from {args.before}'s: {', '.join(moved) or 'none'}" if before else ""))
    if nb:
        print(f"nbgrader: per-cell timeout {NBGRADER_CELL_TIMEOUT_S} s (c.Execute.timeout in the throwaway course's "
              f"nbgrader_config.py), no memory limit; autograde exit status {nb['status']}")
    print_table(args.jobs, floor, ours, before, nb)


if __name__ == "__main__":
    main()
