"""Known mistakes named to students: every declared variant speaks every course language,
the grader recognises a known mistake by behaviour, and a mistake is said once."""

import glob
from pathlib import Path

import numpy as np
import pytest

from autograder.authoring.variants import LANGUAGES, load_variants

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = sorted(Path(p) for p in glob.glob(str(ROOT / "solutions" / "*")) if (Path(p) / "variants.toml").is_file())


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_variant_has_a_why_in_every_course_language(folder):
    """A variant's why is shown to students when their code behaves like it: it must exist in
    every course language (fails on a variant without why_ko)."""
    variants = load_variants(folder)
    assert variants
    for variant in variants:
        assert variant.why.strip(), variant.name
        for lang in LANGUAGES:
            text = dict(variant.translations).get(lang, "")
            assert text.strip() and text != variant.why, f"{folder.name}: variant {variant.name} has no why_{lang}"


def grade_variant(course, sandbox, folder, assignment_id, variant, student, tmp_path, lang=None):
    """The GradingResult of ``variant`` (a Variant, declared or not) handed in by ``student``."""
    from autograder.authoring.variants import build
    from autograder.grading.grade import grade

    assignment = course.assignment(assignment_id)
    submission = tmp_path / "submissions" / student
    submission.mkdir(parents=True)
    for name, text in build(folder, assignment.files, variant).items():
        (submission / name).write_text(text, encoding="utf-8")
    return grade(course, assignment, submission, student, sandbox=sandbox, lang=lang)


def test_a_declared_mistake_is_named_once_by_its_why(course, sandbox, tmp_path):
    """Code that is a declared variant is told so, in the course's language, once per part; the
    switch: without the matching (mistakes.known_mistakes returning []) the checks say values only."""
    from autograder.outputs.feedback_page import feedback_html, feedback_view

    folder = ROOT / "solutions" / "a1_gates"
    variant = next(v for v in load_variants(folder) if v.name == "sigmoid_backward_from_input")
    result = grade_variant(course, sandbox, folder, "a1_gates", variant, "s1", tmp_path, lang="ko")
    failed = [t for t in result.tests if not t.passed]
    assert failed and all(t.part == "sigmoid_gate" and t.diagnosis == "known:sigmoid_backward_from_input"
                          for t in failed)
    why = variant.why_in("ko")
    assert all(t.message.startswith(f"제출한 코드는 알려진 실수와 똑같이 동작합니다: {why}") for t in failed)
    _, parts = feedback_view(result)
    [entry] = [f for p in parts for f in p.failures]
    assert sorted(entry.checks) == sorted(t.name for t in failed)
    assert feedback_html(result).count(why) == 1


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_declared_mistake_is_named_in_its_own_code(course, sandbox, tmp_path, folder):
    """Each declared buggy variant, handed in as a student's code, is named by its why in every part it
    loses (``validate.unnamed_parts``, which fails its validate row otherwise). A variant that changes
    its input in place was not, while the in-process variant shared the grader's arrays
    (``mistakes.piped``)."""
    from autograder.grading.validate import Implementation, unnamed_parts

    buggy = [v for v in load_variants(folder) if v.loses]
    unnamed = {}
    for variant in buggy:
        result = grade_variant(course, sandbox, folder, folder.name, variant, variant.name, tmp_path)
        parts = unnamed_parts(Implementation("buggy", variant.name, {}, frozenset(variant.loses)), result)
        if parts:
            unnamed[variant.name] = parts
    assert buggy and not unnamed, unnamed


def test_a_different_bug_in_the_same_part_is_not_named_as_a_known_one(course, sandbox, tmp_path):
    """A variant matches only when it fails the same checks with the same values: the sigmoid's
    backward off by one factor is not 'the input instead of the output'."""
    from autograder.authoring.variants import Variant

    change = {"find": "return dout * self.out * (1.0 - self.out)", "replace": "return dout * self.out"}
    result = grade_variant(course, sandbox, ROOT / "solutions" / "a1_gates", "a1_gates",
                           Variant("mine", (), "", (change,)), "s2", tmp_path)
    failed = [t for t in result.tests if not t.passed]
    assert failed and not any(t.diagnosis.startswith("known:") for t in failed)


UNDECLARED = ROOT / "tests" / "data" / "undeclared_bugs"


