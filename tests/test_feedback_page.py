"""The student's feedback page: root causes said once, student text escaped, pictures from the checks'
payloads, matplotlib loaded only to draw one."""

import json
import re
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from autograder.outputs import figures
from autograder.checks.core import CheckFailure, Context, assert_close
from autograder.outputs.feedback_page import feedback_html, feedback_markdown, feedback_view, markdown_escape
from autograder.grading.grade import grade
from autograder.outputs.page_text import CATALOGUES, DIAGNOSES, page_text
from autograder.results import GradingResult, PartResult
from autograder.results import TestResult as Outcome
from autograder.authoring.variants import build_named
from tests.conftest import ROOT

HOSTILE = "<script>document.title='pwned'</script>"


def result_with(tests, parts, student="s1", lang="en"):
    result = GradingResult("a1_gates", student, language=lang)
    result.tests = tests
    result.parts = [PartResult(p, p.upper(), sum((t.score for t in tests if t.part == p), Fraction(0)),
                               Fraction(10)) for p in parts]
    return result


def failed(part, name, message, diagnosis="", figure=None):
    return Outcome(part, name, "fail", Fraction(0), Fraction(5), message, diagnosis, figure)


def test_a_cause_shared_by_several_parts_is_said_once():
    load = "Your file gates.py could not be imported: SyntaxError: '(' was never closed (gates.py, line 88)"
    tests = [failed(p, f"check {i}", load, "syntax_error") for p in ("a", "b", "c") for i in range(4)]
    page = feedback_html(result_with(tests, ["a", "b", "c"]))
    assert page.count("was never closed") == 1
    roots, parts = feedback_view(result_with(tests, ["a", "b", "c"]))
    assert len(roots) == 1 and all(not p.failures and len(p.root_checks) == 4 for p in parts)
    assert roots[0].checks[:2] == ["A: check 0", "A: check 1"]  # named by the parts' titles, as the page heads them


def test_checks_failing_with_one_message_are_one_entry():
    tests = [failed("a", f"check {i}", "MaxGate.forward crashed") for i in range(3)]
    tests.append(failed("a", "other", "dx differs"))
    _, [part] = feedback_view(result_with(tests, ["a"]))
    assert [f.checks for f in part.failures] == [["check 0", "check 1", "check 2"], ["other"]]
    assert feedback_html(result_with(tests, ["a"])).count("MaxGate.forward crashed") == 1


def test_a_cause_of_every_check_of_a_part_says_so_instead_of_naming_them_again():
    """A crash in a part's every check: the checks are listed once (with their status), and the entry
    under them says all of them failed with it; a cause of some checks names them."""
    tests = [failed("a", f"check {i}", "MaxGate.forward crashed", "crashed") for i in range(3)]
    tests += [failed("b", f"check {i}", "AddGate.forward crashed", "crashed") for i in range(2)]
    tests.append(Outcome("b", "passing", "pass", Fraction(5), Fraction(5), ""))
    text = page_text("en")
    for page, said in ((feedback_html(result_with(tests, ["a", "b"])), str),
                       (feedback_markdown(result_with(tests, ["a", "b"])), markdown_escape)):
        every, some = said(text("explains_all", n=3)), f"{said(text('explains'))} (2): check 0, check 1"
        assert page.count(every) == 1 and page.count(some) == 1 and "(3): check 0" not in page


def test_the_checks_that_passed_are_folded_so_a_failure_shows_first():
    """On a phone the failing part must not sit below every passed check: the HTML page lists a part's
    failed checks, then folds the passed ones (a closed details); the Markdown counts them."""
    passed = [Outcome(p, f"{p} passes {i}", "pass", Fraction(1), Fraction(1), "") for p in ("a", "b") for i in range(3)]
    result = result_with([*passed, failed("b", "b fails", "dx differs")], ["a", "b"])
    page = feedback_html(result)
    folded = re.findall(r"<details class=\"passed\">(.*?)</details>", page, re.S)
    assert len(folded) == 2 and all("passes" in f and "b fails" not in f for f in folded)
    assert "3 of 3 checks passed" in folded[0] and "3 of 4 checks passed" in folded[1]
    assert page.index("b fails") < page.index("b passes 0")
    markdown = feedback_markdown(result)
    assert "passes" not in markdown and "3 of 3 checks passed" in markdown and "❌ b fails" in markdown


