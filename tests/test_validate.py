"""`course validate`: reference full, stubs and probes zero, each known bug caught in its
own part only, the same scores for every student id, and declarations that must apply."""

import re
import types
from fractions import Fraction

import numpy as np
import pytest

from autograder.outputs.page_text import page_text

from autograder.grading import validate as validate_module
from autograder.cli import main
from autograder.config import load_course
from autograder.authoring.probes import PROBES, probe_files
from autograder.authoring.release import released_ids
from autograder.results import GradingResult, PartResult
from autograder.results import TestResult as Outcome
from autograder.authoring.stubs import strip_markers
from autograder.grading.validate import Implementation, grade_all, implementations, validate, verdict
from tests.conftest import ROOT, course_copy

ASSIGNMENTS = released_ids(load_course(ROOT))
SWEEP = 2  # student ids per implementation in the suite (the CLI's default is 20; see the report of validate)


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_validate_passes(course, sandbox, assignment_id):
    """Every row: reference full, stubs and do-nothing probes 0, each known bug in its declared parts
    only, each correct variant full, and the same part scores for every student id of the sweep."""
    rows = validate(course, course.assignment(assignment_id), sandbox=sandbox, students=SWEEP)
    assert sorted(r.name for r in rows if r.kind == "probe") == sorted(PROBES)
    bad = [row for row in rows if not row.ok]
    assert not bad, "\n".join(f"{r.kind} {r.name}: expected {r.expected}, got {r.got}: {r.detail}" for r in bad)


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_every_variant_is_a_small_declaration_that_applies(course, assignment_id):
    assignment = course.assignment(assignment_id)
    impls, broken = implementations(course, assignment)
    assert not broken, broken
    reference = next(i for i in impls if i.kind == "reference")
    variants = [i for i in impls if i.kind in ("buggy", "correct")]
    assert sum(i.kind == "buggy" for i in variants) >= 6 and sum(i.kind == "correct" for i in variants) >= 2
    parts = {p.id for p in assignment.parts}
    for impl in variants:
        assert impl.files != reference.files, f"{impl.name} changes nothing"
        assert impl.loses <= parts, f"{impl.name} loses unknown parts {impl.loses - parts}"


@pytest.mark.parametrize("change, why", [
    ('{ find = "self.x_wins = x >= y", replace = "self.x_wins = x > y" }', None),
    ('{ find = "self.x_wins = x >=  y", replace = "x" }', ("variant_find_count", {"find": "self.x_wins = x >=  y",
                                                                                   "count": 0})),
    ('{ find = "self.x_shape, ", replace = "" }', ("variant_find_count", {"find": "self.x_shape, ", "count": 2})),
    ('{ definition = "MaxGate.backwards", source = "def backwards(self, dout):\\n    return dout" }',
     ("variant_no_definition", {"definition": "MaxGate.backwards"})),
])
def test_a_change_that_no_longer_applies_fails_naming_the_variant(tmp_path, monkeypatch, change, why):
    course = course_copy(tmp_path)
    path = course.solutions / "a1_gates" / "variants.toml"
    path.write_text(path.read_text() + f'\n[edited_away]\nloses = ["max_gate"]\nwhy = "x"\nchange = [{change}]\n')
    monkeypatch.setattr(validate_module, "grade_all", lambda *args, **kwargs: [])
    rows = validate(course, course.assignment("a1_gates"))
    broken = [r for r in rows if r.name == "edited_away"]
    if why is None:
        assert not broken
    else:
        assert len(broken) == 1 and not broken[0].ok
        text = page_text(course.language)                   # said in the course's language, with its why
        assert broken[0].detail == text("variant_not_applied", folder="a1_gates", variant="edited_away", index=1,
                                        file="gates.py", why=text(why[0], **why[1]))
        assert course.language == "ko" and "더 이상 적용되지 않습니다" in broken[0].detail


def result(parts, passed=(), student="s", named="x"):
    """A GradingResult with {part: (score, max)} and one test per part, passing when in ``passed``; a failing
    one names the known mistake ``named`` (as grading names a declared variant's code)."""
    tests = [Outcome(p, "check", "pass" if p in passed else "fail", Fraction(s), Fraction(m), "",
                     "" if p in passed else f"known:{named}")
             for p, (s, m) in parts.items()]
    return GradingResult("a1_gates", student, tests=tests,
                         parts=[PartResult(p, p, Fraction(s), Fraction(m)) for p, (s, m) in parts.items()])


