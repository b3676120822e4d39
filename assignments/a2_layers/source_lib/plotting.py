"""Small matplotlib helpers for the lesson demos and the grader's feedback.

matplotlib is imported inside the functions, never at import time: the grader imports
``source_lib`` in every child process and must stay fast. Without a display (no
``DISPLAY`` or ``WAYLAND_DISPLAY`` on Linux, no ``MPLBACKEND`` set, pyplot not yet
imported) the non-interactive Agg backend is chosen, so the helpers work on a server, in
CI and in the grader; a notebook keeps its own inline backend.

Every helper draws on ``ax`` (a new figure when None) and returns the Axes.
"""

import os
import sys

import numpy as np


def _pyplot():
    """matplotlib.pyplot, with the Agg backend when there is no display."""
    import matplotlib

    headless = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _axes(ax, figsize):
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=figsize)
    return ax


def _labels(predicted):
    """Class labels from what a predict function returned (see plot_decision_boundary)."""
    predicted = np.asarray(predicted, dtype=np.float64)
    if predicted.ndim == 2 and predicted.shape[1] > 1:
        return predicted.argmax(axis=1)
    return np.rint(predicted.reshape(-1)).astype(np.int64)


def plot_decision_boundary(predict, X, y, ax=None, resolution=200, margin=0.25):
    """The regions a classifier assigns to each class, with the data on top.

    predict: callable taking a float64 array of shape (M, 2) and returning either class
        scores of shape (M, C) with C >= 2 (the label is the argmax) or labels of shape
        (M,) or (M, 1) (rounded to the nearest integer, so a probability of class 1 is
        thresholded at 0.5).
    X: inputs, shape (N, 2); y: integer labels, shape (N,).
    resolution: grid points per axis; margin: fraction of the data's range added around it.
    Returns: the Axes.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y):
        raise ValueError(f"need X of shape (N, 2) and y of shape (N,), got {X.shape} and {y.shape}")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-12)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    regions = _labels(predict(grid)).reshape(gx.shape)
    n_classes = int(max(regions.max(), y.max())) + 1
    ax = _axes(ax, (5, 5))
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(gx, gy, regions, levels=levels, cmap="viridis", alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="viridis", vmin=0, vmax=max(n_classes - 1, 1),
               s=15, edgecolors="k", linewidths=0.3)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    return ax


def plot_loss_curves(curves, ax=None, logy=False):
    """One line per named loss curve, against the step (or epoch) index.

    curves: dict mapping a label (e.g. "yours", "reference") to a sequence of losses.
    logy: use a logarithmic y axis (losses spanning several orders of magnitude).
    Returns: the Axes.
    """
    ax = _axes(ax, (6, 3.5))
    for label, values in curves.items():
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        ax.plot(np.arange(len(values)), values, label=str(label))
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    if curves:
        ax.legend()
    return ax


def plot_gradient_norms(norms, ax=None, logy=True):
    """A bar chart of the gradient norm of each layer, input side first.

    norms: a sequence of floats (one per layer, e.g. what ``gradient_norms(model)``
        returns), or a dict mapping a label (e.g. "sigmoid", "relu") to such a sequence;
        a dict's series are drawn as grouped bars, layer by layer.
    logy: logarithmic y axis (the default: vanishing gradients span orders of magnitude).
    A norm of exactly 0 (e.g. a layer of dead ReLUs) is marked "0" at the bottom.
    Returns: the Axes.
    """
    series = dict(norms) if isinstance(norms, dict) else {"": norms}
    series = {str(k): np.asarray(v, dtype=np.float64).reshape(-1) for k, v in series.items()}
    n_layers = max((len(v) for v in series.values()), default=0)
    ax = _axes(ax, (6, 3.5))
    width = 0.8 / max(len(series), 1)
    for i, (label, values) in enumerate(series.items()):
        positions = np.arange(len(values)) + (i - (len(series) - 1) / 2) * width
        ax.bar(positions, values, width=width, label=label or None)
        for position in positions[values == 0]:  # a zero bar is invisible: say it is 0
            ax.text(position, 0.01, "0", transform=ax.get_xaxis_transform(), ha="center", va="bottom")
    if logy:
        ax.set_yscale("log")
    ax.set_xticks(np.arange(n_layers))
    ax.set_xticklabels([f"layer {i + 1}" for i in range(n_layers)])
    ax.set_ylabel("gradient norm")
    if len(series) > 1 or any(series):
        ax.legend()
    return ax


def plot_activation(fn, dfn, lo=-5.0, hi=5.0, ax=None, name="f", points=400):
    """An activation function and its derivative on [lo, hi].

    fn: callable mapping a float64 array of shape (points,) to an array of that shape.
    dfn: its derivative, same convention, or None to draw fn only.
    name: the function's name in the legend.
    Returns: the Axes.
    """
    x = np.linspace(lo, hi, points)
    ax = _axes(ax, (6, 3.5))
    ax.plot(x, np.asarray(fn(x), dtype=np.float64), label=f"{name}(x)")
    if dfn is not None:
        ax.plot(x, np.asarray(dfn(x), dtype=np.float64), label=f"{name}'(x)")
    ax.axhline(0.0, color="gray", linewidth=0.5)
    ax.axvline(0.0, color="gray", linewidth=0.5)
    ax.set_xlabel("x")
    ax.legend()
    return ax
