"""Check kinds for training loops and diagnostics (a5), on models built from reference components.

The student's functions receive models, losses and optimizers built in the child from
the reference components (``components.layers`` ...), so a bug in an earlier
assignment never costs points here. The same model is built in the trusted process
from the same seeds; the grader compares batches, losses, parameters, masks and norms.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from autograder.checks.core import (Check, CheckFailure, as_checked_array, as_checked_float, assert_close, describe_type,
                               figure_on_failure, rounded)
from autograder.sandbox.wire import RngSeed


@dataclass(frozen=True)
class ModelSpec:
    """An MLP: layer sizes, the activation between Linear layers, and a seed for the weights.

    plant(rng, params) may return [(layer index, name, array)] to overwrite parameters
    in place after construction (dead units, a bad initialisation).
    """

    sizes: tuple
    activation: str = "ReLU"
    init: str = "he"
    plant: Callable = None

    def linear_indices(self):
        return [2 * i for i in range(len(self.sizes) - 1)]

    def build(self, runner, seed):
        layers = []
        for i, (a, b) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            layers.append(runner.new("components.layers.Linear", a, b, RngSeed(seed + i), init=self.init))
            if i < len(self.sizes) - 2:
                layers.append(runner.new(f"components.layers.{self.activation}"))
        model = runner.new("components.layers.Sequential", layers)
        if self.plant:
            for index, name, value in self.plant(np.random.default_rng(seed)):
                runner.assign(model, ("layers", index, "params", name), value)
        return model


def parameters(runner, model, spec):
    """[((layer index, name), array)] of every Linear parameter of ``model``, input side first."""
    return [((i, name), runner.get(model, "layers", i, "params", name))
            for i in spec.linear_indices() for name in ("W", "b")]


def copy_parameters(runner, model, values):
    """Write [((layer index, name), array)] into ``model``'s parameters in place."""
    for (index, name), value in values:
        runner.assign(model, ("layers", index, "params", name), value)


def compare_parameters(ctx, model, ref_model, spec, what):
    for ((i, name), got), (_, want) in zip(parameters(ctx.student, model, spec),
                                           parameters(ctx.reference, ref_model, spec)):
        label = f"{what}: layers[{i}].params[{name!r}]"
        got = as_checked_array(ctx, got, label, want.shape, f"params[{name!r}]")
        assert_close(ctx, got, want, label, ctx.reference_tol)


def classification_data(rng, n=60, d=2, classes=3):
    """Seeded blobs: X (n, d) float64, y (n,) int64 in [0, classes)."""
    centres = 3.0 * rng.standard_normal((classes, d))
    y = rng.integers(0, classes, n)
    return centres[y] + rng.standard_normal((n, d)), y


