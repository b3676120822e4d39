"""Small fast unit tests of the engine's core, written to kill what a mutation run (mutmut)
left alive: scores, tolerances, comparisons, the messages a student reads, CSV escaping.

Every expected value is worked out by hand from the documented formula, not copied from
the implementation."""

from fractions import Fraction

import numpy as np
import pytest

from autograder.outputs import gradebook
from autograder.config import UsageError
from autograder.authoring.variants import NotApplied, Variant, VariantError, apply_change, build, definition_span, load_variants
from autograder.checks.core import (CheckFailure, Context, agrees_with_reference, as_checked_array,
                               as_checked_float, assert_close, compare_values, wrong_only_at_zero)
from autograder.results import GradingResult, PartResult, apportion, exact, points
from autograder.results import TestResult as Outcome  # not collected by pytest
from source_lib import gradcheck


@pytest.fixture
def ctx():
    return Context(student=None, reference=None, rng=np.random.default_rng(0),
                   gradcheck_tol=1e-6, reference_tol=1e-6)


# -- source_lib.gradcheck ----------------------------------------------------------

def test_perturbations_move_one_element_by_h_each_way():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    steps = list(gradcheck.perturbations(x, h=0.5, indices=[2]))
    assert len(steps) == 1
    i, plus, minus = steps[0]
    assert i == 2
    assert plus.tolist() == [[1.0, 2.0], [3.5, 4.0]]
    assert minus.tolist() == [[1.0, 2.0], [2.5, 4.0]]
    assert [s[0] for s in gradcheck.perturbations(x)] == [0, 1, 2, 3]


def test_centred_difference_is_the_slope_of_the_weighted_sum():
    # (sum([3, 5] * [1, 2]) - sum([1, 1] * [1, 2])) / (2 * 0.5) = (13 - 3) / 1
    assert gradcheck.centred_difference([3.0, 5.0], [1.0, 1.0], np.array([1.0, 2.0]), h=0.5) == 10.0


def test_numerical_gradient_of_a_scalar_function_defaults_dout_to_one():
    # d/dx sum(x^2) = 2x; centred differences are exact for a quadratic
    grad = gradcheck.numerical_gradient(lambda v: np.sum(v ** 2), np.array([1.0, -2.0, 0.5]), h=1e-3)
    assert np.allclose(grad, [2.0, -4.0, 1.0], rtol=1e-9)


def test_random_directions_are_seeded_unit_vectors():
    dirs = gradcheck.random_directions((3, 2), 4, np.random.default_rng(7))
    assert len(dirs) == 4 and all(d.shape == (3, 2) for d in dirs)
    assert np.allclose([np.linalg.norm(d) for d in dirs], 1.0)
    again = gradcheck.random_directions((3, 2), 4, np.random.default_rng(7))
    assert all(np.array_equal(a, b) for a, b in zip(dirs, again))


def test_rel_error_formula():
    # |1.1 - 1| / (1.1 + 1) = 0.1 / 2.1
    assert gradcheck.rel_error(1.1, 1.0) == pytest.approx(0.1 / 2.1)
    # the floor: |1e-9 - 0| / max(1e-9, 1e-8) = 0.1
    assert gradcheck.rel_error(1e-9, 0.0) == pytest.approx(0.1)
    # the scale floor: 1e-3 * max|expected| = 1e-3 * 100 = 0.1 dominates 0.01 + 0.02
    assert gradcheck.rel_error(np.array([100.0, 0.01]), np.array([100.0, 0.02]))[1] == pytest.approx(0.01 / 0.1)
    # inf against a finite value is infinitely wrong; nan against nan is not an error
    assert gradcheck.rel_error(np.array([np.inf]), np.array([1.0]))[0] == np.inf
    assert gradcheck.rel_error(np.array([np.nan]), np.array([np.nan]))[0] == 0.0


def test_max_rel_error_of_empty_arrays_is_zero():
    assert gradcheck.max_rel_error(np.zeros(0), np.zeros(0)) == 0.0
    assert gradcheck.max_rel_error([1.0, 3.0], [1.0, 1.0]) == pytest.approx(0.5)


