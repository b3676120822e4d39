"""Seeded toy data sets for the lessons, the demos and the grader.

Every function takes ``rng``: a ``numpy.random.Generator`` (its state advances) or an
int seed (a fresh ``np.random.default_rng(seed)``). The same seed always gives the same
arrays. Inputs are float64; class labels are int64 in ``0 .. n_classes - 1``; the rows of
every classification set are shuffled, so a prefix of the rows holds every class.
"""

import numpy as np


def as_generator(rng):
    """``rng`` as a numpy Generator: a Generator is returned as is, an int seeds a new one."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be a numpy Generator or an int seed, not {type(rng).__name__}")


def _check_count(name, value, minimum=1):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")


def _check_noise(noise):
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")


def _shuffled(rng, X, labels):
    order = rng.permutation(len(X))
    return X[order], labels[order]


def spirals(n_per_class=100, n_classes=3, noise=0.2, rng=0):
    """Interleaved spiral arms, one per class (not linearly separable).

    Arm j has n_per_class points at radius r in linspace(0, 1) and angle
    theta = 4j + 4r + noise * N(0, 1); the point is r * (sin theta, cos theta).
    Returns (X, y): X, shape (n_per_class * n_classes, 2), float64, within [-1, 1];
    y, shape (n_per_class * n_classes,), int64 in 0 .. n_classes - 1.
    """
    _check_count("n_per_class", n_per_class)
    _check_count("n_classes", n_classes, minimum=2)
    _check_noise(noise)
    rng = as_generator(rng)
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    theta = 4.0 * y + 4.0 * r + noise * rng.standard_normal(r.shape)
    X = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    return _shuffled(rng, X, y)


def moons(n=200, noise=0.1, rng=0):
    """Two interleaving half circles ("moons").

    Class 0: (cos a, sin a); class 1: (1 - cos a, 0.5 - sin a), a evenly spaced in
    [0, pi]; then noise * N(0, 1) is added to every coordinate. Class 0 gets n - n // 2
    points, class 1 gets n // 2.
    Returns (X, y): X, shape (n, 2), float64; y, shape (n,), int64 in {0, 1}.
    """
    _check_count("n", n, minimum=2)
    _check_noise(noise)
    rng = as_generator(rng)
    n_outer = n - n // 2
    a_outer = np.linspace(0.0, np.pi, n_outer)
    a_inner = np.linspace(0.0, np.pi, n // 2)
    X = np.concatenate([
        np.column_stack([np.cos(a_outer), np.sin(a_outer)]),
        np.column_stack([1.0 - np.cos(a_inner), 0.5 - np.sin(a_inner)]),
    ])
    X = X + noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n_outer, dtype=np.int64), np.ones(n // 2, dtype=np.int64)])
    return _shuffled(rng, X, y)


def xor(n=200, noise=0.2, rng=0):
    """The XOR problem: four clusters at the corners (+-1, +-1).

    Each point picks a corner c = (c0, c1) with c0, c1 in {-1, +1} uniformly at random and
    is c + noise * N(0, 1). Its label is 1 where the corner's signs differ (c0 * c1 = -1),
    else 0, so no straight line separates the classes.
    Returns (X, y): X, shape (n, 2), float64; y, shape (n,), int64 in {0, 1}.
    """
    _check_count("n", n)
    _check_noise(noise)
    rng = as_generator(rng)
    corners = rng.integers(0, 2, size=(n, 2)) * 2.0 - 1.0
    X = corners + noise * rng.standard_normal((n, 2))
    y = (corners[:, 0] != corners[:, 1]).astype(np.int64)
    return X, y


def regression(n=200, n_features=1, noise=0.1, rng=0):
    """A linear regression problem with Gaussian noise.

    X ~ N(0, 1), shape (n, n_features); hidden weights w ~ N(0, 1), shape (n_features, 1)
    and bias b ~ N(0, 1); t = X @ w + b + noise * N(0, 1). The best possible mean
    squared error is noise ** 2.
    Returns (X, t): X, shape (n, n_features), float64; t, shape (n, 1), float64.
    """
    _check_count("n", n)
    _check_count("n_features", n_features)
    _check_noise(noise)
    rng = as_generator(rng)
    w = rng.standard_normal((n_features, 1))
    b = rng.standard_normal()
    X = rng.standard_normal((n, n_features))
    t = X @ w + b + noise * rng.standard_normal((n, 1))
    return X, t


def train_test_split(X, y, test_fraction=0.2, rng=0):
    """Split the rows of X and y at random into a training and a test set.

    X: inputs, shape (N, ...); y: labels or targets, shape (N, ...) (same N).
    test_fraction: in (0, 1); the test set gets round(test_fraction * N) rows, and each
    set gets at least one row. The arrays are not modified; the results are copies.
    Returns (X_train, X_test, y_train, y_test), rows in a random order.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(f"X and y need the same number of rows, got shapes {X.shape} and {y.shape}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    n = len(X)
    if n < 2:
        raise ValueError(f"need at least 2 rows to split, got {n}")
    n_test = min(max(int(round(test_fraction * n)), 1), n - 1)
    order = as_generator(rng).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]