def test_undeclared_bugs_handed_in_twice_share_one_row_of_their_own(course, sandbox, tmp_path):
    """Bugs written outside variants.toml (tests/data/undeclared_bugs), each handed in by two
    students in one class: for at least 90% of them, the report's rows naming either student are
    one row holding exactly the two."""
    import tomllib

    from autograder.authoring.variants import Variant
    from autograder.outputs.report import Batch, build_report

    bugs = tomllib.loads((UNDECLARED / "a1_gates.toml").read_text(encoding="utf-8"))
    declared = {v.name for v in load_variants(ROOT / "solutions" / "a1_gates")}
    assert len(bugs) >= 20 and not declared & set(bugs)
    out = tmp_path / "out"
    for name, entry in bugs.items():
        for k in (1, 2):
            student = f"{name}_{k}"
            result = grade_variant(course, sandbox, ROOT / "solutions" / "a1_gates", "a1_gates",
                                   Variant(name, (), "", tuple(entry["change"])), student, tmp_path)
            assert result.exact_score < result.exact_max_score, f"{name} is not caught"
            (out / student).mkdir(parents=True)
            (out / student / "results.json").write_text(result.to_json(), encoding="utf-8")
    report = build_report([Batch(course.assignment("a1_gates"), out)], "en", course.solutions)["assignments"][0]
    alone = []
    for name in bugs:
        pair = {f"{name}_1", f"{name}_2"}
        rows = [m for m in report["mistakes"] if pair & set(m["students"])]
        if len(rows) == 1 and set(rows[0]["students"]) == pair:
            alone.append(name)
        else:
            print(f"{name}: {[(m['diagnosis'], m['students']) for m in rows]}")
    rate = len(alone) / len(bugs)
    print(f"undeclared bugs whose two students share one row of their own: {len(alone)}/{len(bugs)} = {rate:.0%}")
    assert rate >= 0.9


def test_variants_the_checks_cannot_tell_apart_are_named_together(course, sandbox, tmp_path):
    """Stale gradients and no step at all fail a5's train_step checks with the same values: the
    student is told it is one of the two, not the first by name alone."""
    folder = ROOT / "solutions" / "a5_training"
    variant = next(v for v in load_variants(folder) if v.name == "train_step_stale_grads")
    result = grade_variant(course, sandbox, folder, "a5_training", variant, "s3", tmp_path, lang="en")
    failed = [t for t in result.tests if not t.passed]
    assert failed and {t.diagnosis for t in failed} == {"known:train_step_never_steps|train_step_stale_grads"}
    assert all(variant.why in t.message.splitlines()[0] for t in failed)


def diagnosed(got, expected, **kwargs):
    from autograder.checks.core import diagnose_values

    found = diagnose_values(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), "dx", **kwargs)
    return found[0].removeprefix("pattern_") if found else None


def test_a_mean_where_a_sum_is_due_is_1_over_the_elements_summed_broadcast_axes_included():
    rng = np.random.default_rng(0)
    full = rng.standard_normal((3, 4))
    assert diagnosed(full.mean(axis=1, keepdims=True), full.sum(axis=1, keepdims=True), reduced=(4, (3, 4))) \
        == "mean_not_sum"
    assert diagnosed(np.mean(full[:2, :3]), np.sum(full[:2, :3]), reduced=(6, (2, 3))) == "mean_not_sum"  # 0-d: 1/6
    assert diagnosed(full.sum(axis=1, keepdims=True) / 3, full.sum(axis=1, keepdims=True), reduced=(4, (3, 4))) \
        != "mean_not_sum"


def test_generic_diagnoses_name_what_the_values_show():
    rng = np.random.default_rng(1)
    want = rng.standard_normal((5, 3))
    assert diagnosed(3 * want, want, axes=[(5, 0, "x", (5, 3)), (3, 1, "x", (5, 3))]) == "axis_summed"
    assert diagnosed(want / 3, want, axes=[(5, 0, "x", (5, 3)), (3, 1, "x", (5, 3))]) == "axis_divided"
    assert diagnosed(want + 0.5, want) == "offset"
    assert diagnosed(np.full((5, 3), want.sum()), want) == "summed_all"
    positive = np.abs(want) + 0.1
    assert diagnosed(positive * (1 + rng.random((5, 3))), positive) == "too_large"
    assert diagnosed(positive * rng.uniform(0.1, 0.9, (5, 3)), positive) == "too_small"
    assert diagnosed(rng.standard_normal((5, 3)), want) is None


def test_swapped_outputs_are_named_with_their_names():
    from autograder.checks.core import CheckFailure, Context, compare_values

    ctx = Context(None, None, None, 1e-5, 1e-6, "en")
    f, dw, dx = 0.5, np.arange(3.0) + 1, np.arange(2.0) + 7
    with pytest.raises(CheckFailure) as caught:
        compare_values(ctx, (f, dx, dw), (f, dw, dx), "neuron", 1e-6, names=("f", "dw", "dx"))
    assert caught.value.diagnosis == "swapped" and "dw and dx are swapped" in str(caught.value)


def test_a_gradient_wrong_only_at_ties_is_named_so():
    """MaxGate's tie rule: a gradient wrong only where x == y (y broadcast along rows) is a tie
    mistake, not a leak; wrong elsewhere too, it is not."""
    from autograder.checks.core import wrong_only_at_ties

    x = np.array([[1.0, 2.0, 3.0], [0.0, 2.0, 5.0]])
    y = np.array([1.0, 2.0, 4.0])
    want_dy = np.array([0.0, 0.0, 1.5])
    assert wrong_only_at_ties(np.array([0.7, 0.3, 1.5]), want_dy, (x, y))
    assert not wrong_only_at_ties(np.array([0.7, 0.3, 2.5]), want_dy, (x, y))
    assert not wrong_only_at_ties(want_dy, want_dy, (x, y))
