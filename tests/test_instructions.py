"""What students and instructors read agrees with what the code does.

- The lessons quote the course's gradcheck tolerance, and the public checks use it.
- No student-facing text tells a student to run a command students do not have.
- The public checks run every check of a part, and catch the known-buggy variants of the
  rules a student can test without the reference (large inputs, arguments left
  unchanged, ...), while the reference and every correct variant pass them all.
- The kit speaks the course's language unless told otherwise; its requirements hold what
  its README says to use; the Classroom texts say what the grader grades and name one secret.
"""

import inspect
import io
import json
import math
import os
import re
from contextlib import redirect_stdout

import pytest

from autograder.authoring.release import release_files
from autograder.authoring.stubs import make_stub, strip_markers
from autograder.authoring.variants import build_named, load_variants
from autograder.platforms import classroom
from source_lib import public
from tests.test_student_kit import kit, run_kit  # noqa: F401 (the fixture)

STUDENT_COMMANDS = re.compile(r"\bcourse (check|grade|validate|report)\b")


def power_of_ten(value):
    """1e-05 as the lessons write it: 10^{-5}."""
    exponent = math.log10(value)
    assert exponent == round(exponent), value
    return f"10^{{{round(exponent)}}}"


@pytest.mark.parametrize("aid", ["a1_gates", "a2_layers"])
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_lessons_quote_the_courses_gradcheck_tolerance(course, aid, lang):
    lesson = (course.solutions / aid / f"lesson.{lang}.md").read_text(encoding="utf-8")
    assert power_of_ten(course.tolerances.gradcheck) in lesson


def test_the_public_checks_use_the_courses_tolerances(course):
    assert inspect.signature(public.assert_gradient).parameters["tol"].default == course.tolerances.gradcheck
    assert inspect.signature(public.assert_close).parameters["tol"].default == course.tolerances.reference


def student_texts(course, assignment):
    """{path: text} of everything a student of ``assignment`` reads: the release and the Classroom template."""
    texts = dict(release_files(course, assignment))
    texts.update(classroom.template_files(course, assignment))
    return {rel: text for rel, text in texts.items() if not rel.endswith((".toml",))}


def test_no_student_facing_text_names_a_command_students_do_not_have(course):
    for assignment in course.assignments:
        for rel, text in student_texts(course, assignment).items():
            assert not STUDENT_COMMANDS.search(text), f"{assignment.id}/{rel}: {STUDENT_COMMANDS.search(text).group()}"


