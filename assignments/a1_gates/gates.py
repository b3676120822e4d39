"""Assignment 1: gates of a computational graph.

A gate is a small class. ``forward`` computes the gate's output and caches exactly
what ``backward`` needs; ``backward(dout)`` applies the chain rule: it multiplies the
upstream gradient ``dout`` (dL/dout, shaped like the output) by the gate's local
gradient and returns dL/dinput for each input, in the order of the inputs.

Conventions the grader relies on:

- Inputs are float64 numpy arrays (0-d arrays and Python floats are allowed too).
- Two-input gates accept inputs that broadcast against each other (numpy rules), so
  the output has the broadcast shape. Each returned gradient is reduced (summed over
  the broadcast axes) back to exactly the shape of its input.
- ``forward`` and ``backward`` never modify their arguments (``x``, ``y``, ``dout``).
"""

import numpy as np


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched.

    grad: gradient with respect to a broadcast result, shape B.
    shape: the shape of the input before broadcasting (B must be broadcastable from it).
    Returns: an array of exactly ``shape``; out = grad summed over every axis where
    ``shape`` is missing (leading axes) or has size 1 while B does not.
    """
    # YOUR CODE HERE
    raise NotImplementedError("unbroadcast")


class AddGate:
    """out = x + y.

    Local gradients: d out / dx = 1 and d out / dy = 1, so the gate passes ``dout``
    through unchanged to both inputs (reduced to each input's shape).
    """

    def forward(self, x, y):
        """x, y: arrays that broadcast together. Returns out = x + y, the broadcast shape."""
        # YOUR CODE HERE
        raise NotImplementedError("AddGate.forward")

    def backward(self, dout):
        """dout: dL/dout, shape of out. Returns (dx, dy) shaped like x and y: dx = dy = dout, reduced."""
        # YOUR CODE HERE
        raise NotImplementedError("AddGate.backward")


class MultiplyGate:
    """out = x * y (elementwise).

    Local gradients: d out / dx = y and d out / dy = x: each input receives ``dout``
    times the *other* input ("the gradient switcher").
    """

    def forward(self, x, y):
        """x, y: arrays that broadcast together. Returns out = x * y, the broadcast shape."""
        # YOUR CODE HERE
        raise NotImplementedError("MultiplyGate.forward")

    def backward(self, dout):
        """dout: dL/dout, shape of out. Returns (dx, dy): dx = dout * y, dy = dout * x, each reduced to its input's shape."""
        # YOUR CODE HERE
        raise NotImplementedError("MultiplyGate.backward")


class MaxGate:
    """out = max(x, y) (elementwise).

    The gate routes the gradient: the input that won receives ``dout``, the other
    receives 0. Tie rule: where x >= y (ties included) the gradient goes to x, and y
    receives 0 there.
    """

    def forward(self, x, y):
        """x, y: arrays that broadcast together. Returns out = np.maximum(x, y), the broadcast shape."""
        # YOUR CODE HERE
        raise NotImplementedError("MaxGate.forward")

    def backward(self, dout):
        """dout: dL/dout, shape of out. Returns (dx, dy): dx = dout where x >= y else 0; dy = dout where x < y else 0; each reduced."""
        # YOUR CODE HERE
        raise NotImplementedError("MaxGate.backward")


class SigmoidGate:
    """out = sigmoid(x) = 1 / (1 + exp(-x)) (elementwise).

    Local gradient: d out / dx = sigmoid(x) * (1 - sigmoid(x)) = out * (1 - out), so
    ``backward`` reuses the cached *output*. It is at most 1/4 (at x = 0).
    forward must stay finite and warning-free for |x| up to 1e4.
    """

    def forward(self, x):
        """x: array of any shape. Returns out = 1 / (1 + exp(-x)), same shape."""
        # YOUR CODE HERE
        raise NotImplementedError("SigmoidGate.forward")

    def backward(self, dout):
        """dout: dL/dout, shape of x. Returns dx = dout * out * (1 - out), shape of x."""
        # YOUR CODE HERE
        raise NotImplementedError("SigmoidGate.backward")


def neuron(w, x):
    """A sigmoid neuron built by chaining the gates above.

    w: weights, shape (3,): w0, w1 and the bias w2.
    x: inputs, shape (2,): x0, x1.
    Returns (f, dw, dx):
        f = sigmoid(w0*x0 + w1*x1 + w2), a number (a float; a 0-d array is accepted too);
        dw = df/dw, shape (3,); dx = df/dx, shape (2,).
    The exercise: compute it by chaining MultiplyGate, AddGate and SigmoidGate (forward
    through the graph, then backward from df/df = 1). The grader checks the values only,
    and runs your neuron with its own gates in place of yours.
    Worked example: w = [2, -3, -3], x = [-1, -2] gives f = sigmoid(1) = 0.7311,
    dw = [-0.1966, -0.3932, 0.1966], dx = [0.3932, -0.5898].
    """
    # YOUR CODE HERE
    raise NotImplementedError("neuron")
