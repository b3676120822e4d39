"""Assignment 5, part 2: diagnosing a network that stops learning.

A layer is recognised by its class name: ``type(layer).__name__ == "ReLU"`` or
``"Linear"`` (the functions never import the layers). Neither function changes the
model's parameters.
"""

import numpy as np


def dead_relu_units(model, X):
    """The dead units of each ReLU layer of ``model`` on the data X.

    X is forwarded through model.layers in order, in one pass. For each layer named
    "ReLU", in order, the mask has shape (units,) and is True for the units whose INPUT
    to that ReLU is <= 0 for EVERY row of X (they pass no gradient on any example).
    Units that are > 0 on some rows are not dead. Returns a list of boolean arrays.
    """
    ### BEGIN SOLUTION
    masks = []
    x = X
    for layer in model.layers:
        if type(layer).__name__ == "ReLU":
            masks.append(np.all(x <= 0, axis=0))
        x = layer.forward(x)
    return masks
    ### END SOLUTION


def gradient_norms(model):
    """The Frobenius norm of grads["W"] of each layer named "Linear", input side first.

    Call it after a backward pass. Returns a list of floats; in a deep sigmoid network the
    first entries are orders of magnitude smaller than the last (vanishing gradients).
    """
    ### BEGIN SOLUTION
    return [float(np.linalg.norm(layer.grads["W"])) for layer in model.layers if type(layer).__name__ == "Linear"]
    ### END SOLUTION
