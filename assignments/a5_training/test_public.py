"""Public tests of a5_training: run `python -m pytest` in this folder (the same checks as `python check.py`).

Messages speak BACKPROP_LAB_LANG if set (en or ko), else the course's language (ko).
"""

import os
from pathlib import Path

import pytest

import public_checks
from source_lib.public import failure, kit_language, load_student

FILES = ['train.py', 'diagnostics.py']
LANG = kit_language("ko")
os.environ["BACKPROP_LAB_LANG"] = LANG  # the checks' messages follow it


@pytest.fixture(scope="module")
def student():
    return load_student(Path(__file__).parent, FILES)


@pytest.mark.parametrize("check", [
    pytest.param(check, marks=pytest.mark.part(part), id=f"{part}-{check.__name__}")
    for part, checks in public_checks.CHECKS.items() for check in checks
])
def test_public(student, check):
    why = failure(check, student, LANG)
    if why is not None:
        pytest.fail(why, pytrace=False)
