"""Assignment 3: losses and softmax.

Each loss has ``forward(pred, target) -> float``, the MEAN loss as a Python float, and
``backward() -> dpred``, the gradient of that mean with respect to ``pred``, with
exactly the shape of ``pred`` (there is no dout: the loss is the end of the graph).
Neither method modifies its arguments, and ``backward`` may be called again after the same
``forward``: it returns the same gradient (it never changes what forward cached).

Every formula here must stay finite and warning-free for logits of size 1e4 and for
probabilities of exactly 0 and 1.
"""

import numpy as np


class MSELoss:
    """L = mean over ALL elements of (pred - target)^2; dL/dpred = 2 (pred - target) / pred.size."""

    def forward(self, pred, target):
        """pred, target: same shape. Returns L as a float."""
        ### BEGIN SOLUTION
        self.diff = np.asarray(pred, dtype=np.float64) - target
        return float(np.mean(self.diff ** 2))
        ### END SOLUTION

    def backward(self):
        """Returns dL/dpred, shape of pred."""
        ### BEGIN SOLUTION
        return 2.0 * self.diff / self.diff.size
        ### END SOLUTION


class MAELoss:
    """L = mean over all elements of |pred - target|; dL/dpred = sign(pred - target) / pred.size.

    The subgradient at pred == target is 0 (np.sign(0) = 0).
    """

    def forward(self, pred, target):
        """pred, target: same shape. Returns L as a float."""
        ### BEGIN SOLUTION
        self.diff = np.asarray(pred, dtype=np.float64) - target
        return float(np.mean(np.abs(self.diff)))
        ### END SOLUTION

    def backward(self):
        """Returns dL/dpred, shape of pred."""
        ### BEGIN SOLUTION
        return np.sign(self.diff) / self.diff.size
        ### END SOLUTION


class BCELoss:
    """Binary cross-entropy on probabilities: L = -mean(t log p + (1 - t) log(1 - p)).

    pred: probabilities in [0, 1]; target: in [0, 1], same shape. p is clipped to
    [eps, 1 - eps] with eps = 1e-12 first, so p = 0 and p = 1 stay finite; backward is the
    gradient of the clipped formula: (p - t) / (p (1 - p)) / pred.size with the clipped p.
    """

    eps = 1e-12

    def forward(self, pred, target):
        """Returns L as a float."""
        ### BEGIN SOLUTION
        self.p = np.clip(pred, self.eps, 1.0 - self.eps)
        self.t = np.asarray(target, dtype=np.float64)
        return float(-np.mean(self.t * np.log(self.p) + (1.0 - self.t) * np.log1p(-self.p)))
        ### END SOLUTION

    def backward(self):
        """Returns dL/dpred, shape of pred."""
        ### BEGIN SOLUTION
        return (self.p - self.t) / (self.p * (1.0 - self.p)) / self.p.size
        ### END SOLUTION


class BCEWithLogitsLoss:
    """Binary cross-entropy on logits z: L = mean(max(z, 0) - z t + log(1 + exp(-|z|))).

    The same value as BCELoss(sigmoid(z), t) without ever forming sigmoid(z) or exp of a
    large number. dL/dz = (sigmoid(z) - t) / z.size, with a stable sigmoid.
    """

    def forward(self, pred, target):
        """pred: logits; target: in [0, 1], same shape. Returns L as a float."""
        ### BEGIN SOLUTION
        self.z = np.asarray(pred, dtype=np.float64)
        self.t = np.asarray(target, dtype=np.float64)
        return float(np.mean(np.maximum(self.z, 0.0) - self.z * self.t + np.log1p(np.exp(-np.abs(self.z)))))
        ### END SOLUTION

    def backward(self):
        """Returns dL/dpred, shape of pred."""
        ### BEGIN SOLUTION
        e = np.exp(-np.abs(self.z))
        sigmoid = np.where(self.z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return (sigmoid - self.t) / self.z.size
        ### END SOLUTION


def softmax(logits):
    """Softmax along the last axis: exp(z - max z) / sum exp(z - max z).

    logits: shape (..., C). Returns probabilities, same shape, each row summing to 1.
    Subtracting the row maximum changes nothing mathematically and prevents overflow.
    """
    ### BEGIN SOLUTION
    shifted = logits - np.max(logits, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)
    ### END SOLUTION


class SoftmaxCrossEntropyLoss:
    """L = mean over the N rows of -log softmax(logits)[i, y_i].

    pred: logits, shape (N, C); target: integer labels, shape (N,), in [0, C).
    log softmax uses a stable log-sum-exp (shift each row by its maximum).
    dL/dlogits = (softmax(logits) - onehot(y)) / N.
    """

    def forward(self, pred, target):
        """Returns L as a float."""
        ### BEGIN SOLUTION
        shifted = pred - np.max(pred, axis=1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        self.probs = np.exp(log_probs)
        self.labels = np.asarray(target)
        n = pred.shape[0]
        return float(-np.mean(log_probs[np.arange(n), self.labels]))
        ### END SOLUTION

    def backward(self):
        """Returns dL/dlogits, shape (N, C)."""
        ### BEGIN SOLUTION
        n = self.probs.shape[0]
        grad = self.probs.copy()
        grad[np.arange(n), self.labels] -= 1.0
        return grad / n
        ### END SOLUTION
