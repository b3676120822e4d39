"""Public checks of a5_training: run them from the notebook, with `python check.py` or with `python -m pytest`.

They use the reference components released beside this file (``components``) and
check what the docstrings state: batches, one training step, a short fit, dead units
and gradient norms on small hand-made networks, and a diagnosis that leaves the model
as it was. Every check of a part runs, so one bug never hides another. The hidden tests
compare with the reference on other data, models and seeds.
"""

import numpy as np

from components import layers, losses, optim
from source_lib.messages import default_language, message
from source_lib.public import assert_close


def _data(n=23):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 2)), rng.integers(0, 3, n)


def _model(seed=0):
    rng = np.random.default_rng(seed)
    return layers.Sequential([layers.Linear(2, 8, rng), layers.ReLU(), layers.Linear(8, 3, rng)])


def _say(key, **fields):
    return message(key, default_language(), **fields)


def check_minibatches(ns):
    """iterate_minibatches: batches of 5, 5, 5, 5 and 3 rows (the last, smaller batch included)"""
    X, y = _data()
    sizes = [len(b[0]) for b in ns.iterate_minibatches(X, y, 5, np.random.default_rng(1))]
    assert sizes == [5, 5, 5, 5, 3], _say("batch_count", what="iterate_minibatches", got=len(sizes), expected=5,
                                         n=len(X), batch_size=5)


def check_minibatches_rows(ns):
    """iterate_minibatches: every row once, labels with their rows"""
    X, y = _data()
    batches = list(ns.iterate_minibatches(X, y, 5, np.random.default_rng(1)))
    rows = np.concatenate([b[0] for b in batches])
    assert sorted(map(tuple, rows)) == sorted(map(tuple, X)), _say("every_row_once", what="iterate_minibatches",
                                                                   got=len({tuple(r) for r in rows}), expected=len(X))
    for Xb, yb in batches:
        for row, label in zip(Xb, yb):
            assert label == y[np.flatnonzero((X == row).all(axis=1))[0]], _say("labels_mismatch",
                                                                                what="iterate_minibatches")


def check_minibatches_permutation(ns):
    """iterate_minibatches: X[idx], y[idx] in order of idx = rng.permutation(N), one per call; y of shape (N, k) too"""
    X, _ = _data()
    y = np.arange(2 * len(X), dtype=np.float64).reshape(len(X), 2)
    rng, mine = np.random.default_rng(1), np.random.default_rng(1)
    for call in (1, 2):
        idx = rng.permutation(len(X))
        batches = list(ns.iterate_minibatches(X, y, 5, mine))
        assert_close(np.concatenate([b[0] for b in batches]), X[idx], f"np.concatenate(Xb), #{call}")
        assert_close(np.concatenate([b[1] for b in batches]), y[idx], f"np.concatenate(yb), #{call}")


def check_train_step(ns):
    """train_step: returns the batch loss (before the update) as a float"""
    X, y = _data()
    model, loss = _model(), losses.SoftmaxCrossEntropyLoss()
    first = ns.train_step(model, loss, optim.SGD(lr=0.1), X, y)
    assert isinstance(first, float), _say("wrong_type", what="train_step", got=type(first).__name__, expected="float")
    assert_close(first, loss.forward(_model().forward(X), y), "train_step(model, loss_fn, optimizer, X, y)")


def check_train_step_lowers(ns):
    """train_step: a small SGD step lowers the loss on the same batch"""
    X, y = _data()
    model, loss = _model(), losses.SoftmaxCrossEntropyLoss()
    first = ns.train_step(model, loss, optim.SGD(lr=0.1), X, y)
    second = ns.train_step(model, loss, optim.SGD(lr=0.1), X, y)
    assert second < first, _say("loss_not_lower", what="train_step", before=first, after=second)


class _Recorder:
    """An optimizer that only records what step was given."""

    def step(self, params, grads):
        self.params, self.grads = list(params), [g.copy() for g in grads]


def check_train_step_order(ns):
    """train_step: hands the optimizer every layer's params and grads, layers in order, keys in dict order"""
    X, y = _data()
    model, recorder = _model(), _Recorder()
    ns.train_step(model, losses.SoftmaxCrossEntropyLoss(), recorder, X, y)
    names = [f"layers[{i}].params[{key!r}]" for i, layer in enumerate(model.layers) for key in layer.params]
    arrays = [(layer.params[key], layer.grads[key]) for layer in model.layers for key in layer.params]
    got = getattr(recorder, "params", [])
    assert len(got) == len(arrays), _say("wrong_shape", what="optimizer.step(params, ...)", got=(len(got),),
                                         expected=(len(arrays),), like="params")
    for name, (param, grad), mine, my_grad in zip(names, arrays, got, recorder.grads):
        assert_close(mine, param, f"params[{names.index(name)}] ({name})")
        assert_close(my_grad, grad, f"grads[{names.index(name)}] ({name})")


