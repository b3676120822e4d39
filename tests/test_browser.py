"""A student's feedback page and a class report, opened in headless Chromium (Debian's ``chromium``;
``.ci/run`` installs it): their pictures show, they request nothing but themselves, log no console
error, and a hostile submission's text and student id show as text. Screenshots are kept in
``build/screenshots/`` for a person to look at."""

import os

import pytest

from autograder.grading.batch import grade_batch
from autograder.outputs.feedback_page import feedback_html
from autograder.grading.grade import grade
from autograder.authoring.variants import build_named
from tests.browser import PHONE, chromium, render
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(chromium() is None, reason="no chromium on this machine (.ci/run installs "
                                                           "Debian's chromium package; apt-get install chromium)")
SHOTS = ROOT / "build" / "screenshots"
HOSTILE = "<script>document.title='pwned'</script>"
HOSTILE_ID = '<img src=x onerror="document.title=1">eve'


@pytest.fixture(scope="module")
def demo(course, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "a1_gates"
    status, _, _ = grade_batch(course, course.assignment("a1_gates"), ROOT / "examples" / "submissions" / "a1_gates",
                            out, progress=False)
    assert status == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    return out


def assert_self_contained(page, path):
    own = path.resolve().as_uri()
    assert [u for u in page.requests if u != own and not u.startswith("data:")] == []
    assert page.console == []
    assert page.scripts == 0


@pytest.mark.parametrize("student", ["lee_jun", "choi_hyun"])
def test_a_feedback_page_shows_its_pictures(demo, student):
    path = demo / student / "feedback.html"
    page = render(path, SHOTS / f"feedback-{student}.png")
    assert_self_contained(page, path)
    assert all(p["width"] > 50 and p["height"] > 50 and p["loaded"] for p in page.pictures)
    if student == "lee_jun":   # the tie-rule bug: where dx is wrong, as a heat map
        assert len(page.pictures) >= 1
    assert (SHOTS / f"feedback-{student}.png").stat().st_size > 10_000


def test_the_class_report_shows_its_mistakes_and_distributions(course, demo):
    path = demo / "report.html"
    page = render(path, SHOTS / "report.png")
    assert_self_contained(page, path)
    assert len(page.pictures) == 1 + len(course.assignment("a1_gates").parts)
    assert all(p["width"] > 50 and p["height"] > 50 for p in page.pictures)
    assert "choi_hyun" in page.text and "jung_woo" in page.text   # the invalid and the crashed submissions


def test_hostile_output_and_student_id_show_as_text(course, sandbox, tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    text = (ROOT / "examples" / "submissions" / "a1_gates" / "kim_minji" / "gates.py").read_text(encoding="utf-8")
    doc = '"""x, y: arrays that broadcast together. Returns out = x + y, the broadcast shape."""'
    assert doc in text
    text = f"print({HOSTILE!r})\n" + text.replace(doc, f"{doc}\n        raise ValueError({HOSTILE!r})", 1)
    (folder / "gates.py").write_text(text, encoding="utf-8")
    result = grade(course, course.assignment("a1_gates"), folder, HOSTILE_ID, sandbox=sandbox, lang="en")
    assert any(HOSTILE in t.message for t in result.tests)
    path = tmp_path / "feedback.html"
    path.write_text(feedback_html(result), encoding="utf-8")
    page = render(path, SHOTS / "feedback-hostile.png" if SHOTS.is_dir() else tmp_path / "shot.png")
    assert_self_contained(page, path)
    assert HOSTILE in page.text and HOSTILE_ID in page.text


def overlapping_labels(page, gap=3):
    """Pairs of texts of one picture that overlap or run together: on a shared line (boxes sharing
    more than a pixel of height) with less than ``gap`` px between them."""
    found = []
    for labels in page.labels:
        for i, a in enumerate(labels):
            for b in labels[i + 1:]:
                if min(a["right"], b["right"]) - max(a["left"], b["left"]) > -gap and \
                        min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 1:
                    found.append((a["text"], b["text"]))
    return found


@pytest.fixture(scope="module")
def figure_pages(course, sandbox, tmp_path_factory):
    """Korean feedback pages holding every kind of picture: a5 with wrong gradient norms, loss curves and
    dead-unit masks, a1 with an error map; and the demo class's report."""
    folder = tmp_path_factory.mktemp("figures")
    pages = {}
    for aid, bugs in (("a5_training", ["gradient_norms_reversed", "train_step_never_steps", "dead_units_single_row",
                                       "fit_unweighted_mean"]),
                      ("a1_gates", ["max_routes_to_wrong_input"])):
        assignment = course.assignment(aid)
        submission = folder / aid
        submission.mkdir()
        for name, text in build_named(course.solutions / aid, assignment.files, bugs).items():
            (submission / name).write_text(text, encoding="utf-8")
        result = grade(course, assignment, submission, "2026001", sandbox=sandbox)
        assert result.language == "ko"
        pages[aid] = folder / f"{aid}.html"
        pages[aid].write_text(feedback_html(result), encoding="utf-8")
    return pages


@pytest.mark.parametrize("width", [1000, PHONE])
@pytest.mark.parametrize("aid", ["a5_training", "a1_gates"])
def test_pictures_say_what_they_show_without_a_word_over_another_at_desktop_and_phone_widths(figure_pages, aid,
                                                                                               width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = render(figure_pages[aid], SHOTS / f"figures-{aid}-{width}.png", width=width)
    assert_self_contained(page, figure_pages[aid])
    assert page.pictures and all(p["width"] > 0.8 * min(width - 40, 440) for p in page.pictures)
    assert overlapping_labels(page) == []
    assert page.width <= width, "the page scrolls sideways"
    assert set(page.columns) == {"auto" if width == PHONE else "2"}  # auto: one column
    if aid == "a5_training":
        assert "첫 층의 노름 / 마지막 층의 노름" in "".join(t["text"] for labels in page.labels for t in labels)


@pytest.mark.parametrize("width", [1000, PHONE])
def test_the_demo_pages_read_at_desktop_and_phone_widths(demo, width):
    for name in ("lee_jun/feedback.html", "report.html"):
        page = render(demo / name, SHOTS / f"demo-{name.replace('/', '-')}-{width}.png", width=width)
        assert overlapping_labels(page) == []
        assert page.width <= width, f"{name} scrolls sideways at {width} px"


def test_legend_labels_never_touch_whatever_their_script(tmp_path):
    """Legends of short and long, Hangul and Latin labels (the old legend ran "제출" into "기대값")."""
    from autograder.outputs.figures import svg
    from autograder.outputs.page_text import page_text

    pictures = []
    for yours, expected in (("제출", "기대값"), ("yours", "expected"), ("WWWW", "기대값 (참조 구현)"), ("내 것", "ii")):
        words = page_text("ko")

        def text(key, labels={"yours": yours, "expected": expected}, **fields):
            return labels.get(key) or words(key, **fields)

        for figure in ({"kind": "loss_curves", "x": "step", "student": [3.0, 2.0, 1.5], "reference": [3.0, 1.0, 0.5]},
                       {"kind": "gradient_norms", "student": [1e-4, 1e-2, 1.0], "reference": [0.5, 0.6, 0.7]}):
            pictures.append(f"<figure>{svg(figure, text)}</figure>")
    path = tmp_path / "legends.html"
    path.write_text('<!DOCTYPE html><html lang="ko"><meta charset="utf-8"><body>' + "".join(pictures), encoding="utf-8")
    page = render(path, tmp_path / "legends.png")
    assert len(page.labels) == 8 and overlapping_labels(page) == []
