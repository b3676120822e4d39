"""The grader's stand-ins for a1's gates, used when the neuron part is graded.

The neuron part grades the chaining only: the student's ``neuron`` runs with these in
place of their AddGate, MultiplyGate and SigmoidGate, so a bug in a gate costs points in
that gate's part alone. They run in the child beside the student's code, so they show no
more than the lesson teaches: the local gradients of each gate and the summing rule of
its broadcasting table.
"""

import numpy as np


def _reduce(grad, shape):
    """grad summed back to ``shape`` (the lesson's table: added axes, then stretched ones)."""
    grad = np.asarray(grad, dtype=np.float64)
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad.reshape(shape)


class AddGate:
    """out = x + y; dx = dout, dy = dout, each reduced to its input's shape."""

    def forward(self, x, y):
        self.shapes = np.shape(x), np.shape(y)
        return np.add(x, y, dtype=np.float64)

    def backward(self, dout):
        return _reduce(dout, self.shapes[0]), _reduce(dout, self.shapes[1])


class MultiplyGate:
    """out = x * y; dx = dout * y, dy = dout * x, each reduced to its input's shape."""

    def forward(self, x, y):
        self.x, self.y = np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)
        return self.x * self.y

    def backward(self, dout):
        return _reduce(dout * self.y, self.x.shape), _reduce(dout * self.x, self.y.shape)


class SigmoidGate:
    """out = 1 / (1 + exp(-x)); dx = dout * out * (1 - out)."""

    def forward(self, x):
        x = np.asarray(x, dtype=np.float64)
        self.out = np.exp(-np.logaddexp(0.0, -x))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)
