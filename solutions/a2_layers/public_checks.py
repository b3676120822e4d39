"""Public checks of a2_layers: run them from the notebook, with pytest or with `course check a2_layers`.

They use only your own code: output shapes, your backward (and parameter gradients)
against centred differences of your own forward, and facts the docstrings state. The
hidden tests check much more (the reference values, other shapes, BatchNorm's running
statistics, stability for large inputs, unchanged inputs).
"""

import numpy as np

from source_lib.public import assert_close, assert_gradient, assert_shape, run_part

RNG_SEED = 0


def _layer_gradient(make, x, what):
    """Shape and gradient check of dx for a parameter-free layer made by ``make()``."""
    rng = np.random.default_rng(RNG_SEED + 1)
    layer = make()
    out = layer.forward(x)
    assert_shape(out, x.shape, f"{what}.forward")
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    assert_shape(dx, x.shape, f"{what}.backward")
    assert_gradient(dx, lambda v: make().forward(v), x, dout, f"{what}.backward")


def _inputs(shape=(4, 5), gap=1e-2):
    x = 2.0 * np.random.default_rng(RNG_SEED).standard_normal(shape)
    return np.where(np.abs(x) < gap, gap, x)


def check_linear(ns):
    """Linear: shapes, dx, dW and db against centred differences"""
    rng = np.random.default_rng(RNG_SEED)
    layer = ns.Linear(5, 3, rng)
    x = rng.standard_normal((4, 5))
    out = layer.forward(x)
    assert_shape(out, (4, 3), "Linear.forward")
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    assert_shape(dx, x.shape, "Linear.backward")
    assert_gradient(dx, layer.forward, x, dout, "Linear.backward: dx")
    for name in ("W", "b"):
        param = layer.params[name]
        grad = layer.grads[name]
        assert_shape(grad, param.shape, f'Linear.grads["{name}"]')

        def f(value, name=name):
            saved = layer.params[name].copy()
            layer.params[name][...] = value
            out = layer.forward(x)
            layer.params[name][...] = saved
            return out

        assert_gradient(grad, f, param.copy(), dout, f'Linear.grads["{name}"]')


def check_sigmoid_tanh(ns):
    """Sigmoid and Tanh: shapes and gradient checks; sigmoid'(0) = 1/4"""
    _layer_gradient(ns.Sigmoid, _inputs(), "Sigmoid")
    _layer_gradient(ns.Tanh, _inputs(), "Tanh")
    sigmoid = ns.Sigmoid()
    sigmoid.forward(np.zeros(3))
    assert_close(sigmoid.backward(np.ones(3)), np.full(3, 0.25), "Sigmoid.backward at 0")


def check_relu_family(ns):
    """ReLU, LeakyReLU and ELU: gradient checks away from 0; ReLU's derivative is 0 at 0"""
    for name in ("ReLU", "LeakyReLU", "ELU"):
        _layer_gradient(getattr(ns, name), _inputs(), name)
    relu = ns.ReLU()
    relu.forward(np.array([-1.0, 0.0, 2.0]))
    assert_close(relu.backward(np.ones(3)), np.array([0.0, 0.0, 1.0]), "ReLU.backward at -1, 0, 2")


def check_gelu(ns):
    """GELU: gradient check; GELU(0) = 0"""
    _layer_gradient(ns.GELU, _inputs(), "GELU")
    assert_close(ns.GELU().forward(np.zeros(2)), np.zeros(2), "GELU.forward(0)")


def check_batchnorm(ns):
    """BatchNorm1d in train mode: zero mean and unit variance per feature, gradient check of dx"""
    rng = np.random.default_rng(RNG_SEED)
    x = 3.0 + 2.0 * rng.standard_normal((8, 4))
    out = ns.BatchNorm1d(4).forward(x)
    assert_shape(out, x.shape, "BatchNorm1d.forward")
    assert_close(out.mean(axis=0), np.zeros(4), "BatchNorm1d.forward: mean per feature", tol=1e-6)
    assert_close(out.std(axis=0), np.ones(4), "BatchNorm1d.forward: std per feature", tol=1e-4)
    layer = ns.BatchNorm1d(4)
    layer.forward(x)
    dout = rng.standard_normal(x.shape)
    dx = layer.backward(dout)
    assert_gradient(dx, lambda v: ns.BatchNorm1d(4).forward(v), x, dout, "BatchNorm1d.backward")


def check_sequential(ns):
    """Sequential: Linear-Tanh-Linear forward and a gradient check through the stack"""
    rng = np.random.default_rng(RNG_SEED)
    model = ns.Sequential([ns.Linear(3, 5, rng), ns.Tanh(), ns.Linear(5, 2, rng)])
    x = rng.standard_normal((4, 3))
    out = model.forward(x)
    assert_shape(out, (4, 2), "Sequential.forward")
    dout = rng.standard_normal(out.shape)
    dx = model.backward(dout)
    assert_gradient(dx, model.forward, x, dout, "Sequential.backward")


CHECKS = {
    "linear": [check_linear],
    "sigmoid_tanh": [check_sigmoid_tanh],
    "relu_family": [check_relu_family],
    "gelu": [check_gelu],
    "batchnorm": [check_batchnorm],
    "sequential": [check_sequential],
}


def check(part, ns):
    """Run the public checks of ``part`` on your code (in a notebook: check("linear", globals()))."""
    return run_part(CHECKS, part, ns)
