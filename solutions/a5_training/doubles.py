"""The grader's stand-ins for a5's iterate_minibatches and train_step, used when fit is graded.

The fit part grades the loop only: the student's ``fit`` runs with these in place of
their iterate_minibatches and train_step, so a bug in either costs points in its own part
alone. They run in the child beside the student's code and do exactly what the
docstrings of train.py spell out, nothing more. ``PositionalSGD`` is an optimizer whose
step depends on the order of the parameters, for checking the order train_step passes.
"""


def iterate_minibatches(X, y, batch_size, rng):
    """One rng.permutation(N) per call; batches idx[s:s + batch_size] in order, the last one smaller."""
    order = rng.permutation(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        rows = order[start:start + batch_size]
        yield X[rows], y[rows]


def train_step(model, loss_fn, optimizer, Xb, yb):
    """forward, loss, backward, one optimizer step over every layer's params in order; the loss."""
    loss = loss_fn.forward(model.forward(Xb), yb)
    model.backward(loss_fn.backward())
    keys = [(layer, key) for layer in model.layers for key in layer.params]
    optimizer.step([layer.params[key] for layer, key in keys], [layer.grads[key] for layer, key in keys])
    return float(loss)


class PositionalSGD:
    """SGD whose step grows with the position in the list: params[i] -= lr * (i + 1) * grads[i].

    Only the order in which train_step passes the parameters changes what it does, so
    train_step is checked with it for the order its docstring fixes."""

    def __init__(self, lr):
        self.lr = lr

    def step(self, weights, gradients):
        for position, (w, g) in enumerate(zip(weights, gradients)):
            w -= self.lr * (position + 1) * g
