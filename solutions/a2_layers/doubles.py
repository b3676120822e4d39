"""Test doubles: tiny layers, trivially right, that the grader builds in the child.

They let a check exercise one piece of student code on its own: the student's
``Sequential`` is checked on a stack of these, so a bug in the student's ``Linear``
costs points in ``linear`` only. They use only numpy and are no exercise's solution.
"""

import numpy as np


class Affine:
    """out = x @ W + b with params {"W": (D, M), "b": (M,)} given at construction."""

    def __init__(self, W, b):
        self.params = {"W": np.array(W, dtype=np.float64), "b": np.array(b, dtype=np.float64)}
        self.grads = {}

    def forward(self, x):
        self.x = np.array(x, dtype=np.float64)
        return self.x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        self.grads = {"W": self.x.T @ dout, "b": dout.sum(axis=0)}
        return dout @ self.params["W"].T


class Softplus:
    """out = log(1 + exp(x)), elementwise; no parameters."""

    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, x):
        self.x = np.array(x, dtype=np.float64)
        return np.logaddexp(0.0, self.x)

    def backward(self, dout):
        return dout / (1.0 + np.exp(-self.x))