def test_close_bound_is_atol_plus_rtol_times_the_larger():
    # bound = 0.1 + 0.1 * 2 = 0.3: a difference of exactly 0.3 is close, 0.31 is not
    assert gradcheck.close([2.0], [1.7], rtol=0.1, atol=0.1)
    assert not gradcheck.close([2.0], [1.69], rtol=0.1, atol=0.1)
    assert gradcheck.close([-2.0], [-1.7], rtol=0.1, atol=0.1)
    assert not gradcheck.close([1.0, 2.0], [1.0], rtol=1.0)
    assert not gradcheck.close([np.nan], [np.nan], rtol=1.0)


def test_worst_element_reports_index_values_and_error():
    got = np.array([[1.0, 2.0], [3.0, 9.0]])
    expected = np.array([[1.0, 2.0], [3.0, 1.0]])
    assert gradcheck.worst_element(got, expected) == ((1, 1), 9.0, 1.0, pytest.approx(8.0 / 10.0))
    assert gradcheck.worst_element(np.array(2.0), np.array(1.0)) == ((), 2.0, 1.0, pytest.approx(1.0 / 3.0))


def test_diagnose_leak_and_scalar_factors():
    expected = np.array([[1.0, 0.0], [0.0, 2.0]])
    assert gradcheck.diagnose(np.array([[1.0, 0.5], [0.0, 2.0]]), expected) == ("pattern_leak", {})
    # a factor not equal to N is named with its value
    assert gradcheck.diagnose(expected * 3, expected, batch_size=4) == ("pattern_factor", {"factor": 3.0})
    assert gradcheck.diagnose(expected * 5, expected, batch_size=5) == ("pattern_times_n", {"n": 5})
    assert gradcheck.diagnose(expected / 5, expected, batch_size=5) == ("pattern_divided_n", {"n": 5})
    # transposed non-square
    e = np.arange(1.0, 7.0).reshape(2, 3)
    assert gradcheck.diagnose(e.T.copy(), e) == ("pattern_transposed", {})
    assert gradcheck.diagnose(np.ones((3, 3)), e) is None
    assert gradcheck.diagnose(np.ones((2, 3)), np.zeros((2, 3))) is None
    # a single number: only exactly N or 1/N
    assert gradcheck.diagnose(np.array(8.0), np.array(2.0), batch_size=4) == ("pattern_summed", {"n": 4})
    assert gradcheck.diagnose(np.array(0.5), np.array(2.0), batch_size=4) == ("pattern_divided_n", {"n": 4})
    assert gradcheck.diagnose(np.array(6.0), np.array(2.0), batch_size=4) is None
    assert gradcheck.diagnose(np.array(8.0), np.array(2.0), batch_size=1) is None
    assert gradcheck.diagnose(np.array(-2.0), np.array(2.0), batch_size=None) is None


# -- autograder.checks.core: comparisons ------------------------------------------------

def failure(call):
    with pytest.raises(CheckFailure) as info:
        call()
    return info.value


def test_as_checked_array_accepts_floats_for_0d_and_names_the_fault(ctx):
    assert as_checked_array(ctx, 2.5, "loss", ()).dtype == np.float64
    assert "returned a bool" in str(failure(lambda: as_checked_array(ctx, True, "loss", ())))
    assert "returned a list" in str(failure(lambda: as_checked_array(ctx, [1.0], "out", (1,))))
    assert "dtype float32" in str(failure(lambda: as_checked_array(ctx, np.zeros(2, np.float32), "out", (2,))))
    t = failure(lambda: as_checked_array(ctx, np.zeros((3, 2)), "out", (2, 3)))
    assert t.diagnosis == "transposed" and "transposed" in str(t)
    w = failure(lambda: as_checked_array(ctx, np.zeros((2, 2)), "out", (2, 3)))
    assert w.diagnosis == "wrong_shape" and "transposed" not in str(w)
    assert "NaN or inf" in str(failure(lambda: as_checked_array(ctx, np.array([np.inf]), "out", (1,))))


