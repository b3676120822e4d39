"""course.toml: the bundled file loads; bad files are rejected naming the key and the expectation."""

import shutil

import pytest

from autograder.config import ConfigError, load_course
from tests.conftest import ROOT


def test_bundled_course_loads_with_all_assignments(course):
    assert [a.id for a in course.assignments] == ["a1_gates", "a2_layers", "a3_losses", "a4_optimizers", "a5_training"]
    for assignment in course.assignments:
        assert sum(p.points for p in assignment.parts) == assignment.points


@pytest.fixture
def course_copy(tmp_path):
    shutil.copy(ROOT / "course.toml", tmp_path / "course.toml")
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    return tmp_path


def edit(folder, old, new):
    path = folder / "course.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("old, new, expected", [
    ('timeout_s = 5.0', 'timeout_s = 5.0\ntimout = 3', "limits.timout: expected one of"),
    ('timeout_s = 5.0', 'timeout_s = "ten"', "limits.timeout_s: expected a number, got 'ten'"),
    ('language = "ko"', 'language = "fr"', "course.language: expected one of ('en', 'ko'), got 'fr'"),
    ('{ id = "add_gate", title = "AddGate (and unbroadcast)", title_ko = "AddGate (unbroadcast 포함)", points = 15 }',
     '{ id = "add_gate", title = "AddGate (and unbroadcast)", title_ko = "AddGate (unbroadcast 포함)", points = 16 }',
     "assignments[a1_gates].parts: expected points adding up to 100, got '101'"),
    ('files = ["gates.py"]', 'files = ["gate.py"]', "assignments[a1_gates].files: expected a file solutions/a1_gates/gate.py"),
    ('files = ["gates.py"]', 'files = "gates.py"', "assignments[a1_gates].files: expected a list of strings"),
    ('{ id = "neuron", title = "The sigmoid neuron by chaining gates", title_ko = "게이트를 연결한 시그모이드 뉴런", points = 25 }',
     '{ id = "neuron", title = "The sigmoid neuron by chaining gates", title_ko = "게이트를 연결한 시그모이드 뉴런", points = 25, hidden = true }',
     "assignments[a1_gates].parts[4].hidden: expected one of"),
    ('uses = ["a2_layers", "a3_losses", "a4_optimizers"]', 'uses = ["a2_layer"]',
     "assignments[a5_training].uses: expected ids of other assignments"),
    ('gradcheck = 1e-5', 'gradcheck = inf', "tolerances.gradcheck: expected a finite number from"),
    ('reference = 1e-6', 'reference = nan', "tolerances.reference: expected a finite number from"),
    ('reference = 1e-6', 'reference = 0.5', "tolerances.reference: expected a finite number from 1e-15 to 0.1"),
    ('timeout_s = 5.0', 'timeout_s = 1e9', "limits.timeout_s: expected a finite number from 0.05 to 3600"),
    ('memory_mb = 1024', 'memory_mb = 0', "limits.memory_mb: expected a finite number from 64"),
    ('{ id = "add_gate", title = "AddGate (and unbroadcast)", title_ko = "AddGate (unbroadcast 포함)", points = 15 }',
     '{ id = "add_gate", title = "AddGate (and unbroadcast)", title_ko = "AddGate (unbroadcast 포함)" }', "assignments[a1_gates].parts[0].points: expected a number (missing)"),
    ('{ id = "add_gate", title = "AddGate (and unbroadcast)", title_ko = "AddGate (unbroadcast 포함)", points = 15 }',
     '{ id = "add_gate", title = "AddGate (and unbroadcast)", title_ko = "AddGate (unbroadcast 포함)", points = 14.995 }', "points in whole hundredths"),
    ('timeout_s = 1.0 ', 'timeout_s = 0.0 ', "assignments[a1_gates].timeout_s: expected a finite number from 0.05 to 3600"),
    ('timeout_s = 1.0 ', 'timeout_s = "1" ', "assignments[a1_gates].timeout_s: expected a number, got '1'"),
])
def test_bad_course_toml_is_rejected_with_file_key_and_expectation(course_copy, old, new, expected):
    edit(course_copy, old, new)
    with pytest.raises(ConfigError) as info:
        load_course(course_copy)
    assert str(course_copy / "course.toml") in str(info.value)
    assert expected in str(info.value)


def test_changing_points_changes_the_maximum(course_copy):
    edit(course_copy, 'points = 15 }', 'points = 25 }')
    edit(course_copy, 'id = "a1_gates"\ntitle = "Gates of a computational graph"\npoints = 100',
         'id = "a1_gates"\ntitle = "Gates of a computational graph"\npoints = 110')
    assignment = load_course(course_copy).assignment("a1_gates")
    assert assignment.part("add_gate").points == 25 and assignment.points == 110


def test_an_assignment_may_set_its_own_check_timeout(course_copy):
    """[[assignments]] timeout_s replaces [limits] timeout_s for that assignment only (``Course.limits_of``),
    and with it the part's budget; an assignment without one keeps the course's."""
    edit(course_copy, 'timeout_s = 1.0 ', 'timeout_s = 0.4 ')
    course = load_course(course_copy)
    a1, a2 = course.limits_of(course.assignment("a1_gates")), course.limits_of(course.assignment("a2_layers"))
    assert (a1.timeout_s, a1.part_budget_s) == (0.4, 0.8) and a1.memory_mb == course.limits.memory_mb
    assert a2 == course.limits and course.limits.timeout_s == 5.0


def test_not_toml_at_all(course_copy):
    (course_copy / "course.toml").write_text("[course\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_course(course_copy)


def test_a_part_without_hidden_checks_is_refused_not_given_away(course_copy, course):
    from autograder.grading.grade import checks_by_part, hidden_checks

    edit(course_copy, 'title_ko = "게이트를 연결한 시그모이드 뉴런", points = 25 }',
         'title_ko = "게이트를 연결한 시그모이드 뉴런", points = 20 },\n'
         '  { id = "tanh_gate", title = "TanhGate", points = 5 }')
    copy = load_course(course_copy)
    assignment = copy.assignment("a1_gates")
    with pytest.raises(ConfigError, match="part 'tanh_gate' has no hidden check"):
        checks_by_part(assignment, hidden_checks(copy, assignment))
    assert set(checks_by_part(course.assignment("a1_gates"), hidden_checks(course, course.assignment("a1_gates")))) == \
        {p.id for p in course.assignment("a1_gates").parts}


def test_without_a_course_secret_grading_warns_loudly_and_results_say_so(course, tmp_path, monkeypatch, capsys):
    from autograder.cli import main
    from autograder.outputs.page_text import page_text
    from autograder.results import GradingResult
    from autograder.authoring.stubs import strip_markers

    (tmp_path / "gates.py").write_text(strip_markers((ROOT / "solutions" / "a1_gates" / "gates.py").read_text()))
    for secret, warned, recorded in ((None, True, "development"), ("s3cret", False, "course")):
        if secret:
            monkeypatch.setenv(course.secret_env, secret)
        else:
            monkeypatch.delenv(course.secret_env, raising=False)
        out = tmp_path / f"{recorded}.json"
        assert main(["--course", str(ROOT), "grade", "a1_gates", str(tmp_path / "gates.py"), "--student", "kim",
                     "--json", str(out)]) == 0
        err = capsys.readouterr().err
        assert (page_text(course.language)("development_secret_unset", env=course.secret_env) in err) == warned
        assert GradingResult.from_json(out.read_text()).secret == recorded