@dataclass
class Minibatches(Check):
    """iterate_minibatches(X, y, batch_size, rng) yields the reference's batches, in order.

    The labels are distinct (a shuffled 0..N-1, or rows of three such columns with ``wide``), so
    a label that leaves its row shows for every seed. calls: how many times it is called with
    the same generator (each call must draw one new permutation and nothing else).
    """

    target: str = "train.iterate_minibatches"
    n: int = 23
    batch_size: int = 5
    calls: int = 1
    wide: bool = False

    def run(self, ctx):
        seed = int(ctx.rng.integers(2**31))
        rng = np.random.default_rng(seed)
        X, _ = classification_data(rng, n=self.n)
        y = rng.permutation(self.n)
        if self.wide:
            y = np.stack([y, y + self.n, y + 2 * self.n], axis=1)
        ref_rng, rng = RngSeed(seed + 1).generator(), ctx.student.keep(RngSeed(seed + 1))
        for call in range(1, self.calls + 1):
            want = ctx.reference.call(self.target, X, y, self.batch_size, ref_rng, collect=1)
            got = ctx.student.call(self.target, X, y, self.batch_size, rng, collect=10_000)
            name = self.target.split(".", 1)[1]
            name = ctx.msg("what_call", name=name, call=call) if self.calls > 1 else name
            self.compare(ctx, name, got, want, X)

    def compare(self, ctx, name, got, want, X):
        """CheckFailure saying what is wrong: the number of batches (one too many, the last one
        dropped), a batch's type or shape, the rows' order (not shuffled, or not by one
        rng.permutation(N) of the given rng) or a label that left its row."""
        if len(got) != len(want):
            extra = len(got) - len(want)
            key, diagnosis = {1: ("batch_one_too_many", "one_batch_too_many"),
                              -1: ("batch_count", "last_batch_dropped")}.get(extra, ("batch_count", "batch_count"))
            raise CheckFailure(ctx.msg(key, what=name, got=len(got), expected=len(want), n=self.n,
                                       batch_size=self.batch_size), diagnosis=diagnosis)
        for k, (batch, (want_x, want_y)) in enumerate(zip(got, want)):
            if not isinstance(batch, (tuple, list)) or len(batch) != 2:
                raise CheckFailure(ctx.msg("wrong_type", what=ctx.msg("what_batch", name=name, k=k),
                                           got=describe_type(batch, ctx.lang), expected=ctx.msg("expect_batch")))
            what_x, what_y = (ctx.msg("what_batch_array", name=name, k=k, array=a) for a in ("Xb", "yb"))
            xb = as_checked_array(ctx, batch[0], what_x, want_x.shape, ctx.msg("like_batch"))
            try:
                assert_close(ctx, xb, want_x, what_x, ctx.reference_tol)
            except CheckFailure as failure:
                key = self.order_mistake(got, X)
                if key is None:
                    raise CheckFailure(str(failure), failure.diagnosis) from None  # a batch's values: no heat map
                raise CheckFailure(ctx.msg(key, what=name), diagnosis=key) from None
            yb = np.asarray(batch[1])
            if yb.shape != want_y.shape:
                raise CheckFailure(ctx.msg("wrong_shape", what=what_y, got=yb.shape, expected=want_y.shape,
                                           like=ctx.msg("like_batch")))
            if not np.array_equal(yb, want_y):
                row = int(np.flatnonzero(np.any((yb != want_y).reshape(len(yb), -1), axis=1))[0])
                raise CheckFailure(ctx.msg("labels_mismatch", what=what_y, row=row, got=yb[row].tolist(),
                                           expected=want_y[row].tolist()), diagnosis="labels_off_rows")

    @staticmethod
    def order_mistake(got, X):
        """"not_shuffled" when the batches hold every row of X in its original order, "other_order"
        when they hold every row once in another order than the reference's, else None."""
        try:
            rows = np.concatenate([np.asarray(b[0], dtype=np.float64).reshape(-1, X.shape[1]) for b in got])
        except (TypeError, ValueError, IndexError):
            return None
        if rows.shape != X.shape:
            return None
        index = [np.flatnonzero(np.all(X == r, axis=1)) for r in rows]
        if any(i.size != 1 for i in index):
            return None
        order = np.array([i[0] for i in index])
        if np.array_equal(order, np.arange(len(X))):
            return "not_shuffled"
        return "other_order" if np.array_equal(np.sort(order), np.arange(len(X))) else None


def _setup(ctx, spec, seed, loss, optimizer):
    """(student model, loss, optimizer), (reference model, loss, optimizer) built alike."""
    sides = []
    opt = optimizer[0] if "." in optimizer[0] else f"components.optim.{optimizer[0]}"
    for runner in (ctx.student, ctx.reference):
        sides.append((spec.build(runner, seed), runner.new(f"components.losses.{loss}"),
                      runner.new(opt, **optimizer[1])))
    return sides


@dataclass
class TrainStep(Check):
    """train_step on one batch: the loss returned and the parameters after the update.

    optimizer: (name in components.optim, or "module.Name" of the assignment's doubles, kwargs)."""

    spec: ModelSpec = None
    loss: str = "SoftmaxCrossEntropyLoss"
    optimizer: tuple = ("SGD", {"lr": 0.1})
    steps: int = 3

    def run(self, ctx):
        seed = int(ctx.rng.integers(2**31))
        X, y = classification_data(np.random.default_rng(seed), n=16, d=self.spec.sizes[0],
                                   classes=self.spec.sizes[-1])
        (model, loss, opt), (ref_model, ref_loss, ref_opt) = _setup(ctx, self.spec, seed, self.loss, self.optimizer)
        curves = {"student": [], "reference": []}
        for step in range(1, self.steps + 1):
            want = ctx.reference.call("train.train_step", ref_model, ref_loss, ref_opt, X, y)
            got = as_checked_float(ctx, ctx.student.call("train.train_step", model, loss, opt, X, y), "train_step")
            curves["student"].append(got)
            curves["reference"].append(float(want))
            with figure_on_failure(lambda: loss_curves(curves, "step")):
                assert_close(ctx, got, float(want), ctx.msg("what_loss_returned", step=step), ctx.reference_tol)
                compare_parameters(ctx, model, ref_model, self.spec, ctx.msg("what_train_step", step=step))