def test_the_markdown_page_is_blocks_a_renderer_keeps_apart():
    """Gradescope renders the Markdown: every heading, list and paragraph stands between blank lines,
    and a part's entry says its message before the checks it explains, as the HTML page does."""
    tests = [failed("a", "check 0", "dx differs"), failed("a", "check 1", "dx differs"),
             Outcome("a", "passing", "pass", Fraction(5), Fraction(5), "")]
    result = result_with(tests, ["a", "b"])
    result.notes = ["a note"]
    lines = feedback_markdown(result).splitlines()
    headings = [i for i, line in enumerate(lines) if line.startswith("#")]
    assert len(headings) == 3 and all(lines[i - 1] == "" for i in headings[1:]), lines
    items = [i for i, line in enumerate(lines) if line.startswith("- ")]
    assert all(lines[i + 1] == "" or lines[i + 1].startswith("- ") for i in items), lines
    message = lines.index("dx differs")
    assert lines[message + 1] == "" and lines[message + 2].startswith(page_text("en")("explains") + " (2)"), lines


def test_a_known_mistake_named_by_a_sentence_ends_with_one_period():
    """A known mistake's name is its variant's why, often a whole sentence: the Markdown page adds
    the period a bare name lacks, and none to a sentence (it said "... 있습니다..")."""
    for name, said in (("A sentence of its own.", "A sentence of its own."), ("a bare name", "a bare name.")):
        test = failed("a", "check", f"{name}\nthe values differ", "known:some_variant")
        page = feedback_markdown(result_with([test], ["a"]))
        assert f"**{markdown_escape(said)}**" in page and ".." not in page


def test_student_text_is_escaped_in_html_and_markdown():
    result = result_with([failed("a", "forward", f"AddGate.forward raised ValueError: {HOSTILE}")], ["a"],
                         student='<img src=x onerror="alert(1)">')
    page = feedback_html(result)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x" in page
    markdown = feedback_markdown(result)
    assert "<script" not in markdown and "&lt;script&gt;" in markdown


def test_the_page_needs_nothing_from_elsewhere():
    figure = {"kind": "loss_curves", "x": "epoch", "student": [1.0, 0.8], "reference": [1.0, 0.5]}
    page = feedback_html(result_with([failed("a", "fit", "history differs", figure=figure)], ["a"]))
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert re.findall(r"url\((?!#)", page) == []
    assert re.findall(r'(?:src|href)\s*=\s*"(?!data:|#)', page) == []


def test_assert_close_names_the_pattern_and_maps_a_2d_error():
    ctx = Context(None, None, np.random.default_rng(0), 1e-6, 1e-6, "en")
    expected = np.random.default_rng(1).standard_normal((4, 4))
    with pytest.raises(CheckFailure) as caught:
        assert_close(ctx, expected.T.copy(), expected, "dW", 1e-6)
    assert caught.value.diagnosis == "transposed"
    assert caught.value.figure["kind"] == "error_map" and np.shape(caught.value.figure["error"]) == (4, 4)
    with pytest.raises(CheckFailure) as caught:
        assert_close(ctx, expected / 4, expected, "db", 1e-6, batch_size=4)
    assert caught.value.diagnosis == "divided_n"


@pytest.mark.parametrize("figure", [
    {"kind": "error_map", "error": [[0.0, 1.0], [0.5, 0.0]], "diagnosis": "sign"},
    {"kind": "loss_curves", "x": "step", "student": [1.0, 0.9, 0.95], "reference": [1.0, 0.7, 0.5]},
    {"kind": "gradient_norms", "student": [0.1, 0.0, 2.0], "reference": [0.1, 0.5, 2.0]},
    {"kind": "masks", "student": [True, False, False], "reference": [True, True, False]},
    {"kind": "scores", "scores": [0.0, 10.0, 20.0], "max_score": 20.0},
], ids=lambda f: f["kind"])
def test_every_figure_kind_draws_the_same_svg_twice(figure):
    text = page_text("ko")
    first = figures.svg(figure, text)
    assert first.startswith("<svg") and first == figures.svg(figure, text)