def check_fit(ns):
    """fit: one loss per epoch"""
    X, y = _data(60)
    history = ns.fit(_model(), losses.SoftmaxCrossEntropyLoss(), optim.Adam(lr=0.05), X, y, 5, 16,
                     np.random.default_rng(3))
    assert len(history["loss"]) == 5, _say("loss_count", what="fit", got=len(history["loss"]), expected=5)


def check_fit_reproducible(ns):
    """fit: reproducible for the same seed"""
    X, y = _data(60)
    runs = [ns.fit(_model(), losses.SoftmaxCrossEntropyLoss(), optim.Adam(lr=0.05), X, y, 5, 16,
                   np.random.default_rng(3))["loss"] for _ in range(2)]
    assert np.array_equal(np.asarray(runs[0]), np.asarray(runs[1])), _say("not_reproducible", what="fit")


def check_fit_falls(ns):
    """fit: the training loss falls on easy data"""
    X, y = _data(60)
    loss = ns.fit(_model(), losses.SoftmaxCrossEntropyLoss(), optim.Adam(lr=0.05), X, y, 5, 16,
                  np.random.default_rng(3))["loss"]
    assert loss[-1] < loss[0], _say("loss_not_falling", what="fit", first=loss[0], last=loss[-1])


def _dead_model():
    """The model of the checks with units 2 (a bias of -100) and 5 (input exactly 0) of its ReLU dead."""
    model = _model()
    model.layers[0].params["b"][2] = -100.0
    model.layers[0].params["W"][:, 5] = 0.0
    return model


def check_dead_relu(ns):
    """dead_relu_units: a unit with a bias of -100 and one whose input is exactly 0 are dead, the others as the inputs say"""
    X, _ = _data()
    model = _dead_model()
    expected = np.all(model.layers[0].forward(X) <= 0, axis=0)
    masks = ns.dead_relu_units(model, X)
    assert len(masks) == 1, _say("mask_count", what="dead_relu_units", got=len(masks), expected=1)
    mask = np.asarray(masks[0])
    assert mask.dtype == np.bool_, _say("wrong_dtype", what="dead_relu_units(...)[0]", got=mask.dtype).replace(
        "float64", "bool")
    wrong = np.flatnonzero(mask != expected)
    assert wrong.size == 0, _say("mask_mismatch", what="dead_relu_units", count=wrong.size, total=mask.size,
                                 index=int(wrong[0]) if wrong.size else 0,
                                 got=bool(mask[wrong[0]]) if wrong.size else None,
                                 expected=bool(expected[wrong[0]]) if wrong.size else None)


def check_dead_relu_unchanged(ns):
    """dead_relu_units: leaves the model's parameters unchanged"""
    X, _ = _data()
    model = _dead_model()
    kept = [{key: value.copy() for key, value in layer.params.items()} for layer in model.layers]
    ns.dead_relu_units(model, X)
    for i, (layer, before) in enumerate(zip(model.layers, kept)):
        for key, value in before.items():
            if not np.array_equal(value, layer.params[key]):
                raise AssertionError(_say("changed_model", what="dead_relu_units", arg=f"layers[{i}].params[{key!r}]"))


def check_gradient_norms(ns):
    """gradient_norms: one norm per Linear layer, input side first"""
    X, y = _data()
    model, loss = _model(), losses.SoftmaxCrossEntropyLoss()
    loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    norms = ns.gradient_norms(model)
    expected = [np.linalg.norm(model.layers[i].grads["W"]) for i in (0, 2)]
    assert_close(np.array(norms, dtype=np.float64), np.array(expected), "gradient_norms")


CHECKS = {
    "minibatches": [check_minibatches, check_minibatches_rows, check_minibatches_permutation],
    "train_step": [check_train_step, check_train_step_lowers, check_train_step_order],
    "fit": [check_fit, check_fit_reproducible, check_fit_falls],
    "dead_relu": [check_dead_relu, check_dead_relu_unchanged],
    "gradient_norms": [check_gradient_norms],
}
