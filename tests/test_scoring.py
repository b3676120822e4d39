"""How a score is earned: nothing for nothing, and a bug costs points only in its part."""

import numpy as np
import pytest

from autograder.grading.grade import grade

ZEROS_GATES = '''
import numpy as np


def unbroadcast(grad, shape):
    return np.zeros(shape)


class AddGate:
    def forward(self, x, y):
        self.shapes = np.shape(x), np.shape(y)
        return np.zeros(np.broadcast_shapes(*self.shapes))

    def backward(self, dout):
        return np.zeros(self.shapes[0]), np.zeros(self.shapes[1])


class MultiplyGate(AddGate):
    pass


class MaxGate(AddGate):
    pass


class SigmoidGate:
    def forward(self, x):
        self.shape = np.shape(x)
        return np.full(self.shape, CONSTANT)

    def backward(self, dout):
        return np.zeros(self.shape)


def neuron(w, x):
    return CONSTANT, np.zeros(3), np.zeros(2)
'''


def part_scores(result):
    return {p.id: float(p.score) for p in result.parts}


@pytest.mark.parametrize("constant", ["0.0", "0.5"])
def test_code_that_returns_constants_of_the_right_shapes_earns_nothing(course, sandbox, write_submission, constant):
    """Gradient checks, unchanged inputs and stability judge code against itself; a constant is
    consistent with itself, so they count only once forward agrees with the reference."""
    a1 = course.assignment("a1_gates")
    folder = write_submission({"gates.py": ZEROS_GATES.replace("CONSTANT", constant)})
    result = grade(course, a1, folder, "probe", sandbox=sandbox, lang="en")
    assert result.score == 0, [(t.part, t.name) for t in result.tests if t.passed]
    judged_against_itself = [t for t in result.tests if "gradient check" in t.name or "unchanged" in t.name]
    assert judged_against_itself and all("Not judged" in t.message for t in judged_against_itself)


def replaced(text, old, new):
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_a_wrong_gate_costs_its_own_part_not_the_neuron_that_chains_it(course, sandbox, write_submission):
    a1 = course.assignment("a1_gates")
    text = (course.solutions / "a1_gates" / "gates.py").read_text()
    buggy = replaced(text, "return dout * self.out * (1.0 - self.out)", "return 2.0 * dout * self.out * (1.0 - self.out)")
    result = grade(course, a1, write_submission({"gates.py": buggy}), "kim", sandbox=sandbox, lang="en")
    scores = part_scores(result)
    assert scores["sigmoid_gate"] < a1.part("sigmoid_gate").points
    assert {p: s for p, s in scores.items() if p != "sigmoid_gate"} == {
        p.id: float(p.points) for p in a1.parts if p.id != "sigmoid_gate"}
    assert any("SigmoidGate" in note and "neuron" in note for note in result.notes)


def test_a_wrong_train_step_costs_its_own_part_not_fit(course, sandbox, write_submission):
    a5 = course.assignment("a5_training")
    files = {name: (course.solutions / "a5_training" / name).read_text() for name in a5.files}
    files["train.py"] = replaced(files["train.py"], "    return float(loss)\n", "    return 2.0 * float(loss)\n")
    result = grade(course, a5, write_submission(files), "kim", sandbox=sandbox, lang="en")
    scores = part_scores(result)
    assert scores["train_step"] < a5.part("train_step").points
    assert scores["fit"] == a5.part("fit").points


def failure_messages(result, part):
    return " ".join(t.message for t in result.tests if t.part == part and not t.passed)


@pytest.fixture
def grade_variant(course, sandbox, write_submission):
    """Grade the reference of an assignment with exact text substitutions (English messages):
    old, new, then further (old, new) pairs in ``more``."""
    def run(assignment_id, old, new, student="kim", more=()):
        assignment = course.assignment(assignment_id)
        files = {name: (course.solutions / assignment_id / name).read_text() for name in assignment.files}
        for old, new in ((old, new), *more):
            name = next(n for n, text in files.items() if old in text)
            files[name] = replaced(files[name], old, new)
        return grade(course, assignment, write_submission(files), student, sandbox=sandbox, lang="en")
    return run


def test_a_loss_summed_instead_of_averaged_is_named(grade_variant):
    result = grade_variant("a3_losses", "return float(np.mean(self.diff ** 2))", "return float(np.sum(self.diff ** 2))")
    assert "a sum where the mean is due" in failure_messages(result, "mse")


def test_a_single_wrong_number_gets_no_factor_hint(grade_variant):
    result = grade_variant("a3_losses", "return float(np.mean(self.diff ** 2))",
                           "return float(np.mean(self.diff ** 2)) * 1.1")
    text = " ".join(t.message for t in result.tests if t.part == "mse" and "forward (the mean)" in t.name)
    assert "differs from the expected values" in text and "factor" not in text


