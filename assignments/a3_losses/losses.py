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
        # YOUR CODE HERE
        raise NotImplementedError("MSELoss.forward")

    def backward(self):
        """Returns dL/dpred, shape of pred."""
        # YOUR CODE HERE
        raise NotImplementedError("MSELoss.backward")


class MAELoss:
    """L = mean over all elements of |pred - target|; dL/dpred = sign(pred - target) / pred.size.

    The subgradient at pred == target is 0 (np.sign(0) = 0).
    """

    def forward(self, pred, target):
        """pred, target: same shape. Returns L as a float."""
        # YOUR CODE HERE
        raise NotImplementedError("MAELoss.forward")

    def backward(self):
        """Returns dL/dpred, shape of pred."""
        # YOUR CODE HERE
        raise NotImplementedError("MAELoss.backward")


class BCELoss:
    """Binary cross-entropy on probabilities: L = -mean(t log p + (1 - t) log(1 - p)).

    pred: probabilities in [0, 1]; target: in [0, 1], same shape. p is clipped to
    [eps, 1 - eps] with eps = 1e-12 first, so p = 0 and p = 1 stay finite; backward is the
    gradient of the clipped formula: (p - t) / (p (1 - p)) / pred.size with the clipped p.
    """

    eps = 1e-12

    def forward(self, pred, target):
        """Returns L as a float."""
        # YOUR CODE HERE
        raise NotImplementedError("BCELoss.forward")

    def backward(self):
        """Returns dL/dpred, shape of pred."""
        # YOUR CODE HERE
        raise NotImplementedError("BCELoss.backward")


class BCEWithLogitsLoss:
    """Binary cross-entropy on logits z: L = mean(max(z, 0) - z t + log(1 + exp(-|z|))).

    The same value as BCELoss(sigmoid(z), t) without ever forming sigmoid(z) or exp of a
    large number. dL/dz = (sigmoid(z) - t) / z.size, with a stable sigmoid.
    """

    def forward(self, pred, target):
        """pred: logits; target: in [0, 1], same shape. Returns L as a float."""
        # YOUR CODE HERE
        raise NotImplementedError("BCEWithLogitsLoss.forward")

    def backward(self):
        """Returns dL/dpred, shape of pred."""
        # YOUR CODE HERE
        raise NotImplementedError("BCEWithLogitsLoss.backward")


def softmax(logits):
    """Softmax along the last axis: exp(z - max z) / sum exp(z - max z).

    logits: shape (..., C). Returns probabilities, same shape, each row summing to 1.
    Subtracting the row maximum changes nothing mathematically and prevents overflow.
    """
    # YOUR CODE HERE
    raise NotImplementedError("softmax")


class SoftmaxCrossEntropyLoss:
    """L = mean over the N rows of -log softmax(logits)[i, y_i].

    pred: logits, shape (N, C); target: integer labels, shape (N,), in [0, C).
    log softmax uses a stable log-sum-exp (shift each row by its maximum).
    dL/dlogits = (softmax(logits) - onehot(y)) / N.
    """

    def forward(self, pred, target):
        """Returns L as a float."""
        # YOUR CODE HERE
        raise NotImplementedError("SoftmaxCrossEntropyLoss.forward")

    def backward(self):
        """Returns dL/dlogits, shape (N, C)."""
        # YOUR CODE HERE
        raise NotImplementedError("SoftmaxCrossEntropyLoss.backward")