def test_a_probe_that_earns_points_fails_and_names_where():
    probe = Implementation("probe", "zeros", {}, None)
    assert verdict(probe, [result({"a": (0, 10), "b": (0, 5)})]).ok
    row = verdict(probe, [result({"a": (0, 10), "b": (2, 5)}, passed={"b"})])
    assert not row.ok and row.got == "2/15" and "earns points in b: check" in row.detail


def test_a_bug_that_loses_points_outside_its_declared_parts_fails():
    bug = Implementation("buggy", "x", {}, frozenset({"a"}))
    assert verdict(bug, [result({"a": (0, 10), "b": (5, 5)})]).ok
    assert not verdict(bug, [result({"a": (0, 10), "b": (4, 5)})]).ok  # loses b too
    assert not verdict(bug, [result({"a": (10, 10), "b": (5, 5)})]).ok  # not caught


def test_a_score_that_varies_with_the_student_id_fails():
    correct = Implementation("correct", "x", {}, frozenset())
    same = [result({"a": (10, 10)}, student=f"s{k}") for k in range(3)]
    assert verdict(correct, same).ok
    row = verdict(correct, same + [result({"a": (5, 10)}, student="s3")])
    assert not row.ok and "scores vary with the student id" in row.detail and "s3 got a 5" in row.detail


def test_the_sweep_finds_a_bug_that_only_some_students_inputs_show(course, sandbox):
    """A real variant whose AddGate is wrong only where x's first element is negative: graded as
    8 students, its add_gate score changes with the student id; the reference's does not."""
    assignment = course.assignment("a1_gates")
    reference = strip_markers((course.solutions / "a1_gates" / "gates.py").read_text())
    flaky = reference.replace("        return x + y\n",
                              "        return x + y if np.ravel(x)[0] > 0 else x - y\n")
    assert flaky != reference
    impls = [Implementation("reference", "solutions", {"gates.py": reference}, frozenset()),
             Implementation("buggy", "flaky", {"gates.py": flaky}, frozenset({"add_gate", "neuron"}))]
    rows = grade_all(course, assignment, impls, students=8, sandbox=sandbox)
    assert rows[0].ok
    varies = page_text(course.language)("validate_varies", first="", first_parts="", other="", other_parts="", n=0,
                                        total=0).split(":")[0]  # said in the course's language
    assert not rows[1].ok and varies in rows[1].detail


def test_jobs_give_the_same_rows_as_one_process(course, sandbox):
    assignment = course.assignment("a1_gates")
    impls = [i for i in implementations(course, assignment)[0] if i.name in ("solutions", "max_ties_to_y", "zeros")]
    assert len(impls) == 3
    assert grade_all(course, assignment, impls, students=2, jobs=2) == \
        grade_all(course, assignment, impls, students=2, sandbox=sandbox)


def load_probe(course, assignment_id, probe):
    """The probe's student modules, imported in this process: {module name: module}."""
    folder = course.solutions / assignment_id
    texts = {n: (folder / n).read_text() for n in course.assignment(assignment_id).files}
    modules = {}
    for name, text in probe_files(texts, probe).items():
        module = types.ModuleType(name[:-3])
        exec(compile(text, name, "exec"), module.__dict__)
        modules[name[:-3]] = module
    return modules


@pytest.mark.parametrize("probe, forward, backward", [
    ("zeros", lambda x, y: np.zeros((2, 3)), lambda dout: (np.zeros((2, 3)), np.zeros(3))),
    ("constant", lambda x, y: np.full((2, 3), 0.5), lambda dout: (np.full((2, 3), 0.5), np.full(3, 0.5))),
    ("echo", lambda x, y: x, lambda dout: (dout, np.zeros(3))),
    ("scaled", lambda x, y: 3 * x, lambda dout: (3 * dout, np.zeros(3))),
])
def test_value_probes_replace_what_the_reference_returns(course, rng, probe, forward, backward):
    gates = load_probe(course, "a1_gates", probe)["gates"]
    x, y, dout = rng.standard_normal((2, 3)), rng.standard_normal(3), rng.standard_normal((2, 3))
    gate = gates.MultiplyGate()
    np.testing.assert_array_equal(gate.forward(x, y), forward(x, y))
    for got, expected in zip(gate.backward(dout), backward(dout)):
        np.testing.assert_array_equal(got, expected)


