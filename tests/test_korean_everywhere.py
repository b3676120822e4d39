"""What a Korean course shows besides the checks' messages is Korean too: the isolation level,
the development-secret warning, a crash's detail, grade-batch's progress label and its reasons
for an entry it did not grade, the gradebook's ``message`` column, and ``course validate``'s
table heads and summary. Each is searched for English words as tests/test_korean_words.py
does, and each is checked to be the catalogue's text (so printing the English text, or none,
fails)."""

import os
from fractions import Fraction
from types import SimpleNamespace

import pytest

from autograder.cli import print_validate_table, validate_summary
from autograder.grading.batch import grade_batch, scan_class, summary
from autograder.grading.grade import development_secret_warning, grade, run_check
from autograder.grading.validate import Row
from autograder.outputs.gradebook import graded_row
from autograder.outputs.page_text import page_text
from autograder.outputs.terminal import console, isolation_text, show_result
from autograder.results import TestResult as CheckResult
from autograder.sandbox.isolation import LEVELS, SECCOMP, parse
from source_lib.messages import message
from tests.test_batch import REFERENCE
from tests.test_korean_words import english_words

RECORDS = ["jail+seccomp", "netns+seccomp", "process",
           "process | jail: unshare: Operation not permitted; seccomp: libseccomp.so.2: cannot open shared object file"]


def korean(text):
    """``text`` holds no English word but code, quotes and notation (``test_korean_words.NOTATION``)."""
    return english_words(text) == []


@pytest.mark.parametrize("record", RECORDS)
def test_the_isolation_record_is_one_form_and_read_in_the_course_language(record):
    level, features, why = parse(record)
    assert level in LEVELS and set(features) <= {SECCOMP}
    said = isolation_text(record, "ko")
    assert korean(said), said
    assert message("isolation_base", "ko") in said and said != isolation_text(record, "en")
    assert (f"“{why}”" in said) == bool(why)  # the system's words, quoted as they came


def test_the_sandbox_records_a_neutral_level_and_course_grade_says_it_in_korean(course, sandbox, tmp_path, capsys):
    assert course.language == "ko"
    level, features, _ = parse(sandbox.isolation)
    assert level in LEVELS and set(features) <= {SECCOMP}, sandbox.isolation
    (tmp_path / "gates.py").write_text(REFERENCE, encoding="utf-8")
    result = grade(course, course.assignment("a1_gates"), tmp_path, "kim", sandbox=sandbox)
    assert result.isolation == sandbox.isolation  # results.json records the neutral form
    capsys.readouterr()
    show_result(result, console())
    printed = " ".join(capsys.readouterr().out.split())  # the line, wrapped at the console's width
    said = page_text("ko")("isolation") + ": " + isolation_text(sandbox.isolation, "ko")
    assert printed.endswith(" ".join(said.split())) and korean(said), printed


def test_the_development_secret_warning_is_in_the_course_language(course, monkeypatch):
    monkeypatch.delenv(course.secret_env, raising=False)
    warning = development_secret_warning(course)
    assert warning == page_text("ko")("development_secret_unset", env=course.secret_env)
    assert course.secret_env in warning and korean(warning), warning


CRASHES = {
    "os.kill(os.getpid(), signal.SIGKILL)": ("killed_by_signal", {"signal": "SIGKILL"}),
    "os._exit(0)": ("exit_status", {"code": 0}),
    "open('big', 'w').write('x' * (64 << 20))": ("output_too_large", {}),
}


@pytest.mark.parametrize("crash", CRASHES)
def test_a_crash_is_told_in_korean(course, sandbox, tmp_path, crash):
    """A forward that kills itself, exits, or writes past the file size limit: the detail is the catalogue's."""
    code = REFERENCE.replace("import numpy as np", "import os\nimport signal\n\nimport numpy as np", 1)
    code += f"\n\ndef _crash(self, *args):\n    {crash}\n\n\nAddGate.forward = _crash\n"
    (tmp_path / "gates.py").write_text(code, encoding="utf-8")
    result = grade(course, course.assignment("a1_gates"), tmp_path, "kim", sandbox=sandbox)
    key, fields = CRASHES[crash]
    crashed = [t.message for t in result.tests if t.status == "crashed"]
    assert crashed and [m for m in crashed if message(key, "ko", **fields) not in m or not korean(m)] == []


def test_a_grader_error_is_told_in_korean():
    class Broken:
        def run(self, ctx):
            raise KeyError("objective")

    status, said, _, _ = run_check(Broken(), SimpleNamespace(lang="ko"))
    assert status == "grader_error" and said == message("grader_error", "ko", check="Broken", error="KeyError: 'objective'")
    assert korean(said), said


def test_grade_batch_says_why_an_entry_is_not_graded_in_korean(course, tmp_path):
    folder = tmp_path / "class"
    for name in ("x" * 120, "gradebook.csv", "s1"):
        (folder / name).mkdir(parents=True)
        (folder / name / "gates.py").write_text(REFERENCE)
    (folder / "s1.py").write_text(REFERENCE)  # two entries of student s1
    (folder / "/".join("d" * 30)).mkdir(parents=True)
    os.mkdir(os.fsencode(folder) + b"/caf\xe9")
    _, invalid, _ = scan_class(course.assignment("a1_gates"), folder, tmp_path / "out", course.limits, "ko")
    assert len(invalid) == 5 and all(korean(why) for why in invalid.values()), invalid
    assert set(invalid.values()) != set(scan_class(course.assignment("a1_gates"), folder, tmp_path / "out",
                                                   course.limits, "en")[1].values())


