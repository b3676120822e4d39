"""`course report`: the class's common mistakes counted per student, examples anonymised, limits named;
grade-batch writes each page and the report and says where the report is."""

import json
from fractions import Fraction

from autograder.grading.batch import grade_batch
from autograder.cli import main
from autograder.outputs.page_text import diagnosis_name, page_text
from autograder.outputs.report import Batch, build_report, report_html, write_report
from autograder.results import GradingResult, PartResult
from autograder.results import TestResult as Outcome
from tests.conftest import ROOT

SYNTAX = "Your file gates.py could not be imported: SyntaxError: invalid syntax (gates.py, line 3)"


def write_class(course, out, students):
    """students: {id: [(part, status, message, diagnosis)] failures}; every other check passes."""
    a1 = course.assignment("a1_gates")
    for student, failures in students.items():
        result = GradingResult("a1_gates", student, language="en")
        for part in a1.parts:
            mine = [f for f in failures if f[0] in (part.id, "*")]
            checks = mine or [(part.id, "pass", "", "")]
            for i, (_, status, text, code) in enumerate(checks):
                share = Fraction(part.points, len(checks))
                result.tests.append(Outcome(part.id, f"check {i}", status, share if status == "pass" else Fraction(0),
                                            share, text, code))
            result.parts.append(PartResult(part.id, part.title, sum((t.score for t in result.tests
                                                                     if t.part == part.id), Fraction(0)),
                                           Fraction(part.points)))
        (out / student).mkdir(parents=True)
        (out / student / "results.json").write_text(result.to_json(), encoding="utf-8")
        (out / student / "time.txt").write_text("0.5\n")
    return Batch(a1, out)


def demo_class(course, out):
    transposed = lambda who: ("multiply_gate", "fail", f"{who}: dx looks transposed", "transposed")  # noqa: E731
    return write_class(course, out, {
        "ann": [transposed("ann"), ("max_gate", "fail", "ann: dx differs", "wrong_values")],
        "bob": [transposed("bob"), ("multiply_gate", "fail", "bob: again", "transposed")],
        "cy": [("*", "fail", SYNTAX, "syntax_error")],
        "dee": [("max_gate", "timeout", "MaxGate.forward did not finish", "timeout")],
        "eve": [],
    })


def test_mistakes_are_counted_per_student_most_common_first(course, tmp_path):
    report = build_report([demo_class(course, tmp_path)], "en")["assignments"][0]
    counts = [(m["part"], m["diagnosis"], m["count"]) for m in report["mistakes"]]
    assert counts[0] == ("multiply_gate", "transposed", 2)
    assert ("", "syntax_error", 1) in counts       # one student, once, not once per part or check
    assert not any(code == "timeout" for _, code, _ in counts)
    assert report["submissions"] == 5 and report["grading_time"]["n"] == 5


def test_examples_name_no_student(course, tmp_path):
    report = build_report([demo_class(course, tmp_path)], "en")["assignments"][0]
    examples = " ".join(m["example"] for m in report["mistakes"])
    assert "ann" not in examples and "bob" not in examples and "<student>: dx looks transposed" in examples


def test_limits_and_invalid_submissions_are_named(course, tmp_path):
    report = build_report([demo_class(course, tmp_path)], "en")["assignments"][0]
    assert {row["student"] for row in report["problems"]} == {"cy", "dee"}


def test_the_student_table_names_a_limit_hit_never_none(course, tmp_path):
    """dee lost MaxGate to the time limit: the table names the limit and its part, not "no mistake"."""
    report = build_report([demo_class(course, tmp_path)], "en")["assignments"][0]
    dee = next(row for row in report["students"] if row["student"] == "dee")
    assert dee["mistakes"] == [f"{diagnosis_name('timeout', 'en')} (MaxGate)"]
    assert next(row for row in report["students"] if row["student"] == "eve")["mistakes"] == []


