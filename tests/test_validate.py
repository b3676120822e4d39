"""`course validate` on every assignment: reference full, stubs zero, each known bug caught in its part."""

import pytest

from autograder.release import released_ids
from autograder.validate import manifest, validate
from tests.conftest import ROOT
from autograder.config import load_course

ASSIGNMENTS = released_ids(load_course(ROOT))


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_validate_passes(course, sandbox, assignment_id):
    rows = validate(course, course.assignment(assignment_id), sandbox=sandbox)
    bad = [row for row in rows if not row.ok]
    assert not bad, "\n".join(f"{r.kind} {r.name}: expected {r.expected}, got {r.got}: {r.detail}" for r in bad)


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_the_validation_library_is_large_enough(course, assignment_id):
    spec = manifest(course.assignment(assignment_id))
    assert len(spec.get("buggy", {})) >= 6
    assert len(spec.get("correct", {})) >= 2
    for name in spec["buggy"]:
        assert (ROOT / "autograder" / "validation" / assignment_id / "buggy" / name).is_dir()
