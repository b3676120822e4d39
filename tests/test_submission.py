"""Which copy of a student file is graded when a submission holds several (the rule in autograder.grading.submission)."""

import json

import pytest

from autograder.outputs.feedback_page import feedback_markdown, markdown_escape
from autograder.grading.grade import grade
from autograder.authoring.release import release_files
from autograder.grading.submission import choose, find_submission, released_stubs
from source_lib.messages import message
from tests.test_notebook import filled, reference_text, write_json

AID = "a1_gates"


@pytest.fixture
def released(course):
    """The released files of a1 (stub, notebooks, public checks): a Classroom repository as cloned."""
    return release_files(course, course.assignment(AID))


def write_tree(folder, files):
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def filled_notebook(released, lang, text):
    return json.dumps(filled(json.loads(released[f"{AID}.{lang}.ipynb"]), text), ensure_ascii=False)


def test_a_classroom_repository_with_a_filled_notebook_and_the_untouched_stub_gets_full_marks(
        course, released, tmp_path, sandbox):
    repo = write_tree(tmp_path / "repo", dict(released, **{f"{AID}.ko.ipynb": filled_notebook(
        released, "ko", reference_text(course))}))
    result = grade(course, course.assignment(AID), repo, "kim", sandbox=sandbox)
    assert result.score == result.max_score == 100
    assert result.notes[0] == message("graded_untouched_stub", course.language, file="gates.py",
                                      graded=f"{AID}.ko.ipynb")
    assert markdown_escape(f"{AID}.ko.ipynb") in feedback_markdown(result)
    assert f"{AID}.ko.ipynb" in result.to_gradescope()["output"]


def test_a_gradescope_folder_upload_holding_both_grades_the_filled_notebook(course, released, tmp_path, sandbox):
    upload = write_tree(tmp_path / "submission", {"work/gates.py": released["gates.py"],
                                                  f"work/{AID}.en.ipynb": filled_notebook(
                                                      released, "en", reference_text(course))})
    result = grade(course, course.assignment(AID), upload, "kim", sandbox=sandbox)
    assert result.score == 100


def test_an_untouched_stub_loses_to_an_edited_notebook_even_with_as_many_stubs_left(course, released, tmp_path):
    """Only the untouched rule decides here: the notebook still raises everywhere, but it was edited."""
    stub = released["gates.py"]
    edited = stub.replace("import numpy as np", "import numpy as np\nimport math", 1)
    repo = write_tree(tmp_path / "repo", {"gates.py": stub, f"{AID}.en.ipynb": filled_notebook(released, "en", edited)})
    found = find_submission(course.assignment(AID), repo, tmp_path / "work", released_stubs(course, course.assignment(AID)))
    assert found.choices == [("gates.py", repo / f"{AID}.en.ipynb", "untouched_stub")]
    assert "import math" in found.files["gates.py"].read_text()


def test_two_edited_copies_grade_the_most_complete_then_the_py_file(course, released, tmp_path):
    reference, stub = reference_text(course), released["gates.py"]
    half = stub.replace('raise NotImplementedError("AddGate.forward")', "return x + y", 1)
    assert half != stub
    a1 = course.assignment(AID)
    stubs = released_stubs(course, a1)
    two_notebooks = write_tree(tmp_path / "two", {f"{AID}.en.ipynb": filled_notebook(released, "en", half),
                                                  f"{AID}.ko.ipynb": filled_notebook(released, "ko", reference)})
    found = find_submission(a1, two_notebooks, tmp_path / "w1", stubs)
    assert found.choices == [("gates.py", two_notebooks / f"{AID}.ko.ipynb", "most_complete")]
    both_full = write_tree(tmp_path / "both", {"gates.py": reference.replace("# ", "#  ", 1),
                                               f"{AID}.en.ipynb": filled_notebook(released, "en", reference)})
    found = find_submission(a1, both_full, tmp_path / "w2", stubs)
    assert found.choices == [("gates.py", both_full / "gates.py", "py_on_tie")]


def test_the_rule_compares_ignoring_line_endings_and_trailing_blanks():
    stub = 'def f():\n    raise NotImplementedError("f")\n'
    assert choose([("f.py", stub.replace("\n", "  \r\n")), ("n.ipynb", stub + "\n# mine\n")], stub) == \
        (1, "untouched_stub")
    assert choose([("f.py", stub), ("n.ipynb", stub)], stub) == (0, "all_untouched")
    assert choose([("f.py", stub + "#"), ("n.ipynb", stub + "# mine")], stub) == (0, "py_on_tie")
