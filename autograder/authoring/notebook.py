"""Notebooks: built from a lesson and the student files, and read back for grading.

A lesson (``solutions/<id>/lesson.<lang>.md``) is Markdown with directives, each alone
on a line:

- ``%% code <file>:<Name>``: a code cell with the top-level class or function <Name>
  of the student file (the stub, or the solution in the instructor's notebook). The
  file's header (docstring and imports) becomes a cell before its first code cell.
- ``%% check <part>``: a cell running the public checks of a course part.
- fenced blocks with the info string ``python demo`` become plain code cells.

Cells carry nbgrader's metadata and ours (``backprop_lab: {file, name}``), so the
student's code is taken back from a submitted notebook's code cells, whatever else it
holds. A code cell is an nbgrader solution cell when its solution text holds a marked
region, else locked (the file's header, a definition with nothing to fill in): nbgrader's
``generate_assignment`` replaces a solution cell without markers by a stub, which would
lose the imports. Check cells are locked autograded cells worth the part's points.

``extract_files`` joins a file's cells with two blank lines (PEP 8), so for a file that
puts two blank lines between top-level definitions the notebook gives back the .py file
byte for byte, and a traceback names the same lines in both.

nbformat is imported inside the functions: it is slow to import (about 3 s) and the
.py grading path never needs it.
"""

import ast
import re
from pathlib import Path

from autograder.authoring.stubs import BEGIN, make_stub

DIRECTIVE = re.compile(r"^%%\s+(code|check)\s+(\S+)\s*$")
DEMO_FENCE = "```python demo"
SCHEMA_VERSION = 3
# Languages whose lines must break between words, never inside one (a browser breaks Korean
# anywhere, "평/균"): their Markdown cells are wrapped in a div that says so. JupyterLab's
# sanitizer keeps the lang attribute and word-break: keep-all; the blank lines keep the
# Markdown inside the div Markdown.
WHOLE_WORDS = {"ko"}
KEEP_WORDS = '<div lang="{lang}" style="word-break: keep-all">\n\n{text}\n\n</div>'
SETUP = """import os

os.environ["BACKPROP_LAB_LANG"] = "{lang}"  # the language of the public checks' messages
from public_checks import CHECKS
from source_lib.public import check"""


class LessonError(ValueError):
    """A lesson's directives do not match the student files or the course parts."""


def split_definitions(text):
    """(header, {name: source}) of a Python file: its top-level classes and functions.

    Each definition runs from its first line (decorators included) to the line before
    the next definition, so module-level lines between definitions stay with the one
    above them.
    """
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    starts = [min([n.lineno] + [d.lineno for d in n.decorator_list]) - 1 for n in defs]
    header = "".join(lines[: starts[0] if starts else len(lines)])
    bodies = {}
    for i, node in enumerate(defs):
        end = starts[i + 1] if i + 1 < len(defs) else len(lines)
        bodies[node.name] = "".join(lines[starts[i]:end]).rstrip() + "\n"
    return header.rstrip() + "\n", bodies


def parse_lesson(text):
    """The lesson as a list of ("markdown", text), ("code", "file:Name"), ("check", part), ("demo", code)."""
    items, buffer, demo = [], [], None

    def flush():
        chunk = "\n".join(buffer).strip()
        if chunk:
            items.append(("markdown", chunk))
        buffer.clear()

    for line in text.splitlines():
        if demo is not None:
            if line.strip() == "```":
                items.append(("demo", "\n".join(demo).strip() + "\n"))
                demo = None
            else:
                demo.append(line)
            continue
        if line.strip() == DEMO_FENCE:
            flush()
            demo = []
            continue
        match = DIRECTIVE.match(line.strip())
        if match:
            flush()
            items.append((match.group(1), match.group(2)))
        else:
            buffer.append(line)
    flush()
    if demo is not None:
        raise LessonError("a ```python demo block is never closed")
    return items