def test_as_checked_float(ctx):
    assert as_checked_float(ctx, np.array([[1.5]]), "loss") == 1.5
    assert as_checked_float(ctx, np.int64(3), "loss") == 3.0
    assert "returned a bool" in str(failure(lambda: as_checked_float(ctx, False, "loss")))
    assert "a float" in str(failure(lambda: as_checked_float(ctx, np.array([1, 2]), "loss")))
    assert "NaN or inf" in str(failure(lambda: as_checked_float(ctx, float("nan"), "loss")))


def test_assert_close_tolerance_message_diagnosis_and_figure(ctx):
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    # relative error 1e-7 < tol 1e-6: passes
    assert_close(ctx, expected * (1 + 2e-7), expected, "dx", 1e-6)
    f = failure(lambda: assert_close(ctx, expected * 4, expected, "dx", 1e-6, batch_size=4))
    # every element is off by 4x: error 3e / 5e = 0.6, the first element is the worst
    assert "worst element (0, 0): got 4, expected 1 (relative error 6.00e-01, tolerance 1e-06)" in str(f)
    assert "N = 4 times too large" in str(f) and f.diagnosis == "times_n"
    assert f.figure["kind"] == "error_map" and f.figure["diagnosis"] == "times_n" and f.figure["what"] == "dx"
    assert f.figure["error"] == [[0.6, 0.6], [0.6, 0.6]]
    # candidates are tried in turn: a loss summed over 12 = 3 x 4 elements is named by the second
    s = failure(lambda: assert_close(ctx, np.array(24.0), np.array(2.0), "loss", 1e-6, batch_size=(3, 12)))
    assert "N = 12 times too large" in str(s) and s.diagnosis == "summed"
    off = failure(lambda: assert_close(ctx, expected + [[0, 0], [0, 2]], expected, "dx", 1e-6, key="gradcheck_failed"))
    # |6 - 4| / (6 + 4) = 0.2
    assert "worst element (1, 1): backward gave 6, centred differences give 4 (relative error 2.00e-01" in str(off)
    noise = failure(lambda: assert_close(ctx, expected + [[0, 1], [0, 0]], expected, "dx", 1e-6))
    assert noise.diagnosis == "wrong_values"
    big = failure(lambda: assert_close(ctx, np.ones((21, 20)), np.zeros((21, 20)) + 2, "W", 1e-6))
    assert big.figure is None
    vec = failure(lambda: assert_close(ctx, np.ones(3), np.zeros(3) + 2, "b", 1e-6))
    assert vec.figure is None


def test_compare_values_walks_the_nesting_and_names_items(ctx):
    good = (1.0, {"w": np.ones(2)})
    compare_values(ctx, (1.0, {"w": np.ones(2)}), good, "step", 1e-6)
    assert "step: f differs" in str(failure(lambda: compare_values(ctx, (2.0, 0.0), (1.0, 0.0), "step", 1e-6, ("f", "g"))))
    assert "step[1] differs" in str(failure(lambda: compare_values(ctx, (1.0, 2.0), (1.0, 0.5), "step", 1e-6, ("f",))))
    assert "a tuple of 2 items" in str(failure(lambda: compare_values(ctx, (1.0,), (1.0, 2.0), "step", 1e-6)))
    assert "a dict with keys ['a', 'b']" in str(failure(lambda: compare_values(ctx, {"a": 1.0}, {"a": 1.0, "b": 2.0}, "p", 1e-6)))
    assert "p['b'] differs" in str(failure(lambda: compare_values(ctx, {"a": 1.0, "b": 3.0}, {"a": 1.0, "b": 2.0}, "p", 1e-6)))
    assert "the reference's" in str(failure(lambda: compare_values(ctx, np.ones(3), np.ones(2), "w", 1e-6)))


def test_agrees_with_reference_says_the_check_is_not_judged(ctx):
    agrees_with_reference(ctx, 1.0 + 1e-9, 1.0, "forward")
    f = failure(lambda: agrees_with_reference(ctx, 2.0, 1.0, "forward"))
    assert f.diagnosis == "forward_first" and "forward differs" in str(f)