def test_both_languages_have_every_word():
    assert CATALOGUES["en"].keys() == CATALOGUES["ko"].keys()
    assert DIAGNOSES["en"].keys() == DIAGNOSES["ko"].keys()


def test_pages_never_load_matplotlib():
    """Drawing a page with every kind of picture stays cheap: no matplotlib (150-300 ms a picture)."""
    code = ("import sys; from fractions import Fraction as F; from autograder.outputs.feedback_page import feedback_html;"
            "from autograder.results import GradingResult, PartResult, TestResult;"
            "r = GradingResult('a1_gates', 's'); r.parts = [PartResult('a', 'A', F(0), F(5))];"
            "r.tests = [TestResult('a', 'x', 'fail', F(0), F(5), 'wrong', 'sign', "
            "{'kind': 'error_map', 'error': [[1.0]]})]; feedback_html(r);"
            "assert 'matplotlib' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def variant_submission(course, folder, assignment_id, *names):
    """A folder holding the reference of ``assignment_id`` with the declared variants ``names`` applied."""
    texts = build_named(course.solutions / assignment_id, course.assignment(assignment_id).files, names)
    folder.mkdir(parents=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def figure_kinds(result, part):
    return {t.figure["kind"] for t in result.tests if t.part == part and t.figure}


def test_training_checks_hand_over_their_pictures(course, sandbox, tmp_path):
    a5 = course.assignment("a5_training")
    first = grade(course, a5, variant_submission(course, tmp_path / "first", "a5_training", "train_step_never_steps",
                                                 "fit_unweighted_mean", "dead_units_single_row"), "s",
                  sandbox=sandbox, lang="en")
    # never stepping: the first step's loss is right and its weights wrong, so where W is wrong is shown;
    # an unweighted mean makes fit's history wrong from the first epoch on, so the curves are
    assert figure_kinds(first, "train_step") == {"error_map"} and figure_kinds(first, "fit") == {"loss_curves"}
    assert figure_kinds(first, "dead_relu") == {"masks"}
    # judged on one row only, units dead on that row but alive on others are reported dead; the code
    # behaves as the declared variant, so that names the mistake
    assert {t.diagnosis for t in first.tests if t.part == "dead_relu" and not t.passed} == \
        {"known:dead_units_single_row"}
    second = grade(course, a5, variant_submission(course, tmp_path / "second", "a5_training", "gradient_norms_reversed"),
                   "s", sandbox=sandbox, lang="en")
    assert figure_kinds(second, "gradient_norms") == {"gradient_norms"}
    data = json.loads(second.to_json())
    assert any(t.get("extra_data", {}).get("figure", {}).get("kind") == "gradient_norms" for t in data["tests"])
    page = feedback_html(first)
    assert page.count("<svg") >= 3


def test_a_transposed_weight_gradient_is_diagnosed_and_mapped(course, sandbox, tmp_path):
    a2 = course.assignment("a2_layers")
    folder = variant_submission(course, tmp_path / "a2", "a2_layers", "w_grad_transposed")
    result = grade(course, a2, folder, "s", sandbox=sandbox, lang="en")
    linear = [t for t in result.tests if t.part == "linear" and not t.passed]
    # the declared variant names the mistake; each check still says what its values show
    assert linear and {t.diagnosis for t in linear} == {"known:w_grad_transposed"}
    assert all("transposed" in t.message for t in linear)


def test_a_regrade_gives_the_same_page(course, sandbox):
    lee_jun = ROOT / "examples" / "submissions" / "a1_gates" / "lee_jun"
    first, second = (grade(course, course.assignment("a1_gates"), lee_jun, "lee", sandbox=sandbox) for _ in range(2))
    assert any(t.figure for t in first.tests)
    assert first.to_json() == second.to_json() and feedback_html(first) == feedback_html(second)


def test_a_diagnosed_heat_map_says_its_diagnosis():
    figure = {"kind": "error_map", "what": "dW", "diagnosis": "sign", "error": [[1.0, 1.0], [1.0, 1.0]]}
    page = feedback_html(result_with([failed("a", "backward", "dW differs. It has the wrong sign.", "sign", figure)],
                                     ["a"]))
    assert f"Where the error sits in dW: {DIAGNOSES['en']['sign']}" in page