def test_grade_batch_progress_is_korean(course, tmp_path, capsys):
    from tests.test_batch import make_class

    grade_batch(course, course.assignment("a1_gates"), make_class(tmp_path / "class", 1), tmp_path / "out")
    label = page_text("ko")("batch_progress", assignment="a1_gates", n=1, unchanged=0)
    assert label in capsys.readouterr().out and korean(label)


def test_grade_batch_summary_names_the_isolation_level_in_korean(course):
    from tests.test_terminal import console_of, result_of

    assignment = course.assignment("a1_gates")
    result = result_of("kim", [Fraction(p.points) for p in assignment.parts], assignment)
    result.isolation = RECORDS[-1]
    out, stream = console_of(80)
    summary(out, assignment, {"kim": result}, {}, [], [], "gradebook.csv", "ko")
    printed = " ".join(stream.getvalue().split())
    said = page_text("ko")("isolation_levels", levels="process")
    assert said in printed and korean(said), printed


def test_the_gradebook_message_of_a_grader_error_is_korean(course):
    from tests.test_terminal import result_of

    assignment = course.assignment("a1_gates")
    result = result_of("kim", [Fraction(p.points) for p in assignment.parts], assignment)
    result.tests[0] = CheckResult(assignment.parts[0].id, "x", "grader_error", Fraction(0), result.tests[0].max_score,
                                 "grader error in X: ValueError: bad")
    note = graded_row(result)[-1]
    assert note == page_text("ko")("grader_errors_note", n=1) and korean(note), note


def test_course_validate_heads_and_summary_are_korean(capsys):
    rows = [Row("buggy", "mean_not_sum", "loses add_gate", "loses add_gate", True, ""),
            Row("correct", "reference", "100", "100", True, "", slowest=0.01, slowest_at="add_gate: forward (kim)")]
    out = console()
    capsys.readouterr()
    print_validate_table(out, "a1_gates", rows, "ko")
    for said in validate_summary("a1_gates", rows, 2, 1.5, "ko", 1.0):
        out.print(said)
    printed = capsys.readouterr().out
    text = page_text("ko")
    heads = [printed.splitlines()[0], *text("validate_columns").split("|"), text("validate_ok")]
    assert all(h.strip() in printed for h in heads) and korean(" ".join(heads)), printed
    assert text("validate_summary", assignment="a1_gates", ok=2, n=2, students=2, seconds=1.5) in printed
    assert text("validate_time", assignment="a1_gates", seconds=0.01, factor=100, limit=1.0) in printed
    assert all(korean(line) for line in printed.splitlines()[-2:]), printed
    assert f"mean_not_sum ({text('validate_kind_buggy')})" in printed and "(buggy)" not in printed, printed


def test_course_validate_rows_are_korean(course):
    """Every row `course validate` writes for a Korean course says its expectation, its result
    and why in Korean: each kind of verdict, the declarations row, a declared variant's why."""
    from autograder.grading.validate import Implementation, declaration_rows, implementations, verdict
    from autograder.results import GradingResult, PartResult
    from autograder.results import TestResult as Outcome

    def result(scores, student="s1", passed=()):
        return GradingResult("a1_gates", student, language="ko", parts=[
            PartResult(p, p, Fraction(g), Fraction(m)) for p, (g, m) in scores.items()],
            tests=[Outcome(p, "검사", "pass" if p in passed else "fail", Fraction(0), Fraction(m), "")
                   for p, (_, m) in scores.items()])

    rows = [
        verdict(Implementation("mutant", "gates.py:3 operator", {}, None, "diff"), [result({"a": (0, 10)})],
                {"s1": {("a", "check"): 2.0}}, "ko"),
        verdict(Implementation("stubs", "released", {}, None), [result({"a": (0, 10)})], None, "ko"),
        verdict(Implementation("probe", "zeros", {}, None, "x"), [result({"a": (4, 10)}, passed={"a"})], None, "ko"),
        verdict(Implementation("buggy", "b", {}, frozenset({"a"}), ""), [result({"a": (10, 10)})], None, "ko"),
        verdict(Implementation("correct", "c", {}, frozenset()),
                [result({"a": (10, 10)}), result({"a": (5, 10)}, student="s2")], None, "ko"),
        *declaration_rows(course, course.assignment("a1_gates")),
    ]
    impls, _ = implementations(course, course.assignment("a1_gates"))
    rows += [SimpleNamespace(expected="", got="", detail=i.why) for i in impls if i.why]
    for row in rows:
        said = " ".join([row.expected, row.got, row.detail])
        assert korean(said), said
    kinds = [page_text("ko")(f"validate_kind_{kind}") for kind in
             ("declarations", "reference", "stubs", "probe", "buggy", "correct", "mutant")]
    assert korean(" ".join(kinds)), kinds
    from autograder.grading.validate import mutant_implementations

    named = [i.name for i in mutant_implementations(course, course.assignment("a1_gates"))]  # --mutants rows
    assert named and all(korean(name) for name in named), [n for n in named if not korean(n)][:5]
