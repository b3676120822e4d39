"""Notebooks: built from the lessons, nbgrader's metadata, and graded exactly like the .py file."""

import copy
import dataclasses
import json
import shutil

import pytest

from autograder.cli import main as course_main
from autograder.config import LANGUAGES
from autograder.grading.grade import grade
from autograder.grading.submission import MAX_FILE_BYTES
from autograder.authoring.notebook import LessonError, build_notebook, extract_files, notebook_text, split_definitions
from autograder.authoring.release import release_files, released_ids
from autograder.authoring.stubs import BEGIN, make_stub
from source_lib.messages import message
from tests.conftest import ROOT

MAXGATE_WRONG_INPUT = ("dx = np.where(self.x_wins, dout, 0.0)\n        dy = np.where(self.x_wins, 0.0, dout)",
                       "dx = np.where(self.x_wins, 0.0, dout)\n        dy = np.where(self.x_wins, dout, 0.0)")


def filled(notebook, text):
    """A copy of ``notebook`` (a dict) whose cells of the student file hold ``text``'s definitions."""
    header, defs = split_definitions(text)
    defs["__header__"] = header
    notebook = copy.deepcopy(notebook)
    for cell in notebook["cells"]:
        name = cell.get("metadata", {}).get("backprop_lab", {}).get("name")
        if name:
            cell["source"] = defs[name].rstrip()
    return notebook


def reference_text(course, name="gates.py"):
    return (course.solutions / "a1_gates" / name).read_text(encoding="utf-8")


def released_notebook(course, lang):
    return json.loads(release_files(course, course.assignment("a1_gates"))[f"a1_gates.{lang}.ipynb"])


