"""The student kit: a released folder works on its own, outside the course, with numpy alone.

Every command runs with ``python -S`` and numpy's site-packages on PYTHONPATH, so the
installed (editable) backprop-lab package is out of reach: only what the folder ships
can be imported.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy
import pytest

from autograder.platforms.nbgrader_course import nbgrader_files
from autograder.authoring.release import release_files
from source_lib import public
from tests.test_notebook import reference_text

AID = "a1_gates"
SITE = str(Path(numpy.__file__).parent.parent)


def run_kit(folder, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "BACKPROP_LAB"))}
    env["PYTHONPATH"] = SITE
    return subprocess.run([sys.executable, "-S", *args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def kit(course, tmp_path):
    """The released a1 folder, written somewhere outside the course."""
    folder = tmp_path / "my-a1"
    for rel, text in release_files(course, course.assignment(AID)).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    assert not (folder / "course.toml").exists()
    return folder


def test_check_py_runs_the_public_checks_outside_the_course(course, kit):
    stub = run_kit(kit, "check.py")
    assert stub.returncode == 1 and "0 / 5" in stub.stdout, stub.stdout + stub.stderr
    (kit / "gates.py").write_text(reference_text(course), encoding="utf-8")
    done = run_kit(kit, "check.py")
    assert done.returncode == 0 and "5 / 5" in done.stdout, done.stdout + done.stderr


def test_check_py_checks_a_notebook_in_its_own_language(course, kit):
    ko = run_kit(kit, "check.py", f"{AID}.ko.ipynb")
    assert ko.returncode == 1 and "AddGate.forward가 아직 구현되지 않았습니다" in ko.stdout, ko.stdout + ko.stderr
    assert "브로드캐스트에서 shape와 기울기 검사" in ko.stdout  # the check titles of titles.ko.toml
    en = run_kit(kit, "check.py", f"{AID}.en.ipynb")
    assert "is not implemented yet" in en.stdout, en.stdout + en.stderr


def test_pytest_runs_in_the_folder(course, kit):
    (kit / "gates.py").write_text(reference_text(course), encoding="utf-8")
    done = run_kit(kit, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    count = run_kit(kit, "-c", "import public_checks; print(sum(map(len, public_checks.CHECKS.values())))")
    assert done.returncode == 0 and f"\n{count.stdout.strip()} passed" in done.stdout, done.stdout + done.stderr


def test_the_notebooks_first_cell_imports_the_kit(kit):
    import json

    setup = json.loads((kit / f"{AID}.en.ipynb").read_text(encoding="utf-8"))["cells"][0]["source"]
    setup = "".join(setup) if isinstance(setup, list) else setup
    done = run_kit(kit, "-c", setup + "\nimport source_lib\nprint(source_lib.__file__)")
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).parent.parent == kit


def test_nbgraders_release_ships_the_kit_beside_the_notebook(course):
    files = nbgrader_files(course, course.assignment(AID))
    shipped = {rel.rpartition("source_lib/")[2] for rel in files if "/source_lib/" in rel}
    assert shipped == {p.name for p in (course.root / "source_lib").glob("*.py")}


def test_a_failing_check_cell_raises_an_assertion_error_that_says_why(capsys):
    def check_positive(ns):
        """x is positive"""
        assert ns.x > 0, "x must be positive, got -1"

    with pytest.raises(AssertionError, match="x must be positive, got -1"):
        public.check({"part": [check_positive]}, "part", {"x": -1})
    public.check({"part": [check_positive]}, "part", {"x": 1})
    assert "x is positive" in capsys.readouterr().out


def test_marks_fall_back_to_ascii_where_the_console_cannot_encode_them():
    class Console:
        encoding = "cp949"

    assert public.marks(Console()) == ("ok", "x")
    Console.encoding = "utf-8"
    assert public.marks(Console()) == ("✓", "✗")


def test_course_check_without_course_toml_runs_the_folders_kit(course, kit):
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "check", AID, f"{AID}.ko.ipynb"], cwd=kit,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "AddGate.forward가 아직 구현되지 않았습니다" in done.stdout, done.stdout + done.stderr
    (kit / "gates.py").write_text(reference_text(course), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "check", AID], cwd=kit, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "5 / 5" in done.stdout, done.stdout + done.stderr
