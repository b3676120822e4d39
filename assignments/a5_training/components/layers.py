"""Assignment 2: layers of a multi-layer perceptron, in matrix form.

Every layer has ``params`` and ``grads`` dicts (empty for activations), ``forward(x)``
and ``backward(dout) -> dx``. ``forward`` caches what ``backward`` needs;
``backward`` returns dL/dx with exactly the shape of x, fills ``grads`` with the same
keys and shapes as ``params``, and never modifies ``dout`` or the cached input.

Conventions the grader relies on:

- x: a batch of inputs, float64, shape (N, D) (rows are examples); activations accept
  any shape.
- Parameters are updated IN PLACE by the grader and by the optimizers
  (``params["W"][...] = value``, ``p -= lr * g``): read them from ``self.params``
  every time, never from a copy.
- Activations stay finite and warning-free for inputs of size 1e3 and 1e4.
"""

import numpy as np


class Linear:
    """out = x @ W + b.

    params: W, shape (in_features, out_features); b, shape (out_features,).
    Initialisation (from ``rng``): init="he": W = rng.standard_normal((in, out)) * sqrt(2 / in);
    "xavier": * sqrt(1 / in); "small": * 0.01. b = 0.
    Gradients: dW = x.T @ dout, shape (in, out); db = dout summed over the batch, shape
    (out,); dx = dout @ W.T, shape (N, in).
    """

    def __init__(self, in_features, out_features, rng, init="he"):
        scale = {"he": np.sqrt(2.0 / in_features), "xavier": np.sqrt(1.0 / in_features), "small": 0.01}[init]
        self.params = {"W": rng.standard_normal((in_features, out_features)) * scale,
                       "b": np.zeros(out_features)}
        self.grads = {}

    def forward(self, x):
        """x: shape (N, in_features). Returns out, shape (N, out_features)."""
        self.x = np.array(x, dtype=np.float64)
        return self.x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        """dout: shape (N, out_features). Sets grads["W"], grads["b"]; returns dx, shape (N, in_features)."""
        self.grads = {"W": self.x.T @ dout, "b": dout.sum(axis=0)}
        return dout @ self.params["W"].T


class Sigmoid:
    """out = 1 / (1 + exp(-x)); d out / dx = out * (1 - out), at most 1/4 (at x = 0).

    forward must not overflow for large |x| (split the formula by the sign of x).
    """

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        """x: any shape. Returns out, same shape."""
        x = np.asarray(x, dtype=np.float64)
        z = np.exp(-np.abs(x))
        self.out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
        return self.out

    def backward(self, dout):
        """dout: shape of x. Returns dx = dout * out * (1 - out)."""
        return dout * self.out * (1.0 - self.out)


