"""Public checks of a3_losses: run them from the notebook, with `python check.py` or with `python -m pytest`.

They use only your own code: each loss's backward against centred differences of its
own forward, values stated in the docstrings, and the rules the docstrings state: a
float as the loss, finite and warning-free for logits of size 1e3 and 1e4 and for
probabilities of exactly 0 and 1, and arguments left unchanged. Every check of a part
runs, so one bug never hides another. The hidden tests also compare with the reference.
"""

import numpy as np

from source_lib.messages import default_language, message
from source_lib.public import LARGE, assert_close, assert_finite, assert_gradient, assert_unchanged, quietly

RNG_SEED = 0
EPS = 1e-12  # BCELoss's clipping, as its docstring states


def _named(check, name, title):
    check.__name__, check.__doc__ = name, title
    return check


def _float(value, what):
    """AssertionError unless the loss is a Python float (a numpy float64 is one too)."""
    assert isinstance(value, float), message("wrong_type", default_language(), what=what, got=type(value).__name__,
                                             expected="float")


def _bce(p, t):
    p = np.clip(p, EPS, 1 - EPS)
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))


def _bce_backward(p, t):
    p = np.clip(p, EPS, 1 - EPS)
    return (p - t) / (p * (1 - p)) / p.size


def _logsumexp(z):
    m = z.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))[..., 0]


def _bce_logits(z, t):
    return np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))


def _cross_entropy(z, y):
    return np.mean(_logsumexp(z) - z[np.arange(len(y)), y])


# (inputs, large inputs, the loss of the large inputs by the docstring's formula) of each loss
def _regression(rng):
    return rng.standard_normal((5, 2)), rng.standard_normal((5, 2))


def _mae_inputs(rng):
    target = rng.standard_normal((5, 2))
    return target + rng.choice([-1.0, 1.0], (5, 2)) * rng.uniform(0.1, 1.0, (5, 2)), target


def _probabilities(rng):
    return rng.uniform(0.1, 0.9, (6, 1)), rng.integers(0, 2, (6, 1)).astype(float)


def _logits(rng):
    return 2 * rng.standard_normal((6, 1)), rng.integers(0, 2, (6, 1)).astype(float)


def _classes(rng):
    return 2 * rng.standard_normal((5, 4)), rng.integers(0, 4, 5)


SAFE_P = np.array([[0.0], [1.0], [0.0], [1.0]]), np.array([[1.0], [0.0], [0.0], [1.0]])
BIG_LOGITS = LARGE.reshape(-1, 1), (np.arange(LARGE.size) % 2).astype(float).reshape(-1, 1)
BIG_CLASSES = LARGE, np.array([2, 3])
LOSSES = {
    "MSELoss": (_regression, (LARGE, np.zeros(LARGE.shape)), np.mean(LARGE ** 2)),
    "MAELoss": (_mae_inputs, (LARGE, np.zeros(LARGE.shape)), np.mean(np.abs(LARGE))),
    "BCELoss": (_probabilities, SAFE_P, _bce(*SAFE_P)),
    "BCEWithLogitsLoss": (_logits, BIG_LOGITS, _bce_logits(*BIG_LOGITS)),
    "SoftmaxCrossEntropyLoss": (_classes, BIG_CLASSES, _cross_entropy(*BIG_CLASSES)),
}
# the backward a docstring states at the extreme inputs: BCE's is the gradient of the clipped formula
BACKWARDS = {"BCELoss": _bce_backward}
# (in the check's title, in the messages) the extreme inputs of each loss
EXTREMES = {"BCELoss": ("p = 0 and p = 1", "pred = 0, 1")}


def _loss(name):
    """The checks every loss gets: a float and its gradient, extreme inputs, arguments unchanged."""
    inputs, big, big_value = LOSSES[name]
    words, extreme = EXTREMES.get(name, ("+-1e3 and +-1e4", "pred = ±1e3, ±1e4"))

    def gradient(ns):
        pred, target = inputs(np.random.default_rng(RNG_SEED))
        loss = getattr(ns, name)()
        _float(loss.forward(pred, target), f"{name}.forward")
        assert_gradient(loss.backward(), lambda p: getattr(ns, name)().forward(p, target), pred, None,
                        f"{name}.backward")

    def large(ns):
        pred, target = big[0].copy(), big[1].copy()
        loss = getattr(ns, name)()
        value = quietly(lambda: loss.forward(pred, target), f"{name}.forward")
        assert_close(value, big_value, f"{name}.forward(pred, target), {extreme}")
        grad = quietly(loss.backward, f"{name}.backward")
        assert_finite(grad, f"{name}.backward(), {extreme}")
        if name in BACKWARDS:
            assert_close(grad, BACKWARDS[name](*big), f"{name}.backward(), {extreme}")

    def unchanged(ns):
        for pred, target in (inputs(np.random.default_rng(RNG_SEED)), big):
            kept = pred.copy(), target.copy()
            loss = getattr(ns, name)()
            with np.errstate(all="ignore"):  # warnings are the business of the check above
                loss.forward(pred, target)
                loss.backward()
            assert_unchanged(kept[0], pred, f"{name}", "pred")
            assert_unchanged(kept[1], target, f"{name}", "target")

    return [
        _named(gradient, "gradient", f"{name}: forward returns a float; gradient check"),
        _named(large, "extremes", f"{name}: inputs of {words} give finite values without warnings"),
        _named(unchanged, "unchanged", f"{name}: forward and backward leave pred and target unchanged"),
    ]


def check_mse_value(ns):
    """MSELoss: the mean of squared errors"""
    assert_close(ns.MSELoss().forward(np.array([[1.0], [3.0]]), np.zeros((2, 1))), 5.0, "MSELoss([1, 3], 0)")


def check_mae_value(ns):
    """MAELoss: the mean of absolute errors; the subgradient is 0 where pred == target"""
    loss = ns.MAELoss()
    assert_close(loss.forward(np.array([[1.0], [-3.0], [2.0]]), np.array([[0.0], [0.0], [2.0]])), 4.0 / 3,
                 "MAELoss([1, -3, 2], [0, 0, 2])")
    assert_close(loss.backward(), np.array([[1.0], [-1.0], [0.0]]) / 3, "MAELoss.backward(), pred = [1, -3, 2], target = [0, 0, 2]")


def check_softmax(ns):
    """softmax: rows sum to 1; stable for logits of size 1e4; along the last axis"""
    rng = np.random.default_rng(RNG_SEED)
    logits = 2 * rng.standard_normal((5, 4))
    assert_close(ns.softmax(logits).sum(axis=1), np.ones(5), "softmax(z).sum(axis=1)")
    big = quietly(lambda: ns.softmax(LARGE.copy()), "softmax")
    assert_close(big, np.exp(LARGE - _logsumexp(LARGE)[:, None]), "softmax(z), z = ±1e3, ±1e4")
    cube = rng.standard_normal((2, 3, 4))
    assert_close(ns.softmax(cube), np.exp(cube - _logsumexp(cube)[..., None]), "softmax(z), z.shape = (2, 3, 4)")


CHECKS = {
    "mse": [check_mse_value, *_loss("MSELoss")],
    "mae": [check_mae_value, *_loss("MAELoss")],
    "bce": _loss("BCELoss"),
    "bce_logits": _loss("BCEWithLogitsLoss"),
    "softmax_ce": [check_softmax, *_loss("SoftmaxCrossEntropyLoss")],
}
