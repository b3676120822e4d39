"""Quiet, exact terminals and logs (issue 16, point 7), in the course's language.

`course grade` on a syntax error says it once, in one line, with its file and line once;
grade-batch's summary shows exact numbers on lines of their own; every table fits 80
columns without breaking a word; a Korean course's terminal speaks Korean.
"""

import os
import re
import subprocess
import sys
from fractions import Fraction
from io import StringIO

import pytest
from rich.cells import cell_len

from autograder.authoring.variants import load_variants
from autograder.cli import main as course_main
from autograder.cli import print_validate_table
from autograder.grading.batch import summary
from autograder.grading.validate import Row
from autograder.outputs.terminal import console, show_result
from autograder.results import GradingResult, PartResult, points
from autograder.results import TestResult as CheckResult
from tests.conftest import ROOT
from tests.test_notebook import reference_text

AID = "a1_gates"
BROKEN = "\n\ndef broken(:\n    pass\n"  # a syntax error at the end of the reference


def console_of(width):
    """(a rich console of ``width`` columns writing to a StringIO, the StringIO)."""
    stream = StringIO()
    out = console(stream)
    out.width = width
    return out, stream


def test_a_syntax_error_is_one_line_with_its_file_and_line_once_in_korean(course, tmp_path, capsys, monkeypatch):
    assert course.language == "ko"
    monkeypatch.setenv("COLUMNS", "80")
    text = reference_text(course) + BROKEN
    (tmp_path / "gates.py").write_text(text, encoding="utf-8")
    assert course_main(["grade", AID, str(tmp_path / "gates.py"), "--student", "kim"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    line_no = text.splitlines().index("def broken(:") + 1
    causes = [row for row in lines if row.startswith("✗")]
    assert len(causes) == 1 and "SyntaxError" in causes[0], out
    assert len(re.findall(rf"\b{line_no}행", out)) == 1 and out.count(f"gates.py {line_no}행") == 1, out
    after_table = lines[3 + len(course.assignment(AID).parts):]
    wrapped = next(i for i, row in enumerate(after_table[1:], 1) if not row.startswith("  "))
    assert after_table[0].startswith("✗") and not after_table[wrapped].startswith("✗"), "one line, wrapped under its mark"
    assert "':" not in out, out
    assert lines[1].split() == ["파트", "점수", "만점"], out
    assert all(cell_len(row) <= 80 for row in lines), out


def result_of(student, part_scores, assignment):
    """A GradingResult of ``assignment`` with one check per part, scoring ``part_scores`` (Fractions)."""
    tests = [CheckResult(p.id, "check", "pass" if s == p.points else "fail", s, Fraction(p.points),
                        "" if s == p.points else "values differ") for p, s in zip(assignment.parts, part_scores)]
    parts = [PartResult(p.id, p.id, s, Fraction(p.points)) for p, s in zip(assignment.parts, part_scores)]
    return GradingResult(assignment.id, student, tests, parts, language="ko")


def test_grade_batch_summary_is_exact_whole_and_korean_at_80_columns(course):
    """Totals 87.45 and 87.48: the median is 87.465 exactly, on one line with the maximum."""
    assignment = course.assignment(AID)
    full = [Fraction(p.points) for p in assignment.parts]
    results = {"kim_minji_with_a_long_id": result_of("kim_minji_with_a_long_id", [full[0] - Fraction(1255, 100),
                                                                               *full[1:]], assignment),
               "lee": result_of("lee", [full[0] - Fraction(1252, 100), *full[1:]], assignment)}
    assert [points(r.exact_score) for r in results.values()] == ["87.45", "87.48"]
    out, stream = console_of(80)
    summary(out, assignment, results, {}, [], [], "gradebook.csv", "ko")
    lines = stream.getvalue().splitlines()
    assert any("평균 87.47, 중앙값 87.465 / 100" in row for row in lines), lines
    assert all(cell_len(row) <= 80 for row in lines), lines
    words = {p.id for p in assignment.parts} | {"kim_minji_with_a_long_id", "lee", "파트", "만점자", "87.45", "87.48"}
    assert words <= set(stream.getvalue().replace(":", " ").split()), "every header and id whole"


@pytest.mark.parametrize("value, shown", [(Fraction(246913, 200), "1234.565"), (Fraction(667, 100), "6.67"),
                                          (20.0, "20"), (87.45, "87.45")])
def test_points_are_shown_exactly(value, shown):
    assert points(value) == shown


def test_validate_fits_80_columns_with_whole_words(course):
    """The rows of every declared variant of every assignment (names up to 41 characters, and their whys)."""
    rows = [Row("declarations", "42 hidden checks", "every part checked", "ok", True)]
    for assignment in course.assignments:
        for variant in load_variants(course.solutions / assignment.id):
            loses = "loses " + ", ".join(sorted(variant.loses)) if variant.loses else "full marks"
            rows.append(Row(variant.kind, variant.name, loses, loses, True, variant.why))
    out, stream = console_of(80)
    print_validate_table(out, "every", rows)
    text = stream.getvalue()
    assert all(cell_len(row) <= 80 for row in text.splitlines())
    assert "implementation" in text.split()
    assert all(row.name in text for row in rows), [row.name for row in rows if row.name not in text]


def test_a_log_shows_runtime_text_plainly(course):
    """The Gradescope and Classroom logs print as the terminal does: no Markdown escapes."""
    assignment = course.assignment(AID)
    result = result_of("kim", [Fraction(0), *(Fraction(p.points) for p in assignment.parts[1:])], assignment)
    result.tests[0] = CheckResult(assignment.parts[0].id, "x >= y", "fail", Fraction(0), result.tests[0].max_score,
                                 "shape (0, 0) where x >= y & [x]_1 * 2")
    out, stream = console_of(160)
    show_result(result, out)
    assert "shape (0, 0) where x >= y & [x]_1 * 2" in stream.getvalue() and "x >= y [" in stream.getvalue()


def test_a_console_that_cannot_encode_korean_gets_escapes_not_a_traceback():
    """A cp1252 console (Windows) and a Korean course: the grade is printed, Korean as \\uXXXX escapes."""
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", AID, "assignments/a1_gates/gates.py",
                           "--student", "kim"], cwd=ROOT, capture_output=True, timeout=300,
                          env=dict(os.environ, PYTHONIOENCODING="cp1252"))
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    assert "\\ud30c\\ud2b8" in done.stdout.decode("cp1252"), "the header 파트, escaped"