class Tanh:
    """out = tanh(x); d out / dx = 1 - out^2."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        """x: any shape. Returns out = tanh(x), same shape."""
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout):
        """dout: shape of x. Returns dx = dout * (1 - out^2)."""
        return dout * (1.0 - self.out ** 2)


class ReLU:
    """out = max(x, 0). The gradient passes only where x > 0: the derivative at exactly 0 is 0.

    A unit whose input is <= 0 for every example gets no gradient at all: it is dead.
    """

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        """x: any shape. Returns out = max(x, 0), same shape."""
        self.positive = np.asarray(x) > 0
        return np.where(self.positive, x, 0.0)

    def backward(self, dout):
        """dout: shape of x. Returns dx = dout where x > 0, else 0."""
        return np.where(self.positive, dout, 0.0)


class LeakyReLU:
    """out = x where x > 0, else negative_slope * x; the derivative at 0 is negative_slope."""

    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope
        self.params, self.grads = {}, {}

    def forward(self, x):
        """x: any shape. Returns out, same shape."""
        self.positive = np.asarray(x) > 0
        return np.where(self.positive, x, self.negative_slope * x)

    def backward(self, dout):
        """dout: shape of x. Returns dx = dout where x > 0, else negative_slope * dout."""
        return np.where(self.positive, dout, self.negative_slope * dout)


class ELU:
    """out = x where x > 0, else alpha * (exp(x) - 1); derivative 1 where x > 0, else alpha * exp(x).

    Never evaluate exp of a large positive x, not even in a branch np.where discards
    (use np.minimum(x, 0) inside exp).
    """

    def __init__(self, alpha=1.0):
        self.alpha = alpha
        self.params, self.grads = {}, {}

    def forward(self, x):
        """x: any shape. Returns out, same shape."""
        self.x = np.array(x, dtype=np.float64)
        return np.where(self.x > 0, self.x, self.alpha * np.expm1(np.minimum(self.x, 0.0)))

    def backward(self, dout):
        """dout: shape of x. Returns dx = dout where x > 0, else dout * alpha * exp(x)."""
        return np.where(self.x > 0, dout, dout * self.alpha * np.exp(np.minimum(self.x, 0.0)))


class GELU:
    """The tanh approximation: out = 0.5 * x * (1 + tanh(c * (x + 0.044715 x^3))), c = sqrt(2 / pi).

    d out / dx = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 * 0.044715 x^2), with t the tanh above.
    """

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        """x: any shape. Returns out, same shape."""
        self.x = np.array(x, dtype=np.float64)
        self.t = np.tanh(np.sqrt(2.0 / np.pi) * (self.x + 0.044715 * self.x ** 3))
        return 0.5 * self.x * (1.0 + self.t)

    def backward(self, dout):
        """dout: shape of x. Returns dx, same shape."""
        x, t = self.x, self.t
        local = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t ** 2) * np.sqrt(2.0 / np.pi) * (1.0 + 3 * 0.044715 * x ** 2)
        return dout * local


class Identity:
    """out = x; dx = dout (a linear 'activation': stacks of Linear layers with it collapse into one).

    Given, not graded: it is what code that computes nothing would return.
    """

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        """x: any shape. Returns out = x (a copy is not needed: out is never modified)."""
        return x

    def backward(self, dout):
        """dout: shape of x. Returns dx = dout."""
        return dout


class BatchNorm1d:
    """Batch normalisation of features: out = gamma * xhat + beta.

    params: gamma, shape (D,), ones; beta, shape (D,), zeros. ``training`` is True after
    construction and after ``train()``, False after ``eval()``.
    Train mode: xhat = (x - mean) / sqrt(var + eps) with the batch mean and the BIASED
    batch variance (x.var(axis=0)); then, in place of the old values,
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var * N / (N - 1)
    (the UNBIASED batch variance, as PyTorch does). running_mean starts at zeros,
    running_var at ones, both shape (D,).
    Eval mode: xhat = (x - running_mean) / sqrt(running_var + eps); nothing is updated and
    backward treats the statistics as constants: dx = dout * gamma / sqrt(running_var + eps).
    Train-mode backward includes the paths through the batch mean and variance.
    """

    def __init__(self, num_features, momentum=0.1, eps=1e-5):
        self.momentum, self.eps = momentum, eps
        self.params = {"gamma": np.ones(num_features), "beta": np.zeros(num_features)}
        self.grads = {}
        self.running_mean = np.zeros(num_features)
        self.running_var = np.ones(num_features)
        self.training = True

    def train(self):
        self.training = True

    def eval(self):
        self.training = False

    def forward(self, x):
        """x: shape (N, D). Returns out, shape (N, D)."""
        x = np.asarray(x, dtype=np.float64)
        if self.training:
            n = x.shape[0]
            mean, var = x.mean(axis=0), x.var(axis=0)
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * n / max(n - 1, 1)
        else:
            mean, var = self.running_mean, self.running_var
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.xhat = (x - mean) * self.inv_std
        return self.params["gamma"] * self.xhat + self.params["beta"]

    def backward(self, dout):
        """dout: shape (N, D). Sets grads["gamma"], grads["beta"] (sums over the batch); returns dx, shape (N, D)."""
        self.grads = {"gamma": np.sum(dout * self.xhat, axis=0), "beta": np.sum(dout, axis=0)}
        dxhat = dout * self.params["gamma"]
        if not self.training:
            return dxhat * self.inv_std
        n = dout.shape[0]
        return self.inv_std / n * (n * dxhat - dxhat.sum(axis=0) - self.xhat * np.sum(dxhat * self.xhat, axis=0))


class Sequential:
    """Layers applied in order: forward through ``layers``, backward in reverse.

    ``layers``: the list given. ``params``: {f"{i}.{name}": array} over the layers' params
    (the very same arrays); after ``backward``, ``grads`` holds the layers' grads under
    the same keys. ``train()`` and ``eval()`` are passed to the layers that have them.
    """

    def __init__(self, layers):
        self.layers = list(layers)
        self.params = {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}
        self.grads = {}

    def train(self):
        for layer in self.layers:
            if hasattr(layer, "train"):
                layer.train()

    def eval(self):
        for layer in self.layers:
            if hasattr(layer, "eval"):
                layer.eval()

    def forward(self, x):
        """x: input of the first layer. Returns the output of the last."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        """dout: gradient of the last layer's output. Returns dx of the first layer's input; sets grads."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        self.grads = {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}
        return dout
