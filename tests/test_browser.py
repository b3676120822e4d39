"""A student's feedback page and a class report, opened in headless Chromium (Debian's ``chromium``;
``.ci/run`` installs it): their pictures show, they request nothing but themselves, log no console
error, and a hostile submission's text and student id show as text. Screenshots are kept in
``build/screenshots/`` for a person to look at."""

import os

import pytest

from autograder.grading.batch import grade_batch
from autograder.outputs.feedback_page import feedback_html
from autograder.grading.grade import grade
from tests.browser import chromium, render
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