def test_wrong_only_at_zero():
    x = np.array([0.0, 1.0, -1.0])
    want = np.array([0.0, 1.0, 0.0])
    assert wrong_only_at_zero(np.array([1.0, 1.0, 0.0]), want, x)
    assert not wrong_only_at_zero(np.array([1.0, 0.0, 0.0]), want, x)
    assert not wrong_only_at_zero(want, want, x)
    assert not wrong_only_at_zero(np.array([1.0, 1.0, 0.0]), want, np.array([0.5, 1.0, -1.0]))
    assert not wrong_only_at_zero(np.array([1.0, 1.0]), want[:2], x)


# -- autograder.results -------------------------------------------------------------

def test_apportion_gives_exact_hundredths_by_largest_remainder():
    # 10 points in thirds: 1000 cents -> 333.33 each, one cent left over, to the first
    assert apportion(10, [1, 1, 1]) == [Fraction(334, 100), Fraction(333, 100), Fraction(333, 100)]
    # 1 point as 1:2: quotas 33.33 and 66.67 -> the larger remainder (.67) gets the cent
    assert apportion(1, [1, 2]) == [Fraction(33, 100), Fraction(67, 100)]
    assert sum(apportion(Fraction(7, 100), [3, 3, 1, 5])) == Fraction(7, 100)


def test_points_and_exact():
    assert [points(v) for v in (20, 6.6666, 2.5, 0, 0.1)] == ["20", "6.67", "2.5", "0", "0.1"]
    assert exact(3.34) == Fraction(334, 100) and exact("20") == 20
    assert exact(0.1) + exact(0.2) == Fraction(3, 10)


def sample_result():
    tests = [Outcome("p1", "forward", "pass", Fraction(3, 2), Fraction(3, 2)),
             Outcome("p1", "backward", "fail", Fraction(0), Fraction(5, 2), "dx is wrong", "sign",
                        {"kind": "error_map"}),
             Outcome("p2", "value", "grader_error", Fraction(0), Fraction(1), "oops")]
    parts = [PartResult("p1", "Part one", Fraction(3, 2), Fraction(4)),
             PartResult("p2", "Part two", Fraction(0), Fraction(1))]
    return GradingResult("a1", "ann", tests, parts, notes=["late"], isolation="fork")


def test_result_totals_and_round_trip():
    r = sample_result()
    assert r.exact_score == Fraction(3, 2) and r.exact_max_score == Fraction(5)
    assert r.score == 1.5 and r.max_score == 5.0
    assert [t.name for t in r.grader_errors] == ["value"]
    assert r.part_scores() == {"p1": Fraction(3, 2), "p2": Fraction(0)}
    data = r.to_gradescope()
    assert data["score"] == 1.5 and data["output"] == "a1 ann: 1.5 / 5\nlate"  # the summary, then the notes
    assert [t["status"] for t in data["tests"]] == ["passed", "failed", "failed"]
    assert [t["number"] for t in data["tests"]] == ["1", "2", "3"]
    assert data["tests"][1]["name"] == "p1: backward" and data["tests"][1]["tags"] == ["p1", "fail"]
    assert data["tests"][1]["extra_data"] == {"diagnosis": "sign", "figure": {"kind": "error_map"}}
    assert "extra_data" not in data["tests"][0] and data["tests"][0]["output"]
    assert GradingResult.from_json(r.to_json()) == r


def test_from_json_rejects_what_it_did_not_write():
    for text in ("{", "[]", '{"extra_data": {}}'):
        with pytest.raises(ValueError, match="^not"):
            GradingResult.from_json(text)
    data = sample_result().to_gradescope()
    data["extra_data"]["model"]["tests"][0]["status"] = "great"
    with pytest.raises(ValueError, match="unknown status"):
        GradingResult.from_gradescope(data)


# -- autograder.outputs.gradebook ------------------------------------------------------------

@pytest.mark.parametrize("cell", ["=1+2", "+1", "-1", "@SUM", "\tx", "\rx"])
def test_formula_cells_are_escaped_and_read_back(cell):
    assert gradebook.escape(cell) == "'" + cell
    assert gradebook.unescape(gradebook.escape(cell)) == cell


def test_plain_cells_are_left_alone():
    for cell in ("ann", "'quoted", "", "1.5"):
        assert gradebook.escape(cell) == cell
        assert gradebook.unescape(cell) == cell


