"""A property any caller relies on: backward called a second time after the same forward returns
the same gradient (``InputsUnchanged(twice=True)``, declared for the losses of a3, whose docstring
allows it). The known bug below is caught by that check and by no other: with ``twice`` ignored it
scores full marks, so the test fails."""

from autograder.authoring.variants import build_named
from autograder.grading.grade import grade


def test_a_backward_that_consumes_its_cache_fails_the_twice_check_only(course, sandbox, tmp_path):
    assignment = course.assignment("a3_losses")
    variant = "softmax_ce_backward_consumes_its_cache"
    for name, text in build_named(course.solutions / "a3_losses", assignment.files, [variant]).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = grade(course, assignment, tmp_path, "student-1", sandbox=sandbox, lang="en")
    failed = [t for t in result.tests if not t.passed]
    assert [(t.part, t.name) for t in failed] == [
        ("softmax_ce", "SoftmaxCrossEntropyLoss: forward and backward leave pred and target unchanged, and backward "
                       "twice gives the same gradient")], [(t.part, t.name, t.message) for t in failed]
    assert "when called a second time" in failed[0].message