def cause_lines(tests, part, lang):
    """(the failure mark, the lines show_result starts with it) for ``tests`` (CheckResults) of one ``part``."""
    from source_lib.public import marks

    score = sum((t.score for t in tests), Fraction(0))
    result = GradingResult("a1_gates", "kim", tests, [PartResult(part, part, score, Fraction(20))], language=lang)
    out, written = console_of(400)
    show_result(result, out)
    bad = marks(out.file)[1]
    return bad, [row.rstrip() for row in written.getvalue().splitlines() if row.startswith(bad)]


def test_a_cause_is_said_with_its_name_and_what_it_took_with_it():
    """As on the page: a known mistake's name leads its line, and the checks it left unrun or unjudged
    are counted there, not told as a cause of their own."""
    from autograder.outputs.feedback_page import NOT_RUN
    from autograder.outputs.page_text import page_text

    known = "Your code behaves exactly like a known mistake: MaxGate sends the gradient to y on ties"
    tests = [CheckResult("max_gate", "ties", "fail", Fraction(0), Fraction(10), f"{known}\ndx differs", "known:ties"),
             CheckResult("max_gate", "later", "timeout", Fraction(0), Fraction(10), "Not run: budget", NOT_RUN)]
    bad, causes = cause_lines(tests, "max_gate", "en")
    collateral = page_text("en")("collateral")
    assert causes == [f"{bad} max_gate: ties [failed]: {known}. dx differs ({collateral}: 1)"], causes


def test_a_cause_of_every_check_of_a_part_counts_them_instead_of_naming_each():
    """As the page's "every check of this part failed with it": one short line for a part left unimplemented."""
    from autograder.outputs.page_text import page_text

    tests = [CheckResult("add_gate", f"check {i}", "not_implemented", Fraction(0), Fraction(5), "not implemented",
                         "not_implemented") for i in range(3)]
    bad, causes = cause_lines(tests, "add_gate", "ko")
    every = page_text("ko")("all_checks", n=3)
    assert causes == [f"{bad} add_gate: {every} [{page_text('ko')('status_not_implemented')}]: not implemented"], causes