def test_the_page_shows_the_mistakes_and_escapes_messages(course, tmp_path):
    batch = write_class(course, tmp_path / "out", {"x": [("add_gate", "fail", "<script>alert(1)</script>", "sign")]})
    page = write_report(course, [batch], tmp_path / "out").read_text(encoding="utf-8")
    assert diagnosis_name("sign", course.language) in page and "&lt;script&gt;" in page and "<script" not in page
    assert page.count("<svg") == 1 + len(course.assignment("a1_gates").parts)


def test_several_assignments_in_one_report(course, tmp_path, capsys):
    demo_class(course, tmp_path / "a")
    write_class(course, tmp_path / "b", {"zed": []})
    assert main(["--course", str(ROOT), "report", "a1_gates", str(tmp_path / "a"), "a1_gates", str(tmp_path / "b"),
                 "--out", str(tmp_path / "both")]) == 0
    report = json.loads((tmp_path / "both" / "report.json").read_text())
    assert [a["submissions"] for a in report["assignments"]] == [5, 1]
    assert f"class report: {tmp_path / 'both' / 'report.html'}" in capsys.readouterr().out


def test_bad_arguments_get_one_line(course, tmp_path, capsys):
    assert main(["--course", str(ROOT), "report", "a1_gates"]) == 2
    assert main(["--course", str(ROOT), "report", "a1_gates", str(tmp_path)]) == 2
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "results.json").write_text("{not json")
    assert main(["--course", str(ROOT), "report", "a1_gates", str(tmp_path)]) == 2
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("course report:") for line in lines)


def test_grade_batch_writes_pages_and_says_where_the_report_is(course, tmp_path, capsys):
    samples = ROOT / "examples" / "submissions" / "a1_gates"
    status, _, _ = grade_batch(course, course.assignment("a1_gates"), samples, tmp_path / "out", progress=False)
    assert status == 0
    said = page_text(course.language)("class_report", path=tmp_path / "out" / "report.html")  # 수업 보고서: ...
    printed = capsys.readouterr().out.replace("\n", "")
    assert said in printed
    recorded = {json.loads((tmp_path / "out" / s / "results.json").read_text())["extra_data"]["isolation"].split(" | ")[0]
                for s in ("kim_minji", "lee_jun")}           # the level and its syscall filter, as recorded
    assert page_text(course.language)("isolation_levels", levels=", ".join(sorted(recorded))) in printed
    for student in ("kim_minji", "lee_jun", "choi_hyun"):
        assert (tmp_path / "out" / student / "feedback.html").is_file()
    report = json.loads((tmp_path / "out" / "report.json").read_text())["assignments"][0]
    found = {(m["part"], m["diagnosis"]) for m in report["mistakes"]}
    assert ("", "syntax_error") in found
    # the parts park_seoyeon left unimplemented are one row of hers, not one per part
    [unimplemented] = [m for m in report["mistakes"] if m["diagnosis"] == "not_implemented"]
    assert unimplemented["parts"] == ["max_gate", "sigmoid_gate", "neuron"]
    assert unimplemented["students"] == ["park_seoyeon"]
    # the demo class's common mistake: two students take a mean where the sum is due, in the unbroadcast
    # every two-input gate calls: one row for both, nobody else in it, and no other row names them
    rows = [m for m in report["mistakes"] if {"han_sora", "oh_jisu"} & set(m["students"])]
    assert len(rows) == 1 and rows[0]["students"] == ["han_sora", "oh_jisu"] and rows[0]["count"] == 2
    assert rows[0]["diagnosis"] == "mean_not_sum" and rows[0]["parts"] == ["add_gate", "multiply_gate", "max_gate"]
    assert rows[0]["name"] == diagnosis_name("mean_not_sum", course.language)
    # lee_jun's tie rule is a declared variant: named by its why, alone in its row
    [tie] = [m for m in report["mistakes"] if "lee_jun" in m["students"]]
    assert tie["students"] == ["lee_jun"] and tie["diagnosis"] == "known:max_ties_to_y"
    # their pages say the mistake once
    for student in ("han_sora", "oh_jisu"):
        page = (tmp_path / "out" / student / "feedback.html").read_text(encoding="utf-8")
        sentence = page_text(course.language)("shared_cause", parts="")
        assert page.count(sentence) == 1 and page.count('class="failure') == 1, student
        assert f"<strong>{rows[0]['name']}</strong>" in page
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'href="han_sora/feedback.html"' in html and 'href="oh_jisu/feedback.html"' in html


