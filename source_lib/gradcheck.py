"""Numerical gradients and comparisons, shared by the public checks and the grader.

Every function works in float64. The gradient of a function ``f`` whose output is an
array is taken against an upstream gradient ``dout`` (shaped like the output): the
checked scalar is L(x) = sum(f(x) * dout), so dL/dx is what ``backward(dout)`` must
return.
"""

import numpy as np

REL_ERROR_FLOOR = 1e-8


def perturbations(x, h=1e-5, indices=None):
    """Yield (index, x_plus, x_minus) for centred differences.

    x: float64 array of any shape (not modified).
    indices: the flat indices to perturb (default: every element).
    x_plus / x_minus are copies of x with element ``index`` moved by +h / -h.
    """
    x = np.asarray(x, dtype=np.float64)
    flat_indices = range(x.size) if indices is None else indices
    for i in flat_indices:
        plus = x.copy()
        minus = x.copy()
        plus.flat[i] += h
        minus.flat[i] -= h
        yield i, plus, minus


def centred_difference(out_plus, out_minus, dout, h=1e-5):
    """(sum(out_plus * dout) - sum(out_minus * dout)) / (2h), as a float."""
    plus = np.sum(np.asarray(out_plus, dtype=np.float64) * dout)
    minus = np.sum(np.asarray(out_minus, dtype=np.float64) * dout)
    return float((plus - minus) / (2.0 * h))


def numerical_gradient(f, x, dout=None, h=1e-5):
    """dL/dx of L(x) = sum(f(x) * dout) by centred differences.

    f: callable taking an array shaped like x and returning an array (or a float).
    x: float64 array, shape S (not modified).
    dout: upstream gradient shaped like f(x); default 1 (so a scalar f is differentiated).
    Returns: array of shape S.
    """
    x = np.asarray(x, dtype=np.float64)
    dout = np.float64(1.0) if dout is None else np.asarray(dout, dtype=np.float64)
    grad = np.zeros_like(x)
    for i, plus, minus in perturbations(x, h):
        grad.flat[i] = centred_difference(f(plus), f(minus), dout, h)
    return grad


def random_directions(shape, count, rng):
    """``count`` random unit directions for an array of ``shape``: a list of arrays."""
    directions = []
    for _ in range(count):
        d = rng.standard_normal(shape)
        directions.append(d / np.linalg.norm(d))
    return directions


def rel_error(got, expected, floor=REL_ERROR_FLOOR, scale_floor=1e-3):
    """Elementwise relative error with a floor, as an array.

    err = |got - expected| / max(|got| + |expected|, floor, scale_floor * max|expected|).
    The floor that scales with the largest expected element keeps elements that are
    tiny next to the rest (a saturated sigmoid's gradient, say) from failing on
    rounding noise: there the test is in effect absolute, at the array's scale.
    """
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    finite = expected[np.isfinite(expected)]
    scale = float(np.abs(finite).max()) if finite.size else 0.0
    denominator = np.maximum(np.abs(got) + np.abs(expected), max(floor, scale_floor * scale))
    with np.errstate(invalid="ignore"):
        err = np.abs(got - expected) / denominator
    undefined = np.isnan(err)  # a NaN or an infinity on one side (never inf: the denominator is at least floor)
    if not undefined.any():
        return err
    return np.where(undefined & ~(np.isnan(got) & np.isnan(expected)), np.inf, np.where(undefined, 0.0, err))


def max_rel_error(got, expected, floor=REL_ERROR_FLOOR):
    """The largest elementwise relative error (0.0 for empty arrays)."""
    err = rel_error(got, expected, floor)
    return float(err.max()) if err.size else 0.0


def close(got, expected, rtol, atol=0.0):
    """True when every |got - expected| <= atol + rtol * max(|got|, |expected|) (NaN never close)."""
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        return False
    bound = atol + rtol * np.maximum(np.abs(got), np.abs(expected))
    return bool(np.all(np.abs(got - expected) <= bound))


def worst_element(got, expected, floor=REL_ERROR_FLOOR):
    """(index tuple, got value, expected value, rel error) of the worst element."""
    err = rel_error(got, expected, floor)
    flat = int(np.argmax(err)) if err.size else 0
    index = np.unravel_index(flat, err.shape) if err.ndim else ()
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    return tuple(int(i) for i in index), float(got[index]), float(expected[index]), float(err[index])


def diagnose(got, expected, batch_size=None, rtol=1e-6):
    """Name a recognisable pattern in a wrong gradient, or return None.

    Recognised (each relative to ``expected``): zero, wrong sign, a constant factor
    (by N = batch_size when given), transposed, NaN/inf, and 'right where the
    expected gradient is non-zero but leaking elsewhere'. For a single number only a
    factor of exactly N or 1/N is named (a sum where a mean is due, or the reverse).
    Returns a pattern key for ``source_lib.messages`` and its parameters.
    """
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if not np.all(np.isfinite(got)):
        return ("pattern_nonfinite", {})
    if got.shape == expected.shape[::-1] and got.shape != expected.shape:
        if close(got.T, expected, rtol, 1e-12):
            return ("pattern_transposed", {})
    if got.shape != expected.shape:
        return None
    if not np.any(expected):
        return None
    if got.size == 1:
        return _scalar_pattern(float(got.flat[0]), float(expected.flat[0]), batch_size)
    if not np.any(got):
        return ("pattern_zero", {})
    if close(-got, expected, rtol, 1e-12):
        return ("pattern_sign", {})
    if got.ndim == 2 and got.shape[0] == got.shape[1] and close(got.T, expected, rtol, 1e-12):
        return ("pattern_transposed", {})
    mask = expected != 0
    ratios = got[mask] / expected[mask]
    factor = float(np.median(ratios))
    if factor != 0 and close(got, factor * expected, rtol, 1e-12):
        if batch_size and batch_size > 1:
            for key, value in (("pattern_times_n", batch_size), ("pattern_divided_n", 1.0 / batch_size)):
                if abs(factor - value) <= 1e-6 * value:
                    return (key, {"n": batch_size})
        return ("pattern_factor", {"factor": factor})
    if close(got[mask], expected[mask], rtol, 1e-12):
        return ("pattern_leak", {})
    return None


def _scalar_pattern(got, expected, batch_size):
    """A single number says little: only a factor of exactly N (a sum where a mean is due) or 1/N."""
    if batch_size and batch_size > 1 and expected != 0:
        factor = got / expected
        if abs(factor - batch_size) <= 1e-6 * batch_size:
            return ("pattern_summed", {"n": batch_size})
        if abs(factor - 1.0 / batch_size) <= 1e-6 / batch_size:
            return ("pattern_divided_n", {"n": batch_size})
    return None
