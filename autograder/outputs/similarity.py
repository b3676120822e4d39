"""`course similarity`: which students of a graded batch wrote the same code, for the instructor.

What is compared: the student files ``grade-batch`` graded (``<student>/code/``, a
notebook's files as extracted from its cells), with the assignment's boilerplate
removed: the released stub (given code, signatures, docstrings) and the reference
solution (the canonical way to write each region, which independent students reach
too). What is left is what each student wrote in their own way.

How (copydetect's method, MOSS's winnowing): the code is tokenized and filtered by
``copydetect.utils.filter_code`` (every name becomes ``V``, ``F`` or ``O``, strings ``S``,
comments and layout dropped), so renamed variables, reordered functions and changed
comments change nothing. Every ``K``-character run of the filtered text is a
fingerprint; a student's fingerprints that occur in the boilerplate are dropped. Two
students share the runs whose fingerprints they both have. For each side,
similarity = shared filtered characters / that student's own (non-boilerplate) filtered
characters. A pair is shown when the larger of its two similarities reaches course.toml's
``[similarity] threshold`` and the shared regions hold at least ``MIN_SHARED`` characters
of each student's code (below that there is too little own code to tell a copy from two
people writing the obvious line). A fingerprint never spans two files, two definitions
(``def``, ``class``), so reordering them changes nothing.

Fingerprints are hashed with blake2b rather than copydetect's ``hash()`` (salted per
process), so the same batch gives the same pages byte for byte.

What it cannot show: who copied from whom, code copied from outside the class, code
rewritten by hand or by a tool beyond renaming and reordering, or a copy of code that is
all boilerplate (a student who wrote exactly the reference's lines shares nothing
countable). Correct solutions to a short exercise can look alike: a pair is a question
to ask, never a verdict.
"""

import bisect
import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.config import UsageError

K = 25            # characters of filtered code per fingerprint (copydetect's noise threshold)
MIN_SHARED = 60   # characters of code inside shared regions (on each side) before a pair is shown
CODE = "code"     # <student>/code/: the files grade-batch graded
SHOWN_BELOW = 10  # the most similar pairs below the threshold, shown to see the margin
FILES = ("similarity.html", "similarity.json")
DEFINITION = re.compile(r"(?:def|class)[FO]")  # a definition's start in filtered text (names are F, O)


@dataclass
class Fingerprint:
    """A student's code as ``copydetect.detector.compare_files`` reads it: the filtered text,
    its offsets back into ``raw_code``, {hash: [index in filtered text]} of the kept
    fingerprints, and ``token_coverage`` (filtered characters they cover)."""

    raw_code: str
    filtered_code: str
    offsets: np.ndarray
    hashes: set
    hash_idx: dict
    token_coverage: int
    k: int = K


def _hash(text):
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def _filtered(files):
    """(filtered text, offsets, file starts) of ``files`` (a list of texts) filtered one by one by
    copydetect and joined: offsets are copydetect's rows [filtered index, characters removed
    before it], shifted so they point into the joined raw text."""
    from copydetect.utils import filter_code

    texts, rows, starts, raw_at = [], [], [], 0
    for text in files:
        filtered, offsets = filter_code(text, "code.py", "python")
        at = sum(map(len, texts))
        starts.append(at)
        rows.extend([index + at, removed + raw_at - at] for index, removed in offsets.tolist())
        texts.append(filtered)
        raw_at += len(text)
    return "".join(texts), np.array(rows, dtype=np.int64).reshape(-1, 2), starts


def kgrams(filtered, starts=()):
    """[(index, hash)] of the K-character runs of a filtered text that stay inside one file
    (``starts``: where each begins) and one definition: a run never crosses the start of a
    file, a ``def`` or a ``class``, so the order of files, functions and methods changes no
    fingerprint."""
    bounds = sorted({*starts, *(m.start() for m in DEFINITION.finditer(filtered))})
    runs = []
    for i in range(len(filtered) - K + 1):
        after = bisect.bisect_right(bounds, i)
        if after == len(bounds) or bounds[after] >= i + K:
            runs.append((i, _hash(filtered[i:i + K])))
    return runs


def kgram_hashes(files):
    """The hashes of ``kgrams`` of ``files`` (a list of texts)."""
    filtered, _, starts = _filtered(files)
    return [value for _, value in kgrams(filtered, starts)]


def fingerprint(files, boilerplate):
    """The Fingerprint of ``files`` (a list of texts, joined) without the hashes in ``boilerplate``."""
    filtered, offsets, starts = _filtered(files)
    hash_idx = {}
    for i, value in kgrams(filtered, starts):
        if value not in boilerplate:
            hash_idx.setdefault(value, []).append(i)
    covered = np.zeros(len(filtered), dtype=bool)
    for indexes in hash_idx.values():
        for i in indexes:
            covered[i:i + K] = True
    return Fingerprint("".join(files), filtered, offsets, set(hash_idx), hash_idx, int(covered.sum()))


