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
    ### BEGIN SOLUTION
    grad = np.asarray(grad, dtype=np.float64)
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True).reshape(shape)
    ### END SOLUTION


class AddGate:
    """out = x + y.

    Local gradients: d out / dx = 1 and d out / dy = 1, so the gate passes ``dout``
    through unchanged to both inputs (reduced to each input's shape).
    """

    def forward(self, x, y):
        """x, y: arrays that broadcast together. Returns out = x + y, the broadcast shape."""
        ### BEGIN SOLUTION
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        self.x_shape, self.y_shape = x.shape, y.shape
        return x + y
        ### END SOLUTION

    def backward(self, dout):
        """dout: dL/dout, shape of out. Returns (dx, dy) shaped like x and y: dx = dy = dout, reduced."""
        ### BEGIN SOLUTION
        return unbroadcast(dout, self.x_shape), unbroadcast(dout, self.y_shape)
        ### END SOLUTION


class MultiplyGate:
    """out = x * y (elementwise).

    Local gradients: d out / dx = y and d out / dy = x: each input receives ``dout``
    times the *other* input ("the gradient switcher").
    """

    def forward(self, x, y):
        """x, y: arrays that broadcast together. Returns out = x * y, the broadcast shape."""
        ### BEGIN SOLUTION
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        return self.x * self.y
        ### END SOLUTION

    def backward(self, dout):
        """dout: dL/dout, shape of out. Returns (dx, dy): dx = dout * y, dy = dout * x, each reduced to its input's shape."""
        ### BEGIN SOLUTION
        dx = unbroadcast(dout * self.y, self.x.shape)
        dy = unbroadcast(dout * self.x, self.y.shape)
        return dx, dy
        ### END SOLUTION


class MaxGate:
    """out = max(x, y) (elementwise).

    The gate routes the gradient: the input that won receives ``dout``, the other
    receives 0. Tie rule: where x >= y (ties included) the gradient goes to x, and y
    receives 0 there.
    """

    def forward(self, x, y):
        """x, y: arrays that broadcast together. Returns out = np.maximum(x, y), the broadcast shape."""
        ### BEGIN SOLUTION
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        self.x_shape, self.y_shape = x.shape, y.shape
        self.x_wins = x >= y
        return np.maximum(x, y)
        ### END SOLUTION

    def backward(self, dout):
        """dout: dL/dout, shape of out. Returns (dx, dy): dx = dout where x >= y else 0; dy = dout where x < y else 0; each reduced."""
        ### BEGIN SOLUTION
        dx = np.where(self.x_wins, dout, 0.0)
        dy = np.where(self.x_wins, 0.0, dout)
        return unbroadcast(dx, self.x_shape), unbroadcast(dy, self.y_shape)
        ### END SOLUTION


class SigmoidGate:
    """out = sigmoid(x) = 1 / (1 + exp(-x)) (elementwise).

    Local gradient: d out / dx = sigmoid(x) * (1 - sigmoid(x)) = out * (1 - out), so
    ``backward`` reuses the cached *output*. It is at most 1/4 (at x = 0).
    forward must stay finite and warning-free for |x| up to 1e4.
    """

    def forward(self, x):
        """x: array of any shape. Returns out = 1 / (1 + exp(-x)), same shape."""
        ### BEGIN SOLUTION
        x = np.asarray(x, dtype=np.float64)
        # exp of a non-positive number never overflows: split by sign.
        z = np.exp(-np.abs(x))
        self.out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
        return self.out
        ### END SOLUTION

    def backward(self, dout):
        """dout: dL/dout, shape of x. Returns dx = dout * out * (1 - out), shape of x."""
        ### BEGIN SOLUTION
        return dout * self.out * (1.0 - self.out)
        ### END SOLUTION


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
    ### BEGIN SOLUTION
    w = np.asarray(w, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    mul0, mul1, add0, add1, sig = MultiplyGate(), MultiplyGate(), AddGate(), AddGate(), SigmoidGate()
    p0 = mul0.forward(w[0], x[0])
    p1 = mul1.forward(w[1], x[1])
    s = add0.forward(p0, p1)
    z = add1.forward(s, w[2])
    f = sig.forward(z)
    dz = sig.backward(np.float64(1.0))
    ds, dw2 = add1.backward(dz)
    dp0, dp1 = add0.backward(ds)
    dw0, dx0 = mul0.backward(dp0)
    dw1, dx1 = mul1.backward(dp1)
    return float(f), np.array([dw0, dw1, dw2], dtype=np.float64), np.array([dx0, dx1], dtype=np.float64)
    ### END SOLUTION
