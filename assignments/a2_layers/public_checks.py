"""Public checks of a2_layers: run them from the notebook, with `python check.py` or with `python -m pytest`.

They use only your own code: output shapes, your backward (and parameter gradients)
against centred differences of your own forward, and the rules the docstrings state:
activations of any shape, finite and warning-free for inputs of size 1e3 and 1e4, the
derivative at exactly 0, BatchNorm's running statistics and eval mode, parameters read
from ``params`` every time, and arguments left unchanged. Every check of a part runs, so
one bug never hides another. The hidden tests check much more (the reference values,
other shapes and seeds).
"""

import numpy as np

from source_lib.public import (LARGE, assert_close, assert_finite, assert_gradient, assert_shape, assert_unchanged,
                               quietly)

RNG_SEED = 0
GELU_C = np.sqrt(2.0 / np.pi)
# Each activation's forward, as its docstring states it, for the values at +-1e3 and +-1e4
FORMULAS = {
    "Sigmoid": lambda x: 0.5 * (1.0 + np.tanh(x / 2.0)),
    "Tanh": np.tanh,
    "ReLU": lambda x: np.maximum(x, 0.0),
    "LeakyReLU": lambda x: np.where(x > 0, x, 0.01 * x),
    "ELU": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "GELU": lambda x: 0.5 * x * (1.0 + np.tanh(GELU_C * (x + 0.044715 * x ** 3))),
}


def _named(check, name, title):
    check.__name__, check.__doc__ = name, title
    return check


def _inputs(shape=(4, 5), gap=1e-2):
    x = 2.0 * np.random.default_rng(RNG_SEED).standard_normal(shape)
    return np.where(np.abs(x) < gap, gap, x)


def _activation(name):
    """The checks every activation gets: shapes and gradients, large inputs, arguments unchanged."""

    def gradients(ns):
        rng = np.random.default_rng(RNG_SEED + 1)
        for x in (_inputs(), _inputs((2, 3, 4))):
            layer = getattr(ns, name)()
            out = layer.forward(x)
            assert_shape(out, x.shape, f"{name}.forward")
            dout = rng.standard_normal(out.shape)
            dx = layer.backward(dout)
            assert_shape(dx, x.shape, f"{name}.backward")
            assert_gradient(dx, lambda v: getattr(ns, name)().forward(v), x, dout, f"{name}.backward")

    def large(ns):
        layer = getattr(ns, name)()
        out = quietly(lambda: layer.forward(LARGE.copy()), f"{name}.forward")
        assert_shape(out, LARGE.shape, f"{name}.forward")
        assert_close(out, FORMULAS[name](LARGE), f"{name}.forward(x), x = ±1e3, ±1e4")
        dx = quietly(lambda: layer.backward(np.ones(LARGE.shape)), f"{name}.backward")
        assert_finite(dx, f"{name}.backward")

    def unchanged(ns):
        rng = np.random.default_rng(RNG_SEED)
        x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
        kept = x.copy(), dout.copy()
        layer = getattr(ns, name)()
        layer.forward(x)
        assert_unchanged(kept[0], x, f"{name}.forward", "x")
        layer.backward(dout)
        assert_unchanged(kept[1], dout, f"{name}.backward", "dout")
        assert_unchanged(kept[0], x, f"{name}.backward", "x", key="mutated_cached")

    return [
        _named(gradients, f"{name.lower()}_gradients", f"{name}: shapes (also of a (2, 3, 4) input) and gradient check"),
        _named(large, f"{name.lower()}_large", f"{name}: inputs of +-1e3 and +-1e4 give finite values without warnings"),
        _named(unchanged, f"{name.lower()}_unchanged", f"{name}: forward and backward leave x and dout unchanged"),
    ]


def _derivative_at(layer, x):
    """dout = 1 through ``layer`` at the points ``x``: its derivative there."""
    layer.forward(x)
    return layer.backward(np.ones_like(x))


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


def check_linear_init(ns):
    """Linear: W and b right after construction (init="he" by default)"""
    layer = ns.Linear(5, 3, np.random.default_rng(7))
    W = np.random.default_rng(7).standard_normal((5, 3)) * np.sqrt(2.0 / 5)
    assert_close(layer.params["W"], W, 'Linear(5, 3, rng).params["W"]')
    assert_close(layer.params["b"], np.zeros(3), 'Linear(5, 3, rng).params["b"]')