def test_a_biased_running_variance_is_named(grade_variant):
    result = grade_variant("a2_layers", "self.momentum * var * n / max(n - 1, 1)", "self.momentum * var")
    assert "biased batch variance" in failure_messages(result, "batchnorm")


def test_the_gradient_at_exactly_zero_is_named(grade_variant):
    result = grade_variant("a2_layers", "np.asarray(x) > 0\n        return np.where(self.positive, x, 0.0)",
                           "np.asarray(x) >= 0\n        return np.where(self.positive, x, 0.0)")
    assert "exactly x = 0" in failure_messages(result, "relu_family")


def test_the_neuron_names_its_outputs(grade_variant):
    result = grade_variant("a1_gates", "np.array([dw0, dw1, dw2], dtype=np.float64)",
                           "np.array([dw0, dw1, 2 * dw2], dtype=np.float64)")
    text = failure_messages(result, "neuron")
    assert "neuron: dw" in text and "neuron[1]" not in text and "argument" not in text


def test_a_mean_where_a_sum_is_due_is_named_by_the_gradient_check_too(grade_variant):
    result = grade_variant("a2_layers", '"b": dout.sum(axis=0)}', '"b": dout.mean(axis=0)}')
    gradient_checks = [t.message for t in result.tests if t.part == "linear" and "gradient check of" in t.name]
    assert gradient_checks and all("a mean where a sum is due" in m for m in gradient_checks)


def flat_objective_messages(result, part):
    return [t.message for t in result.tests if t.part == part and "nearly flat" in t.name]


def test_eps_under_the_square_root_is_named(grade_variant):
    result = grade_variant("a4_optimizers", "p -= self.lr * g / (np.sqrt(s) + self.eps)",
                           "p -= self.lr * g / np.sqrt(s + self.eps)")
    messages = flat_objective_messages(result, "rmsprop")
    assert messages and all("eps inside the square root" in m for m in messages)


def test_adams_bias_correction_folded_into_the_step_size_is_named(grade_variant):
    folded = ("            lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.t) / (1.0 - self.beta1 ** self.t)\n"
              "            p -= lr_t * m / (np.sqrt(v) + self.eps)")
    result = grade_variant("a4_optimizers", "            m_hat = m / (1.0 - self.beta1 ** self.t)\n"
                           "            v_hat = v / (1.0 - self.beta2 ** self.t)\n"
                           "            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)", folded)
    messages = flat_objective_messages(result, "adam")
    assert messages and all("bias correction folded into the step size" in m for m in messages)
    assert not any("eps inside the square root" in m for m in messages)


def test_a_backward_that_writes_into_the_cached_input_is_named(grade_variant):
    in_place = "        grad_y = self.x\n        grad_y *= dout\n        dy = unbroadcast(grad_y, self.y.shape)"
    result = grade_variant("a1_gates", "        dy = unbroadcast(dout * self.x, self.y.shape)", in_place)
    assert "MultiplyGate.backward modified x, the array given to forward" in failure_messages(result, "multiply_gate")


def test_a_loss_returned_as_an_array_is_named(grade_variant):
    result = grade_variant("a3_losses", "return float(np.mean(self.diff ** 2))",
                           "return np.mean(self.diff ** 2, keepdims=True)")
    failed = [t for t in result.tests if t.part == "mse" and not t.passed]
    assert [t.name for t in failed] == ["MSELoss: forward returns the mean as a float, not an array"]
    assert "has the right value but returned ndarray" in failed[0].message


def test_an_output_off_by_its_size_is_named_by_that_n_not_as_a_bare_factor(course):
    """Forward passes (rows, elements) as candidate Ns: an array N*D times too large is that N."""
    from autograder.checks.core import CheckFailure, Context, assert_close

    ctx = Context(None, None, None, 1e-5, 1e-6, "en")
    expected = np.arange(1.0, 7.0).reshape(2, 3)
    with pytest.raises(CheckFailure) as failure:
        assert_close(ctx, 6 * expected, expected, "out", 1e-6, batch_size=(2, 6))
    assert "N = 6 times too large" in str(failure.value) and "constant factor" not in str(failure.value)



def failed_names(result, part):
    return {t.name for t in result.tests if t.part == part and not t.passed}


