"""Text from a submission lands safely in every output (results.safe_text is the one policy).

A student's exception message holding a lone surrogate (which UTF-8 cannot encode), the
escape sequences that clear a terminal, set its window title or fill its clipboard
(OSC 52), a C1 control, a bidirectional override and a fake score table on lines of its
own must neither stop the grader from writing results.json, the feedback pages, the
gradebook, Gradescope's results and the Classroom log, nor reach a terminal, a log or a
file raw (a file keeps its newlines; a terminal's line is one line).
Each test fails when ``safe_text`` (or its call in that writer) is switched off.
"""

import base64
import json
import os
import re
import subprocess
import sys
import zipfile
from io import StringIO

import pytest

from autograder.cli import main as course_main
from autograder.grading.grade import grade
from autograder.outputs import gradebook
from autograder.outputs.feedback_page import feedback_html, feedback_markdown
from autograder.outputs.terminal import console, show_result
from autograder.platforms.classroom import output_line, runner_result
from autograder.platforms.gradescope import write_bundle
from autograder.results import GradingResult, safe_text
from tests.test_notebook import reference_text

AID = "a1_gates"
FAKE_ROW = "✓ add_gate 15 / 15"
HOSTILE = ("bad \udcff \x1b[2J\x1b[H \x1b]0;owned\x07 \x1b]52;c;cm0gLXJmIH4=\x07 \x9b31m \u202egnp.exe"
           + " " * 90 + f"\n{FAKE_ROW}\n\r{FAKE_ROW}")
RAW = ("\udcff", "\x1b", "\x07", "\x9b", "\u202e", "\r")  # none of these may reach a terminal or a log
CLEAR = "        self.x_shape, self.y_shape = x.shape, y.shape\n        return x + y\n"


def hostile_gates(course):
    """The reference gates.py whose AddGate.forward raises ValueError(HOSTILE)."""
    text = reference_text(course)
    assert text.count(CLEAR) == 1
    return text.replace(CLEAR, f"        raise ValueError({HOSTILE!r})\n")


@pytest.fixture(scope="module")
def hostile(course, sandbox, tmp_path_factory):
    """The GradingResult of the hostile submission (its message holds HOSTILE as the child sent it)."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "gates.py").write_text(hostile_gates(course), encoding="utf-8")
    result = grade(course, course.assignment(AID), folder, "kim", sandbox=sandbox)
    assert any("\udcff" in t.message and "\x1b]52" in t.message for t in result.tests), "the child sent it raw"
    return result


def assert_shown_not_run(out):
    """``out`` (a terminal's or a log's text) holds no raw control character and no line of the fake table."""
    assert not [c for c in RAW if c in out], [c for c in RAW if c in out]
    assert "\\x1b]52;c;" in out, "the escape is shown, visibly"
    assert not [row for row in out.splitlines() if row.lstrip().startswith(FAKE_ROW)], out


def test_safe_text_escapes_what_cannot_be_encoded_and_in_a_terminal_every_control_character():
    assert safe_text("a\udcffb") == "a\\udcffb" and safe_text("a\x1bb\nc\td\re") == "a\\x1bb\nc\td\\re"
    assert safe_text("a\x1bb\nc\u202e", terminal=True) == "a\\x1bb\\nc\\u202e"
    assert safe_text("한국어 ✓", terminal=True) == "한국어 ✓"
    assert safe_text(safe_text(HOSTILE, terminal=True), terminal=True) == safe_text(HOSTILE, terminal=True)


def test_course_grade_writes_results_and_pages_and_prints_no_control_character(course, tmp_path, capsys):
    """The case of issue 20: exit 1 and no results.json before the fix."""
    (tmp_path / "gates.py").write_text(hostile_gates(course), encoding="utf-8")
    paths = {ext: tmp_path / f"out.{ext}" for ext in ("json", "md", "html")}
    status = course_main(["grade", AID, str(tmp_path / "gates.py"), "--student", "kim", "--json", str(paths["json"]),
                          "--feedback", str(paths["md"]), "--feedback-html", str(paths["html"])])
    assert status == 0
    texts = {ext: path.read_bytes().decode("utf-8") for ext, path in paths.items()}
    assert all("udcff" in text and not any(c in text for c in RAW) for text in texts.values())
    result = GradingResult.from_json(texts["json"])
    assert result.to_json() == texts["json"], "read back as the same model"
    assert_shown_not_run(capsys.readouterr().out)


def test_the_terminal_and_its_wrapping_never_let_the_fake_table_start_a_line(hostile):
    for width in (60, 80, 160):
        stream = StringIO()
        out = console(stream)
        out.width = width
        show_result(hostile, out)
        assert_shown_not_run(stream.getvalue())


def test_feedback_pages_are_written(hostile, tmp_path):
    for name, page in (("f.md", feedback_markdown(hostile)), ("f.html", feedback_html(hostile))):
        gradebook.write_atomically(tmp_path / name, page)
        written = (tmp_path / name).read_text(encoding="utf-8")
        assert "\\udcff" in written and "\\x1b" in written and not any(c in written for c in RAW)


def test_the_gradebook_row_of_a_hostile_message_and_name_is_utf8(course, hostile):
    """Both ways batch writes the CSV: rendered whole, and appended row by row."""
    rows = [gradebook.graded_row(hostile), gradebook.invalid_row(course.assignment(AID), "x\udcff", HOSTILE)]
    text = gradebook.render(course.assignment(AID), rows)
    assert "x\\udcff" in text.encode("utf-8").decode("utf-8") and not any(c in text for c in RAW), "cat-safe too"


def test_gradescope_writes_results_and_a_plain_log(course, tmp_path):
    """run_autograder on the hostile file, with a hostile sid: results.json, and a log with no Markdown."""
    bundle = tmp_path / "autograder.zip"
    write_bundle(course, course.assignment(AID), bundle, secret="hostile-text")
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    (root / "submission" / "gates.py").write_text(hostile_gates(course), encoding="utf-8")
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"sid": "kim\udcff\x1b]0;x\x07"}]}))
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), BACKPROP_LAB_PYTHON=sys.executable)
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 85 and "\\udcff" in results["extra_data"]["student"]
    json.dumps(results, ensure_ascii=False).encode("utf-8")  # no lone surrogate left in any field
    log = done.stdout.decode("utf-8")
    assert not [c for c in RAW if c in log] and not [r for r in log.splitlines() if r.lstrip().startswith(FAKE_ROW)]
    assert course.gradescope.checks != "visible" and "52;c;" not in log  # held checks: the log says no more than
    # the summary, so the student's message is not in it at all (course grade's plain result shows it, above)
    assert not re.search(r"\\[()\[\]_*#]|&gt;|&lt;|&amp;", log), "Markdown escapes in a log meant for reading"


def test_the_classroom_log_holds_one_plain_line_per_failed_check(course, hostile, tmp_path):
    results = json.loads(hostile.to_json())
    report = runner_result(results, course.assignment(AID), "ko")
    failed = [t for t in report["tests"] if t["status"] == "fail"]
    assert failed and all(len(t["message"].splitlines()) == sum(
        1 for c in hostile.tests if c.part == t["name"].split(":")[0] and not c.passed) for t in failed)
    assert_shown_not_run("\n".join(t["message"] for t in failed))
    failure = {"output": HOSTILE, "extra_data": {"assignment": AID, "grader_error": True}}  # run_autograder's
    (tmp_path / "results.json").write_text(json.dumps(failure), encoding="utf-8")
    line = output_line(course.root, tmp_path / "results.json")
    assert_shown_not_run(json.loads(base64.b64decode(line.removeprefix("result=")))["tests"][0]["message"])