def _metadata(kind, grade_id, points=None):
    """nbgrader cell metadata for a cell of ``kind``: solution, check, or locked."""
    meta = {"grade": kind == "check", "grade_id": grade_id, "locked": kind != "solution",
            "schema_version": SCHEMA_VERSION, "solution": kind == "solution", "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def build_notebook(course, assignment, lang, solutions=False):
    """The notebook of ``assignment`` in ``lang``: stubs, or solutions for the instructor.

    The instructor's notebook keeps nbgrader's markers around the solution code, so
    ``nbgrader generate_assignment`` turns it into the student's notebook.
    """
    import nbformat.v4 as nbf

    folder = course.solutions / assignment.id
    lesson = folder / f"lesson.{lang}.md"
    if not lesson.is_file():
        raise LessonError(f"{lesson}: no lesson in language {lang!r}")
    sources, marked = {}, {}
    for name in assignment.files:
        text = (folder / name).read_text(encoding="utf-8")
        header, defs = split_definitions(text)
        marked[name] = {key for key, body in [("__header__", header), *defs.items()] if BEGIN in body}
        sources[name] = (header, defs) if solutions else split_definitions(make_stub(text, str(folder / name)))
    parts = {p.id: p for p in assignment.parts}
    placed, headed = set(), set()
    cells = [nbf.new_code_cell(SETUP.format(lang=lang), metadata=_metadata("locked", "setup"))]
    for kind, value in parse_lesson(lesson.read_text(encoding="utf-8")):
        if kind == "markdown":
            text = KEEP_WORDS.format(lang=lang, text=value) if lang in WHOLE_WORDS else value
            cells.append(nbf.new_markdown_cell(text, metadata=_metadata("locked", f"md{len(cells)}")))
        elif kind == "demo":
            cells.append(nbf.new_code_cell(value, metadata={"backprop_lab": {"demo": True}}))
        elif kind == "check":
            if value not in parts:
                raise LessonError(f"{lesson}: %% check {value}: not a part of {assignment.id}")
            cells.append(nbf.new_code_cell(f'check(CHECKS, "{value}", globals())',
                                           metadata=_metadata("check", f"check_{value}", parts[value].points)))
        else:
            file_name, _, def_name = value.partition(":")
            if file_name not in sources or def_name not in sources[file_name][1]:
                raise LessonError(f"{lesson}: %% code {value}: no top-level {def_name} in {file_name}")
            if value in placed:
                raise LessonError(f"{lesson}: %% code {value} is placed twice")
            if file_name not in headed:
                headed.add(file_name)
                cells.append(_code_cell(nbf, sources[file_name][0], file_name, "__header__", marked[file_name]))
            placed.add(value)
            cells.append(_code_cell(nbf, sources[file_name][1][def_name], file_name, def_name, marked[file_name]))
    missing = [f"{f}:{n}" for f, (_, defs) in sources.items() for n in defs if f"{f}:{n}" not in placed]
    if missing:
        raise LessonError(f"{lesson}: never places {', '.join(missing)}")
    notebook = nbf.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata["backprop_lab"] = {"assignment": assignment.id, "language": lang}
    return notebook


def notebook_text(notebook):
    """The notebook as the text of an .ipynb file, with cell ids "cell-<index>" (deterministic)."""
    import nbformat

    for i, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{i}"
    return nbformat.writes(notebook) + "\n"


def _code_cell(nbf, source, file_name, name, marked):
    """A cell of ``file_name``: an nbgrader solution cell if ``name`` is in ``marked``, else locked."""
    meta = _metadata("solution" if name in marked else "locked", f"{Path(file_name).stem}_{name}")
    meta["backprop_lab"] = {"file": file_name, "name": name}
    return nbf.new_code_cell(source.rstrip("\n"), metadata=meta)


def extract_files(notebook_path, assignment):
    """{file name: source} of the student files of ``assignment`` held by a submitted notebook
    (``source_lib.cells.extract_files``, which the student kit's check.py uses too)."""
    from source_lib.cells import extract_files as extract

    return extract(notebook_path, assignment.files)