def test_a_half_mse_with_its_own_backward_earns_the_checks_judged_against_itself(grade_variant):
    """Forward ½ mean((pred - target)^2), backward (pred - target) / size: a constant factor off the
    documented MSE, so exactly the checks against the reference fail; the gradient check, inputs
    unchanged, stability and "returns a float" are judged and pass (all were "not judged")."""
    result = grade_variant("a3_losses", "return float(np.mean(self.diff ** 2))",
                           "return float(0.5 * np.mean(self.diff ** 2))",
                           more=[("return 2.0 * self.diff / self.diff.size", "return self.diff / self.diff.size")])
    assert failed_names(result, "mse") == {"MSELoss: forward (the mean)", "MSELoss: backward against the reference",
                                           "MSELoss: outliers count squared"}


def test_a_batchnorm_with_a_literal_eps_earns_its_gradient_check(grade_variant):
    """eps = 1e-8 written in place of self.eps: forward within a small relative error of the
    documented one, so the gradient check and inputs unchanged are judged (and pass)."""
    result = grade_variant("a2_layers", "self.inv_std = 1.0 / np.sqrt(var + self.eps)",
                           "self.inv_std = 1.0 / np.sqrt(var + 1e-8)")
    failed = failed_names(result, "batchnorm")
    assert failed and not failed & {"train mode: gradient check of dx, dgamma and dbeta",
                                    "forward and backward leave x and dout unchanged"}


def test_gelu_by_its_exact_erf_form_earns_its_gradient_check_as_a_declared_variant(course, sandbox, write_submission):
    """The declared variant gelu_exact_erf is 8% off the tanh approximation: neither a factor nor a
    small error, but a declared variant's forward, so its consistent backward earns the gradient
    check; the same code with the variant's declaration removed earns it not."""
    from autograder.authoring.variants import build_named
    from tests.conftest import course_copy

    files = build_named(course.solutions / "a2_layers", ["layers.py"], ["gelu_exact_erf"])
    folder = write_submission(files)
    check = "GELU: gradient check"
    result = grade(course, course.assignment("a2_layers"), folder, "kim", sandbox=sandbox, lang="en")
    assert "GELU: forward" in failed_names(result, "gelu") and check not in failed_names(result, "gelu")
    copy = course_copy(folder.parent / "course")
    path = copy.solutions / "a2_layers" / "variants.toml"
    path.write_text(path.read_text().replace("[gelu_exact_erf]", "[gelu_exact_erf_elsewhere]")
                    .replace("[[gelu_exact_erf.change]]", "[[gelu_exact_erf_elsewhere.change]]")
                    .replace('loses = ["gelu"]\nwhy = "GELU by its exact', 'loses = ["linear"]\nwhy = "GELU by its exact'))
    result = grade(copy, copy.assignment("a2_layers"), folder, "kim", sandbox=sandbox, lang="en")
    assert check in failed_names(result, "gelu")
    assert "Not judged" in next(t.message for t in result.tests if t.name == check)


def test_a_scaled_echo_with_its_backward_is_not_judged(course, sandbox, write_submission):
    """The scaled probe (forward 3 x, backward 3 dout): consistent with itself, a factor of nothing
    documented, so the gradient check of SigmoidGate is not judged."""
    from autograder.authoring.probes import probe_files

    texts = {"gates.py": (course.solutions / "a1_gates" / "gates.py").read_text()}
    result = grade(course, course.assignment("a1_gates"), write_submission(probe_files(texts, "scaled")), "kim",
                   sandbox=sandbox, lang="en")
    assert result.score == 0
    assert "Not judged" in next(t.message for t in result.tests if t.name == "gradient check" and t.part == "sigmoid_gate")


def test_an_argument_changed_in_place_costs_one_check_of_an_optimizer(grade_variant):
    result = grade_variant("a4_optimizers", "            G += g * g\n            p -= self.lr * g / (np.sqrt(G) + self.eps)",
                           "            G += g * g\n            g /= np.sqrt(G) + self.eps\n            p -= self.lr * g")
    assert failed_names(result, "adagrad") == {"step leaves the caller's grads unchanged (40 steps)"}


def test_a_mistake_charged_elsewhere_is_not_charged_again(grade_variant):
    """The biased running variance fails the batch-of-2 check (named) but neither "train mode" nor
    "constructed, then eval() and train()"; Adam's eps under the root fails the flat objectives but
    not "default hyper-parameters"."""
    result = grade_variant("a2_layers", "self.momentum * var * n / max(n - 1, 1)", "self.momentum * var")
    failed = failed_names(result, "batchnorm")
    assert len(failed) == 1 and "a batch of 2" in next(iter(failed))
    assert "biased" in next(t.message for t in result.tests if t.part == "batchnorm" and not t.passed)
    result = grade_variant("a4_optimizers", "p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)",
                           "p -= self.lr * m_hat / np.sqrt(v_hat + self.eps)")
    failed = failed_names(result, "adam")
    assert failed and all("nearly flat" in name for name in failed)


