"""Public checks of a4_optimizers: run them from the notebook, with pytest or with `course check a4_optimizers`.

They check the first steps of each optimizer by hand-computed numbers from the
docstrings' formulas, in-place updates and per-position state. The hidden tests run
whole trajectories on other objectives against the reference.
"""

import numpy as np

from source_lib.public import assert_close, run_part


def _one_step(opt, start, grad):
    p = np.array(start, dtype=np.float64)
    same = p
    opt.step([p], [np.array(grad, dtype=np.float64)])
    assert p is same, "step must update the parameter arrays in place"
    return p


def check_sgd(ns):
    """SGD: p -= lr * g, in place"""
    assert_close(_one_step(ns.SGD(lr=0.1), [1.0, -2.0], [2.0, 4.0]), np.array([0.8, -2.4]), "SGD after one step")


def check_momentum(ns):
    """Momentum: v = mu*v - lr*g; p += v (two steps)"""
    opt = ns.Momentum(lr=0.1, mu=0.9)
    p = np.array([1.0])
    for _ in range(2):
        opt.step([p], [np.array([1.0])])
    assert_close(p, np.array([1.0 - 0.1 - 0.19]), "Momentum after two steps with g = 1")


def check_adagrad(ns):
    """Adagrad: G += g^2; p -= lr * g / (sqrt(G) + eps)"""
    opt = ns.Adagrad(lr=0.5)
    p = np.array([1.0])
    for g in (2.0, 2.0):
        opt.step([p], [np.array([g])])
    assert_close(p, np.array([1.0 - 0.5 - 0.5 * 2 / np.sqrt(8.0)]), "Adagrad after two steps with g = 2", tol=1e-6)


def check_rmsprop(ns):
    """RMSProp: s = rho*s + (1-rho)*g^2; p -= lr * g / (sqrt(s) + eps)"""
    p = _one_step(ns.RMSProp(lr=0.01, rho=0.9), [1.0], [2.0])
    assert_close(p, np.array([1.0 - 0.01 * 2 / np.sqrt(0.4)]), "RMSProp after one step with g = 2", tol=1e-6)


def check_adam(ns):
    """Adam: the first step moves each parameter by about lr (bias correction); state per parameter"""
    opt = ns.Adam(lr=0.1)
    a, b = np.array([1.0, 1.0]), np.zeros((2, 2))
    opt.step([a, b], [np.array([5.0, -0.01]), np.ones((2, 2))])
    assert_close(a, np.array([0.9, 1.1]), "Adam's first step", tol=1e-5)
    assert_close(b, np.full((2, 2), -0.1), "Adam's first step on a second parameter of another shape", tol=1e-5)


def check_clip(ns):
    """clip_grad_norm: the total norm over all arrays, returned before clipping; arrays scaled in place"""
    grads = [np.array([3.0, 0.0]), np.array([[0.0, 4.0]])]
    norm = ns.clip_grad_norm(grads, 1.0)
    assert_close(norm, 5.0, "clip_grad_norm's returned norm")
    assert_close(grads[0], np.array([0.6, 0.0]), "grads[0] after clipping")
    assert_close(grads[1], np.array([[0.0, 0.8]]), "grads[1] after clipping")


CHECKS = {
    "sgd": [check_sgd],
    "momentum": [check_momentum],
    "adagrad": [check_adagrad],
    "rmsprop": [check_rmsprop],
    "adam": [check_adam],
    "clip": [check_clip],
}


def check(part, ns):
    """Run the public checks of ``part`` on your code (in a notebook: check("sgd", globals()))."""
    return run_part(CHECKS, part, ns)
