"""`course release`: the student version of an assignment, generated from solutions/.

``release_files`` builds every file of ``assignments/<id>/`` in memory:

- the stub of each student file (marked regions become ``raise NotImplementedError``),
- ``public_checks.py`` (copied from solutions/, which must hold no solution code),
- ``test_public.py`` and ``pytest.ini`` (the public checks under pytest),
- ``<id>.<lang>.ipynb``, the lesson notebook in each language that has a lesson,
- ``components/``: for an assignment that ``uses`` earlier ones, their reference files
  (released only with an assignment due after them),
- ``titles.<lang>.toml``: the checks' titles in other languages (from solutions/),
- ``check.py``, ``requirements.txt`` and a copy of ``source_lib/``: the student kit, so
  the folder works on its own after ``pip install -r requirements.txt`` (``python
  check.py``, ``python -m pytest``, the notebook's first cell); ``check.py`` and
  ``test_public.py`` speak the course's language unless told otherwise,
- ``README.md``: what to do, in the course's language.

``write_release`` writes them; ``stale_files`` lists what on disk differs, so
``course release --check`` (and a test) fails when assignments/ is out of date.

``source_lib/`` and ``components/`` are copies of code that lives once in the repository
(``source_lib/`` and ``solutions/``): ``COPIES``. They are written into every released folder,
which is what leaves the repository, and never committed (.gitignore); a folder that does
not have them yet is not out of date, one whose copies differ is.
"""

from pathlib import Path

import source_lib
from autograder.config import LANGUAGES
from autograder.authoring.stubs import BEGIN, END, make_stub, strip_markers

COMPONENTS_INIT = Path(__file__).parent / "components_init.py"  # components/__init__.py, for the grader and the release
COPIES = ("source_lib/", "components/")  # released, never committed: the code lives once in the repository

TEST_PUBLIC = '''"""Public tests of {aid}: run `python -m pytest` in this folder (the same checks as `python check.py`).

Messages speak BACKPROP_LAB_LANG if set (en or ko), else the course's language ({lang}).
"""

import os
from pathlib import Path

import pytest

import public_checks
from source_lib.public import failure, kit_language, load_student

FILES = {files!r}
LANG = kit_language("{lang}")
os.environ["BACKPROP_LAB_LANG"] = LANG  # the checks' messages follow it


@pytest.fixture(scope="module")
def student():
    return load_student(Path(__file__).parent, FILES)


@pytest.mark.parametrize("check", [
    pytest.param(check, marks=pytest.mark.part(part), id=f"{{part}}-{{check.__name__}}")
    for part, checks in public_checks.CHECKS.items() for check in checks
])
def test_public(student, check):
    why = failure(check, student, LANG)
    if why is not None:
        pytest.fail(why, pytrace=False)
'''

CHECK_PY = '''"""The public checks of {aid}, anywhere: `python check.py` checks {files_text}; `python check.py {aid}.{lang}.ipynb` a notebook.

Messages speak --lang, else the notebook's language, else BACKPROP_LAB_LANG, else the course's ({lang}).
"""

import sys
from pathlib import Path

from source_lib.public import kit_main

if __name__ == "__main__":
    sys.exit(kit_main(Path(__file__).parent, {files!r}, sys.argv[1:], course_language="{lang}"))
'''

# numpy: the student files; matplotlib: the notebook's demos; pytest: `python -m pytest`;
# jupyterlab: the notebook the README says to work in (`jupyter lab`).
REQUIREMENTS = "numpy>=1.26\nmatplotlib>=3.8\npytest>=8\njupyterlab>=4\n"

PYTEST_INI = """[pytest]
markers =
    part(name): the course part a public check belongs to
"""

