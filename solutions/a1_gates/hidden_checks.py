"""Hidden checks of a1_gates (gates.py)."""

import numpy as np

from autograder.checks.core import (Backward, Forward, FunctionGradCheck, GradCheck, InputsUnchanged, Stable, Unit,
                               Value, distinct_pairs, large, normal)

ADD = Unit("gates.AddGate", n_grads=2)
MUL = Unit("gates.MultiplyGate", n_grads=2)
MAX = Unit("gates.MaxGate", n_grads=2)
SIG = Unit("gates.SigmoidGate")


def ties(rng):
    """(x, y) with about half the elements tied, y broadcast along rows; in column 1, x wins in
    row 0 and y in row 1 for every seed, so dy (summed over rows) is never all zero and a
    mistake in its reduction shows whoever submits."""
    x = rng.standard_normal((4, 5))
    y = rng.standard_normal(5)
    x[:, ::2] = y[::2]
    x[0, 1], x[1, 1] = y[1] + 1.0, y[1] - 1.0
    return x, y


def python_floats(rng):
    """(x, y): two Python floats (not numpy values), which the docstring allows as inputs, with
    x < y (so max's output is y, never what code echoing x returns)."""
    x, y = sorted(rng.standard_normal(2))
    return float(x), float(y) + 1e-2


NEURON_OUTPUTS = ("f", "dw", "dx")


def neuron_inputs(rng):
    return rng.standard_normal(3), rng.standard_normal(2)


def worked_example(rng):
    return np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])


def two_input_gate(part, unit, pairs=distinct_pairs):
    """The checks every two-input gate gets, on same shapes and on broadcast shapes."""
    return [
        Forward(part, "forward, same shapes", unit=unit, inputs=normal((4, 3), (4, 3))),
        Forward(part, "forward, broadcast (4, 3) with (3,)", unit=unit, inputs=normal((4, 3), (3,))),
        GradCheck(part, "gradient check, same shapes", unit=unit, inputs=pairs((3, 4), (3, 4))),
        GradCheck(part, "gradient check, broadcast (3, 1) with (1, 4)", unit=unit, inputs=pairs((3, 1), (1, 4))),
        Backward(part, "backward against the reference, broadcast (5, 4) with (4,)", unit=unit,
                 inputs=pairs((5, 4), (4,))),
        Backward(part, "backward against the reference, 0-d with (2, 3)", unit=unit, inputs=pairs((), (2, 3))),
        Backward(part, "backward against the reference, (2, 1) with (3, 2, 2): a leading axis added and a size-1 "
                 "axis stretched in one call", unit=unit, inputs=pairs((2, 1), (3, 2, 2))),
        Forward(part, "forward, Python floats as x and y", unit=unit, inputs=python_floats),
        InputsUnchanged(part, "forward and backward leave x, y and dout unchanged", unit=unit,
                        inputs=normal((3, 4), (4,))),
    ]


# The neuron part grades the chaining only: the student's neuron calls the grader's gates.
STAND_INS = {"neuron": {f"gates.{name}": f"doubles.{name}" for name in ("AddGate", "MultiplyGate", "SigmoidGate")}}

CHECKS = [
    *two_input_gate("add_gate", ADD, pairs=normal),
    *two_input_gate("multiply_gate", MUL, pairs=normal),
    *two_input_gate("max_gate", MAX),
    Backward("max_gate", "tie rule: where x >= y the gradient goes to x", unit=MAX, inputs=ties),
    Forward("sigmoid_gate", "forward", unit=SIG, inputs=normal((5, 4), scale=3.0)),
    GradCheck("sigmoid_gate", "gradient check", unit=SIG, inputs=normal((4, 3), scale=2.0)),
    GradCheck("sigmoid_gate", "gradient check along random directions, (64, 32)", unit=SIG,
              inputs=normal((64, 32), scale=2.0), directions=4),
    Backward("sigmoid_gate", "backward against the reference", unit=SIG, inputs=normal((6,), scale=3.0)),
    Forward("sigmoid_gate", "forward, a Python float as x", unit=SIG, inputs=lambda rng: python_floats(rng)[:1]),
    Stable("sigmoid_gate", "inputs of +-1e3 and +-1e4 give the reference's values without warnings", unit=SIG,
           inputs=large((4, 4))),
    InputsUnchanged("sigmoid_gate", "forward and backward leave x and dout unchanged", unit=SIG,
                    inputs=normal((3, 4))),
    Value("neuron", "the worked example of the docstring", target="gates.neuron", inputs=worked_example,
          names=NEURON_OUTPUTS),
    Value("neuron", "f, dw and dx against the reference", target="gates.neuron", inputs=neuron_inputs,
          names=NEURON_OUTPUTS),
    FunctionGradCheck("neuron", "dw and dx against centred differences of f", target="gates.neuron",
                      inputs=neuron_inputs, grad_positions={0: 1, 1: 2}, names=NEURON_OUTPUTS),
]