def loss_curves(curves, x_label):
    """The figure payload of a loss curve against the reference's: {"kind", "x", "student", "reference"},
    or None for a single point (no curve to see)."""
    if len(curves["student"]) < 2:
        return None
    return {"kind": "loss_curves", "x": x_label, **{side: rounded(values, 6) for side, values in curves.items()}}


@dataclass
class Fit(Check):
    """fit for a few epochs: the history and final parameters equal the reference's for the
    same seed, and the held-out accuracy, recomputed here from the parameters the child
    returns, is within ``accuracy_margin`` of the reference's."""

    spec: ModelSpec = None
    loss: str = "SoftmaxCrossEntropyLoss"
    optimizer: tuple = ("Adam", {"lr": 0.05})
    n: int = 90
    epochs: int = 4
    batch_size: int = 16
    accuracy_margin: float = 0.02

    def run(self, ctx):
        seed = int(ctx.rng.integers(2**31))
        X, y = classification_data(np.random.default_rng(seed), n=2 * self.n, d=self.spec.sizes[0],
                                   classes=self.spec.sizes[-1])
        X_train, y_train, X_test, y_test = X[: self.n], y[: self.n], X[self.n:], y[self.n:]
        (model, loss, opt), (ref_model, ref_loss, ref_opt) = _setup(ctx, self.spec, seed, self.loss, self.optimizer)
        args = (X_train, y_train, self.epochs, self.batch_size, RngSeed(seed + 7))
        want = ctx.reference.call("train.fit", ref_model, ref_loss, ref_opt, *args)
        got = ctx.student.call("train.fit", model, loss, opt, *args)
        if not isinstance(got, dict) or "loss" not in got:
            raise CheckFailure(ctx.msg("wrong_type", what="fit", got=describe_type(got, ctx.lang),
                                       expected=ctx.msg("expect_history")))
        history = as_checked_array(ctx, np.asarray(got["loss"], dtype=np.float64) if isinstance(got["loss"], list)
                                   else got["loss"], 'fit: history["loss"]', (self.epochs,), ctx.msg("like_epochs"))
        ref_history = np.asarray(want["loss"], dtype=np.float64)
        with figure_on_failure(lambda: loss_curves({"student": history, "reference": ref_history}, "epoch")):
            assert_close(ctx, history, ref_history, 'fit: history["loss"]', ctx.reference_tol)
            compare_parameters(ctx, model, ref_model, self.spec, "fit")
            expected = float(np.mean(np.argmax(ref_model.forward(X_test), axis=1) == y_test)) - self.accuracy_margin
            copy_parameters(ctx.reference, ref_model, parameters(ctx.student, model, self.spec))
            accuracy = float(np.mean(np.argmax(ref_model.forward(X_test), axis=1) == y_test))
            if accuracy < expected:
                raise CheckFailure(ctx.msg("accuracy", what="fit", got=accuracy, expected=expected))