README = {
    "en": """# {title} ({aid})

Fill in every `raise NotImplementedError` in {files}: in the notebook `{aid}.en.ipynb`
(each code cell is followed by a check cell to run), or directly in the .py file{plural}.
This folder works on its own, on any system with Python 3.11 or later (it ships the
course's `source_lib/`). Install once, then open the notebook:

    pip install -r requirements.txt
    jupyter lab {aid}.en.ipynb

Check your work with the public checks (they use only your own code):

    python check.py                  # your .py file{plural}
    python check.py {aid}.en.ipynb   # or the code in your notebook
    python -m pytest                 # the same checks under pytest

The messages are in {language_name}; `python check.py --lang en|ko` (or the
environment variable BACKPROP_LAB_LANG) chooses another language.

The grader offers numpy only (and `source_lib`): import nothing else in {files}. It
runs hidden tests as well: other shapes and values, comparisons with the reference
solution, stability and robustness. What is graded is the code of {files}: the .py
file{plural}, or the cells of a notebook that hold {it}. When you hand in both, the copy
with the fewest `raise NotImplementedError` left is graded (on a tie, the .py file{plural});
the feedback says which one was. Nothing else of the notebook (other cells, outputs)
is graded.
Due: {due}. Points: {points:g}.
""",
    "ko": """# {title} ({aid})

{files}의 모든 `raise NotImplementedError`를 채우세요. 노트북 `{aid}.ko.ipynb`에서
작성하거나(코드 셀마다 바로 아래에 실행할 검사 셀이 있습니다) .py 파일을 직접 수정해도 됩니다.
이 폴더는 그 자체로 동작합니다: Python 3.11 이상이면 어떤 시스템에서도 됩니다 (과목의
`source_lib/`가 들어 있습니다). 한 번 설치한 다음 노트북을 여세요:

    pip install -r requirements.txt
    jupyter lab {aid}.ko.ipynb

공개 검사로 확인하세요 (여러분의 코드만 사용합니다):

    python check.py                  # .py 파일
    python check.py {aid}.ko.ipynb   # 또는 노트북의 코드
    python -m pytest                 # 같은 검사를 pytest로

메시지는 {language_name}로 나옵니다. 다른 언어는 `python check.py --lang en|ko`
(또는 환경 변수 BACKPROP_LAB_LANG)로 고릅니다.

채점기에서는 numpy(와 `source_lib`)만 쓸 수 있습니다: {files}에서 다른 것은 import하지
마세요. 채점기는 숨은 검사도 실행합니다: 다른 shape와 값, 참조 구현과의 비교, 수치
안정성과 견고성. 채점하는 것은 {files}의 코드입니다: .py 파일, 또는 노트북에서 그 코드를
담은 셀. 둘 다 제출하면 `raise NotImplementedError`가 더 적게 남은 쪽을 채점하고 (같으면
.py 파일), 어느 쪽을 채점했는지 피드백에 나옵니다. 노트북의 다른 셀과 출력은 채점하지 않습니다.
마감: {due}. 배점: {points:g}점.
""",
}

LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}  # each language's name in itself, for the README


class ReleaseError(ValueError):
    """The solution folder cannot be released as it is."""


