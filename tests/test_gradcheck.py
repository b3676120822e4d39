"""source_lib.gradcheck: centred differences, floored relative error, recognisable patterns."""

import numpy as np
import pytest

from source_lib import gradcheck


def test_numerical_gradient_of_a_known_function(rng):
    x = rng.standard_normal((3, 4))
    dout = rng.standard_normal((3, 4))
    numeric = gradcheck.numerical_gradient(np.sin, x, dout)
    assert gradcheck.max_rel_error(numeric, np.cos(x) * dout) < 1e-8


def test_numerical_gradient_does_not_modify_its_input(rng):
    x = rng.standard_normal(5)
    before = x.copy()
    gradcheck.numerical_gradient(lambda v: v ** 2, x)
    assert np.array_equal(x, before)


def test_relative_error_floor_scales_with_the_array():
    expected = np.array([1.0, 1e-13])
    got = np.array([1.0, 2e-13])
    assert gradcheck.max_rel_error(got, expected) < 1e-9
    assert gradcheck.max_rel_error(np.array([1.0, 0.01]), expected) > 1e-3


def test_nan_is_never_close():
    assert gradcheck.max_rel_error(np.array([np.nan]), np.array([1.0])) == np.inf


@pytest.mark.parametrize("transform, key", [
    (lambda g: -g, "pattern_sign"),
    (lambda g: 4 * g, "pattern_times_n"),
    (lambda g: g / 4, "pattern_divided_n"),
    (lambda g: 3 * g, "pattern_factor"),
    (lambda g: np.zeros_like(g), "pattern_zero"),
    (lambda g: g.T, "pattern_transposed"),
    (lambda g: np.full_like(g, np.nan), "pattern_nonfinite"),
])
def test_diagnose_names_the_pattern(rng, transform, key):
    expected = rng.standard_normal((4, 3))
    assert gradcheck.diagnose(transform(expected), expected, batch_size=4)[0] == key


def test_diagnose_finds_no_pattern_in_noise(rng):
    expected = rng.standard_normal((4, 3))
    assert gradcheck.diagnose(rng.standard_normal((4, 3)), expected) is None


def test_relative_errors_of_non_finite_values():
    """NaN or an infinity on either side is infinitely wrong, but NaN against NaN agrees; the
    finite elements beside them keep their own error."""
    got = np.array([np.nan, np.inf, np.nan, np.inf, 1.0, 2.0])
    expected = np.array([1.0, 1.0, np.nan, np.inf, 1.0, 1.0])
    err = gradcheck.rel_error(got, expected)
    assert list(err[:4]) == [np.inf, np.inf, 0.0, np.inf] and err[4] == 0.0 and err[5] == pytest.approx(1 / 3)