def checks_module(course, aid):
    """The public checks of ``aid`` as a module (a5's import the released components)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(f"public_checks_{aid}", course.solutions / aid / "public_checks.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(course.root / "assignments" / aid))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.pop(0)
    return module


def run_checks(course, aid, texts, tmp_path, by_part=False):
    """{check title: None or why it failed} of every public check of ``aid`` on the files ``texts``
    ({part: that} with ``by_part``)."""
    folder = tmp_path / "student"
    folder.mkdir(exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    module = checks_module(course, aid)
    student = public.load_student(folder, course.assignment(aid).files)
    os.environ["BACKPROP_LAB_LANG"] = "en"
    try:
        with redirect_stdout(io.StringIO()):
            found = {part: {(check.__doc__ or "").strip().splitlines()[0]: public.failure(check, student, "en")
                            for check in checks} for part, checks in module.CHECKS.items()}
        return found if by_part else {title: why for part in found.values() for title, why in part.items()}
    finally:
        del os.environ["BACKPROP_LAB_LANG"]


def test_a_failing_check_never_stops_the_other_checks_of_its_part():
    def first(ns):
        """first"""
        raise AssertionError("first is wrong")

    def second(ns):
        """second"""

    lines = []
    assert public.run_part({"part": [first, second]}, "part", {}, lang="en", report=lines.append) is False
    assert len(lines) == 2 and lines[0].strip().startswith(public.marks()[0]) and "first is wrong" in lines[1]


def test_checks_of_a_part_that_fail_alike_are_one_line():
    """One mistake, one line: the checks that failed with the same message are named together."""
    def stub(ns):
        raise NotImplementedError("AddGate.forward")

    def one(ns):
        """one"""
        stub(ns)

    def two(ns):
        """two"""
        stub(ns)

    def other(ns):
        """other"""
        raise AssertionError("dx has the wrong shape")

    lines = []
    assert public.run_part({"part": [one, other, two]}, "part", {}, lang="en", report=lines.append) is False
    bad = public.marks()[1]
    assert lines == [f"  {bad} part: one; two: {public.message('not_implemented', 'en', what='AddGate.forward')}",
                     f"  {bad} part: other: dx has the wrong shape"]


def test_an_elu_bug_does_not_hide_a_relu_bug(course, tmp_path):
    aid = "a2_layers"
    texts = build_named(course.solutions / aid, course.assignment(aid).files,
                        ["elu_unguarded_exp", "relu_gradient_at_zero"])
    failed = {title for title, why in run_checks(course, aid, texts, tmp_path).items() if why}
    assert "ELU: inputs of +-1e3 and +-1e4 give finite values without warnings" in failed
    assert "ReLU, LeakyReLU(0.2) and ELU(0.5): the derivatives at -1, exactly 0 and 2" in failed


def reference(course, aid):
    return {n: strip_markers((course.solutions / aid / n).read_text(encoding="utf-8"))
            for n in course.assignment(aid).files}


@pytest.mark.parametrize("aid", ["a1_gates", "a2_layers", "a3_losses", "a4_optimizers", "a5_training"])
def test_the_reference_and_every_correct_variant_pass_every_public_check_and_the_stubs_fail_every_part(course, aid, tmp_path):
    assert not any(run_checks(course, aid, reference(course, aid), tmp_path).values())
    for variant in load_variants(course.solutions / aid):
        if not variant.loses:
            texts = build_named(course.solutions / aid, course.assignment(aid).files, [variant.name])
            failed = {t: why for t, why in run_checks(course, aid, texts, tmp_path).items() if why}
            assert not failed, (variant.name, failed)
    stubs = {n: make_stub((course.solutions / aid / n).read_text(encoding="utf-8"), n)
             for n in course.assignment(aid).files}
    assert all(any(part.values()) for part in run_checks(course, aid, stubs, tmp_path, by_part=True).values())


# (assignment, known-buggy variant, the public check that catches it): the rules the docstrings
# state that a student can test without the reference
CAUGHT = [
    ("a1_gates", "sigmoid_overflows", "SigmoidGate: inputs of +-1e3 and +-1e4 give finite values without warnings"),
    ("a1_gates", "sigmoid_mutates_input", "SigmoidGate: forward and backward leave x and dout unchanged"),
    ("a1_gates", "multiply_backward_writes_cached_input",
     "MultiplyGate: forward and backward leave x, y and dout unchanged"),
    ("a1_gates", "add_needs_arrays", "AddGate: Python floats as x and y"),
    ("a1_gates", "sigmoid_needs_arrays", "SigmoidGate: a Python float as x"),
    ("a1_gates", "max_ties_to_y", "MaxGate: tie rule: where x >= y the gradient goes to x"),
    ("a1_gates", "unbroadcast_leading_axes_only",
     "AddGate: shapes and gradient check with broadcasting (3, 4) and (4,), (3, 1) and (1, 4)"),
    ("a2_layers", "naive_sigmoid_overflows", "Sigmoid: inputs of +-1e3 and +-1e4 give finite values without warnings"),
    ("a2_layers", "elu_unguarded_exp", "ELU: inputs of +-1e3 and +-1e4 give finite values without warnings"),
    ("a2_layers", "tanh_mutates_dout", "Tanh: forward and backward leave x and dout unchanged"),
    ("a2_layers", "gelu_flattens_rows", "GELU: shapes (also of a (2, 3, 4) input) and gradient check"),
    ("a2_layers", "linear_copies_params_once", "Linear: forward reads params every time (an update in place counts)"),
    ("a2_layers", "batchnorm_biased_running_var",
     "BatchNorm1d: running statistics after one train-mode forward (the unbiased variance)"),
    ("a2_layers", "batchnorm_eval_updates_running",
     "BatchNorm1d: eval mode uses the running statistics and leaves them unchanged"),
    ("a3_losses", "bce_without_clipping", "BCELoss: inputs of p = 0 and p = 1 give finite values without warnings"),
    ("a3_losses", "bce_backward_guarded_denominator",
     "BCELoss: inputs of p = 0 and p = 1 give finite values without warnings"),
    ("a3_losses", "bce_logits_naive",
     "BCEWithLogitsLoss: inputs of +-1e3 and +-1e4 give finite values without warnings"),
    ("a3_losses", "softmax_without_max_shift",
     "softmax: rows sum to 1; stable for logits of size 1e4; along the last axis"),
    ("a3_losses", "cross_entropy_naive_logsumexp",
     "SoftmaxCrossEntropyLoss: inputs of +-1e3 and +-1e4 give finite values without warnings"),
    ("a3_losses", "bce_mutates_pred", "BCELoss: forward and backward leave pred and target unchanged"),
    ("a3_losses", "mse_returns_array", "MSELoss: forward returns a float; gradient check"),
    ("a4_optimizers", "sgd_rebinds_arrays", "SGD: updates every parameter in place and leaves grads unchanged"),
    ("a4_optimizers", "sgd_mutates_grads", "SGD: updates every parameter in place and leaves grads unchanged"),
    ("a4_optimizers", "momentum_state_shared", "Momentum: state per position: two parameters move as each would alone"),
    ("a4_optimizers", "adam_counter_per_parameter", "Adam: state per position: two parameters move as each would alone"),
    ("a4_optimizers", "rmsprop_eps_inside_root", "RMSProp: eps outside the square root (a gradient of the size of eps)"),
    ("a4_optimizers", "adagrad_ignores_eps", "Adagrad: eps outside the square root (a gradient of the size of eps)"),
    ("a5_training", "minibatches_one_permutation_for_all_calls",
     "iterate_minibatches: X[idx], y[idx] in order of idx = rng.permutation(N), one per call; y of shape (N, k) too"),
    ("a5_training", "train_step_layers_reversed",
     "train_step: hands the optimizer every layer's params and grads, layers in order, keys in dict order"),
    ("a5_training", "dead_units_revived", "dead_relu_units: leaves the model's parameters unchanged"),
    ("a5_training", "dead_units_strict_inequality",
     "dead_relu_units: a unit with a bias of -100 and one whose input is exactly 0 are dead, the others as the inputs say"),
]


@pytest.mark.parametrize("aid, variant, title", CAUGHT, ids=[v for _, v, _ in CAUGHT])
def test_a_known_bug_of_a_stated_rule_fails_its_public_check(course, aid, variant, title, tmp_path):
    texts = build_named(course.solutions / aid, course.assignment(aid).files, [variant])
    results = run_checks(course, aid, texts, tmp_path)
    assert title in results, title
    assert results[title], f"{variant} passes {title!r}"


def test_the_kit_speaks_the_course_language_unless_told_otherwise(course, kit):  # noqa: F811
    assert course.language == "ko"
    korean = "AddGate.forward가 아직 구현되지 않았습니다"
    assert korean in run_kit(kit, "check.py").stdout
    assert "is not implemented yet" in run_kit(kit, "check.py", "--lang", "en").stdout
    pytest_run = run_kit(kit, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert korean in pytest_run.stdout and "NotImplementedError\n" not in pytest_run.stdout, pytest_run.stdout


def test_the_kits_requirements_hold_what_its_readme_says_to_use(course):
    files = release_files(course, course.assignment("a1_gates"))
    assert "jupyter lab" in files["README.md"]
    assert "jupyterlab" in files["requirements.txt"]


def test_the_classroom_readme_says_what_submission_py_grades(course):
    readme = classroom.template_files(course, course.assignment("a1_gates"))["README.md"]
    assert "뿐" not in readme  # "only gates.py", beside "a filled notebook is graded", once
    assert readme.count("raise NotImplementedError") >= 2  # the rule that picks the graded copy, in both sections


def test_a_missing_passphrase_names_the_secret_the_success_message_names(course, tmp_path, monkeypatch):
    monkeypatch.delenv(classroom.KEY_ENV, raising=False)
    with pytest.raises(classroom.ClassroomError) as missing:
        classroom.write_template(course, course.assignment("a1_gates"), tmp_path / "template")
    named = set(re.findall(rf"{classroom.KEY_ENV}\w*", str(missing.value)))
    assert classroom.secret_name(course.assignment("a1_gates")) in named
    assert f"GitHub secret {classroom.KEY_ENV} " not in str(missing.value)


def test_korean_notebook_text_breaks_between_words(course):
    files = release_files(course, course.assignment("a1_gates"))
    for lang, wrapped in (("ko", True), ("en", False)):
        cells = [c for c in json.loads(files[f"a1_gates.{lang}.ipynb"])["cells"] if c["cell_type"] == "markdown"]
        assert cells and all(("word-break: keep-all" in "".join(c["source"])) is wrapped for c in cells)


def test_every_class_a_lesson_says_a_demo_shows_is_shown_by_one(course):
    notebook = json.loads(release_files(course, course.assignment("a2_layers"))["a2_layers.en.ipynb"])
    demos = ["".join(c["source"]) for c in notebook["cells"] if c["metadata"].get("backprop_lab", {}).get("demo")]
    assert any("Identity()" in demo for demo in demos)