def release_files(course, assignment):
    """{relative path: text} of assignments/<id>/."""
    from autograder.authoring.notebook import build_notebook

    folder = course.solutions / assignment.id
    files = {}
    for name in assignment.files:
        files[name] = make_stub((folder / name).read_text(encoding="utf-8"), str(folder / name))
    checks = folder / "public_checks.py"
    if not checks.is_file():
        raise ReleaseError(f"{checks}: every assignment needs public checks")
    checks_text = checks.read_text(encoding="utf-8")
    if BEGIN in checks_text or END in checks_text:
        raise ReleaseError(f"{checks}: public checks must not contain solution markers")
    files["public_checks.py"] = checks_text
    lang = course.language
    files["test_public.py"] = TEST_PUBLIC.format(aid=assignment.id, files=list(assignment.files), lang=lang)
    files["pytest.ini"] = PYTEST_INI
    for path in sorted(folder.glob("titles.*.toml")):
        files[path.name] = path.read_text(encoding="utf-8")
    files["check.py"] = CHECK_PY.format(aid=assignment.id, files=list(assignment.files),
                                        files_text=", ".join(assignment.files), lang=lang)
    files["requirements.txt"] = REQUIREMENTS
    for path in sorted(Path(source_lib.__file__).parent.glob("*.py")):  # the library the grader runs
        files[f"source_lib/{path.name}"] = path.read_text(encoding="utf-8")
    for used_id in assignment.uses:
        used = course.assignment(used_id)
        if assignment.due and used.due and used.due >= assignment.due:
            raise ReleaseError(f"{assignment.id} uses {used_id}, which is due later: its reference would leak")
        for name in used.files:
            files[f"components/{name}"] = strip_markers((course.solutions / used_id / name).read_text(encoding="utf-8"))
    if assignment.uses:
        files["components/__init__.py"] = COMPONENTS_INIT.read_text(encoding="utf-8")
    import nbformat

    for lang in LANGUAGES:
        if (folder / f"lesson.{lang}.md").is_file():
            notebook = build_notebook(course, assignment, lang)
            for i, cell in enumerate(notebook.cells):
                cell["id"] = f"cell-{i}"
            files[f"{assignment.id}.{lang}.ipynb"] = nbformat.writes(notebook) + "\n"
    several = len(assignment.files) > 1
    files["README.md"] = README[lang].format(
        title=assignment.title_in(lang), aid=assignment.id, files=", ".join(assignment.files),
        plural="s" if several else "", it="them" if several else "it", language_name=LANGUAGE_NAMES[lang],
        due=assignment.due or "-", points=assignment.points)
    return files


def release_dir(course, assignment):
    return course.root / "assignments" / assignment.id


def write_release(course, assignment):
    """Write assignments/<id>/ afresh; returns the paths written."""
    target = release_dir(course, assignment)
    files = release_files(course, assignment)
    for path in sorted(target.rglob("*"), reverse=True):
        if path.is_file() and path.relative_to(target).as_posix() not in files:
            path.unlink()
    written = []
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def is_copy(rel):
    """Whether a released file is a copy made at release time and never committed (``COPIES``)."""
    return rel.startswith(COPIES)


def write_copies(course, assignment):
    """Write only the copies (``COPIES``) of assignments/<id>/, as ``course release`` would."""
    target = release_dir(course, assignment)
    for rel, text in release_files(course, assignment).items():
        if is_copy(rel):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            (target / rel).write_text(text, encoding="utf-8")


def stale_files(course, assignment):
    """The files of assignments/<id>/ that are missing, different or not generated
    (a copy that is not there yet is not stale: the release writes it)."""
    target = release_dir(course, assignment)
    files = release_files(course, assignment)
    stale = []
    for rel, text in files.items():
        path = target / rel
        if not path.is_file() and is_copy(rel):
            continue
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(rel)
    if target.is_dir():
        for path in target.rglob("*"):
            rel = path.relative_to(target).as_posix()
            if path.is_file() and rel not in files and "__pycache__" not in rel and ".pytest_cache" not in rel:
                stale.append(rel)
    return sorted(stale)


def users(course, assignment_id):
    """The ids of the assignments that use ``assignment_id``, directly or through another, in course order."""
    found = set()
    for a in course.assignments:  # an assignment uses only earlier ones (their due dates come first)
        if assignment_id in a.uses or found & set(a.uses):
            found.add(a.id)
    return [a.id for a in course.assignments if a.id in found]


def stale_reasons(course, assignment):
    """[(relative path, why)] of the stale files of assignments/<id>/: a released component
    says which reference it comes from, so a change to an earlier assignment names what it left stale."""
    origin = {f"components/{name}": used for used in assignment.uses for name in course.assignment(used).files}
    return [(rel, f"the reference of {origin[rel]} changed" if rel in origin else "")
            for rel in stale_files(course, assignment)]


def released_ids(course):
    """The assignments that can be released now: those with a solution folder and public checks."""
    return [a.id for a in course.assignments if (course.solutions / a.id / "public_checks.py").is_file()]


def public_checks_path(course, assignment):
    return Path(release_dir(course, assignment)) / "public_checks.py"
