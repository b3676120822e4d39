"""Public tests of a2_layers: run `python -m pytest` in this folder (or `course check a2_layers`)."""

from pathlib import Path

import pytest

import public_checks
from source_lib.public import load_student

FILES = ['layers.py']


@pytest.fixture(scope="module")
def student():
    return load_student(Path(__file__).parent, FILES)


@pytest.mark.parametrize("check", [
    pytest.param(check, marks=pytest.mark.part(part), id=f"{part}-{check.__name__}")
    for part, checks in public_checks.CHECKS.items() for check in checks
])
def test_public(student, check):
    check(student)
