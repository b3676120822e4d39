"""Hidden checks of a2_layers (layers.py).

Every layer is checked against centred differences of the student's own forward (input
and parameter gradients), against the reference (forward, backward, parameter
gradients with db summed over the batch), for unchanged inputs and dout, and for
stability on pre-activations of size 1e3 and 1e4. BatchNorm is checked in train and
eval mode with its running statistics; Sequential on a deep stack.
"""

import numpy as np

from autograder.checks.core import (Backward, Forward, GradCheck, InputsUnchanged, Stable, Unit, away_from, large,
                               normal)
from autograder.sandbox.wire import RngSeed


def linear_args(n_in, n_out):
    return lambda rng: (n_in, n_out, RngSeed(int(rng.integers(2**31))))


def linear_setup(n_in, n_out):
    """W and b replaced in place by seeded values (b non-zero, so a bias bug shows)."""
    return lambda rng: [(("params", "W"), rng.standard_normal((n_in, n_out))), (("params", "b"), rng.standard_normal(n_out))]


LINEAR = Unit("layers.Linear", params=("W", "b"), make_args=linear_args(5, 3), setup=linear_setup(5, 3))
LINEAR_WIDE = Unit("layers.Linear", params=("W", "b"), make_args=linear_args(3, 7), setup=linear_setup(3, 7))
BATCHNORM = Unit("layers.BatchNorm1d", params=("gamma", "beta"), make_args=lambda rng: (4,),
                 setup=lambda rng: [(("params", "gamma"), 1 + 0.5 * rng.standard_normal(4)),
                                    (("params", "beta"), rng.standard_normal(4))])


def batchnorm_eval_setup(rng):
    """gamma, beta and running statistics; running_var[0] = 1e-3, where eps = 1e-5 moves xhat by 0.5%."""
    running_var = rng.uniform(0.5, 2.0, 4)
    running_var[0] = 1e-3
    return [(("params", "gamma"), 1 + 0.5 * rng.standard_normal(4)), (("params", "beta"), rng.standard_normal(4)),
            (("running_mean",), rng.standard_normal(4)), (("running_var",), running_var)]


def batchnorm_running_setup(rng):
    """Running statistics away from 0 and 1 (their share of the update shows), with gamma = 1 and
    beta = 0 as constructed, so no output sits near 0 where a relative error is large."""
    return [(("running_mean",), rng.standard_normal(4)), (("running_var",), rng.uniform(0.5, 2.0, 4))]


def spread_pair(rng):
    """(x,): two rows that differ by 20 to 40 in every column (variance 100 to 400), so the
    outputs are +-1 up to an eps written as a literal (under 1e-7 relative): the check of the
    running statistics is decided by them alone, for every seed."""
    x0 = rng.standard_normal(4)
    return (np.stack([x0, x0 + rng.choice([-1.0, 1.0], 4) * rng.uniform(20.0, 40.0, 4)]),)


def low_variance(shape, scale=1.0):
    """Normal inputs times ``scale`` with column 0 a hundred times smaller (variance ~1e-4 scale^2):
    there an eps written as a literal in place of the one given (1e-8, 1e-5) moves xhat by 1% or
    more, far outside the tolerance, for every seed. Only for checks against the reference: the
    checks judged against the student's own forward keep ordinary inputs (normal), where such an
    eps is a small relative error and a consistent backward earns them."""
    def make(rng):
        x = scale * rng.standard_normal(shape)
        x[:, 0] *= 0.01
        return (x,)
    return make


BATCHNORM_EVAL = Unit("layers.BatchNorm1d", params=("gamma", "beta"), make_args=lambda rng: (4,),
                      setup=batchnorm_eval_setup, modes=("eval",))
# train mode from running statistics away from 0 and 1: the old values' share of the update shows
BATCHNORM_RUNNING = Unit("layers.BatchNorm1d", params=("gamma", "beta"), make_args=lambda rng: (4,),
                         setup=batchnorm_running_setup)