def check_linear_params_in_place(ns):
    """Linear: forward reads params every time (an update in place counts)"""
    rng = np.random.default_rng(RNG_SEED)
    layer = ns.Linear(5, 3, rng)
    x = rng.standard_normal((4, 5))
    layer.forward(x)
    layer.params["W"][...] = rng.standard_normal((5, 3))
    layer.params["b"][...] = rng.standard_normal(3)
    assert_close(layer.forward(x), x @ layer.params["W"] + layer.params["b"],
                 'params["W"][...] = W2; params["b"][...] = b2; Linear.forward(x)')


def check_linear_unchanged(ns):
    """Linear: forward and backward leave x and dout unchanged"""
    rng = np.random.default_rng(RNG_SEED)
    layer = ns.Linear(5, 3, rng)
    x, dout = rng.standard_normal((4, 5)), rng.standard_normal((4, 3))
    kept = x.copy(), dout.copy()
    layer.forward(x)
    assert_unchanged(kept[0], x, "Linear.forward", "x")
    layer.backward(dout)
    assert_unchanged(kept[1], dout, "Linear.backward", "dout")
    assert_unchanged(kept[0], x, "Linear.backward", "x", key="mutated_cached")


def check_sigmoid_at_zero(ns):
    """Sigmoid: sigmoid'(0) = 1/4"""
    assert_close(_derivative_at(ns.Sigmoid(), np.zeros(3)), np.full(3, 0.25), "Sigmoid.backward(1), x = 0")


def check_relu_at_zero(ns):
    """ReLU, LeakyReLU(0.2) and ELU(0.5): the derivatives at -1, exactly 0 and 2"""
    x = np.array([-1.0, 0.0, 2.0])
    assert_close(_derivative_at(ns.ReLU(), x), np.array([0.0, 0.0, 1.0]), "ReLU.backward(1), x = [-1, 0, 2]")
    assert_close(_derivative_at(ns.LeakyReLU(0.2), x), np.array([0.2, 0.2, 1.0]),
                 "LeakyReLU(0.2).backward(1), x = [-1, 0, 2]")
    assert_close(_derivative_at(ns.ELU(0.5), x), np.array([0.5 * np.exp(-1.0), 0.5, 1.0]),
                 "ELU(0.5).backward(1), x = [-1, 0, 2]")


def check_gelu_at_zero(ns):
    """GELU: GELU(0) = 0"""
    assert_close(ns.GELU().forward(np.zeros(2)), np.zeros(2), "GELU.forward(0)")


def _batch(rng):
    return 3.0 + 2.0 * rng.standard_normal((8, 4))


def check_batchnorm(ns):
    """BatchNorm1d in train mode: zero mean and unit variance per feature"""
    x = _batch(np.random.default_rng(RNG_SEED))
    out = ns.BatchNorm1d(4).forward(x)
    assert_shape(out, x.shape, "BatchNorm1d.forward")
    assert_close(out.mean(axis=0), np.zeros(4), "BatchNorm1d.forward(x).mean(axis=0)", tol=1e-6)
    assert_close(out.std(axis=0), np.ones(4), "BatchNorm1d.forward(x).std(axis=0)", tol=1e-4)


def check_batchnorm_gradient(ns):
    """BatchNorm1d in train mode: gradient check of dx"""
    rng = np.random.default_rng(RNG_SEED)
    x = _batch(rng)
    layer = ns.BatchNorm1d(4)
    layer.forward(x)
    dout = rng.standard_normal(x.shape)
    dx = layer.backward(dout)
    assert_shape(dx, x.shape, "BatchNorm1d.backward")
    assert_gradient(dx, lambda v: ns.BatchNorm1d(4).forward(v), x, dout, "BatchNorm1d.backward")


def check_batchnorm_running(ns):
    """BatchNorm1d: running statistics after one train-mode forward (the unbiased variance)"""
    x = _batch(np.random.default_rng(RNG_SEED))
    layer = ns.BatchNorm1d(4)
    layer.forward(x)
    assert_close(layer.running_mean, 0.1 * x.mean(axis=0), "running_mean")
    assert_close(layer.running_var, 0.9 + 0.1 * x.var(axis=0, ddof=1), "running_var")