@dataclass
class DeadUnits(Check):
    """dead_relu_units(model, X) returns exactly the reference's masks and leaves the parameters as they were.

    spec plants dead units, and every check plants a unit alive on part of the data
    (``plant_partly_dead``); ``kill_lr`` > 0 first trains the reference model with plain
    SGD at that learning rate for a few steps (killing units) and copies its parameters
    into the student-side model.
    """

    spec: ModelSpec = None
    n: int = 40
    kill_lr: float = 0.0
    kill_steps: int = 5

    def run(self, ctx):
        seed = int(ctx.rng.integers(2**31))
        X, y = classification_data(np.random.default_rng(seed), n=self.n, d=self.spec.sizes[0],
                                   classes=self.spec.sizes[-1])
        model, ref_model = self.spec.build(ctx.student, seed), self.spec.build(ctx.reference, seed)
        if self.kill_lr:
            self.kill(ctx, ref_model, X, y)
            copy_parameters(ctx.student, model, parameters(ctx.reference, ref_model, self.spec))
        self.plant_partly_dead(ctx, model, ref_model, X)
        want = ctx.reference.call("diagnostics.dead_relu_units", ref_model, X)
        got = ctx.student.call("diagnostics.dead_relu_units", model, X)
        compare_parameters(ctx, model, ref_model, self.spec, ctx.msg("what_after_call", name="dead_relu_units"))
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            raise CheckFailure(ctx.msg("wrong_type", what="dead_relu_units", got=describe_type(got, ctx.lang),
                                       expected=ctx.msg("expect_masks", n=len(want))))
        for k, (mask, ref_mask) in enumerate(zip(got, want)):
            what = ctx.msg("what_mask", name="dead_relu_units", k=k)
            mask = np.asarray(mask) if isinstance(mask, np.ndarray) else mask
            if not isinstance(mask, np.ndarray) or mask.shape != ref_mask.shape or mask.dtype != np.bool_:
                raise CheckFailure(ctx.msg("wrong_type", what=what, got=describe_type(mask, ctx.lang),
                                           expected=ctx.msg("expect_mask", shape=ref_mask.shape)))
            wrong = np.flatnonzero(mask != ref_mask)
            if wrong.size:
                i = int(wrong[0])
                missed = bool(np.any(ref_mask & ~mask))
                raise CheckFailure(ctx.msg("mask_mismatch", what=what, count=wrong.size, total=mask.size, index=i,
                                           got=bool(mask[i]), expected=bool(ref_mask[i])),
                                   diagnosis="dead_unit_missed" if missed else "live_unit_called_dead",
                                   figure={"kind": "masks", "what": what, "student": mask.tolist(),
                                           "reference": ref_mask.tolist()})

    def plant_partly_dead(self, ctx, model, ref_model, X):
        """The last unit of the first hidden layer made -1 on row 0 and +1 on row 1 (w along
        X[1] - X[0]): alive, though judging by one row would call it dead, for every seed."""
        W, b = (ctx.reference.get(ref_model, "layers", 0, "params", name) for name in ("W", "b"))
        w = X[1] - X[0]
        W[:, -1] = 2.0 * w / np.dot(w, w)
        b[-1] = -1.0 - X[0] @ W[:, -1]
        for runner, target in ((ctx.reference, ref_model), (ctx.student, model)):
            copy_parameters(runner, target, [((0, "W"), W), ((0, "b"), b)])

    def kill(self, ctx, ref_model, X, y):
        """Train the reference model at ``kill_lr``; then unit 0 of the first hidden layer is made
        dead on every row and unit 1 alive on every row, so the masks hold both kinds for every seed."""
        loss = ctx.reference.new("components.losses.SoftmaxCrossEntropyLoss")
        opt = ctx.reference.new("components.optim.SGD", lr=self.kill_lr)
        for _ in range(self.kill_steps):
            ctx.reference.call("train.train_step", ref_model, loss, opt, X, y)
        W, b = (ctx.reference.get(ref_model, "layers", 0, "params", name) for name in ("W", "b"))
        W[:, :2], b[:2] = 0.0, (-1e3, 1e3)
        copy_parameters(ctx.reference, ref_model, [((0, "W"), W), ((0, "b"), b)])


@dataclass
class GradientNorms(Check):
    """gradient_norms(model) after one forward and backward equals the reference's list, and
    leaves the parameters as they were."""

    spec: ModelSpec = None
    n: int = 32

    def run(self, ctx):
        seed = int(ctx.rng.integers(2**31))
        X, y = classification_data(np.random.default_rng(seed), n=self.n, d=self.spec.sizes[0],
                                   classes=self.spec.sizes[-1])
        results, models = [], []
        for runner in (ctx.reference, ctx.student):
            model = self.spec.build(runner, seed)
            loss = runner.new("components.losses.SoftmaxCrossEntropyLoss")
            out = runner.method(model, "forward", X)
            runner.method(loss, "forward", out, y)
            runner.method(model, "backward", runner.method(loss, "backward"))
            results.append(runner.call("diagnostics.gradient_norms", model))
            models.append(model)
        want, got = results
        compare_parameters(ctx, models[1], models[0], self.spec, ctx.msg("what_after_call", name="gradient_norms"))
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            raise CheckFailure(ctx.msg("wrong_type", what="gradient_norms", got=describe_type(got, ctx.lang),
                                       expected=ctx.msg("expect_norms", n=len(want))))
        got = np.array([as_checked_float(ctx, g, f"gradient_norms[{i}]") for i, g in enumerate(got)])
        want = np.asarray(want, dtype=np.float64)
        with figure_on_failure(lambda: {"kind": "gradient_norms", "student": rounded(got), "reference": rounded(want)}):
            assert_close(ctx, got, want, "gradient_norms", ctx.reference_tol)