def test_graded_row_reports_grader_errors():
    r = sample_result()
    assert gradebook.graded_row(r) == ["ann", "1.5", "0", "1.5", "0", "1.5", "0", "5", "grader_error",
                                       "1 grader error(s): regraded by the next run"]
    clean = GradingResult("a1", "bob", r.tests[:2], r.parts)
    assert gradebook.graded_row(clean)[-2:] == ["graded", ""]


# -- autograder.authoring.variants --------------------------------------------------------------

REFERENCE = '''import numpy as np


class Gate:
    @staticmethod
    def forward(x, y):
        return x >= y

    def backward(self):
        return 1


def neuron(w, x):
    return w @ x
'''


def test_definition_span_covers_decorators_and_methods():
    # lines are 0-based: "class Gate:" is line 3, "@staticmethod" line 4, the class ends after line 9
    assert definition_span(REFERENCE, "Gate") == (3, 10, 0)
    assert definition_span(REFERENCE, "Gate.forward") == (4, 7, 4)
    assert definition_span(REFERENCE, "Gate.backward") == (8, 10, 4)
    assert definition_span(REFERENCE, "neuron") == (12, 14, 0)
    assert definition_span(REFERENCE, "Gate.missing") is None
    assert definition_span(REFERENCE, "np") is None


def test_apply_change_find_replace_once_or_refuse():
    assert "x > y" in apply_change(REFERENCE, {"find": "x >= y", "replace": "x > y"})
    for find, count in (("x <= y", 0), ("return", 3)):
        with pytest.raises(NotApplied) as refused:
            apply_change(REFERENCE, {"find": find, "replace": "x"})
        assert (refused.value.key, refused.value.fields) == ("variant_find_count", {"find": find, "count": count})


def test_apply_change_replaces_a_definition_at_its_indentation():
    new = apply_change(REFERENCE, {"definition": "Gate.forward",
                                   "source": "\n        def forward(x, y):\n            return x > y\n"})
    assert "    def forward(x, y):\n        return x > y\n\n    def backward" in new
    assert "@staticmethod" not in new
    assert new.startswith("import numpy as np\n\n\nclass Gate:\n")
    with pytest.raises(NotApplied) as refused:
        apply_change(REFERENCE, {"definition": "gate", "source": "x = 1"})
    assert (refused.value.key, refused.value.fields) == ("variant_no_definition", {"definition": "gate"})


def test_variant_declarations_are_checked_and_sorted(tmp_path):
    (tmp_path / "variants.toml").write_text(
        '[b_bug]\nloses = ["p1"]\nwhy = "w"\nchange = [{ find = "x", replace = "y" }]\n'
        '[a_ok]\nloses = []\nchange = [{ definition = "f", source = "def f(): pass", file = "m.py" }]\n')
    found = load_variants(tmp_path)
    assert [(v.name, v.kind, v.loses) for v in found] == [("a_ok", "correct", ()), ("b_bug", "buggy", ("p1",))]
    assert found[0].why == "" and found[1].why == "w"
    for bad in ('[v]\nloses = []\n', '[v]\nloses = []\nchange = []\n', '[v]\nloses = []\nchange = [{ find = "x" }]\n',
                '[v]\nloses = []\nlost = 1\nchange = [{ find = "x", replace = "y" }]\n', 'v = 1\n', '[v\n'):
        (tmp_path / "variants.toml").write_text(bad)
        with pytest.raises(VariantError):
            load_variants(tmp_path)
    assert load_variants(tmp_path / "nowhere") == []


def test_build_names_the_variant_and_the_change_that_no_longer_applies(tmp_path):
    (tmp_path / "gates.py").write_text(REFERENCE)
    (tmp_path / "other.py").write_text("")
    ok = Variant("ties", ("p",), "", ({"find": "x >= y", "replace": "x > y"},))
    assert "x > y" in build(tmp_path, ["gates.py"], ok)["gates.py"]
    stale = Variant("stale", ("p",), "", ({"find": "x >= y", "replace": "x"}, {"find": "gone", "replace": "x"}))
    with pytest.raises(VariantError) as refused:
        build(tmp_path, ["gates.py"], stale)
    assert (refused.value.key, refused.value.fields) == ("variant_not_applied", {
        "folder": tmp_path.name, "variant": "stale", "index": 2, "file": "gates.py",
        "why": ("variant_find_count", {"find": "gone", "count": 0})})
    with pytest.raises(VariantError) as refused:
        build(tmp_path, ["gates.py", "other.py"], ok)
    assert refused.value.key == "variant_bad_file" and refused.value.fields["got"] is None


