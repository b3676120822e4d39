"""Every released notebook runs in Jupyter, in both languages (nbclient, one kernel per notebook).

The kernel runs the notebook as released (in a copy of the release folder, outside the
course), then, in the same kernel, the instructor's code cells and every check again:
- as released, each check cell fails with an AssertionError carrying its messages, and a
  demo cell may only stop at a stub's NotImplementedError; nothing else breaks;
- filled in from the solutions, no cell fails and every check passes.
"""

import copy

import nbformat
import pytest

from autograder.config import LANGUAGES, load_course
from autograder.authoring.notebook import build_notebook
from autograder.authoring.release import release_files, released_ids
from tests.conftest import ROOT

COURSE = load_course(ROOT)
CASES = [(aid, lang) for aid in released_ids(COURSE) for lang in LANGUAGES
         if (COURSE.solutions / aid / f"lesson.{lang}.md").is_file()]


def errors(cells):
    """[(cell, error output)] of the code cells that raised."""
    return [(c, o) for c in cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


def is_check(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith("check_")


@pytest.mark.slow
@pytest.mark.parametrize("aid, lang", CASES, ids=[f"{a}-{l}" for a, l in CASES])
def test_a_released_notebook_runs_as_released_and_filled_in(aid, lang, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    assignment = COURSE.assignment(aid)
    released = release_files(COURSE, assignment)
    for rel, text in released.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    notebook = nbformat.reads(released[f"{aid}.{lang}.ipynb"], as_version=4)
    solved = build_notebook(COURSE, assignment, lang, solutions=True)
    filled = [copy.deepcopy(c) for c in solved.cells if c.cell_type == "code"
              and ("file" in c.metadata.get("backprop_lab", {}) or is_check(c))]
    first = len(notebook.cells)
    notebook.cells += filled
    monkeypatch.setenv("MPLBACKEND", "Agg")
    NotebookClient(notebook, timeout=300, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    as_released, after = notebook.cells[:first], notebook.cells[first:]
    checks = [c for c in as_released if is_check(c)]
    assert checks and {id(c) for c, _ in errors(checks)} == {id(c) for c in checks}
    for cell, error in errors(as_released):
        if is_check(cell):
            assert error.ename == "AssertionError" and error.evalue.strip(), (cell.source, error.evalue)
        else:
            assert error.ename == "NotImplementedError", (cell.source, error.ename, error.evalue)
    assert not errors(after), [(c.source[:80], o.ename, o.evalue) for c, o in errors(after)]
    assert all("✓" in "".join(o.get("text", "") for o in c.outputs) for c in after if is_check(c))