def biased_running_var(inputs, got, want, momentum=0.1):
    """True when ``got`` is the running variance updated with the biased batch variance where
    ``want`` (the reference's) takes the unbiased one: want - got = momentum * var / (N - 1)."""
    x = inputs[0]
    return np.allclose(want - got, momentum * np.var(x, axis=0) / (x.shape[0] - 1), rtol=1e-6, atol=0)


def deep_stack(runner, seed):
    """The student's Sequential over the grader's test doubles (autograder/doubles.py):
    Affine(4, 6) Softplus Affine(6, 6) Softplus Affine(6, 5) Softplus Affine(5, 2), so
    only Sequential itself is graded here."""
    rng = np.random.default_rng(seed)
    sizes = [(4, 6), (6, 6), (6, 5), (5, 2)]
    layers = []
    for i, (a, b) in enumerate(sizes):
        layers.append(runner.new("doubles.Affine", rng.standard_normal((a, b)), rng.standard_normal(b)))
        if i < len(sizes) - 1:
            layers.append(runner.new("doubles.Softplus"))
    return runner.new("layers.Sequential", layers)


SEQUENTIAL = Unit("layers.Sequential", params=("0.W", "0.b", "2.W", "4.b", "6.W", "6.b"), builder=deep_stack)
GIVEN = {"sequential": ["doubles.Affine", "doubles.Softplus"]}  # what a part's child gets (grade.given)


def activation(part, name, inputs=normal((4, 5), scale=2.0), grad_inputs=None):
    unit = Unit(f"layers.{name}")
    grad_inputs = grad_inputs or inputs
    return [
        Forward(part, f"{name}: forward", unit=unit, inputs=inputs),
        Forward(part, f"{name}: forward of a (2, 3, 4) input (activations take any shape)", unit=unit,
                inputs=normal((2, 3, 4), scale=2.0)),
        GradCheck(part, f"{name}: gradient check", unit=unit, inputs=grad_inputs),
        Backward(part, f"{name}: backward against the reference", unit=unit, inputs=grad_inputs),
        InputsUnchanged(part, f"{name}: forward and backward leave x and dout unchanged", unit=unit,
                        inputs=normal((3, 4))),
        Stable(part, f"{name}: pre-activations of +-1e3 and +-1e4 give the reference's values without warnings",
               unit=unit, inputs=large((4, 4))),
    ]


def zeros_and_negatives(rng):
    """x with exact zeros (derivative 0 at 0) and a column of large negatives (dead units)."""
    x = rng.standard_normal((5, 6))
    x[:, 0] = 0.0
    x[:, 1] = -50.0 - rng.random(5)
    return (x,)


RELU_KINK = away_from((4, 5), gap=1e-2, scale=2.0)

def fresh_linear(*init):
    """Linear(4, 3, rng, *init) as constructed: its initial W and b are what forward shows."""
    return Unit("layers.Linear", params=("W", "b"), make_args=lambda rng: (4, 3, RngSeed(int(rng.integers(2**31))), *init))