def test_value_probes_leave_arguments_alone_and_zero_what_they_store(course, rng):
    layers = load_probe(course, "a2_layers", "zeros")["layers"]
    linear = layers.Linear(4, 3, rng)
    assert np.abs(linear.params["W"]).sum() > 0  # the constructor runs as written
    x = rng.standard_normal((5, 4))
    linear.forward(x)
    linear.backward(np.ones((5, 3)))
    assert all(np.all(g == 0) for g in linear.grads.values())
    optim = load_probe(course, "a4_optimizers", "zeros")["optim"]
    params = [rng.standard_normal(3)]
    before = params[0].copy()
    optim.SGD(lr=0.1).step(params, [np.ones(3)])
    np.testing.assert_array_equal(params[0], before)


MARKED = """
class Layer:
    def __init__(self, n):
        ### BEGIN SOLUTION
        self.n = n
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return x * self.n
        ### END SOLUTION
"""


def test_the_pass_probe_returns_none_and_keeps_constructors(course, rng):
    module = types.ModuleType("layer")
    exec(compile(probe_files({"layer.py": MARKED}, "pass")["layer.py"], "layer.py", "exec"), module.__dict__)
    assert module.Layer(3).n == 3 and module.Layer(3).forward(2.0) is None
    layers = load_probe(course, "a2_layers", "pass")["layers"]
    assert layers.Linear(4, 3, rng).forward(rng.standard_normal((5, 4))) is None
    assert load_probe(course, "a1_gates", "pass")["gates"].neuron(np.ones(3), np.ones(2)) is None


def test_the_command_line_prints_the_time_per_assignment(capsys):
    main(["--course", str(ROOT), "validate", "a1_gates", "--students", "1"])
    out = capsys.readouterr().out
    # the summary line in the course's language, with its counts and its time in seconds
    summary = page_text(load_course(ROOT).language)("validate_summary", assignment="a1_gates", ok=7, n=7, students=1,
                                                    seconds=9.5)
    pattern = re.escape(summary).replace("7", r"\d+").replace(r"9\.5", r"\d+\.\d")
    assert re.search(pattern, " ".join(out.split())), out
    with pytest.raises(SystemExit):
        main(["--course", str(ROOT), "validate", "--students", "0"])
    assert "expected a whole number of at least 1, got '0'" in capsys.readouterr().err


def test_a_malformed_declaration_is_one_clear_line(tmp_path, capsys):
    course = course_copy(tmp_path)
    path = course.solutions / "a1_gates" / "variants.toml"
    path.write_text(path.read_text() + '\n[typo]\nloses = []\nwhy = "x"\nchange = [{ find = "x", with = "y" }]\n')
    assert main(["--course", str(tmp_path), "validate", "a1_gates", "--students", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "variant typo: each change is {find, replace} or {definition, source}" in err


def test_a_declared_mistake_its_own_code_is_not_named_by_fails_its_row():
    """A buggy variant that loses exactly its parts but is told there as values only (no ``known:`` diagnosis
    naming it) fails its validate row, which says where; named, the same row passes."""
    impl = Implementation("buggy", "max_ties_to_y", {}, frozenset({"max_gate"}))

    def graded(diagnosis):
        result = GradingResult("a1_gates", "s", language="en")
        result.tests = [Outcome("max_gate", "ties", "fail", Fraction(0), Fraction(5), "dx differs", diagnosis),
                        Outcome("add_gate", "forward", "pass", Fraction(5), Fraction(5), "")]
        result.parts = [PartResult("max_gate", "MaxGate", Fraction(0), Fraction(5)),
                        PartResult("add_gate", "AddGate", Fraction(5), Fraction(5))]
        return result

    told = verdict(impl, [graded("wrong_values")])
    assert not told.ok and page_text("en")("validate_unnamed", parts="max_gate") in told.detail
    assert verdict(impl, [graded("known:max_ties_to_y|max_routes_to_wrong_input")]).ok
