"""Public checks of a5_training: run them from the notebook, with pytest or with `course check a5_training`.

They use the reference components released beside this file (``components``) and
check what the docstrings state: batches, one training step, a short fit, dead units
and gradient norms on small hand-made networks. The hidden tests compare with the
reference on other data, models and seeds.
"""

import numpy as np

from components import layers, losses, optim
from source_lib.public import assert_close, run_part


def _data(n=23):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 2)), rng.integers(0, 3, n)


def _model(seed=0):
    rng = np.random.default_rng(seed)
    return layers.Sequential([layers.Linear(2, 8, rng), layers.ReLU(), layers.Linear(8, 3, rng)])


def check_minibatches(ns):
    """iterate_minibatches: every row once, the last smaller batch included, rows and labels together"""
    X, y = _data()
    batches = list(ns.iterate_minibatches(X, y, 5, np.random.default_rng(1)))
    assert [len(b[0]) for b in batches] == [5, 5, 5, 5, 3], "expected batches of 5, 5, 5, 5 and 3 rows"
    rows = np.concatenate([b[0] for b in batches])
    assert sorted(map(tuple, rows)) == sorted(map(tuple, X)), "every row of X must appear exactly once"
    for Xb, yb in batches:
        for row, label in zip(Xb, yb):
            assert label == y[np.flatnonzero((X == row).all(axis=1))[0]], "labels must stay with their rows"


def check_train_step(ns):
    """train_step: returns the batch loss and lowers it with a small SGD step"""
    X, y = _data()
    model, loss = _model(), losses.SoftmaxCrossEntropyLoss()
    first = ns.train_step(model, loss, optim.SGD(lr=0.1), X, y)
    assert isinstance(first, float), "train_step must return the loss as a float"
    assert_close(first, loss.forward(_model().forward(X), y), "the loss train_step returns (before the update)")
    second = ns.train_step(model, loss, optim.SGD(lr=0.1), X, y)
    assert second < first, "a small SGD step on the same batch should lower the loss"


def check_fit(ns):
    """fit: one loss per epoch, reproducible for the same seed, decreasing on easy data"""
    X, y = _data(60)
    runs = [ns.fit(_model(), losses.SoftmaxCrossEntropyLoss(), optim.Adam(lr=0.05), X, y, 5, 16,
                   np.random.default_rng(3)) for _ in range(2)]
    assert len(runs[0]["loss"]) == 5, "history['loss'] needs one entry per epoch"
    assert_close(np.array(runs[0]["loss"]), np.array(runs[1]["loss"]), "fit with the same seed twice")
    assert runs[0]["loss"][-1] < runs[0]["loss"][0], "the training loss should fall"


def check_dead_relu(ns):
    """dead_relu_units: a unit with a bias of -100 is dead, the others are not"""
    X, _ = _data()
    model = _model()
    model.layers[0].params["b"][2] = -100.0
    masks = ns.dead_relu_units(model, X)
    assert len(masks) == 1 and masks[0].dtype == np.bool_, "one boolean mask per ReLU layer"
    assert masks[0][2] and masks[0].sum() <= 2, "unit 2 is dead on every row"


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
    "minibatches": [check_minibatches],
    "train_step": [check_train_step],
    "fit": [check_fit],
    "dead_relu": [check_dead_relu],
    "gradient_norms": [check_gradient_norms],
}


def check(part, ns):
    """Run the public checks of ``part`` on your code (in a notebook: check("fit", globals()))."""
    return run_part(CHECKS, part, ns)