def test_stable_speaks_of_extreme_inputs(grade_variant):
    result = grade_variant("a1_gates", "self.out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))",
                           "self.out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z)) * (np.abs(x) < 500)")
    stable = next(t for t in result.tests if t.part == "sigmoid_gate" and "+-1e3" in t.name)
    assert not stable.passed and "On these extreme inputs" in stable.message and "Not judged" not in stable.message


def test_a_gradient_check_that_fails_with_the_references_backward_blames_forward(grade_variant):
    result = grade_variant("a2_layers", "return 0.5 * self.x * (1.0 + self.t)", "return 0.5 * self.x * (1.0 + self.t) * 1.1")
    check = next(t for t in result.tests if t.name == "GELU: gradient check")
    assert not check.passed and "it is forward that is not the documented function" in check.message


def test_a_factor_within_a_thousandth_of_one_is_not_named():
    from autograder.checks.core import CheckFailure, Context, assert_close

    ctx = Context(None, None, None, 1e-5, 1e-6, "en")
    expected = np.arange(1.0, 7.0).reshape(2, 3)
    for factor, named in ((1.0 + 1e-4, False), (1.5, True)):
        with pytest.raises(CheckFailure) as failure:
            assert_close(ctx, factor * expected, expected, "out", 1e-6)
        assert ("constant factor" in str(failure.value)) == named


def test_a_backward_that_overwrites_the_array_forward_returned_costs_one_check(grade_variant):
    """The caller still holds forward's output (the next gate's input): a backward that computes
    into it fails "leave x and dout unchanged" only, with its own message."""
    result = grade_variant("a1_gates", "        return dout * self.out * (1.0 - self.out)\n",
                           "        self.out *= 1.0 - self.out\n        return dout * self.out\n")
    failed = [t for t in result.tests if not t.passed]
    assert [t.name for t in failed] == ["forward and backward leave x and dout unchanged"]
    assert "modified the array forward returned earlier" in failed[0].message


def test_optimizer_state_found_by_identity_fails_when_the_arrays_are_replaced(grade_variant):
    result = grade_variant("a4_optimizers", "v = self.velocity.setdefault(i, np.zeros_like(p))",
                           "v = self.velocity.setdefault(id(p), np.zeros_like(p))")
    assert failed_names(result, "momentum") == {"new arrays each step: the state kept per position survives"}


def test_an_optimizer_step_that_raises_after_a_wrong_step_is_told_the_wrong_step(grade_variant):
    """An optimizer's steps run in one round trip (``Session.steps``); when step 3 raises, the
    steps before it are still compared first: one wrong from step 2 is told as that wrong
    step, one right until then as the exception."""
    steps = {"first": "        self.t = getattr(self, 't', 0) + 1\n", "wrong": "            p -= self.lr * g * (1.5 if self.t >= 2 else 1.0)\n"}
    raises = "        if self.t == 3:\n            raise RuntimeError('step 3')\n"
    right = grade_variant("a4_optimizers", "        for p, g in zip(params, grads):\n            p -= self.lr * g\n",
                          steps["first"] + raises + "        for p, g in zip(params, grads):\n            p -= self.lr * g\n")
    wrong = grade_variant("a4_optimizers", "        for p, g in zip(params, grads):\n            p -= self.lr * g\n",
                          steps["first"] + raises + "        for p, g in zip(params, grads):\n" + steps["wrong"])
    for result, told in ((right, "RuntimeError: step 3"), (wrong, "step 2")):
        messages = [t.message for t in result.tests if t.part == "sgd" and not t.passed]
        assert messages and all(told in m for m in messages), messages
    assert all("RuntimeError" not in t.message for t in wrong.tests if t.part == "sgd")


def test_a_gradient_check_blaming_forward_drops_the_guess_at_a_backward_mistake(grade_variant):
    """A summed MSE with the reference's backward: the gradient check blames forward, without
    guessing at a mistake of backward (\"a mean where a sum is due\" would contradict it); a
    backward that divides by the number of elements once more is named as N times too small,
    N counting every element the mean runs over."""
    summed = grade_variant("a3_losses", "return float(np.mean(self.diff ** 2))", "return float(np.sum(self.diff ** 2))")
    check = next(t for t in summed.tests if t.name == "MSELoss: gradient check")
    assert not check.passed and "it is forward that is not the documented function" in check.message
    assert "times too small" not in check.message and "constant factor" not in check.message
    twice = grade_variant("a3_losses", "return 2.0 * self.diff / self.diff.size",
                          "return 2.0 * self.diff / self.diff.size / self.diff.size")
    check = next(t for t in twice.tests if t.name == "MSELoss: gradient check")
    assert not check.passed and "times too small: a mean where a sum is due" in check.message
    assert "it is forward" not in check.message
