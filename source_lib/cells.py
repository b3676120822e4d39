"""The student's files held by a lesson notebook, read without Jupyter (plain json).

A notebook built by ``course release`` marks each code cell of a student file with
``metadata.backprop_lab.file``; a notebook whose metadata was lost falls back to
nbgrader's grade ids (``"<file stem>_<name>"``). The grader and the student kit's
``check.py`` both read a notebook this way, so they check the same code.
"""

import json
from pathlib import Path


def extract_files(notebook_path, files):
    """{file name: source} of the student ``files`` (names like "gates.py") held by a notebook.

    Takes, in order, the code cells of each file and joins them with two blank lines;
    outputs and every other cell are ignored. A file that is not a notebook holds no
    student files, nor does one whose student cell has a source that is not text (a string
    or a list of strings, as nbformat has it): its code cannot be read.
    """
    try:
        data = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        return {}
    cells = [c for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    stems = {Path(name).stem: name for name in files}

    def text(cell):
        """The cell's source, or None when it is not text."""
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            return "".join(source)
        return source if isinstance(source, str) else None

    def table(value):
        return value if isinstance(value, dict) else {}

    def owner(cell):
        """The student file a cell belongs to, or None."""
        meta = table(cell.get("metadata"))
        if "backprop_lab" in meta:
            return table(meta["backprop_lab"]).get("file")
        grade_id = str(table(meta.get("nbgrader")).get("grade_id", ""))
        matches = [stem for stem in stems if grade_id.startswith(stem + "_")]
        return stems[max(matches, key=len)] if matches else None

    found = {}
    for name in files:
        chunks = [text(c) for c in cells if owner(c) == name]
        if None in chunks:
            return {}
        if chunks:
            found[name] = "\n\n\n".join(chunk.rstrip() for chunk in chunks) + "\n"
    return found


def notebook_language(notebook_path):
    """The language a lesson notebook was written in ("en", "ko"), or None if it does not say."""
    try:
        data = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
        return data["metadata"]["backprop_lab"]["language"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