def check_batchnorm_modes(ns):
    """BatchNorm1d: constructed in train mode with gamma = 1 and beta = 0; train() after eval() switches back"""
    layer = ns.BatchNorm1d(4)
    assert_close(float(layer.training), 1.0, "BatchNorm1d(4).training")
    assert_close(layer.params["gamma"], np.ones(4), 'BatchNorm1d(4).params["gamma"]')
    assert_close(layer.params["beta"], np.zeros(4), 'BatchNorm1d(4).params["beta"]')
    layer.eval()
    layer.train()
    assert_close(float(layer.training), 1.0, "eval(); train(); BatchNorm1d.training")


def check_batchnorm_eval(ns):
    """BatchNorm1d: eval mode uses the running statistics and leaves them unchanged"""
    rng = np.random.default_rng(RNG_SEED)
    layer = ns.BatchNorm1d(4)
    layer.forward(_batch(rng))
    mean, var = layer.running_mean.copy(), layer.running_var.copy()
    layer.eval()
    x = _batch(rng)
    assert_close(layer.forward(x), (x - mean) / np.sqrt(var + 1e-5), "eval(); BatchNorm1d.forward(x)")
    assert_close(layer.running_mean, mean, "eval(); forward(x); running_mean")
    assert_close(layer.running_var, var, "eval(); forward(x); running_var")


def check_batchnorm_unchanged(ns):
    """BatchNorm1d: forward and backward leave x and dout unchanged"""
    rng = np.random.default_rng(RNG_SEED)
    x, dout = _batch(rng), rng.standard_normal((8, 4))
    kept = x.copy(), dout.copy()
    layer = ns.BatchNorm1d(4)
    layer.forward(x)
    assert_unchanged(kept[0], x, "BatchNorm1d.forward", "x")
    layer.backward(dout)
    assert_unchanged(kept[1], dout, "BatchNorm1d.backward", "dout")
    assert_unchanged(kept[0], x, "BatchNorm1d.backward", "x", key="mutated_cached")


def _stack(ns, rng):
    return ns.Sequential([ns.Linear(3, 5, rng), ns.Tanh(), ns.Linear(5, 2, rng)])


def check_sequential(ns):
    """Sequential: Linear-Tanh-Linear forward and a gradient check through the stack"""
    rng = np.random.default_rng(RNG_SEED)
    model = _stack(ns, rng)
    x = rng.standard_normal((4, 3))
    out = model.forward(x)
    assert_shape(out, (4, 2), "Sequential.forward")
    dout = rng.standard_normal(out.shape)
    dx = model.backward(dout)
    assert_gradient(dx, model.forward, x, dout, "Sequential.backward")


def check_sequential_grads(ns):
    """Sequential: backward fills the grads of every layer (checked for the first Linear's W)"""
    rng = np.random.default_rng(RNG_SEED)
    model = _stack(ns, rng)
    x = rng.standard_normal((4, 3))
    dout = rng.standard_normal((4, 2))
    model.forward(x)
    model.backward(dout)
    W = model.layers[0].params["W"]
    grad = model.layers[0].grads.get("W")

    def f(value):
        saved = W.copy()
        W[...] = value
        out = model.forward(x)
        W[...] = saved
        return out

    assert_shape(grad, W.shape, 'layers[0].grads["W"]')
    assert_gradient(grad, f, W.copy(), dout, 'layers[0].grads["W"]')


CHECKS = {
    "linear": [check_linear, check_linear_init, check_linear_params_in_place, check_linear_unchanged],
    "sigmoid_tanh": [*_activation("Sigmoid"), check_sigmoid_at_zero, *_activation("Tanh")],
    "relu_family": [*_activation("ReLU"), *_activation("LeakyReLU"), *_activation("ELU"), check_relu_at_zero],
    "gelu": [*_activation("GELU"), check_gelu_at_zero],
    "batchnorm": [check_batchnorm, check_batchnorm_gradient, check_batchnorm_running, check_batchnorm_modes,
                  check_batchnorm_eval, check_batchnorm_unchanged],
    "sequential": [check_sequential, check_sequential_grads],
}
