"""Finding a submission's student files, and which copy of each is graded.

A submission is a folder, a ``.py`` file or a notebook. A single ``.py`` file stands
for the assignment's one student file whatever its name; a notebook's student code is
read from its solution cells (``autograder.authoring.notebook.extract_files``) and written to
``workdir`` as the .py files it stands for, so it is graded exactly like them.

In a folder (a Classroom repository, a Gradescope upload, an nbgrader tree) a student
file may have several copies, its *candidates*: the file itself at the top level (else
the one file of that name below it: Gradescope and nbgrader nest submissions), and each
notebook whose cells hold it. The rule that picks one, stated once here and in the
student's feedback:

1. a candidate identical to the released stub (line endings and trailing blanks aside)
   is untouched and is graded only when every candidate is (then the first, the .py
   file if there is one, and no choice is reported);
2. of the rest, the one with the fewest ``raise NotImplementedError`` left is graded
   (the most complete);
3. on a tie the ``.py`` file wins, then the notebooks in path order.

Each choice made among several candidates is recorded in ``Submission.choices`` as
(file, graded candidate, rule) so the feedback can say which file was graded and why.

Nothing else of the submission is ever copied next to the student's code (no
conftest.py, no numpy.py, no .pth), and a symbolic link is never followed out of the
submission (a link to solutions/ is not a student file).
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

NOT_IMPLEMENTED = re.compile(r"^\s*raise\s+NotImplementedError\b", re.MULTILINE)


@dataclass
class Submission:
    """The student files found ({file name: path}), those missing, the notebook read, if any,
    and the choices made between copies: [(file name, graded path, rule)], rule one of
    "untouched_stub" (the others are the released stub), "most_complete", "py_on_tie"
    (``choose``); ``oversized``: the files over MAX_FILE_BYTES, never read (what they would
    have held counts as missing)."""

    path: Path
    files: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)
    notebook: Path | None = None
    choices: list = field(default_factory=list)
    oversized: dict = field(default_factory=dict)  # {path relative to the submission: bytes} of files not read

    def content_hash(self):
        """sha256 over the names and bytes of the student files, in name order."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + Path(self.files[name]).read_bytes() + b"\0")
        return digest.hexdigest()


MAX_FILE_BYTES = 32 << 20  # a student file or notebook larger than this is not read (code is a few kB)


def normalised(text):
    """``text`` with CRLF line endings and trailing blanks removed: what 'identical' compares."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


def from_notebook(assignment, notebook, workdir, found):
    """Fill ``found`` with the student files extracted from ``notebook`` into ``workdir``."""
    from autograder.authoring.notebook import extract_files

    found.notebook = Path(notebook)
    folder = Path(workdir)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in extract_files(notebook, assignment).items():
        if name not in found.files:
            (folder / name).write_text(text, encoding="utf-8")
            found.files[name] = folder / name
    found.missing = [f for f in assignment.files if f not in found.files]
    return found


def choose(candidates, stub):
    """(index of the graded candidate, rule) among [(path, text)], the .py file first if any.

    stub: the released stub's text, or None when unknown (nothing then counts as untouched).
    """
    touched = [i for i, (_, text) in enumerate(candidates)
               if stub is None or normalised(text) != normalised(stub)]
    if not touched:
        return 0, "all_untouched"
    pool = touched
    left = {i: len(NOT_IMPLEMENTED.findall(candidates[i][1])) for i in pool}
    best = min(pool, key=lambda i: (left[i], i))
    if len(touched) == 1:
        return best, "untouched_stub"
    if sum(1 for i in pool if left[i] == left[best]) > 1:
        return best, "py_on_tie"
    return best, "most_complete"


def released_stubs(course, assignment):
    """{file name: the text of its released stub} of ``assignment`` (from solutions/)."""
    from autograder.authoring.stubs import make_stub

    folder = course.solutions / assignment.id
    return {name: make_stub((folder / name).read_text(encoding="utf-8")) for name in assignment.files}


def choice_notes(submission, lang):
    """One line per choice made between copies of a student file: which was graded and why."""
    from source_lib.messages import message

    return [message(f"graded_{rule}", lang, file=name, graded=graded.relative_to(submission.path).as_posix())
            for name, graded, rule in submission.choices]


def find_submission(assignment, path, workdir, stubs=None):
    """The Submission of ``assignment`` at ``path`` (a folder, a .py file or a notebook).

    stubs: {file name: released stub text}, so that an untouched stub is never graded
    in place of a filled-in notebook beside it (``autograder.authoring.release.released_stubs``).
    """
    path = Path(path)
    found = Submission(path)

    def small(p):
        """Whether ``p`` may be read; a larger file is noted in ``found.oversized`` instead."""
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            found.oversized[p.name if p == path else p.relative_to(path).as_posix()] = size
        return size <= MAX_FILE_BYTES

    if path.is_file() and not small(path):
        found.missing = list(assignment.files)
        return found
    if path.is_file() and path.suffix == ".ipynb":
        return from_notebook(assignment, path, workdir, found)
    if path.is_file():
        if len(assignment.files) == 1 and path.suffix == ".py":
            found.files[assignment.files[0]] = path
        elif path.name in assignment.files:
            found.files[path.name] = path
        found.missing = [f for f in assignment.files if f not in found.files]
        return found
    from autograder.authoring.notebook import extract_files

    root = path.resolve()

    def own(p):
        """A regular file of the submission itself: not a link to, or through a link to, elsewhere."""
        return p.is_file() and not p.is_symlink() and p.resolve().is_relative_to(root)

    def visible(p):
        return not any(part.startswith(".") for part in p.relative_to(path).parts)

    notebooks = sorted(p for p in path.rglob("*.ipynb") if own(p) and visible(p))
    held = {nb: extract_files(nb, assignment) for nb in notebooks if small(nb)}
    workdir = Path(workdir)
    for name in assignment.files:
        candidates = []
        direct = path / name
        nested = [direct] if own(direct) else sorted(p for p in path.rglob(name) if own(p) and visible(p))
        nested = [p for p in nested if small(p)]
        if len(nested) == 1:
            candidates.append((nested[0], nested[0].read_text(encoding="utf-8", errors="replace")))
        candidates += [(nb, files[name]) for nb, files in held.items() if name in files]
        if not candidates:
            found.missing.append(name)
            if len(notebooks) == 1:
                found.notebook = notebooks[0]
            continue
        index, rule = choose(candidates, (stubs or {}).get(name))
        graded = candidates[index][0]
        if graded.suffix == ".ipynb":
            found.notebook = graded
            workdir.mkdir(parents=True, exist_ok=True)
            (workdir / name).write_text(candidates[index][1], encoding="utf-8")
            found.files[name] = workdir / name
        else:
            found.files[name] = graded
        if len(candidates) > 1 and rule != "all_untouched":
            found.choices.append((name, graded, rule))
    return found
