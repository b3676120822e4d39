"""How a score is earned: nothing for nothing, and a bug costs points only in its part."""

import numpy as np
import pytest

from autograder.grading import grade

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