def test_a_cause_and_its_collateral_are_one_row(course, tmp_path):
    """Checks not judged because forward is wrong fold into the cause that made forward wrong: one
    row per student, not one per check."""
    batch = write_class(course, tmp_path, {
        "ann": [("add_gate", "fail", "AddGate.forward: off by 1.0", "offset"),
                ("add_gate", "fail", "Not judged: ...", "forward_first"),
                ("add_gate", "fail", "Not judged: again ...", "forward_first")]})
    rows = build_report([batch], "en")["assignments"][0]["mistakes"]
    assert [(r["parts"], r["diagnosis"], r["students"]) for r in rows] == [(["add_gate"], "offset", ["ann"])]


def test_report_json_names_the_students_of_each_row_and_each_students_parts(course, tmp_path):
    report = build_report([demo_class(course, tmp_path)], "en")["assignments"][0]
    transposed = next(m for m in report["mistakes"] if m["diagnosis"] == "transposed")
    assert transposed["students"] == ["ann", "bob"] and transposed["parts"] == ["multiply_gate"]
    ann = next(row for row in report["students"] if row["student"] == "ann")
    assert set(ann["parts"]) == {p.id for p in course.assignment("a1_gates").parts}
    assert ann["page"] == "ann/feedback.html" and diagnosis_name("transposed", "en") in ann["mistakes"]


def test_report_speaks_the_language_asked_and_titles_parts_in_it(course, tmp_path):
    demo_class(course, tmp_path)
    assert main(["--course", str(ROOT), "report", "a1_gates", str(tmp_path), "--lang", "en"]) == 0
    english = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert main(["--course", str(ROOT), "report", "a1_gates", str(tmp_path), "--lang", "ko"]) == 0
    korean = (tmp_path / "report.html").read_text(encoding="utf-8")
    a1 = course.assignment("a1_gates")
    assert page_text("en")("common_mistakes") in english and page_text("ko")("common_mistakes") not in english
    assert page_text("ko")("common_mistakes") in korean and a1.title_in("ko") in korean
    assert all(p.title_in("ko") in korean for p in a1.parts)
    for lang, page in (("en", english), ("ko", korean)):  # cy's syntax error failed one check in each part
        assert f"{page_text(lang)('n_checks', n=len(a1.parts))})" in page, lang


def test_the_development_secret_is_a_warning(course, tmp_path):
    batch = demo_class(course, tmp_path)
    (tmp_path / "ann" / "results.json").write_text(
        (tmp_path / "ann" / "results.json").read_text().replace('"secret": "course"', '"secret": "development"'))
    report = build_report([batch], "en")
    assert report["assignments"][0]["development_secret"] == ["ann"]
    page = write_report(course, [batch], tmp_path, "en").read_text(encoding="utf-8")
    assert page_text("en")("development_secret", assignment=course.assignment("a1_gates").title, n=1) in page
    clean = build_report([demo_class(course, tmp_path / "clean")], "en")
    assert clean["assignments"][0]["development_secret"] == []


def test_several_assignments_get_a_student_by_assignment_table(course, tmp_path):
    demo_class(course, tmp_path / "a")
    write_class(course, tmp_path / "b", {"ann": [], "zed": []})
    report = build_report([Batch(course.assignment("a1_gates"), tmp_path / "a"),
                           Batch(course.assignment("a1_gates"), tmp_path / "b")], "en")
    assert set(report["totals"]) == {"ann", "bob", "cy", "dee", "eve", "zed"}
    assert report["totals"]["zed"] == {"a1_gates": 100.0}  # both batches are a1_gates: one column, the last
    page = report_html(report, tmp_path)
    assert page_text("en")("student_by_assignment") in page and 'href="b/zed/feedback.html"' in page
