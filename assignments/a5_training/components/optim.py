"""Assignment 4: optimizers and gradient clipping.

Each optimizer has ``step(params, grads)``: params and grads are lists of float64
arrays of matching shapes. ``step`` updates every ``params[i]`` IN PLACE (the caller's
arrays: ``p -= ...``), never modifies ``grads``, and keeps its state (velocities, sums
of squares, moments) per POSITION i in the list, created on first use with the shape
of that parameter. A call of ``step`` is one update of every parameter.
"""

import numpy as np


class SGD:
    """p -= lr * g."""

    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        for p, g in zip(params, grads):
            p -= self.lr * g


class Momentum:
    """v = mu * v - lr * g; p += v (v starts at 0 for each position)."""

    def __init__(self, lr, mu=0.9):
        self.lr, self.mu = lr, mu
        self.velocity = {}

    def step(self, params, grads):
        for i, (p, g) in enumerate(zip(params, grads)):
            v = self.velocity.setdefault(i, np.zeros_like(p))
            v *= self.mu
            v -= self.lr * g
            p += v


class Adagrad:
    """G += g * g; p -= lr * g / (sqrt(G) + eps) (G starts at 0 and is never forgotten)."""

    def __init__(self, lr, eps=1e-8):
        self.lr, self.eps = lr, eps
        self.sum_squares = {}

    def step(self, params, grads):
        for i, (p, g) in enumerate(zip(params, grads)):
            G = self.sum_squares.setdefault(i, np.zeros_like(p))
            G += g * g
            p -= self.lr * g / (np.sqrt(G) + self.eps)


class RMSProp:
    """s = rho * s + (1 - rho) * g * g; p -= lr * g / (sqrt(s) + eps); eps OUTSIDE the root."""

    def __init__(self, lr, rho=0.9, eps=1e-8):
        self.lr, self.rho, self.eps = lr, rho, eps
        self.mean_squares = {}

    def step(self, params, grads):
        for i, (p, g) in enumerate(zip(params, grads)):
            s = self.mean_squares.setdefault(i, np.zeros_like(p))
            s *= self.rho
            s += (1.0 - self.rho) * g * g
            p -= self.lr * g / (np.sqrt(s) + self.eps)


class Adam:
    """Adam with bias correction.

    t counts the calls of ``step`` (t = 1 in the first call), shared by the parameters of
    a call; per position: m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2;
    m_hat = m / (1 - beta1^t); v_hat = v / (1 - beta2^t); p -= lr m_hat / (sqrt(v_hat) + eps),
    eps OUTSIDE the root. Without the correction the first steps would be ~(1 - beta1) /
    sqrt(1 - beta2) = 3.16 times too large in proportion and biased towards 0.
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m, self.v = {}, {}

    def step(self, params, grads):
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads)):
            m = self.m.setdefault(i, np.zeros_like(p))
            v = self.v.setdefault(i, np.zeros_like(p))
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            m_hat = m / (1.0 - self.beta1 ** self.t)
            v_hat = v / (1.0 - self.beta2 ** self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def clip_grad_norm(grads, max_norm):
    """Clip gradients by their TOTAL L2 norm, in place.

    grads: list of arrays. total_norm = sqrt(sum over every element of every array of g^2).
    If total_norm > max_norm, every array is multiplied in place by max_norm / total_norm
    (exactly; no eps). Returns total_norm as a float, measured BEFORE clipping.
    """
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    if total > max_norm:
        for g in grads:
            g *= max_norm / total
    return total
