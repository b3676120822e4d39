"""Student stubs from solution files: each marked region becomes ``raise NotImplementedError``.

A region runs from a line ``### BEGIN SOLUTION`` to a line ``### END SOLUTION`` (nbgrader's
markers). It becomes two lines at the marker's indentation::

    # YOUR CODE HERE
    raise NotImplementedError("AddGate.forward")

naming the function or method that encloses the region, so the student's traceback and
the grader's message say which part is still to do.
"""

import re

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_NEAR_MARKER = re.compile(r"^#+\s*(BEGIN|END)\s+SOL", re.IGNORECASE)
_DEF = re.compile(r"^(\s*)(?:async\s+)?(def|class)\s+(\w+)")


class MarkerError(ValueError):
    """The markers of a solution file are unmatched or nested."""


def enclosing_name(lines, index):
    """The dotted name of the def/class enclosing line ``index`` ("AddGate.forward")."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    names = []
    for line in reversed(lines[:index]):
        match = _DEF.match(line)
        if match and len(match.group(1)) < indent:
            names.append(match.group(3))
            indent = len(match.group(1))
            if indent == 0:
                break
    return ".".join(reversed(names)) or "<module>"


def solution_regions(text, path="<solution>"):
    """[(begin line index, end line index)] of the marked regions; MarkerError if malformed."""
    regions, start = [], None
    for i, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if stripped == BEGIN:
            if start is not None:
                raise MarkerError(f"{path}:{i + 1}: {BEGIN} inside another region (line {start + 1})")
            start = i
        elif stripped == END:
            if start is None:
                raise MarkerError(f"{path}:{i + 1}: {END} without {BEGIN}")
            regions.append((start, i))
            start = None
        elif _NEAR_MARKER.match(stripped):
            raise MarkerError(f"{path}:{i + 1}: malformed marker {stripped!r}")
    if start is not None:
        raise MarkerError(f"{path}:{start + 1}: {BEGIN} is never closed")
    return regions


def make_stub(text, path="<solution>"):
    """The student version of a solution file's text."""
    lines = text.splitlines()
    out, last = [], 0
    for begin, end in solution_regions(text, path):
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        out.extend(lines[last:begin])
        out.append(f"{indent}# YOUR CODE HERE")
        out.append(f'{indent}raise NotImplementedError("{enclosing_name(lines, begin)}")')
        last = end + 1
    out.extend(lines[last:])
    return "\n".join(out) + "\n"


def strip_markers(text):
    """The solution with the marker lines removed (the reference as shipped to a grader)."""
    return "".join(line for line in text.splitlines(keepends=True) if line.strip() not in (BEGIN, END))