def test_diagnose_square_transposed_and_near_misses():
    e = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert gradcheck.diagnose(e.T.copy(), e) == ("pattern_transposed", {})
    # 0.5 away from a pattern is no pattern: the absolute slack is 1e-12, not 1
    nudge = np.array([[0.5, 0.0], [0.0, 0.0]])
    assert gradcheck.diagnose(-e + nudge, e) is None
    assert gradcheck.diagnose(e.T + nudge, e) is None
    assert gradcheck.diagnose(3 * e + nudge, e) is None
    leak = np.array([[1.0, 0.0], [0.0, 2.0]])
    assert gradcheck.diagnose(leak + [[0.5, 0.3], [0.0, 0.0]], leak) is None
    # N = 2 is a batch; a factor within 1e-6 relative of N is still N
    assert gradcheck.diagnose(2 * e, e, batch_size=2) == ("pattern_times_n", {"n": 2})
    assert gradcheck.diagnose(5 * (1 + 1e-7) * e, e, batch_size=5) == ("pattern_times_n", {"n": 5})
    assert gradcheck.diagnose(2 * e, e, batch_size=1) == ("pattern_factor", {"factor": 2.0})


def test_apportion_gives_the_cent_to_the_largest_remainder_not_the_largest_share():
    # 100 cents as 1:5: quotas 16.67 and 83.33; the remainder .67 beats .33
    assert apportion(1, [1, 5]) == [Fraction(17, 100), Fraction(83, 100)]


def test_results_json_is_what_gradescope_shows_and_byte_stable():
    r = sample_result()
    data = r.to_gradescope()
    # Gradescope's schema: visible results, the grader's stdout hidden from students
    assert (data["visibility"], data["stdout_visibility"]) == ("visible", "hidden")
    assert {t["visibility"] for t in data["tests"]} == {"visible"}
    korean = GradingResult("a1", "jürgen", r.tests, r.parts, language="ko")
    assert korean.to_gradescope()["tests"][0]["output"] != data["tests"][0]["output"]
    text = korean.to_json()
    assert "jürgen" in text and text.endswith("}\n") and '\n  "extra_data": {' in text
    top = [line.split('"')[1] for line in text.splitlines() if line.startswith('  "')]
    assert top == sorted(top)
    short = r.to_gradescope()
    short["tests"].pop()
    with pytest.raises(ValueError, match="^not a results.json"):
        GradingResult.from_gradescope(short)


def test_agrees_with_reference_keeps_the_figure(ctx):
    f = failure(lambda: agrees_with_reference(ctx, np.ones((2, 2)), np.zeros((2, 2)) + 2, "forward"))
    assert f.figure["kind"] == "error_map"


def test_wrong_only_at_zero_edge_inputs():
    # every input at the kink, or no input equal to 1: still judged by where x == 0
    assert wrong_only_at_zero(np.array([1.0, 1.0]), np.zeros(2), np.zeros(2))
    assert wrong_only_at_zero(np.array([1.0, 2.0]), np.array([0.0, 2.0]), np.array([0.0, 2.0]))


def test_build_applies_a_change_to_the_named_file(tmp_path):
    (tmp_path / "gates.py").write_text(REFERENCE)
    (tmp_path / "other.py").write_text("y = 1\n")
    v = Variant("other", ("p",), "", ({"file": "other.py", "find": "y = 1", "replace": "y = 2"},))
    assert build(tmp_path, ["gates.py", "other.py"], v) == {"gates.py": REFERENCE, "other.py": "y = 2\n"}


