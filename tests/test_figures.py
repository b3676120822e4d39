"""Pictures and words that say what is wrong: gradient norms on a log axis with the first-to-last
ratio stated, and iterate_minibatches told what it did (not shuffled, another order, one batch too
many, a label off its row) instead of heat maps of a batch."""

import re

import pytest

from autograder.authoring.variants import Variant, build
from autograder.grading.grade import grade
from autograder.outputs.figures import STUDENT, svg
from autograder.outputs.page_text import page_text


def bars(markup, color):
    """Heights of the bars of one colour, in drawing order."""
    return [float(h) for w, h in re.findall(rf'<rect x="[^"]+" y="[^"]+" width="([^"]+)" height="([^"]+)" '
                                            rf'fill="{color}"/>', markup) if w != "10"]  # 10: the legend's square


def test_gradient_norms_are_drawn_on_a_log_axis_with_the_first_to_last_ratio_stated():
    text = page_text("ko")
    markup = svg({"kind": "gradient_norms", "student": [1e-3, 1e-2, 0.1], "reference": [0.5, 0.4, 0.25]}, text)
    heights = bars(markup, STUDENT)
    assert len(heights) == 3 and heights[0] > 0  # the smallest norm shows too
    assert heights[2] - heights[1] == pytest.approx(heights[1] - heights[0], abs=0.2)  # equal steps per decade
    ticks = re.findall(r'text-anchor="end" font-size="9"[^>]*>([^<]+)</text>', markup)
    assert ticks == ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1"]  # a tick at every decade the norms span
    assert text("first_to_last", yours="0.01", expected="2") in markup


CHANGES = {  # a mistake of iterate_minibatches: (its change to train.py, the diagnosis, words of its Korean message)
    "not_shuffled": ({"find": "    idx = rng.permutation(X.shape[0])\n", "replace": "    idx = np.arange(X.shape[0])\n"},
                     "섞지 않았습니다"),
    "other_order": ({"find": "    idx = rng.permutation(X.shape[0])\n",
                     "replace": "    rng.permutation(X.shape[0])\n    idx = rng.permutation(X.shape[0])\n"},
                    "주는 순서와 다릅니다"),
    "one_batch_too_many": ({"find": "for start in range(0, X.shape[0], batch_size):",
                            "replace": "for start in range(0, X.shape[0] + batch_size, batch_size):"},
                           "하나가 더 많습니다"),
    "labels_off_rows": ({"find": "yield X[batch], y[batch]", "replace": "yield X[batch], y[start:start + batch_size]"},
                        "레이블이 행을 벗어났습니다"),
}


@pytest.mark.parametrize("diagnosis", sorted(CHANGES))
def test_iterate_minibatches_is_told_what_it_did(course, sandbox, tmp_path, diagnosis):
    change, words = CHANGES[diagnosis]
    assignment = course.assignment("a5_training")
    variant = Variant(diagnosis, ("minibatches",), "", ({"file": "train.py", **change},))
    for name, source in build(course.solutions / assignment.id, assignment.files, variant).items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    result = grade(course, assignment, tmp_path, "2026001", sandbox=sandbox)
    failed = [t for t in result.tests if not t.passed]
    assert failed and {t.part for t in failed} == {"minibatches"}
    # the generic diagnosis, or a declared variant that behaves alike (grading/mistakes.py), named first
    assert {t.diagnosis for t in failed} in ({diagnosis}, {d for d in (t.diagnosis for t in failed) if d.startswith("known:")})
    assert all(words in t.message and t.figure is None for t in failed)
