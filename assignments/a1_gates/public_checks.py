"""Public checks of a1_gates: run them from the notebook, with pytest or with `course check a1_gates`.

They use only your own code: output shapes, your backward against centred differences
of your own forward, and the worked example of the docstring. The hidden tests check
much more (other shapes, the reference values, the tie rule, stability).
"""

import numpy as np

from source_lib.public import assert_close, assert_gradient, assert_shape, run_part

RNG_SEED = 0


def _two_input_gate(gate_class, name):
    def check(ns):
        rng = np.random.default_rng(RNG_SEED)
        x, y = rng.standard_normal((3, 4)), rng.standard_normal(4)
        gate = getattr(ns, gate_class)()
        out = gate.forward(x, y)
        assert_shape(out, (3, 4), f"{gate_class}.forward")
        dout = rng.standard_normal((3, 4))
        dx, dy = gate.backward(dout)
        assert_shape(dx, x.shape, f"{gate_class}.backward: dx")
        assert_shape(dy, y.shape, f"{gate_class}.backward: dy")
        assert_gradient(dx, lambda v: getattr(ns, gate_class)().forward(v, y), x, dout, f"{gate_class}.backward: dx")
        assert_gradient(dy, lambda v: getattr(ns, gate_class)().forward(x, v), y, dout, f"{gate_class}.backward: dy")

    check.__doc__ = f"{name}: shapes and gradient check with broadcasting (3, 4) and (4,)"
    return check


def check_sigmoid(ns):
    """SigmoidGate: values at 0, shapes and gradient check"""
    rng = np.random.default_rng(RNG_SEED)
    x = rng.standard_normal((2, 5))
    gate = ns.SigmoidGate()
    out = gate.forward(x)
    assert_shape(out, x.shape, "SigmoidGate.forward")
    assert_close(ns.SigmoidGate().forward(np.zeros(3)), np.full(3, 0.5), "SigmoidGate.forward(0)")
    dout = rng.standard_normal(x.shape)
    dx = gate.backward(dout)
    assert_shape(dx, x.shape, "SigmoidGate.backward")
    assert_gradient(dx, lambda v: ns.SigmoidGate().forward(v), x, dout, "SigmoidGate.backward")


def check_neuron(ns):
    """neuron: the worked example of the docstring"""
    f, dw, dx = ns.neuron(np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))
    assert_close(f, 0.7310585786300049, "neuron: f")
    assert_close(dw, np.array([-0.19661193, -0.39322387, 0.19661193]), "neuron: dw", tol=1e-6)
    assert_close(dx, np.array([0.39322387, -0.5898358]), "neuron: dx", tol=1e-6)


CHECKS = {
    "add_gate": [_two_input_gate("AddGate", "AddGate")],
    "multiply_gate": [_two_input_gate("MultiplyGate", "MultiplyGate")],
    "max_gate": [_two_input_gate("MaxGate", "MaxGate")],
    "sigmoid_gate": [check_sigmoid],
    "neuron": [check_neuron],
}


def check(part, ns):
    """Run the public checks of ``part`` on your code (in a notebook: check("add_gate", globals()))."""
    return run_part(CHECKS, part, ns)