CHECKS = [
    Forward("linear", "forward: x @ W + b", unit=LINEAR, inputs=normal((6, 5))),
    Forward("linear", "right after construction: W = rng.standard_normal((in, out)) * sqrt(2 / in), b = 0",
            unit=fresh_linear(), inputs=normal((6, 4))),
    *(Forward("linear", f"right after construction with init={init!r}", unit=fresh_linear(init), inputs=normal((6, 4)))
      for init in ("xavier", "small")),
    GradCheck("linear", "gradient check of dx, dW and db", unit=LINEAR, inputs=normal((4, 5))),
    Backward("linear", "dx, dW and db against the reference (db summed over the batch)", unit=LINEAR_WIDE,
             inputs=normal((8, 3))),
    GradCheck("linear", "gradient check along random directions, batch of 64", unit=LINEAR, inputs=normal((64, 5)),
              directions=4),
    InputsUnchanged("linear", "forward and backward leave x and dout unchanged", unit=LINEAR, inputs=normal((3, 5))),
    *activation("sigmoid_tanh", "Sigmoid"),
    *activation("sigmoid_tanh", "Tanh"),
    *activation("relu_family", "ReLU", grad_inputs=RELU_KINK),
    Backward("relu_family", "ReLU: no gradient at exactly 0 nor to dead (negative) units", unit=Unit("layers.ReLU"),
             inputs=zeros_and_negatives),
    *activation("relu_family", "LeakyReLU", grad_inputs=RELU_KINK),
    Backward("relu_family", "LeakyReLU(0.2): slope 0.2 for negative inputs and at exactly 0", unit=Unit("layers.LeakyReLU",
             make_args=lambda rng: (0.2,)), inputs=zeros_and_negatives),
    *activation("relu_family", "ELU", grad_inputs=RELU_KINK),
    Forward("relu_family", "ELU(alpha=0.5)", unit=Unit("layers.ELU", make_args=lambda rng: (0.5,)),
            inputs=normal((4, 5), scale=2.0)),
    Backward("relu_family", "ELU(alpha=0.5): backward, alpha * exp(x) where x <= 0, exactly 0 included",
             unit=Unit("layers.ELU", make_args=lambda rng: (0.5,)), inputs=zeros_and_negatives),
    *activation("gelu", "GELU"),
    Forward("batchnorm", "train mode: forward and running statistics", unit=BATCHNORM,
            inputs=low_variance((16, 4), scale=3.0),
            state=("running_mean", "running_var"), excused={"running_var": biased_running_var}),
    GradCheck("batchnorm", "train mode: gradient check of dx, dgamma and dbeta", unit=BATCHNORM,
              inputs=normal((6, 4), scale=2.0)),
    Backward("batchnorm", "train mode: backward against the reference", unit=BATCHNORM, inputs=low_variance((10, 4))),
    Forward("batchnorm", "train mode from set running statistics, a batch of 2: (1 - momentum) of the old values "
            "and the unbiased variance var * 2 / 1", unit=BATCHNORM_RUNNING, inputs=spread_pair,
            state=("running_mean", "running_var"),  # charges a biased running variance, once: the others excuse it
            hints={"running_var": (biased_running_var, "pattern_biased_variance")}),
    Forward("batchnorm", "eps=0.01 given: the eps passed in is used", unit=Unit("layers.BatchNorm1d",
            make_args=lambda rng: (4, 0.1, 0.01)), inputs=low_variance((8, 4), scale=2.0)),
    Forward("batchnorm", "eval mode: uses the running statistics and leaves them unchanged", unit=BATCHNORM_EVAL,
            inputs=normal((5, 4)), state=("running_mean", "running_var")),
    Forward("batchnorm", "constructed, then eval() and train(): gamma = 1, beta = 0, train mode, running statistics "
            "from 0 and 1", unit=Unit("layers.BatchNorm1d", make_args=lambda rng: (4,), modes=("eval", "train")),
            inputs=low_variance((8, 4), scale=2.0), state=("running_mean", "running_var"),
            excused={"running_var": biased_running_var}),
    Backward("batchnorm", "eval mode: backward against the reference", unit=BATCHNORM_EVAL, inputs=normal((5, 4))),
    InputsUnchanged("batchnorm", "forward and backward leave x and dout unchanged", unit=BATCHNORM,
                    inputs=normal((6, 4))),
    Forward("sequential", "forward through a deep stack", unit=SEQUENTIAL, inputs=normal((7, 4))),
    Backward("sequential", "backward through a deep stack sets every layer's grads", unit=SEQUENTIAL,
             inputs=normal((7, 4))),
    GradCheck("sequential", "gradient check through a deep stack", unit=SEQUENTIAL, inputs=away_from((3, 4))),
]
