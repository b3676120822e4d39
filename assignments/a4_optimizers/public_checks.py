"""Public checks of a4_optimizers: run them from the notebook, with `python check.py` or with `python -m pytest`.

They check the first steps of each optimizer by hand-computed numbers from the
docstrings' formulas, and the rules the module's docstring states: every parameter
updated in place, grads left unchanged, state kept per position in the list. Every check
of a part runs, so one bug never hides another. The hidden tests run whole trajectories
on other objectives against the reference.
"""

import numpy as np

from source_lib.messages import default_language, message
from source_lib.public import assert_close, assert_unchanged

OPTIMIZERS = {"SGD": lambda ns: ns.SGD(lr=0.1), "Momentum": lambda ns: ns.Momentum(lr=0.1),
              "Adagrad": lambda ns: ns.Adagrad(lr=0.1), "RMSProp": lambda ns: ns.RMSProp(lr=0.1),
              "Adam": lambda ns: ns.Adam(lr=0.1)}


def _named(check, name, title):
    check.__name__, check.__doc__ = name, title
    return check


def _params(rng):
    """Two parameters of different shapes and their gradients."""
    return [rng.standard_normal(3), rng.standard_normal((2, 2))], [rng.standard_normal(3), rng.standard_normal((2, 2))]


def _rules(name):
    """The rules every optimizer follows: in place, grads unchanged, state per position."""

    def in_place(ns):
        params, grads = _params(np.random.default_rng(0))
        arrays, kept = list(params), [g.copy() for g in grads]
        start = [p.copy() for p in params]
        OPTIMIZERS[name](ns).step(params, grads)
        for i, (p, before) in enumerate(zip(arrays, start)):
            moved = params[i] is p and not np.array_equal(p, before)
            assert moved, message("not_in_place", default_language(), what=f"{name}.step", arg=f"params[{i}]")
        for i, (g, before) in enumerate(zip(grads, kept)):
            assert_unchanged(before, g, f"{name}.step", f"grads[{i}]", key="grads_changed")

    def per_position(ns):
        params, grads = _params(np.random.default_rng(1))
        alone = [[p.copy()] for p in params]
        together, single = OPTIMIZERS[name](ns), [OPTIMIZERS[name](ns) for _ in params]
        for step in range(3):
            together.step(params, grads)
            for opt, p, g in zip(single, alone, grads):
                opt.step(p, [g])
        for i, (p, q) in enumerate(zip(params, alone)):
            assert_close(p, q[0], f"params[{i}]")

    return [_named(in_place, "in_place", f"{name}: updates every parameter in place and leaves grads unchanged"),
            _named(per_position, "per_position", f"{name}: state per position: two parameters move as each would alone")]


def _one_step(opt, start, grad):
    p = np.array(start, dtype=np.float64)
    opt.step([p], [np.array(grad, dtype=np.float64)])
    return p


def check_sgd(ns):
    """SGD: p -= lr * g"""
    assert_close(_one_step(ns.SGD(lr=0.1), [1.0, -2.0], [2.0, 4.0]), np.array([0.8, -2.4]), "SGD(lr=0.1).step: p")


def check_momentum(ns):
    """Momentum: v = mu*v - lr*g; p += v (two steps, default mu = 0.9)"""
    opt = ns.Momentum(lr=0.1)  # the default mu, 0.9
    p = np.array([1.0])
    for _ in range(2):
        opt.step([p], [np.array([1.0])])
    assert_close(p, np.array([1.0 - 0.1 - 0.19]), "Momentum(lr=0.1).step × 2, g = 1: p")


def check_adagrad(ns):
    """Adagrad: G += g^2; p -= lr * g / (sqrt(G) + eps)"""
    opt = ns.Adagrad(lr=0.5)
    p = np.array([1.0])
    for g in (2.0, 2.0):
        opt.step([p], [np.array([g])])
    assert_close(p, np.array([1.0 - 0.5 - 0.5 * 2 / np.sqrt(8.0)]), "Adagrad(lr=0.5).step × 2, g = 2: p", tol=1e-6)


def check_rmsprop(ns):
    """RMSProp: s = rho*s + (1-rho)*g^2; p -= lr * g / (sqrt(s) + eps) (default rho = 0.9)"""
    p = _one_step(ns.RMSProp(lr=0.01), [1.0], [2.0])  # the default rho, 0.9
    assert_close(p, np.array([1.0 - 0.01 * 2 / np.sqrt(0.4)]), "RMSProp(lr=0.01).step, g = 2: p", tol=1e-6)


def check_adam(ns):
    """Adam: the first step moves each parameter by about lr (bias correction); state per parameter"""
    opt = ns.Adam(lr=0.1)
    a, b = np.array([1.0, 1.0]), np.zeros((2, 2))
    opt.step([a, b], [np.array([5.0, -0.01]), np.ones((2, 2))])
    assert_close(a, np.array([0.9, 1.1]), "Adam(lr=0.1).step: params[0]", tol=1e-5)
    assert_close(b, np.full((2, 2), -0.1), "Adam(lr=0.1).step: params[1]", tol=1e-5)


def _eps_outside(name, moved):
    """A check that eps=1e-7 stands outside the root: a gradient of 1e-7 moves p by ``moved`` * lr."""

    def check(ns):
        p = _one_step(getattr(ns, name)(lr=0.1, eps=1e-7), [1.0], [1e-7])
        assert_close(p, np.array([1.0 - 0.1 * moved]), f"{name}(lr=0.1, eps=1e-7).step, g = 1e-7: p")

    return _named(check, "eps_outside", f"{name}: eps outside the square root (a gradient of the size of eps)")


def check_clip(ns):
    """clip_grad_norm: the total norm over all arrays, returned before clipping; arrays scaled in place by exactly max_norm / norm"""
    grads = [np.array([3.0, 0.0]), np.array([[0.0, 4.0]])]
    norm = ns.clip_grad_norm(grads, 1.0)
    assert_close(norm, 5.0, "clip_grad_norm(grads, 1.0)")
    assert_close(grads[0], np.array([0.6, 0.0]), "clip_grad_norm(grads, 1.0): grads[0]", tol=1e-12)
    assert_close(grads[1], np.array([[0.0, 0.8]]), "clip_grad_norm(grads, 1.0): grads[1]", tol=1e-12)


def check_clip_below(ns):
    """clip_grad_norm: gradients within max_norm are left as they are"""
    grads = [np.array([0.3, 0.0]), np.array([[0.0, 0.4]])]
    assert_close(ns.clip_grad_norm(grads, 1.0), 0.5, "clip_grad_norm(grads, 1.0)")
    assert_close(grads[0], np.array([0.3, 0.0]), "clip_grad_norm(grads, 1.0): grads[0]")
    assert_close(grads[1], np.array([[0.0, 0.4]]), "clip_grad_norm(grads, 1.0): grads[1]")


CHECKS = {
    "sgd": [check_sgd, *_rules("SGD")],
    "momentum": [check_momentum, *_rules("Momentum")],
    "adagrad": [check_adagrad, _eps_outside("Adagrad", 0.5), *_rules("Adagrad")],
    "rmsprop": [check_rmsprop, _eps_outside("RMSProp", 1 / (np.sqrt(0.1) + 1)), *_rules("RMSProp")],
    "adam": [check_adam, _eps_outside("Adam", 0.5), *_rules("Adam")],
    "clip": [check_clip, check_clip_below],
}
