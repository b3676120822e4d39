"""Public checks of a1_gates: run them from the notebook, with `python check.py` or with `python -m pytest`.

They use only your own code: output shapes, your backward against centred differences
of your own forward, the worked example of the docstring, and the rules the docstrings
state: Python floats as inputs, MaxGate's tie rule, a sigmoid that stays finite and
warning-free for inputs of size 1e3 and 1e4, and arguments left unchanged. Every check
of a part runs, so one bug never hides another. The hidden tests check much more (other
shapes, the reference values).
"""

import numpy as np

from source_lib.public import (LARGE, assert_close, assert_finite, assert_gradient, assert_shape, assert_unchanged,
                               quietly)

RNG_SEED = 0
# (forward of x = 2, y = -1; dx and dy for dout = 1) of each two-input gate, from its docstring
FLOATS = {"AddGate": (1.0, 1.0, 1.0), "MultiplyGate": (-2.0, -1.0, 2.0), "MaxGate": (2.0, 1.0, 0.0)}


def _named(check, name, title):
    check.__name__, check.__doc__ = name, title
    return check


def _two_input_gate(gate_class):
    """The checks of a two-input gate: broadcasting, Python floats, arguments left unchanged."""

    def gradients(ns):
        rng = np.random.default_rng(RNG_SEED)
        for x, y in ((rng.standard_normal((3, 4)), rng.standard_normal(4)),
                     (rng.standard_normal((3, 1)), rng.standard_normal((1, 4)))):
            gate = getattr(ns, gate_class)()
            out = gate.forward(x, y)
            assert_shape(out, (3, 4), f"{gate_class}.forward")
            dout = rng.standard_normal((3, 4))
            dx, dy = gate.backward(dout)
            assert_shape(dx, x.shape, f"{gate_class}.backward: dx")
            assert_shape(dy, y.shape, f"{gate_class}.backward: dy")
            assert_gradient(dx, lambda v: getattr(ns, gate_class)().forward(v, y), x, dout,
                            f"{gate_class}.backward: dx")
            assert_gradient(dy, lambda v: getattr(ns, gate_class)().forward(x, v), y, dout,
                            f"{gate_class}.backward: dy")

    def floats(ns):
        out, dx_want, dy_want = FLOATS[gate_class]
        gate = getattr(ns, gate_class)()
        assert_close(np.asarray(gate.forward(2.0, -1.0), dtype=np.float64), out, f"{gate_class}.forward(2.0, -1.0)")
        dx, dy = gate.backward(1.0)
        assert_shape(dx, (), f"{gate_class}.backward: dx")
        assert_shape(dy, (), f"{gate_class}.backward: dy")
        assert_close(np.array([dx, dy], dtype=np.float64), np.array([dx_want, dy_want]), f"{gate_class}.backward(1.0)")

    def unchanged(ns):
        rng = np.random.default_rng(RNG_SEED)
        x, y, dout = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((3, 4))
        kept = x.copy(), y.copy(), dout.copy()
        gate = getattr(ns, gate_class)()
        gate.forward(x, y)
        assert_unchanged(kept[0], x, f"{gate_class}.forward", "x")
        assert_unchanged(kept[1], y, f"{gate_class}.forward", "y")
        gate.backward(dout)
        assert_unchanged(kept[2], dout, f"{gate_class}.backward", "dout")
        assert_unchanged(kept[0], x, f"{gate_class}.backward", "x", key="mutated_cached")
        assert_unchanged(kept[1], y, f"{gate_class}.backward", "y", key="mutated_cached")

    return [
        _named(gradients, "gradients", f"{gate_class}: shapes and gradient check with broadcasting (3, 4) and (4,), (3, 1) and (1, 4)"),
        _named(floats, "floats", f"{gate_class}: Python floats as x and y"),
        _named(unchanged, "unchanged", f"{gate_class}: forward and backward leave x, y and dout unchanged"),
    ]


def check_max_ties(ns):
    """MaxGate: tie rule: where x >= y the gradient goes to x"""
    x, y = np.array([1.0, 2.0, -3.0, 0.5]), np.array([1.0, 0.0, 5.0, 0.5])
    gate = ns.MaxGate()
    gate.forward(x, y)
    dx, dy = gate.backward(np.ones(4))
    assert_close(dx, np.array([1.0, 1.0, 0.0, 1.0]), "MaxGate.backward(1): dx, x = [1, 2, -3, 0.5], y = [1, 0, 5, 0.5]")
    assert_close(dy, np.array([0.0, 0.0, 1.0, 0.0]), "MaxGate.backward(1): dy, x = [1, 2, -3, 0.5], y = [1, 0, 5, 0.5]")


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


def check_sigmoid_large(ns):
    """SigmoidGate: inputs of +-1e3 and +-1e4 give finite values without warnings"""
    gate = ns.SigmoidGate()
    out = quietly(lambda: gate.forward(LARGE.copy()), "SigmoidGate.forward")
    assert_shape(out, LARGE.shape, "SigmoidGate.forward")
    assert_close(out, 0.5 * (1.0 + np.tanh(LARGE / 2.0)), "SigmoidGate.forward(x), x = ±1e3, ±1e4")
    dx = quietly(lambda: gate.backward(np.ones(LARGE.shape)), "SigmoidGate.backward")
    assert_finite(dx, "SigmoidGate.backward")


def check_sigmoid_float(ns):
    """SigmoidGate: a Python float as x"""
    assert_close(np.asarray(ns.SigmoidGate().forward(0.0), dtype=np.float64), 0.5, "SigmoidGate.forward(0.0)")


def check_sigmoid_unchanged(ns):
    """SigmoidGate: forward and backward leave x and dout unchanged"""
    rng = np.random.default_rng(RNG_SEED)
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    kept = x.copy(), dout.copy()
    gate = ns.SigmoidGate()
    gate.forward(x)
    assert_unchanged(kept[0], x, "SigmoidGate.forward", "x")
    gate.backward(dout)
    assert_unchanged(kept[1], dout, "SigmoidGate.backward", "dout")
    assert_unchanged(kept[0], x, "SigmoidGate.backward", "x", key="mutated_cached")


def check_neuron(ns):
    """neuron: the worked example of the docstring"""
    f, dw, dx = ns.neuron(np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))
    assert_close(f, 0.7310585786300049, "neuron: f")
    assert_close(dw, np.array([-0.19661193, -0.39322387, 0.19661193]), "neuron: dw", tol=1e-6)
    assert_close(dx, np.array([0.39322387, -0.5898358]), "neuron: dx", tol=1e-6)


CHECKS = {
    "add_gate": _two_input_gate("AddGate"),
    "multiply_gate": _two_input_gate("MultiplyGate"),
    "max_gate": [*_two_input_gate("MaxGate"), check_max_ties],
    "sigmoid_gate": [check_sigmoid, check_sigmoid_large, check_sigmoid_float, check_sigmoid_unchanged],
    "neuron": [check_neuron],
}
