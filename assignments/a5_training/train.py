"""Assignment 5, part 1: mini-batches and the training loop.

The functions receive a model, a loss and an optimizer built elsewhere (in the grader,
from the reference components; in the notebook, from ``components``):

- model: ``model.layers`` (a list), ``model.forward(x)``, ``model.backward(dout)``; each
  layer has ``params`` and ``grads`` dicts.
- loss_fn: ``forward(pred, target) -> float`` (the mean) and ``backward() -> dpred``.
- optimizer: ``step(params, grads)`` updating the arrays in place.
"""

import numpy as np


def iterate_minibatches(X, y, batch_size, rng):
    """Yield (Xb, yb) mini-batches of a shuffled data set.

    X: shape (N, D); y: shape (N,) or (N, k). Draws ONE permutation idx = rng.permutation(N)
    per call (and nothing else from rng), then yields X[idx[s:s + batch_size]],
    y[idx[s:s + batch_size]] for s = 0, batch_size, 2 batch_size, ...: every row once,
    the last, smaller batch included.
    """
    # YOUR CODE HERE
    raise NotImplementedError("iterate_minibatches")


def train_step(model, loss_fn, optimizer, Xb, yb):
    """One update on one batch; returns the batch's loss (before the update) as a float.

    out = model.forward(Xb); loss = loss_fn.forward(out, yb); model.backward(loss_fn.backward());
    then optimizer.step(params, grads) with, for each layer of model.layers in order and
    each key of layer.params in dict order: params.append(layer.params[key]),
    grads.append(layer.grads[key]).
    """
    # YOUR CODE HERE
    raise NotImplementedError("train_step")


def fit(model, loss_fn, optimizer, X, y, epochs, batch_size, rng):
    """Train for ``epochs`` epochs of mini-batches; returns history = {"loss": [...]}.

    Each epoch calls iterate_minibatches(X, y, batch_size, rng) once (so one
    rng.permutation per epoch and a run is reproducible) and train_step on each batch.
    history["loss"][e] is epoch e's mean training loss: the batch losses weighted by
    their batch sizes, divided by N.
    """
    # YOUR CODE HERE
    raise NotImplementedError("fit")