def book_assignment():
    from types import SimpleNamespace
    return SimpleNamespace(id="a1", points=5, parts=[SimpleNamespace(id="p1"), SimpleNamespace(id="p2")])


def test_gradebook_csv_is_sorted_escaped_and_reads_back(tmp_path):
    a = book_assignment()
    rows = [gradebook.invalid_row(a, "=cmd()", "not a zip"), gradebook.failed_row(a, "bob", "crash, retry")]
    text = gradebook.render(a, rows)
    assert text.splitlines()[0] == "student,p1,p2,score,late_penalty,final_score,late_days_used,max_score,status,message"
    # sorted by student ("=" before "b"); a formula is quoted by ', a comma by the CSV quotes
    assert text.splitlines()[1:] == ["'=cmd(),,,,,,,5,invalid,not a zip", 'bob,,,,,,,5,grader_error,"crash, retry"']
    (tmp_path / "gradebook.csv").write_text(text, encoding="utf-8")
    back = gradebook.read(tmp_path / "gradebook.csv")
    assert [r["student"] for r in back] == ["=cmd()", "bob"] and back[1]["message"] == "crash, retry"
    assert gradebook.read_columns(tmp_path / "gradebook.csv") == gradebook.header(a)


def test_merge_of_two_shards_rebuilds_rows_and_refuses_conflicts(tmp_path):
    a = book_assignment()
    r = sample_result()
    shard1, shard2, out = tmp_path / "s1", tmp_path / "s2", tmp_path / "out"
    for shard, rows in ((shard1, [gradebook.graded_row(r)]), (shard2, [gradebook.invalid_row(a, "zed", "empty")])):
        shard.mkdir()
        (shard / "gradebook.csv").write_text(gradebook.render(a, rows), encoding="utf-8")
    (shard1 / "ann").mkdir()
    (shard1 / "ann" / "results.json").write_text(r.to_json(), encoding="utf-8")
    merged = gradebook.merge(a, [shard1, shard2], out)
    assert [row[0] for row in merged] == ["ann", "zed"]
    assert (out / "ann" / "results.json").read_text(encoding="utf-8") == r.to_json()
    assert [row["status"] for row in gradebook.read(out / "gradebook.csv")] == ["grader_error", "invalid"]
    assert gradebook.merge(a, [out, shard1, shard2], out) == merged
    (shard2 / "gradebook.csv").write_text(gradebook.render(a, [gradebook.invalid_row(a, "ann", "x")]), encoding="utf-8")
    with pytest.raises(UsageError, match="^ann: different results"):
        gradebook.merge(a, [shard1, shard2], tmp_path / "out2")
    (shard2 / "ann").mkdir()
    (shard1 / "ann" / "results.json").write_text("{}", encoding="utf-8")
    with pytest.raises(UsageError, match="no readable results.json"):
        gradebook.merge(a, [shard1], tmp_path / "out3")
    with pytest.raises(UsageError, match="no gradebook.csv"):
        gradebook.merge(a, [tmp_path / "nothing"], tmp_path / "out4")


def test_a_forward_whose_differences_track_the_documented_ones_is_judged_a_memorising_one_not():
    """varies_like_reference measures each difference against at least a tenth of the largest: a
    tail where the documented function is nearly flat (GELU by erf against its tanh form, 30%
    apart there) does not decide; differences of 0 (a forward answering from a cache) do."""
    from autograder.checks.core import CheckFailure, Context, varies_like_reference

    ctx = Context(None, None, np.random.default_rng(0), 1e-5, 1e-6, "en")
    h = 1e-3
    slopes = np.array([1.0, 0.8, -0.0015])  # the documented function's slope at three points
    expected = [1.0 + v for s in slopes for v in (s * h, -s * h)]  # f(x + h), f(x - h) around f(x) = 1
    tail = np.array([1.0, 0.8, -0.0019])      # 30% off where the slope is tiny
    assert np.allclose(varies_like_reference(ctx, [1.0 + v for s in tail for v in (s * h, -s * h)], expected, h,
                                             "f"), tail)
    with pytest.raises(CheckFailure):
        varies_like_reference(ctx, [1.0] * 6, expected, h, "f")  # f(x) answered at every point near x
