"""Stub generation: marked regions become NotImplementedError naming the enclosing definition."""

import pytest

from autograder.authoring.stubs import MarkerError, make_stub, strip_markers

SOLUTION = '''import numpy as np


class Gate:
    def forward(self, x):
        """Doc."""
        ### BEGIN SOLUTION
        self.x = x
        return x * 2
        ### END SOLUTION


def helper(a):
    b = a + 1
    ### BEGIN SOLUTION
    return b * 3
    ### END SOLUTION
'''


def test_each_region_becomes_a_named_not_implemented_error():
    stub = make_stub(SOLUTION)
    assert 'raise NotImplementedError("Gate.forward")' in stub
    assert 'raise NotImplementedError("helper")' in stub
    assert "x * 2" not in stub and "b * 3" not in stub
    assert "b = a + 1" in stub and '"""Doc."""' in stub
    namespace = {}
    exec(compile(stub, "stub", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="Gate.forward"):
        namespace["Gate"]().forward(1)


def test_strip_markers_keeps_the_code():
    stripped = strip_markers(SOLUTION)
    assert "SOLUTION" not in stripped and "x * 2" in stripped


@pytest.mark.parametrize("text, error", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside another"),
    ("### BEGIN SOLUTON\nx=1\n", "malformed"),
])
def test_malformed_markers_are_rejected_with_the_line(text, error):
    with pytest.raises(MarkerError, match=error):
        make_stub(text, "f.py")
