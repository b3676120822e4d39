"""Finding a submission's student files.

A submission is a folder, a ``.py`` file or a notebook. In a folder, each student file
is taken from the top level, else from the one place below it that holds a file of
that name (Gradescope and nbgrader nest submissions), else from the folder's one
notebook. A single ``.py`` file stands for the assignment's one student file whatever
its name. A notebook's student code is read from its solution cells and written to
``workdir`` as the .py files it stands for, so it is graded exactly like them. Nothing else of the submission is
ever copied next to the student's code (no conftest.py, no numpy.py, no .pth), and a
symbolic link is never followed out of the submission (a link to solutions/ is not a
student file).
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Submission:
    """The student files found ({file name: path}), those missing, and the notebook read, if any."""

    path: Path
    files: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)
    notebook: Path | None = None

    def content_hash(self):
        """sha256 over the names and bytes of the student files, in name order."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + Path(self.files[name]).read_bytes() + b"\0")
        return digest.hexdigest()


def from_notebook(assignment, notebook, workdir, found):
    """Fill ``found`` with the student files extracted from ``notebook`` into ``workdir``."""
    from autograder.notebook import extract_files

    found.notebook = Path(notebook)
    folder = Path(workdir)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in extract_files(notebook, assignment).items():
        if name not in found.files:
            (folder / name).write_text(text, encoding="utf-8")
            found.files[name] = folder / name
    found.missing = [f for f in assignment.files if f not in found.files]
    return found


def find_submission(assignment, path, workdir):
    """The Submission of ``assignment`` at ``path`` (a folder, a .py file or a notebook)."""
    path = Path(path)
    found = Submission(path)
    if path.is_file() and path.suffix == ".ipynb":
        return from_notebook(assignment, path, workdir, found)
    if path.is_file():
        if len(assignment.files) == 1 and path.suffix == ".py":
            found.files[assignment.files[0]] = path
        elif path.name in assignment.files:
            found.files[path.name] = path
        found.missing = [f for f in assignment.files if f not in found.files]
        return found
    root = path.resolve()

    def own(p):
        """A regular file of the submission itself: not a link to, or through a link to, elsewhere."""
        return p.is_file() and not p.is_symlink() and p.resolve().is_relative_to(root)

    for name in assignment.files:
        direct = path / name
        if own(direct):
            found.files[name] = direct
            continue
        nested = sorted(p for p in path.rglob(name) if own(p)
                        and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if len(nested) == 1:
            found.files[name] = nested[0]
        else:
            found.missing.append(name)
    notebooks = sorted(p for p in path.rglob("*.ipynb") if own(p) and ".ipynb_checkpoints" not in p.parts)
    if found.missing and len(notebooks) == 1:
        return from_notebook(assignment, notebooks[0], workdir, found)
    return found