def boilerplate_hashes(course, assignment):
    """The fingerprints of the released stubs and of the reference (markers removed)."""
    from autograder.authoring.stubs import make_stub, strip_markers

    hashes = set()
    for name in assignment.files:
        text = (course.solutions / assignment.id / name).read_text(encoding="utf-8")
        hashes.update(kgram_hashes([make_stub(text)]))
        hashes.update(kgram_hashes([strip_markers(text)]))
    return hashes


def student_code(assignment, folder):
    """[text] of the student files in ``folder`` in course order (a ``# file`` line first in each,
    for the reader), or None when there is none."""
    texts = [f"# {name}\n" + (Path(folder) / name).read_text(encoding="utf-8", errors="replace")
             for name in assignment.files if (Path(folder) / name).is_file()]
    return texts or None


def segments(code, slices):
    """[(text, shared)] of ``code`` cut at the shared ``slices`` (2 x n: starts, ends)."""
    out, last = [], 0
    for start, end in sorted(zip(np.asarray(slices[0]).tolist(), np.asarray(slices[1]).tolist())):
        start = max(start, last)
        if end <= start:
            continue
        out.append((code[last:start], False))
        out.append((code[start:end], True))
        last = end
    out.append((code[last:], False))
    return [(text, shared) for text, shared in out if text]


def compare(codes, boilerplate, threshold):
    """The pairs of ``codes`` ({student: [text of each file]}) shown to the instructor, most similar first, and
    the highest similarities of the pairs not shown (so the margin is visible).

    Each pair: {a, b, similarity_a, similarity_b, shared (characters of code in the shared
    regions, the smaller side), segments_a, segments_b ([(text, shared)] of each side's code)}.
    """
    from copydetect.detector import compare_files

    prints = {s: fingerprint(code, boilerplate) for s, code in sorted(codes.items())}
    shown, others = [], []
    for a, b in itertools.combinations(sorted(prints), 2):
        if not prints[a].hashes & prints[b].hashes:
            continue
        _, (sim_a, sim_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
        shared = min(int(np.sum(slices_a[1] - slices_a[0])), int(np.sum(slices_b[1] - slices_b[0])))
        row = {"a": a, "b": b, "similarity_a": round(float(sim_a), 4), "similarity_b": round(float(sim_b), 4),
               "shared": shared}
        if max(sim_a, sim_b) >= threshold and shared >= MIN_SHARED:
            shown.append({**row, "segments_a": segments(prints[a].raw_code, slices_a),
                          "segments_b": segments(prints[b].raw_code, slices_b)})
        else:
            others.append(row)
    return sorted(shown, key=_most_similar), sorted(others, key=_most_similar)[:SHOWN_BELOW]


def _most_similar(pair):
    return -max(pair["similarity_a"], pair["similarity_b"]), pair["a"], pair["b"]


def similarity(course, assignment, out):
    """The similarity report of the batch in ``out``: a JSON-ready dict."""
    codes = {}
    for folder in sorted(p.parent for p in Path(out).glob(f"*/{CODE}")):
        code = student_code(assignment, folder / CODE)
        if code is not None:
            codes[folder.name] = code
    threshold = course.similarity_threshold
    shown, others = compare(codes, boilerplate_hashes(course, assignment), threshold)
    return {"assignment": assignment.id, "language": course.language, "threshold": threshold,
            "min_shared": MIN_SHARED, "k": K, "students": len(codes), "pairs": shown, "highest_not_shown": others}


def write_similarity(course, assignment, out):
    """Write ``out``/similarity.json and similarity.html; returns (path of the page, the report)."""
    from autograder.outputs.feedback_page import render
    from autograder.outputs.page_text import page_text

    report = similarity(course, assignment, out)
    if not report["students"]:
        raise UsageError(f"{out}: no <student>/{CODE}/ here (run `course grade-batch {assignment.id} "
                         f"SUBMISSIONS --out {out}` first)")
    out = Path(out)
    (out / FILES[1]).write_text(json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                encoding="utf-8")
    page = out / FILES[0]
    page.write_text(render("similarity.html.j2", report=report, text=page_text(course.language),
                           title=assignment.title_in(course.language)), encoding="utf-8")
    return page, report


def main(course, args):
    """`course similarity ASSIGNMENT OUT_DIR`."""
    from autograder.outputs.page_text import page_text

    page, report = write_similarity(course, course.assignment(args.assignment), Path(args.out_dir))
    text = page_text(course.language)
    print(text("similarity_summary", n=report["students"], pairs=len(report["pairs"]),
               threshold=f"{report['threshold']:.0%}"))
    print(f"{text('similarity_title', assignment=args.assignment)}: {page}")
    return 0
