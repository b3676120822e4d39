"""Hidden checks of a3_losses (losses.py).

Each loss: forward (the mean) against the reference, backward (dL/dpred of the mean)
against centred differences of the student's own forward and against the reference,
inputs unchanged, and stability: logits of size 1e4 and probabilities of exactly 0 and 1.
"""

import numpy as np

from autograder.checks import Backward, Forward, GradCheck, InputsUnchanged, Stable, StableCall, Unit, Value


def loss_unit(name):
    return Unit(f"losses.{name}", takes_dout=False, names=("pred", "target"))


def regression(shape):
    """(pred, target) with pred - target kept away from 0 (MAE's kink)."""
    def make(rng):
        target = rng.standard_normal(shape)
        gap = rng.uniform(0.05, 1.0, shape) * rng.choice([-1.0, 1.0], shape)
        return target + gap, target
    return make


def probabilities(shape, low=0.05, high=0.95):
    return lambda rng: (rng.uniform(low, high, shape), rng.integers(0, 2, shape).astype(np.float64))


def saturated_probabilities(rng):
    """Probabilities of exactly 0 and 1, half of them confidently wrong."""
    p = rng.integers(0, 2, (6, 1)).astype(np.float64)
    t = p.copy()
    t[:3] = 1 - t[:3]
    return p, t


def logits_and_targets(shape, scale=2.0):
    return lambda rng: (scale * rng.standard_normal(shape), rng.integers(0, 2, shape).astype(np.float64))


def classes(n, c, scale=2.0):
    return lambda rng: (scale * rng.standard_normal((n, c)), rng.integers(0, c, n))


def loss_checks(part, name, inputs, big_inputs):
    unit = loss_unit(name)
    return [
        Forward(part, f"{name}: forward (the mean)", unit=unit, inputs=inputs),
        GradCheck(part, f"{name}: gradient check", unit=unit, inputs=inputs),
        Backward(part, f"{name}: backward against the reference", unit=unit, inputs=inputs),
        InputsUnchanged(part, f"{name}: forward leaves pred and target unchanged", unit=unit, inputs=inputs),
        Stable(part, f"{name}: extreme inputs stay finite without warnings", unit=unit, inputs=big_inputs),
    ]


CHECKS = [
    *loss_checks("mse", "MSELoss", regression((8, 3)), regression((4, 2))),
    Forward("mse", "MSELoss: outliers count squared", unit=loss_unit("MSELoss"),
            inputs=lambda rng: (np.array([[0.0], [0.1], [100.0]]), np.zeros((3, 1)))),
    *loss_checks("mae", "MAELoss", regression((8, 3)), regression((4, 2))),
    Backward("mae", "MAELoss: backward of a (N, 1) prediction", unit=loss_unit("MAELoss"), inputs=regression((9, 1))),
    *loss_checks("bce", "BCELoss", probabilities((10, 1)), saturated_probabilities),
    *loss_checks("bce_logits", "BCEWithLogitsLoss", logits_and_targets((10, 1)), logits_and_targets((6, 1), 1e4)),
    *loss_checks("softmax_ce", "SoftmaxCrossEntropyLoss", classes(8, 5), classes(6, 4, 1e4)),
    GradCheck("softmax_ce", "SoftmaxCrossEntropyLoss: gradient check along random directions, (64, 10)",
              unit=loss_unit("SoftmaxCrossEntropyLoss"), inputs=classes(64, 10), directions=4),
    Value("softmax_ce", "softmax: rows sum to 1, against the reference", target="losses.softmax",
          inputs=lambda rng: (3 * rng.standard_normal((5, 4)),)),
    StableCall("softmax_ce", "softmax: logits of size 1e4 stay finite without warnings", target="losses.softmax",
               inputs=lambda rng: (1e4 * rng.standard_normal((4, 6)),)),
]
