"""Shared fixtures: the bundled course, a sandbox per test session, seeded generators."""

import dataclasses
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.config import load_course
from autograder.sandbox.session import Sandbox

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def course():
    return load_course(ROOT)


@pytest.fixture(scope="session", autouse=True)
def released_copies(course):
    """The release's copies (source_lib/, components/) in assignments/, as `course release` writes
    them: they are not committed, and some tests import a released folder's components."""
    from filelock import FileLock

    from autograder.authoring.release import released_ids, write_copies

    with FileLock(ROOT / "assignments" / ".copies.lock"):  # pytest-xdist workers start together
        for aid in released_ids(course):
            write_copies(course, course.assignment(aid))


@pytest.fixture(scope="session")
def sandbox(course):
    with Sandbox(course.limits) as box:
        yield box


@pytest.fixture(scope="module")
def quick_course(course):
    """The course with 1.5 s per check: the hostile tests' loops and sleeps end sooner."""
    return dataclasses.replace(course, limits=dataclasses.replace(course.limits, timeout_s=1.5))


@pytest.fixture(scope="module")
def quick_sandbox(quick_course):
    with Sandbox(quick_course.limits) as box:
        yield box


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def write_submission(tmp_path):
    """Write {file name: text} into a fresh folder and return the folder."""
    counter = iter(range(10**6))

    def write(files):
        folder = tmp_path / f"submission{next(counter)}"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        return folder

    return write


def settled(probe, seconds=5.0):
    """``probe()`` once it is falsy, or its last value after ``seconds``: for what the kernel
    finishes asynchronously (a SIGKILL delivered, a process reaped)."""
    deadline = time.monotonic() + seconds
    while (value := probe()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def course_copy(folder):
    """A copy of the course (course.toml, solutions/, assignments/) in ``folder``, to edit; its Course."""
    for name in ("solutions", "assignments"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "course.toml", folder / "course.toml")
    return load_course(folder)
