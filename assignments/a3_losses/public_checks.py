"""Public checks of a3_losses: run them from the notebook, with pytest or with `course check a3_losses`.

They use only your own code: each loss's backward against centred differences of its
own forward, and values stated in the docstrings. The hidden tests also compare with
the reference and check stability for logits of size 1e4 and probabilities 0 and 1.
"""

import numpy as np

from source_lib.public import assert_close, assert_gradient, run_part

RNG_SEED = 0


def _loss_gradient(make, pred, target, what):
    loss = make()
    value = loss.forward(pred, target)
    assert isinstance(value, float), f"{what}.forward must return a Python float, got {type(value).__name__}"
    grad = loss.backward()
    assert_gradient(grad, lambda p: make().forward(p, target), pred, None, f"{what}.backward")


def check_mse(ns):
    """MSELoss: the mean of squared errors and its gradient"""
    rng = np.random.default_rng(RNG_SEED)
    pred, target = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    assert_close(ns.MSELoss().forward(np.array([[1.0], [3.0]]), np.zeros((2, 1))), 5.0, "MSELoss([1, 3], 0)")
    _loss_gradient(ns.MSELoss, pred, target, "MSELoss")


def check_mae(ns):
    """MAELoss: the mean of absolute errors and its gradient away from 0"""
    rng = np.random.default_rng(RNG_SEED)
    target = rng.standard_normal((5, 2))
    pred = target + rng.choice([-1.0, 1.0], (5, 2)) * rng.uniform(0.1, 1.0, (5, 2))
    assert_close(ns.MAELoss().forward(np.array([[1.0], [-3.0]]), np.zeros((2, 1))), 2.0, "MAELoss([1, -3], 0)")
    _loss_gradient(ns.MAELoss, pred, target, "MAELoss")


def check_bce(ns):
    """BCELoss: gradient check on probabilities; finite at p = 0 and p = 1"""
    rng = np.random.default_rng(RNG_SEED)
    pred, target = rng.uniform(0.1, 0.9, (6, 1)), rng.integers(0, 2, (6, 1)).astype(float)
    _loss_gradient(ns.BCELoss, pred, target, "BCELoss")
    value = ns.BCELoss().forward(np.array([[0.0], [1.0]]), np.array([[1.0], [0.0]]))
    assert np.isfinite(value), "BCELoss must stay finite at p = 0 and p = 1 (clip the probabilities)"


def check_bce_logits(ns):
    """BCEWithLogitsLoss: gradient check; finite for logits of size 1e4"""
    rng = np.random.default_rng(RNG_SEED)
    z, target = 2 * rng.standard_normal((6, 1)), rng.integers(0, 2, (6, 1)).astype(float)
    _loss_gradient(ns.BCEWithLogitsLoss, z, target, "BCEWithLogitsLoss")
    value = ns.BCEWithLogitsLoss().forward(np.array([[1e4], [-1e4]]), np.array([[0.0], [1.0]]))
    assert_close(value, 1e4, "BCEWithLogitsLoss at logits of size 1e4")


def check_softmax_ce(ns):
    """softmax and SoftmaxCrossEntropyLoss: rows sum to 1, gradient check, stable for logits of size 1e4"""
    rng = np.random.default_rng(RNG_SEED)
    logits, labels = 2 * rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    assert_close(ns.softmax(logits).sum(axis=1), np.ones(5), "softmax: row sums")
    assert_close(ns.softmax(np.array([[1e4, 0.0]])), np.array([[1.0, 0.0]]), "softmax of [1e4, 0]")
    _loss_gradient(ns.SoftmaxCrossEntropyLoss, logits, labels, "SoftmaxCrossEntropyLoss")


CHECKS = {
    "mse": [check_mse],
    "mae": [check_mae],
    "bce": [check_bce],
    "bce_logits": [check_bce_logits],
    "softmax_ce": [check_softmax_ce],
}


def check(part, ns):
    """Run the public checks of ``part`` on your code (in a notebook: check("mse", globals()))."""
    return run_part(CHECKS, part, ns)
