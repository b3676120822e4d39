"""Hidden checks of a3_losses (losses.py).

Each loss: forward (the mean) against the reference, backward (dL/dpred of the mean)
against centred differences of the student's own forward and against the reference,
inputs unchanged, and stability: logits of size 1e4 and probabilities of exactly 0 and 1.
"""

import numpy as np

from autograder.checks.core import (Backward, Forward, GradCheck, InputsUnchanged, ReturnsFloat, Stable, StableCall, Unit,
                               Value, large)


def loss_unit(name):
    return Unit(f"losses.{name}", takes_dout=False, names=("pred", "target"))


def regression(shape):
    """(pred, target) near +-1e3 (uniform [1e3, 2e3) of either sign plus a standard normal) with
    pred - target of 1e-3 to 2e-2 in size (away from MAE's kink by far more than the gradient
    check's step): a loss computed in float32 (whose spacing near 1e3 is 6e-5 to 1.2e-4) is
    then off by about 1e-2, far outside the tolerance, for every seed."""
    def make(rng):
        target = rng.uniform(1e3, 2e3, shape) * rng.choice([-1.0, 1.0], shape) + rng.standard_normal(shape)
        gap = rng.uniform(1e-3, 2e-2, shape) * rng.choice([-1.0, 1.0], shape)
        return target + gap, target
    return make


def with_ties(shape):
    """(pred, target) as ``regression``, but a third of the elements with pred == target exactly."""
    def make(rng):
        pred, target = regression(shape)(rng)
        tied = rng.permutation(pred.size)[: max(1, pred.size // 3)]
        pred.flat[tied] = target.flat[tied]
        return pred, target
    return make


def probabilities(shape, low=0.05, high=0.95):
    """(p, t) with p in [low, high] and targets 0 and 1 (both always present)."""
    def make(rng):
        t = rng.permutation(np.arange(np.prod(shape)) % 2).reshape(shape).astype(np.float64)
        return rng.uniform(low, high, shape), t
    return make


def saturated_probabilities(rng):
    """Every pairing of p in {0, 1} with t in {0, 1} (two confidently wrong), and two ordinary rows."""
    p = np.array([0.0, 0.0, 1.0, 1.0, *rng.uniform(0.05, 0.95, 2)])
    t = np.array([0.0, 1.0, 0.0, 1.0, *rng.integers(0, 2, 2)])
    order = rng.permutation(6)
    return p[order].reshape(6, 1), t[order].reshape(6, 1)


def logits_and_targets(shape, scale=2.0):
    """(z, t): normal logits and targets 0 and 1 (both always present)."""
    return lambda rng: (scale * rng.standard_normal(shape), probabilities(shape)(rng)[1])


def large_logits_and_targets(rng):
    """Logits of +-1e3 and +-1e4, each sign with target 0 and with target 1."""
    z = np.array([1e4, -1e4, 1e3, -1e3] * 2) * rng.uniform(1.0, 2.0, 8)
    t = np.array([0.0] * 4 + [1.0] * 4)
    order = rng.permutation(8)
    return z[order].reshape(8, 1), t[order].reshape(8, 1)


def classes(n, c, scale=2.0):
    """(logits (n, c), labels (n,)); one row's label has probability ~1e-18 (its logit 40 below the
    row's maximum), so a loss that adds any of the constants people write inside the log (1e-7
    to 1e-16) is off by 3 or more in that row: far outside the tolerance for every seed."""
    def make(rng):
        logits, labels = scale * rng.standard_normal((n, c)), rng.integers(0, c, n)
        row = rng.integers(n)
        logits[row, labels[row]] = logits[row].max() - 40.0
        return logits, labels
    return make


def large_classes(rng):
    """(logits (6, 4), labels): rows of +-1e3 and +-1e4 with exact ties, the label on a tied
    maximum, on the minimum (confidently wrong) and elsewhere."""
    u = rng.uniform(1.0, 2.0, 6)
    logits = np.array([[1.0, 1.0, -1.0, 0.0], [-1.0, 0.1, -0.1, 1.0], [0.1, 0.1, 0.1, 0.1],
                       [1.0, -1.0, 1.0, -0.1], [-0.1, 1.0, -1.0, 0.1], [1.0, 0.1, -1.0, -0.1]]) * 1e4 * u[:, None]
    labels = np.array([2, 3, int(rng.integers(4)), 0, 2, int(rng.integers(4))])
    order = rng.permutation(6)
    return logits[order], labels[order]


def loss_checks(part, name, inputs, big_inputs):
    unit = loss_unit(name)
    return [
        Forward(part, f"{name}: forward (the mean)", unit=unit, inputs=inputs),
        ReturnsFloat(part, f"{name}: forward returns the mean as a float, not an array", unit=unit, inputs=inputs),
        GradCheck(part, f"{name}: gradient check", unit=unit, inputs=inputs),
        Backward(part, f"{name}: backward against the reference", unit=unit, inputs=inputs),
        InputsUnchanged(part, f"{name}: forward and backward leave pred and target unchanged, and backward twice "
                        "gives the same gradient", twice=True, unit=unit,
                        inputs=inputs),
        Stable(part, f"{name}: extreme inputs give the reference's values without warnings", unit=unit,
               inputs=big_inputs),
    ]


CHECKS = [
    *loss_checks("mse", "MSELoss", regression((8, 3)), large((4, 2), (4, 2))),
    Forward("mse", "MSELoss: outliers count squared", unit=loss_unit("MSELoss"),
            inputs=lambda rng: (np.array([[0.0], [0.1], [100.0]]), np.zeros((3, 1)))),
    *loss_checks("mae", "MAELoss", regression((8, 3)), large((4, 2), (4, 2))),
    Backward("mae", "MAELoss: backward of a (N, 1) prediction", unit=loss_unit("MAELoss"), inputs=regression((9, 1))),
    Backward("mae", "MAELoss: the subgradient is 0 where pred == target", unit=loss_unit("MAELoss"),
             inputs=with_ties((6, 3))),
    *loss_checks("bce", "BCELoss", probabilities((10, 1)), saturated_probabilities),
    InputsUnchanged("bce", "BCELoss: forward and backward leave p = 0 and p = 1 unchanged (clip a copy)",
                    unit=loss_unit("BCELoss"), inputs=saturated_probabilities),
    Backward("bce", "BCELoss: backward at p = 0 and p = 1 is the gradient of the formula clipped at 1e-12",
             unit=loss_unit("BCELoss"), inputs=saturated_probabilities, batch_axis=False),
    *loss_checks("bce_logits", "BCEWithLogitsLoss", logits_and_targets((10, 1)), large_logits_and_targets),
    *loss_checks("softmax_ce", "SoftmaxCrossEntropyLoss", classes(8, 5), large_classes),
    GradCheck("softmax_ce", "SoftmaxCrossEntropyLoss: gradient check along random directions, (64, 10)",
              unit=loss_unit("SoftmaxCrossEntropyLoss"), inputs=classes(64, 10), directions=4),
    Value("softmax_ce", "softmax: rows sum to 1, against the reference", target="losses.softmax",
          inputs=lambda rng: (3 * rng.standard_normal((5, 4)),)),
    Value("softmax_ce", "softmax of a (2, 3, 4) array: along the last axis", target="losses.softmax",
          inputs=lambda rng: (3 * rng.standard_normal((2, 3, 4)),)),
    StableCall("softmax_ce", "softmax: logits of +-1e3 and +-1e4 with ties give the reference's values without "
               "warnings", target="losses.softmax", inputs=lambda rng: (large_classes(rng)[0],)),
]