def write_json(path, notebook):
    path.write_text(json.dumps(notebook, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def lessons(course):
    return [(aid, lang) for aid in released_ids(course) for lang in LANGUAGES
            if (course.solutions / aid / f"lesson.{lang}.md").is_file()]


def test_both_languages_have_a_lesson_for_every_released_assignment(course):
    for aid in released_ids(course):
        assert {lang for a, lang in lessons(course) if a == aid} == set(LANGUAGES), aid


@pytest.mark.parametrize("solutions", [False, True], ids=["stubs", "solutions"])
def test_a_notebook_gives_back_its_py_files_byte_for_byte(course, tmp_path, solutions):
    """So a traceback names the same line in the notebook's code as in the .py file."""
    for aid, lang in lessons(course):
        assignment = course.assignment(aid)
        path = tmp_path / f"{aid}.{lang}.ipynb"
        path.write_text(notebook_text(build_notebook(course, assignment, lang, solutions=solutions)))
        for name, text in extract_files(path, assignment).items():
            source = (course.solutions / aid / name).read_text(encoding="utf-8")
            expected = source if solutions else make_stub(source)
            assert text == expected, (f"{aid}/{name} ({lang}): put exactly two blank lines between top-level "
                                      "definitions (PEP 8), so the notebook holds the file line for line")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_cells_carry_nbgrader_metadata(course, lang):
    assignment = course.assignment("a1_gates")
    notebook = build_notebook(course, assignment, lang, solutions=True)
    meta = [cell.metadata.get("nbgrader") for cell in notebook.cells]
    ids = [m["grade_id"] for m in meta if m]
    assert len(ids) == len(set(ids))
    assert all(m["schema_version"] == 3 for m in meta if m)
    checks = {m["grade_id"]: m for m in meta if m and m["grade"]}
    assert {gid: m["points"] for gid, m in checks.items()} == {f"check_{p.id}": p.points for p in assignment.parts}
    assert all(m["locked"] and not m["solution"] for m in checks.values())
    for cell in notebook.cells:
        ours = cell.metadata.get("backprop_lab", {})
        if "file" in ours:
            # nbgrader replaces a solution cell without markers by a stub: only marked cells are solution cells
            assert cell.metadata["nbgrader"]["solution"] == (BEGIN in cell.source), ours
            assert cell.metadata["nbgrader"]["locked"] != cell.metadata["nbgrader"]["solution"]
    setup = notebook.cells[0]
    assert f'os.environ["BACKPROP_LAB_LANG"] = "{lang}"' in setup.source
    assert "from source_lib.public import check" in setup.source
    assert notebook.metadata["backprop_lab"] == {"assignment": "a1_gates", "language": lang}


def test_the_released_notebooks_are_the_two_languages_of_one_lesson(course):
    en, ko = released_notebook(course, "en"), released_notebook(course, "ko")
    code = [[(c["metadata"].get("backprop_lab"), c["source"]) for c in nb["cells"]
             if c["cell_type"] == "code" and "file" in c["metadata"].get("backprop_lab", {})] for nb in (en, ko)]
    assert code[0] == code[1]
    assert [c["id"] for c in en["cells"]] == [f"cell-{i}" for i in range(len(en["cells"]))]


def test_a_notebook_and_the_equivalent_py_get_identical_results(course, sandbox, tmp_path):
    """Extra cells that loop forever, print, or redefine a class, and outputs, change nothing."""
    a1 = course.assignment("a1_gates")
    buggy = reference_text(course).replace(*MAXGATE_WRONG_INPUT).replace(
        "        return self.x * self.y\n", "        return self.x * self.z\n")
    notebook = filled(released_notebook(course, "ko"), buggy)
    loop = {"cell_type": "code", "id": "extra-loop", "metadata": {}, "execution_count": 3,
            "source": "while True:\n    pass", "outputs": []}
    cheat = {"cell_type": "code", "id": "extra-cheat", "metadata": {"nbgrader": {"solution": False}},
             "execution_count": 4, "source": "class MaxGate:\n    pass\nprint('100 / 100')",
             "outputs": [{"output_type": "stream", "name": "stdout", "text": "100 / 100\n"}]}
    notebook["cells"][1:1] = [loop, cheat]
    notebook["cells"][-1]["outputs"] = [{"output_type": "error", "ename": "AssertionError", "evalue": "",
                                         "traceback": []}]
    nb_path = write_json(tmp_path / "a1_gates.ko.ipynb", notebook)
    py_path = tmp_path / "gates.py"
    py_path.write_text(buggy, encoding="utf-8")
    from_notebook = grade(course, a1, nb_path, "kim", sandbox=sandbox)
    from_py = grade(course, a1, py_path, "kim", sandbox=sandbox)
    assert from_notebook.to_json() == from_py.to_json()
    scores = {p.id: float(p.score) for p in from_py.parts}
    assert scores["add_gate"] == 15 and 0 < scores["max_gate"] < 20 and scores["multiply_gate"] == 0
    # the line the exception came from, in the course's language ("gates.py 71행")
    assert any("gates.py" in t.message and "행" in t.message and "AttributeError" in t.message for t in from_py.tests)


def test_course_grade_on_a_notebook_writes_the_same_results_json(course, tmp_path):
    notebook = filled(released_notebook(course, "en"), reference_text(course).replace(*MAXGATE_WRONG_INPUT))
    nb_path = write_json(tmp_path / "submitted.ipynb", notebook)
    py_path = tmp_path / "gates.py"
    py_path.write_text(reference_text(course).replace(*MAXGATE_WRONG_INPUT), encoding="utf-8")
    for path, out in ((nb_path, "nb.json"), (py_path, "py.json")):
        status = course_main(["--course", str(ROOT), "grade", "a1_gates", str(path), "--student", "lee",
                              "--json", str(tmp_path / out)])
        assert status == 0
    assert (tmp_path / "nb.json").read_bytes() == (tmp_path / "py.json").read_bytes()
    assert json.loads((tmp_path / "nb.json").read_text())["extra_data"]["parts"]["max_gate"] < 20


@pytest.mark.parametrize("lang", LANGUAGES)
def test_both_language_notebooks_are_graded(course, sandbox, tmp_path, lang):
    a1 = course.assignment("a1_gates")
    stubs = write_json(tmp_path / "stubs.ipynb", released_notebook(course, lang))
    done = write_json(tmp_path / "done.ipynb", filled(released_notebook(course, lang), reference_text(course)))
    assert grade(course, a1, done, "s", sandbox=sandbox).score == a1.points
    result = grade(course, a1, stubs, "s", sandbox=sandbox, lang=lang)
    assert result.score == 0
    expected = {"en": "is not implemented yet", "ko": "구현되지 않았습니다"}[lang]
    assert all(expected in t.message for t in result.tests)


def test_a_notebook_that_lost_our_metadata_is_read_by_nbgrader_grade_ids(course, tmp_path):
    a1 = course.assignment("a1_gates")
    notebook = filled(released_notebook(course, "en"), reference_text(course))
    for cell in notebook["cells"]:
        cell["metadata"].pop("backprop_lab", None)
    path = write_json(tmp_path / "lost.ipynb", notebook)
    assert extract_files(path, a1) == {"gates.py": reference_text(course)}


def test_extract_files_ignores_every_cell_that_is_not_the_students_code(course, tmp_path):
    a1 = course.assignment("a1_gates")
    notebook = released_notebook(course, "en")
    notebook["cells"].append({"cell_type": "code", "id": "x", "metadata": {"backprop_lab": {"demo": True}},
                              "execution_count": None, "source": "import os\nos._exit(0)", "outputs": []})
    notebook["cells"].append({"cell_type": "markdown", "id": "y", "metadata": {}, "source": "class AddGate: pass"})
    path = write_json(tmp_path / "extra.ipynb", notebook)
    assert extract_files(path, a1) == {"gates.py": release_files(course, a1)["gates.py"]}


@pytest.fixture
def lesson_course(course, tmp_path):
    """A copy of the course whose a1_gates lesson the test writes; returns (course, lesson path)."""
    shutil.copytree(course.solutions / "a1_gates", tmp_path / "solutions" / "a1_gates")
    return dataclasses.replace(course, root=tmp_path), tmp_path / "solutions" / "a1_gates" / "lesson.en.md"


@pytest.mark.parametrize("lesson, error", [
    ("%% check no_such_part\n", "not a part of a1_gates"),
    ("%% code gates.py:NoSuchGate\n", "no top-level NoSuchGate"),
    ("%% code gates.py:AddGate\n%% code gates.py:AddGate\n", "placed twice"),
    ("%% code gates.py:AddGate\n", "never places gates.py:unbroadcast"),
    ("```python demo\nprint(1)\n", "never closed"),
])
def test_a_lesson_that_does_not_match_the_files_is_rejected(lesson_course, lesson, error):
    course, path = lesson_course
    path.write_text(lesson, encoding="utf-8")
    with pytest.raises(LessonError, match=error):
        build_notebook(course, course.assignment("a1_gates"), "en")


@pytest.mark.parametrize("name", ["gates.py", "a1_gates.ko.ipynb"])
def test_a_file_too_large_to_be_code_is_not_read_and_the_student_is_told_its_size(course, sandbox, tmp_path, name):
    """A student file or notebook over MAX_FILE_BYTES is never read into the grader (a 150 MB
    gates.py took 580 MB of the grader's memory, and its child died copying it: "exit status 1")."""
    folder = tmp_path / "submission"
    folder.mkdir()
    with open(folder / name, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + (1 << 20))                      # sparse: nothing is written
    result = grade(course, course.assignment("a1_gates"), folder, "s", sandbox=sandbox, lang="en")
    said = message("file_too_large", "en", file=name, mb=f"{(MAX_FILE_BYTES + (1 << 20)) / (1 << 20):.1f}",
                   limit=MAX_FILE_BYTES >> 20)
    assert result.score == 0 and not result.grader_errors
    assert {t.message for t in result.tests} == {said}


@pytest.mark.parametrize("content", ["{not json", '{"cells": 3}', '{"cells": [{"cell_type": "code", "metadata": 1}]}',
                                     # a student cell whose source is not text (it was read as "{'x': 1}", code)
                                     '{"cells": [{"cell_type": "code", "source": [{"x": 1}],'
                                     ' "metadata": {"backprop_lab": {"file": "gates.py"}}}]}'])
def test_a_broken_notebook_is_a_missing_file_not_a_grader_crash(course, sandbox, tmp_path, content):
    path = tmp_path / "broken.ipynb"
    path.write_text(content, encoding="utf-8")
    result = grade(course, course.assignment("a1_gates"), path, "s", sandbox=sandbox, lang="en")
    assert result.score == 0 and not result.grader_errors
    assert all("broken.ipynb holds no cells of gates.py" in t.message for t in result.tests)
