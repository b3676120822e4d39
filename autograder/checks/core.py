"""The reusable kinds of hidden check, and the value comparisons they share.

A check belongs to one course part and runs against a ``Context``: the student's
code (a sandbox ``Session``), the reference (``runners.Reference``), a seeded random
generator for its inputs, the tolerances and the language of its messages. It
returns normally when it passes and raises ``CheckFailure`` (or lets the sandbox's
``StudentError`` through) when it does not.

Check kinds:
- ``Forward``: outputs (and parameter-free state) equal the reference's.
- ``GradCheck``: backward equals centred differences of the student's own forward
  (element by element for small inputs, along random directions for large ones),
  for inputs and parameters.
- ``Backward``: input and parameter gradients equal the reference's for the same dout.
- ``InputsUnchanged``: forward and backward leave their arguments and dout as given, and
  backward leaves the arguments forward was given (and may have cached) and the array
  forward returned (which the caller still holds) as they were.
- ``Stable``: large inputs give finite outputs and gradients and no numpy warning.
- ``Value``: a function's result equals the reference's (any nesting of tuples,
  lists, dicts, floats and arrays).
- ``ReturnsFloat``: forward returns a float, not an array (once its value is right).
- ``FunctionGradCheck``: a function that returns (value, gradients...) is checked
  against centred differences of its own value.

Nothing for nothing, and points follow the work: the checks that judge the student's
code against itself (``GradCheck``, ``InputsUnchanged``, ``Stable``, ``ReturnsFloat``,
``FunctionGradCheck``) are judged only when the unit's forward (the function's value) is
the documented function up to what a student plausibly wrote (``judged``): on the check's
inputs and on a second draw it equals the reference's times one constant (1 included,
within ``PLAUSIBLE_REL``: a ½ in an MSE, an eps, a literal constant), or a declared
variant's forward (``Context.variants``: GELU by its exact erf form, say). Otherwise they
fail as "not judged": code that returns zeros, a constant or a scaled copy of its input
is consistent with itself, but computes nothing.
"""

import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from autograder.sandbox import wire
from source_lib import gradcheck
from source_lib.messages import message


class CheckFailure(Exception):
    """The student's values are wrong; the message says how.

    diagnosis: a short code for the kind of mistake when it is recognisable
    ("transposed", "divided_n", "sign", "mutated", ...), counted across a class by the
    report. figure: data for the feedback page's picture of the failure, a dict with a
    "kind" ("error_map", "loss_curves", "gradient_norms", "masks") and plain lists.
    hint: the sentence at the end of ``text`` that names the recognised pattern, if any.
    """

    def __init__(self, text, diagnosis="", figure=None, hint=""):
        super().__init__(text)
        self.diagnosis = diagnosis
        self.figure = figure
        self.hint = hint

    def without_hint(self):
        """The message without its ``hint`` (when the pattern is not the student's mistake)."""
        return str(self).removesuffix(" " + self.hint) if self.hint else str(self)


@contextmanager
def figure_on_failure(figure):
    """Attach ``figure()`` (called only on failure; None keeps the failure's own) to a CheckFailure raised inside."""
    try:
        yield
    except CheckFailure as failure:
        failure.figure = figure() or failure.figure
        raise


def rounded(array, digits=4):
    """A float array as nested lists of numbers with ``digits`` significant digits (figure data)."""
    return np.vectorize(lambda v: float(f"{v:.{digits}g}"), otypes=[float])(np.asarray(array, dtype=np.float64)).tolist()


ERROR_MAP_MAX = 400  # a 2-D error map is drawn for arrays of at most this many elements


@dataclass
class Context:
    """What a check runs against."""

    student: object          # sandbox.Session
    reference: object        # runners.Reference
    rng: np.random.Generator
    gradcheck_tol: float
    reference_tol: float
    lang: str = "en"
    variants: Callable = lambda part: ()  # part id -> runners of the declared variants that lose it
    ratios: list = field(default_factory=list)  # error / tolerance of every deciding comparison, in order

    def msg(self, key, **fields):
        return message(key, self.lang, **fields)

    def record(self, err, tol):
        """Note a deciding comparison of ``err`` against ``tol`` (``margin`` reads them)."""
        self.ratios.append(float(err) / tol if tol else float("inf"))


MARGIN = 10.0  # validate: every verdict at least this factor away from its tolerance


def margin(ratios, passed):
    """How many times a check's verdict is away from its tolerance: a passed check's
    tolerance / its largest passing error; a failed check's smallest failing error / its
    tolerance (of the comparisons that decided it, ``Context.ratios``; inf when none did, as
    for a wrong shape, a mutated input or an exception)."""
    if passed:
        worst = max((r for r in ratios if r <= 1.0), default=0.0)
        return 1.0 / worst if worst else float("inf")
    return min((r for r in ratios if r > 1.0), default=float("inf"))


# -- comparing values ------------------------------------------------------------

def describe_type(value, lang="en"):
    """What ``value`` is, in words of ``lang`` ("an ndarray of dtype float32 and shape (3,)")."""
    if isinstance(value, np.ndarray):
        return message("type_array", lang, dtype=value.dtype, shape=value.shape)
    if isinstance(value, (wire.Ref, wire.Opaque)):
        return message("type_object", lang, name=value.type_name or "?")
    return message("type_other", lang, name=type(value).__name__)


def as_checked_array(ctx, value, what, expected_shape, like=None):
    """``value`` as a float64 array of ``expected_shape``, or CheckFailure.

    A numpy or Python float stands for a 0-d array (numpy returns scalars for 0-d
    arithmetic); anything else must be an ndarray of dtype float64. like: what the shape
    is that of, in words (the input's by default).
    """
    expected_shape = tuple(expected_shape)
    like = like or ctx.msg("like_input")
    if expected_shape == () and isinstance(value, (float, np.floating)) and not isinstance(value, bool):
        value = np.asarray(value, dtype=np.float64)
    if not isinstance(value, np.ndarray):
        raise CheckFailure(ctx.msg("wrong_type", what=what, got=describe_type(value, ctx.lang),
                                   expected=ctx.msg("expect_array", shape=expected_shape)))
    if value.dtype != np.float64:
        raise CheckFailure(ctx.msg("wrong_dtype", what=what, got=value.dtype), diagnosis="wrong_dtype")
    if value.shape != expected_shape:
        text = ctx.msg("wrong_shape", what=what, got=value.shape, expected=expected_shape, like=like)
        transposed = value.ndim == 2 and value.shape == expected_shape[::-1]
        if transposed:
            text += " " + ctx.msg("pattern_transposed")
        raise CheckFailure(text, diagnosis="transposed" if transposed else "wrong_shape")
    if not np.all(np.isfinite(value)):
        raise CheckFailure(ctx.msg("nonfinite", what=what), diagnosis="nonfinite")
    return value


def as_checked_float(ctx, value, what):
    """``value`` as a finite float: a float, a numpy float or a size-1 float array."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind == "f":
        value = value.reshape(()).item()
    if isinstance(value, bool) or not isinstance(value, (float, int, np.floating, np.integer)):
        raise CheckFailure(ctx.msg("wrong_type", what=what, got=describe_type(value, ctx.lang),
                                   expected=ctx.msg("expect_float")))
    if not np.isfinite(value):
        raise CheckFailure(ctx.msg("nonfinite", what=what))
    return float(value)


def assert_close(ctx, got, expected, what, tol, key="mismatch", batch_size=None, reduced=None, axes=()):
    """CheckFailure unless every element of ``got`` is within ``tol`` of ``expected``.

    The message names the mistake when the values show one (``diagnose_values``).
    batch_size: N, or a tuple of candidates, for naming a factor of N in the message.
    reduced: (k, full shape) when each element of ``got`` is a sum of k elements of a
    gradient of that full shape (the gradient of a broadcast input). axes: [(length, axis,
    argument name, its shape)] of the input's axes, for naming a factor that is one of them."""
    err = gradcheck.max_rel_error(got, expected)
    ctx.record(err, tol)
    if err <= tol:
        return
    index, g, e, err = gradcheck.worst_element(got, expected)
    key += "_scalar" if index == () else ""  # one value: no element to name
    text = ctx.msg(key, what=what, index=index, got=g, expected=e, err=err, tol=tol)
    pattern = diagnose_values(got, expected, what, batch_size, reduced, axes)
    hint = ctx.msg(pattern[0], **pattern[1]) if pattern else ""
    if hint:
        text += " " + hint
    diagnosis = pattern[0].removeprefix("pattern_") if pattern else "wrong_values"
    figure = None
    if np.ndim(got) == 2 and np.size(got) <= ERROR_MAP_MAX:
        figure = {"kind": "error_map", "what": what, "diagnosis": diagnosis,
                  "error": rounded(np.minimum(gradcheck.rel_error(got, expected), 1.0), 3)}
    raise CheckFailure(text, diagnosis=diagnosis, figure=figure, hint=hint)


def diagnose_values(got, expected, what, batch_size=None, reduced=None, axes=()):
    """(message key, fields) of the mistake ``got`` shows against ``expected``, or None.

    Most specific first: a mean where a sum is due (1/k, k the elements summed into each
    element of a reduced gradient, broadcast axes included: 1/4 for (3, 1) from (3, 4), 1/6
    for a 0-d input from (2, 3)); one number everywhere (the sum of all the expected
    elements, or another constant); then ``gradcheck.diagnose`` (zeros, sign, transposed, a
    factor of N); a factor that is the length of one of the input's axes; the same constant
    added everywhere."""
    got_a, want = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if reduced and reduced[0] > 1 and got_a.shape == want.shape and np.any(want) \
            and gradcheck.close(got_a, want / reduced[0], 1e-6, 1e-12):
        return ("pattern_mean_not_sum", {"k": reduced[0], "what": what, "shape": got_a.shape, "full": reduced[1]})
    if got_a.shape == want.shape and got_a.size > 1 and np.all(np.isfinite(got_a)) and np.ptp(got_a) == 0 \
            and np.ptp(want) > 0:
        if abs(float(got_a.flat[0]) - float(want.sum())) <= 1e-6 * max(1.0, abs(float(want.sum()))):
            return ("pattern_summed_all", {"what": what, "value": float(got_a.flat[0])})
        return ("pattern_constant", {"what": what, "value": float(got_a.flat[0])})
    # a factor within 1e-3 of 1 is a rounding-size difference, not a factor worth naming
    found = [p for n in (batch_size if isinstance(batch_size, tuple) else (batch_size,))
             if (p := gradcheck.diagnose(got, expected, batch_size=n))
             and not (p[0] == "pattern_factor" and abs(p[1]["factor"] - 1.0) <= 1e-3)]
    # a factor that is one of the candidate Ns says more than a bare constant factor
    pattern = next((p for p in found if "n" in p[1]), found[0] if found else None)
    if pattern and pattern[0] == "pattern_leak" and np.count_nonzero(want) < 2:
        pattern = None  # one element right by chance says nothing about the others
    if (pattern is None or pattern[0] == "pattern_factor") and got_a.shape == want.shape and np.any(want):
        factor = float(np.median(got_a[want != 0] / want[want != 0]))
        for length, axis, arg, shape in axes:
            for key, value in (("pattern_axis_summed", length), ("pattern_axis_divided", 1.0 / length)):
                if length > 1 and abs(factor - value) <= 1e-6 * value and gradcheck.close(got_a, value * want, 1e-6, 1e-12):
                    return (key, {"k": length, "axis": axis, "arg": arg, "shape": shape})
    if pattern is None and got_a.shape == want.shape and got_a.size > 1:
        pattern = _magnitude_pattern(got_a, want)
    if pattern is None and got_a.shape == want.shape and got_a.size > 1:
        offset = got_a - want
        if np.all(np.isfinite(offset)) and np.ptp(offset) <= 1e-9 * max(1.0, float(np.max(np.abs(want)))) \
                and abs(float(offset.flat[0])) > 1e-9:
            return ("pattern_offset", {"offset": float(offset.flat[0])})
    return pattern


def _magnitude_pattern(got, want, min_size=4):
    """("pattern_too_large" or "pattern_too_small", {}) when every element where ``want`` is not 0
    has the expected sign and a larger (smaller) magnitude, by a factor that varies (a factor of
    the formula missing, or one too many); None otherwise or for fewer than ``min_size`` elements."""
    mask = want != 0
    if mask.sum() < min_size or not np.all(np.isfinite(got)):
        return None
    ratio = got[mask] / want[mask]
    if np.all(ratio > 1 + 1e-6):
        return ("pattern_too_large", {})
    if np.all((ratio > 0) & (ratio < 1 - 1e-6)):
        return ("pattern_too_small", {})
    return None


def swapped_pair(got, expected, tol):
    """(i, j) when items i and j of the sequence ``got`` are ``expected``'s j and i (and they differ), else None."""
    def same(a, b):
        if not all(isinstance(v, (np.ndarray, float, np.floating)) for v in (a, b)):
            return False
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype.kind == b.dtype.kind == "f" and bool(np.all(np.isfinite(a))) \
            and gradcheck.max_rel_error(a, b) <= tol

    if not isinstance(got, (tuple, list)) or len(got) != len(expected):
        return None
    for i in range(len(expected)):
        for j in range(i + 1, len(expected)):
            if same(got[i], expected[j]) and same(got[j], expected[i]) and not same(got[i], expected[i]):
                return i, j
    return None


def raise_if_swapped(ctx, got, expected, what, names, tol):
    """CheckFailure naming the swapped items (by ``names``) when two items of ``got`` are swapped."""
    pair = swapped_pair(got, expected, tol)
    if pair:
        first, second = (names[i] if i < len(names) else f"[{i}]" for i in pair)
        raise CheckFailure(f"{what}: " + ctx.msg("pattern_swapped", first=first, second=second), diagnosis="swapped")


def compare_values(ctx, got, expected, what, tol, names=()):
    """Compare any nesting of tuples, lists, dicts, floats and arrays with the reference's.

    names: what the items of a returned tuple are called (("f", "dw", "dx")), for messages."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            raise CheckFailure(ctx.msg("wrong_type", what=what, got=describe_type(got, ctx.lang),
                                       expected=ctx.msg("expect_sequence", name=type(expected).__name__,
                                                        n=len(expected))))
        raise_if_swapped(ctx, got, expected, what, names, tol)
        for i, (g, e) in enumerate(zip(got, expected)):
            compare_values(ctx, g, e, f"{what}: {names[i]}" if i < len(names) else f"{what}[{i}]", tol)
    elif isinstance(expected, dict):
        if not isinstance(got, dict) or sorted(got) != sorted(expected):
            raise CheckFailure(ctx.msg("wrong_type", what=what, got=describe_type(got, ctx.lang),
                                       expected=ctx.msg("expect_dict", keys=sorted(expected))))
        for key in expected:
            compare_values(ctx, got[key], expected[key], f"{what}[{key!r}]", tol)
    elif isinstance(expected, np.ndarray):
        assert_close(ctx, as_checked_array(ctx, got, what, expected.shape, ctx.msg("like_reference")), expected, what,
                     tol)
    else:
        assert_close(ctx, as_checked_float(ctx, got, what), float(expected), what, tol)


# -- inputs -----------------------------------------------------------------------

def normal(*shapes, scale=1.0):
    """Inputs: independent standard normals times ``scale``, one array per shape."""
    return lambda rng: tuple(scale * rng.standard_normal(s) for s in shapes)


def away_from(*shapes, gap=1e-2, scale=1.0):
    """Normal inputs with every |x| >= gap (no kink of ReLU-like functions within h)."""

    def make(rng):
        arrays = []
        for s in shapes:
            x = scale * rng.standard_normal(s)
            arrays.append(np.where(np.abs(x) < gap, np.copysign(gap, x) + x, x))
        return tuple(arrays)

    return make


def extremes(shape, rng):
    """An array of ``shape`` (at least 4 elements) holding +-1e3 and +-1e4 (each at least once,
    times uniform [1, 2)) in random places, the rest normal: the same dangers for every seed."""
    values = rng.standard_normal(int(np.prod(shape)))
    fixed = np.array([1e3, -1e3, 1e4, -1e4]) * rng.uniform(1.0, 2.0, 4)
    values[: fixed.size] = fixed
    big = rng.uniform(1e3, 1e4, values.size - fixed.size) * rng.choice([-1.0, 1.0], values.size - fixed.size)
    values[fixed.size:] = np.where(rng.random(values.size - fixed.size) < 0.5, big, values[fixed.size:])
    return rng.permutation(values).reshape(shape)


def large(*shapes):
    """Inputs for stability checks: one ``extremes`` array per shape."""
    return lambda rng: tuple(extremes(s, rng) for s in shapes)


def distinct_pairs(shape_x, shape_y, gap=1e-2):
    """(x, y) normals where x and y never come within ``gap`` after broadcasting, and (when the
    broadcast shape has several elements) x > y somewhere and x < y somewhere."""

    def make(rng):
        x = rng.standard_normal(shape_x)
        y = rng.standard_normal(shape_y)
        diff = np.broadcast_to(x, np.broadcast_shapes(x.shape, y.shape)) - y
        if np.any(np.abs(diff) < gap) or (diff.size > 1 and not (np.any(diff > 0) and np.any(diff < 0))):
            return make(rng)
        return x, y

    return make


# -- units: how to build and drive one class ----------------------------------------

@dataclass(frozen=True)
class Unit:
    """How to build and drive one class of the student's file.

    target: "module.Class". make_args(rng): constructor arguments.
    n_grads: how many inputs ``backward`` returns gradients for (the first n_grads
    forward arguments); one gradient is returned bare, several as a tuple.
    takes_dout: False for losses, whose ``backward()`` takes no argument (dL/dpred of
    the mean loss, so their upstream gradient is 1).
    params: names of the parameters in ``params``/``grads`` to check.
    setup(rng): [(path, value)] assigned in place after construction (parameters,
    running statistics), identically on both sides; modes: methods called with no
    argument after that (for example "eval"). builder(runner, seed): builds the object
    itself instead of ``target(*make_args(rng))`` (a Sequential of layers, say).
    """

    target: str
    n_grads: int = 1
    takes_dout: bool = True
    params: tuple = ()
    make_args: Callable = lambda rng: ()
    setup: Callable = lambda rng: []
    modes: tuple = ()
    builder: Callable = None
    names: tuple = ("x", "y")

    @property
    def name(self):
        return self.target.split(".", 1)[1]

    def build(self, runner, rng_seed):
        if self.builder is not None:
            obj = self.builder(runner, rng_seed)
        else:
            obj = runner.new(self.target, *self.make_args(np.random.default_rng(rng_seed)))
        for path, value in self.setup(np.random.default_rng(rng_seed + 1)):
            runner.assign(obj, path, value)
        for mode in self.modes:
            runner.method(obj, mode)
        return obj

    def backward(self, runner, obj, dout, echo=False, warned=False):
        args = (dout,) if self.takes_dout else ()
        return runner.method(obj, "backward", *args, echo=echo, warned=warned)

    def split_grads(self, ctx, grads, inputs):
        """The returned gradients as a list of checked arrays shaped like the inputs."""
        what = f"{self.name}.backward"
        if self.n_grads == 1:
            grads = (grads,)
        elif not isinstance(grads, (tuple, list)) or len(grads) != self.n_grads:
            raise CheckFailure(ctx.msg("wrong_type", what=what, got=describe_type(grads, ctx.lang),
                                       expected=ctx.msg("expect_gradients", n=self.n_grads)))
        names = self.names[: self.n_grads]
        return [as_checked_array(ctx, g, f"{what}: d{n}", np.shape(x), n)
                for g, x, n in zip(grads, inputs, names)]


@dataclass
class Check:
    """One hidden check: its part, its name, its weight within the part."""

    part: str
    name: str
    weight: float = field(default=1.0, kw_only=True)

    def run(self, ctx):
        raise NotImplementedError


@dataclass
class UnitCheck(Check):
    unit: Unit = None
    inputs: Callable = None
    kind = "unit"

    def draw(self, ctx):
        seed = int(ctx.rng.integers(2**31))
        inputs = self.inputs(np.random.default_rng(seed + 2))
        return seed, inputs

    def forward_both(self, ctx, seed, inputs):
        """(student object, reference object, student output, reference output)."""
        ref_obj = self.unit.build(ctx.reference, seed)
        expected = ctx.reference.method(ref_obj, "forward", *inputs)
        obj = self.unit.build(ctx.student, seed)
        out = ctx.student.method(obj, "forward", *inputs)
        what = f"{self.unit.name}.forward"
        if isinstance(expected, np.ndarray):
            out = as_checked_array(ctx, out, what, expected.shape, ctx.msg("like_output"))
        else:
            out = as_checked_float(ctx, out, what)
        return obj, ref_obj, out, expected

    def forward_judged(self, ctx, seed, out, expected, key="forward_first"):
        """CheckFailure ``key`` unless forward's ``out`` is the documented function up to what a
        student plausibly wrote (``judged``): a check judging the student's code against itself
        earns nothing otherwise."""
        judged(ctx, self.part, f"{self.unit.name}.forward", (out, expected), self.forward_on(seed), key)

    def forward_on(self, seed):
        """evaluate(runner, draw) for ``judged``: forward of a fresh unit on draw 0 (this check's
        inputs) or a further draw k >= 1 from the same generator."""
        def evaluate(runner, draw):
            inputs = self.inputs(np.random.default_rng(seed + 2 + 5 * draw))
            return runner.method(self.unit.build(runner, seed), "forward", *inputs)
        return evaluate


@dataclass
class Forward(UnitCheck):
    """forward's output, and then the attributes named in ``state``, equal the reference's.

    hints: {state name: (predicate(inputs, got, want), message key)}: a known mistake to name
    when that attribute is wrong and the predicate recognises it (want: the reference's value).
    excused: {state name: predicate(inputs, got, want)}: a known mistake another check of the
    part charges; that attribute passes here when it is what the mistake gives (one mistake,
    one failed check).
    """

    state: tuple = ()
    hints: dict = field(default_factory=dict)
    excused: dict = field(default_factory=dict)

    def run(self, ctx):
        seed, inputs = self.draw(ctx)
        obj, ref_obj, out, expected = self.forward_both(ctx, seed, inputs)
        sizes = sizes_of(inputs)
        assert_close(ctx, out, expected, f"{self.unit.name}.forward", ctx.reference_tol, batch_size=sizes,
                     axes=axes_of(inputs[0], self.unit.names[0]))
        for name in self.state:
            want = ctx.reference.get(ref_obj, name)
            what = ctx.msg("what_after_forward", name=f"{self.unit.name}.{name}")
            got = as_checked_array(ctx, ctx.student.get(obj, name), what, np.shape(want),
                                   ctx.msg("like_reference_attr", name=name))
            try:
                assert_close(ctx, got, want, what, ctx.reference_tol)
            except CheckFailure as failure:
                if name in self.excused and self.excused[name](inputs, got, want):
                    continue
                recognise, key = self.hints.get(name, (lambda inputs, got, want: False, ""))
                if not recognise(inputs, got, want):
                    raise
                raise CheckFailure(f"{failure} {ctx.msg(key)}", key.removeprefix("pattern_"), failure.figure) from None


def agrees_with_reference(ctx, got, expected, what, key="forward_first"):
    """CheckFailure ``key`` (saying why the check is not judged) unless ``got`` equals ``expected``."""
    try:
        compare_values(ctx, got, expected, what, ctx.reference_tol)
    except CheckFailure as failure:
        raise CheckFailure(ctx.msg(key, detail=str(failure)), key, failure.figure) from None


PLAUSIBLE_REL = 1e-3  # a forward within this relative error of c times the documented one is that function
FACTORS = (1e-4, 1e4)  # the sizes of a plausible constant factor c (1/2, N, 1/N for the batches checked here)


def _numbers(value):
    """``value`` as a float64 array when it is a float or a float array, else None."""
    if isinstance(value, (float, np.floating)) and not isinstance(value, bool):
        return np.asarray(value, dtype=np.float64)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float64)
    return None


def proportion(got, expected, factor=None):
    """(c, error): the constant c for which ``got`` is nearest c * ``expected`` (``factor`` when
    given) and the largest relative error of that (``gradcheck.rel_error``); None when c is
    not in FACTORS or the values are not finite floats of one shape. got, expected: floats
    or float arrays."""
    got, expected = _numbers(got), _numbers(expected)
    if got is None or expected is None or got.shape != expected.shape or not np.all(np.isfinite(got)) \
            or not np.all(np.isfinite(expected)) or not np.any(expected):
        return None
    mask = expected != 0
    c = float(np.median(got[mask] / expected[mask])) if factor is None else factor
    if not FACTORS[0] <= abs(c) <= FACTORS[1]:
        return None
    return c, gradcheck.max_rel_error(got, c * expected)


def plausible(ctx, part, first, evaluate):
    """True when the student's forward is the documented function up to what a student plausibly
    wrote: on the check's inputs (``first``: (student's value, reference's)) and on a second draw
    (``second_draw``), it is the reference's times one constant c (``proportion``; c = 1 for an
    eps or a literal constant), or it is, within PLAUSIBLE_REL, what the forward of one declared
    variant of ``part`` gives (``evaluate(runner, draw)``). Zeros, constants and scaled copies
    of an input are none of these. Every way is tried; the error of each (the larger of its two
    draws) is recorded (``Context.record``): only the smallest when one holds (the verdict
    stands while that one does), all of them when none does (any one could decide)."""
    got, want = first
    errors = []  # of each way tried, the larger error of its two draws

    def way(pairs, factor=None):
        found = [proportion(g, v, factor) for g, v in pairs]
        if None not in found:
            errors.append(max(err for _, err in found))

    first_c = proportion(got, want)
    variants = ctx.variants(part)
    if first_c is None and not variants:
        return False
    draw, reference_again = second_draw(ctx, evaluate, want)
    again = evaluate(ctx.student, draw)
    if first_c is not None and reference_again is not None:
        way([(got, want), (again, reference_again)], first_c[0])
    for variant in variants:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):  # a variant's overflow is not news here
                warnings.simplefilter("ignore")
                values = evaluate(variant, 0), evaluate(variant, draw)
        except Exception:  # noqa: BLE001 (trusted code): a variant that cannot run these inputs is not what the student wrote
            continue
        way(zip((got, again), values), 1.0)
    found = bool(errors) and min(errors) <= PLAUSIBLE_REL
    for err in ([min(errors)] if found else errors):
        ctx.record(err, PLAUSIBLE_REL)
    return found


DISTINCT = 10 * PLAUSIBLE_REL  # a second draw tells a constant factor from a coincidence when it differs this much
DRAWS = 8  # draws tried for one that does


def second_draw(ctx, evaluate, want):
    """(draw, the reference's value on it): the first draw of 1..DRAWS whose reference value
    differs from ``want`` (draw 0's) by a relative error above DISTINCT, so that a constant
    (or a scaled copy) cannot pass for a constant factor of a loss dominated by fixed entries
    (saturated probabilities); (the last draw, None) when none does."""
    for draw in range(1, DRAWS + 1):
        value = evaluate(ctx.reference, draw)
        if np.shape(value) != np.shape(want) or gradcheck.max_rel_error(value, want) > DISTINCT:
            return draw, value
    return draw, None


def judged(ctx, part, what, first, evaluate, key="forward_first"):
    """Return when a check that judges the student's code against itself is judged: the student's
    forward equals the reference's (``first``: (student's value, reference's), on the check's
    inputs), or is ``plausible``. Otherwise CheckFailure ``key`` saying so, with the difference.

    evaluate(runner, draw): the forward's value of a fresh unit driven by ``runner`` on the
    check's inputs (draw 0) or on a further draw of them (draw k >= 1)."""
    start = len(ctx.ratios)
    try:
        agrees_with_reference(ctx, *first, what, key)
        # agreeing within the reference tolerance is not what decides: within PLAUSIBLE_REL is judged too
        ctx.ratios[start:] = [r * ctx.reference_tol / PLAUSIBLE_REL for r in ctx.ratios[start:]]
    except CheckFailure:
        compared = ctx.ratios[start:]
        del ctx.ratios[start:]  # the comparison with the reference decides only when forward is not plausible
        if not plausible(ctx, part, first, evaluate):
            ctx.ratios.extend(compared)
            raise


def wrong_only_at_zero(grad, want, x, tol=1e-6):
    """True when ``grad`` differs from ``want`` exactly where the input ``x`` is 0 (a kink's convention)."""
    x = np.asarray(x)
    if x.shape != np.shape(grad) or not np.any(x == 0):
        return False
    wrong = gradcheck.rel_error(grad, want) > tol
    return bool(np.any(wrong) and not np.any(wrong & (x != 0)))


def wrong_only_at_ties(grad, want, inputs, tol=1e-6):
    """True when ``grad`` differs from ``want`` only where two inputs are equal (a tie: the
    docstring fixes which input gets the gradient there). For an input that was broadcast,
    an element of its gradient counts as at a tie when any element summed into it is one."""
    if len(inputs) != 2 or np.shape(grad) != np.shape(want):
        return False
    try:
        x, y = np.broadcast_arrays(np.asarray(inputs[0]), np.asarray(inputs[1]))
    except ValueError:
        return False
    ties = x == y
    if not np.any(ties) or np.all(ties):
        return False
    extra = ties.ndim - np.ndim(grad)
    ties = ties.any(axis=tuple(range(extra))) if extra else ties
    stretched = tuple(i for i, n in enumerate(np.shape(grad)) if n == 1 and ties.shape[i] != 1)
    ties = ties.any(axis=stretched, keepdims=True).reshape(np.shape(grad))
    wrong = gradcheck.rel_error(grad, want) > tol
    return bool(np.any(wrong) and not np.any(wrong & ~ties))


def batch_of(inputs):
    """N, the batch size of a unit's inputs (rows of the first), or None for a 0-d input."""
    return np.shape(inputs[0])[0] if np.ndim(inputs[0]) else None


def sizes_of(inputs):
    """(rows, elements) of a unit's first input, the N a mean may run over (an MSE averages every
    element), for naming a factor of N; None for a 0-d input."""
    return (np.shape(inputs[0])[0], np.size(inputs[0])) if np.ndim(inputs[0]) else None


def axes_of(x, name):
    """[(length, axis, name, shape)] of the axes of the input ``x`` (for ``diagnose_values``)."""
    shape = np.shape(x)
    return [(n, axis, name, shape) for axis, n in enumerate(shape)]


def summed_into(x, dout):
    """(k, dout's shape): k elements of dout are summed into each element of x's gradient, or None."""
    if not isinstance(dout, np.ndarray) or np.size(x) >= dout.size:
        return None
    return dout.size // max(np.size(x), 1), dout.shape


def upstream(rng, out):
    """A random upstream gradient shaped like ``out`` (1.0 for a scalar loss)."""
    return rng.standard_normal(np.shape(out)) if isinstance(out, np.ndarray) else 1.0


@dataclass
class Backward(UnitCheck):
    batch_axis: bool = True

    def run(self, ctx):
        seed, inputs = self.draw(ctx)
        obj, ref_obj, out, expected = self.forward_both(ctx, seed, inputs)
        dout = upstream(np.random.default_rng(seed + 3), expected)
        want = self.unit.backward(ctx.reference, ref_obj, dout)
        want = [want] if self.unit.n_grads == 1 else list(want)
        got = self.unit.split_grads(ctx, self.unit.backward(ctx.student, obj, dout), inputs)
        n = batch_of(inputs) if self.batch_axis else None
        raise_if_swapped(ctx, got, want, f"{self.unit.name}.backward", [f"d{name}" for name in self.unit.names],
                         ctx.reference_tol)
        for g, w, name, x in zip(got, want, self.unit.names, inputs):
            try:
                assert_close(ctx, g, w, f"{self.unit.name}.backward: d{name}", ctx.reference_tol, batch_size=n,
                             reduced=summed_into(x, dout))
            except CheckFailure as failure:
                if wrong_only_at_zero(g, w, x):
                    raise CheckFailure(f"{failure} {ctx.msg('pattern_slope_at_zero')}", "slope_at_zero",
                                       failure.figure) from None
                if wrong_only_at_ties(g, w, inputs):
                    raise CheckFailure(f"{failure} {ctx.msg('pattern_ties')}", "ties", failure.figure) from None
                raise
        for p in self.unit.params:
            want_p = ctx.reference.get(ref_obj, "grads", p)
            got_p = as_checked_array(ctx, ctx.student.get(obj, "grads", p), f'{self.unit.name}.grads["{p}"]',
                                     want_p.shape, f'params["{p}"]')
            assert_close(ctx, got_p, want_p, f'{self.unit.name}.grads["{p}"]', ctx.reference_tol, batch_size=n)


@dataclass
class GradCheck(UnitCheck):
    """backward against centred differences of the student's own forward.

    directions: 0 checks every element; k > 0 checks k random directions per input
    (for large inputs: each direction costs two forward calls).
    """

    directions: int = 0
    h: float = 1e-5

    def run(self, ctx):
        seed, inputs = self.draw(ctx)
        obj, ref_obj, out, expected = self.forward_both(ctx, seed, inputs)
        self.forward_judged(ctx, seed, out, expected)
        rng = np.random.default_rng(seed + 3)
        dout = upstream(rng, out)
        grads = self.unit.split_grads(ctx, self.unit.backward(ctx.student, obj, dout), inputs)
        values = {p: ctx.student.get(obj, "params", p) for p in self.unit.params}
        param_grads = {p: as_checked_array(ctx, ctx.student.get(obj, "grads", p), f'{self.unit.name}.grads["{p}"]',
                                           np.shape(value), f'params["{p}"]') for p, value in values.items()}
        try:
            for i, (grad, name) in enumerate(zip(grads, self.unit.names)):
                self.check_input(ctx, seed, obj, inputs, i, grad, dout, f"{self.unit.name}.backward: d{name}", rng)
            for p, grad in param_grads.items():
                self.check_param(ctx, seed, obj, inputs, p, values[p], grad, dout, f'{self.unit.name}.grads["{p}"]')
        except CheckFailure as failure:
            if not self.backward_is_reference(ctx, ref_obj, dout, grads + list(param_grads.values())):
                raise
            # what backward's values show is not the mistake: the pattern's guess at one is left out
            raise CheckFailure(f"{failure.without_hint()} {ctx.msg('pattern_forward_not_documented')}",
                               "forward_not_documented",
                               failure.figure) from None

    def backward_is_reference(self, ctx, ref_obj, dout, grads):
        """True when the student's gradients ``grads`` (inputs', then parameters') are the reference's
        for the same inputs and dout: then a failing gradient check blames forward, not backward."""
        want = self.unit.backward(ctx.reference, ref_obj, dout)
        want = [want] if self.unit.n_grads == 1 else list(want)
        want += [ctx.reference.get(ref_obj, "grads", p) for p in self.unit.params]
        return all(np.shape(g) == np.shape(w) and gradcheck.max_rel_error(g, w) <= ctx.reference_tol
                   for g, w in zip(grads, want))

    def loss(self, outputs, dout, ctx):
        return [float(np.sum(as_checked_array(ctx, o, f"{self.unit.name}.forward", np.shape(dout)) * dout))
                if isinstance(dout, np.ndarray) else as_checked_float(ctx, o, f"{self.unit.name}.forward")
                for o in outputs]

    def numeric(self, ctx, seed, obj, inputs, points, dout, arg=None, path=None):
        """The centred differences of sum(forward * dout) over ``points`` (x + h d, x - h d
        alternating), replacing input ``arg`` or the parameter at ``path``: the student's own,
        once they vary as the reference's do (``varies_like_reference``, on a fresh reference
        unit at the same points)."""
        values = self.loss(ctx.student.vary(obj, "forward", inputs, points, arg, path), dout, ctx)
        reference = self.unit.build(ctx.reference, seed)
        expected = [float(np.sum(o * dout)) for o in ctx.reference.vary(reference, "forward", inputs, points, arg, path)]
        return varies_like_reference(ctx, values, expected, self.h, f"{self.unit.name}.forward")

    def check_input(self, ctx, seed, obj, inputs, i, grad, dout, what, rng):
        x = np.asarray(inputs[i], dtype=np.float64)
        dirs = gradcheck.random_directions(x.shape, self.directions, rng) if self.directions else None
        numeric = self.numeric(ctx, seed, obj, inputs, centred_points(x, self.h, dirs), dout, arg=i)
        self.judge(ctx, grad, numeric, dirs, what, sizes_of(inputs), summed_into(x, dout))

    def check_param(self, ctx, seed, obj, inputs, p, value, grad, dout, what):
        want = ctx.reference.get(self.unit.build(ctx.reference, seed), "params", p)
        value = as_checked_array(ctx, value, f'{self.unit.name}.params["{p}"]', want.shape,
                                 ctx.msg("like_reference_attr", name=f'params["{p}"]'))
        numeric = self.numeric(ctx, seed, obj, inputs, centred_points(value, self.h), dout, path=("params", p))
        self.judge(ctx, grad, numeric, None, what, batch_of(inputs))

    def judge(self, ctx, grad, numeric, dirs, what, batch_size=None, reduced=None):
        if dirs is None:
            assert_close(ctx, grad, numeric.reshape(np.shape(grad)), what, ctx.gradcheck_tol, key="gradcheck_failed",
                         batch_size=batch_size, reduced=reduced)
            return
        analytic = np.array([float(np.sum(grad * d)) for d in dirs])
        err = gradcheck.max_rel_error(analytic, numeric)
        ctx.record(err, ctx.gradcheck_tol)
        if err > ctx.gradcheck_tol:
            index, g, e, err = gradcheck.worst_element(analytic, numeric)
            raise CheckFailure(ctx.msg("directional_failed", what=what, got=g, expected=e, err=err),
                               diagnosis="wrong_values")


def centred_points(x, h, directions=None):
    """[x + h d, x - h d for each d]: the points of centred differences of an array ``x``, along
    each of ``directions`` (arrays shaped like x), or along each element (d = e_k) when None."""
    if directions is None:
        return [v for _, plus, minus in gradcheck.perturbations(x, h) for v in (plus, minus)]
    return [v for d in directions for v in (x + h * d, x - h * d)]


VARY_REL = 0.1  # how far a student's centred differences may be from c times the reference's
VARY_FLOOR = 0.1  # a difference is measured against at least this share of the largest (varies_like_reference)


def varies_like_reference(ctx, values, expected, h, what):
    """The centred differences (v[2k] - v[2k+1]) / 2h of the student's ``values`` at alternating
    +h/-h points, once they are c times the reference's (of ``expected`` at the same points)
    within VARY_REL relative, each measured against at least VARY_FLOOR of the largest (a tail where
    the documented function is nearly flat, as GELU's by erf against its tanh form, does not
    decide; a slope of 0.1 where 0.01 is due still does), where c is the least-squares factor between the
    values (1 for a forward that is the reference's; 1/2 for a ½-MSE, say); else CheckFailure
    "forward_not_varying". A check of backward against the forward's own differences is thereby
    judged only when forward is a function of its input near the check's inputs: one that
    answers from a cache of inputs it has seen (differences 0) makes a zero backward pass
    otherwise. Every correct implementation, and every plausible variant, is far inside."""
    values, expected = np.asarray(values), np.asarray(expected)
    norm = float(expected @ expected)
    c = float(values @ expected) / norm if norm else 1.0
    numeric = (values[0::2] - values[1::2]) / (2 * h)
    due = c * (expected[0::2] - expected[1::2]) / (2 * h)
    scale = np.maximum(np.abs(due), max(VARY_FLOOR * float(np.max(np.abs(due), initial=0.0)), 1e-12))
    if np.max(np.abs(numeric - due) / scale, initial=0.0) > VARY_REL:
        index, got, want, _ = gradcheck.worst_element(numeric, due)
        raise CheckFailure(ctx.msg("forward_not_varying", what=what, index=index[0], got=got, expected=want),
                           "forward_first")
    return numeric


@dataclass
class InputsUnchanged(UnitCheck):
    """forward leaves its arguments as given, and backward leaves dout, the arguments forward
    was given (which forward may have cached) and the array forward returned (which the caller
    still holds) as they were. The arguments and the output are kept in the child, so a cache
    that aliases them and a backward that writes into it both show.

    twice: also call backward a second time after the same forward (with the same dout): it
    must return the same gradients, so a backward that consumes its cache in place
    (``grad = self.probs; grad[i, y] -= 1``) fails where the docstring allows a second call."""

    twice: bool = False

    def run(self, ctx):
        seed, inputs = self.draw(ctx)
        expected = ctx.reference.method(self.unit.build(ctx.reference, seed), "forward", *inputs)
        obj = self.unit.build(ctx.student, seed)
        handles = [ctx.student.keep(x) for x in inputs]
        together = ctx.student.keep(tuple(handles))
        returned = ctx.student.method(obj, "forward", *handles, keep=True)
        out = ctx.student.get(returned)
        self.all_same(ctx, inputs, ctx.student.get(together), "mutated", f"{self.unit.name}.forward")
        self.forward_judged(ctx, seed, out, expected)
        dout = None
        if self.unit.takes_dout:
            dout = upstream(np.random.default_rng(seed + 3), out if isinstance(out, np.ndarray) else np.asarray(out))
            grads, after = ctx.student.method(obj, "backward", dout, echo=True)
            self.same(ctx, dout, after[0], "mutated", f"{self.unit.name}.backward", "dout")
        else:
            grads = self.unit.backward(ctx.student, obj, None)
        self.all_same(ctx, inputs, ctx.student.get(together), "mutated_cached", f"{self.unit.name}.backward")
        if isinstance(out, np.ndarray):
            self.same(ctx, out, ctx.student.get(returned), "mutated_output", f"{self.unit.name}.backward", "out")
        if self.twice:
            first = self.unit.split_grads(ctx, grads, inputs)
            again = self.unit.split_grads(ctx, self.unit.backward(ctx.student, obj, dout), inputs)
            for name, a, b in zip(self.unit.names, first, again):
                err = gradcheck.max_rel_error(b, a)
                if not err <= ctx.reference_tol:
                    raise CheckFailure(ctx.msg("not_repeatable", what=f"{self.unit.name}.backward", arg=f"d{name}",
                                               err=err), diagnosis="mutated")

    def all_same(self, ctx, inputs, now, key, what):
        if not isinstance(now, (tuple, list)) or len(now) != len(inputs):  # the kept tuple itself was replaced
            raise CheckFailure(ctx.msg(key, what=what, arg=", ".join(self.unit.names[:len(inputs)])), diagnosis="mutated")
        for name, before, after in zip(self.unit.names, inputs, now):
            self.same(ctx, before, after, key, what, name)

    def same(self, ctx, before, now, key, what, arg):
        if not (isinstance(now, type(before)) or np.isscalar(before)) or np.shape(now) != np.shape(before) \
                or not np.array_equal(np.asarray(now), np.asarray(before)):
            raise CheckFailure(ctx.msg(key, what=what, arg=arg), diagnosis="mutated")


@dataclass
class Stable(UnitCheck):
    """Large inputs: forward and backward finite and free of numpy warnings, and forward
    equal to the reference's (which is what stable means: the right value, not a clipped one)."""

    def run(self, ctx):
        seed, inputs = self.draw(ctx)
        expected = ctx.reference.method(self.unit.build(ctx.reference, seed), "forward", *inputs)
        obj = self.unit.build(ctx.student, seed)
        out, warned = ctx.student.method(obj, "forward", *inputs, warned=True)
        self.no_warning(ctx, f"{self.unit.name}.forward", warned)
        if isinstance(out, np.ndarray):
            out = as_checked_array(ctx, out, f"{self.unit.name}.forward", out.shape)
        else:
            as_checked_float(ctx, out, f"{self.unit.name}.forward")
        self.forward_judged(ctx, seed, out, expected, key="stable_wrong_values")
        dout = upstream(np.random.default_rng(seed + 3), out)
        grads, warned = self.unit.backward(ctx.student, obj, dout, warned=True)
        self.unit.split_grads(ctx, grads, inputs)
        self.no_warning(ctx, f"{self.unit.name}.backward", warned)

    def no_warning(self, ctx, what, warned):
        if warned:
            raise CheckFailure(ctx.msg("warning_raised", what=what, warning=warned[0]), diagnosis="warning")


@dataclass
class StableCall(Check):
    """target(*inputs(rng)) returns finite arrays or floats without a numpy warning."""

    target: str = ""
    inputs: Callable = None

    def run(self, ctx):
        args = self.inputs(np.random.default_rng(int(ctx.rng.integers(2**31))))
        name = self.target.split(".", 1)[1]
        expected = ctx.reference.call(self.target, *args)
        got, warned = ctx.student.call(self.target, *args, warned=True)
        if warned:
            raise CheckFailure(ctx.msg("warning_raised", what=name, warning=warned[0]), diagnosis="warning")
        compare_values(ctx, got, expected, name, ctx.reference_tol)


@dataclass
class Value(Check):
    """target(*inputs(rng)) equals the reference's result; ``names`` name the items of a tuple result."""

    target: str = ""
    inputs: Callable = None
    names: tuple = ()

    def run(self, ctx):
        args = self.inputs(np.random.default_rng(int(ctx.rng.integers(2**31))))
        expected = ctx.reference.call(self.target, *args)
        got = ctx.student.call(self.target, *args)
        compare_values(ctx, got, expected, self.target.split(".", 1)[1], ctx.reference_tol, self.names)


@dataclass
class ReturnsFloat(UnitCheck):
    """forward returns a float (numpy floats are floats too), not an array, once its value equals
    the reference's (the other checks accept a size-1 array where a float is due)."""

    def run(self, ctx):
        seed, inputs = self.draw(ctx)
        expected = ctx.reference.method(self.unit.build(ctx.reference, seed), "forward", *inputs)
        out = ctx.student.method(self.unit.build(ctx.student, seed), "forward", *inputs)
        self.forward_judged(ctx, seed, out, expected)
        if not isinstance(out, float):
            raise CheckFailure(ctx.msg("not_a_float", what=f"{self.unit.name}.forward",
                                       got=describe_type(out, ctx.lang)),
                               diagnosis="not_a_float")


@dataclass
class FunctionGradCheck(Check):
    """A function returning (value, grad of arg 0, grad of arg 1, ...) against its own value.

    grad_positions: {argument index: index of its gradient in the result}; names: what the
    items of the result are called (("f", "dw", "dx")), for messages.
    """

    target: str = ""
    inputs: Callable = None
    grad_positions: dict = None
    names: tuple = ()
    h: float = 1e-5

    def run(self, ctx):
        seed = int(ctx.rng.integers(2**31))
        args = self.inputs(np.random.default_rng(seed))
        name = self.target.split(".", 1)[1]
        result = ctx.student.call(self.target, *args)
        if not isinstance(result, (tuple, list)) or len(result) <= max(self.grad_positions.values()):
            raise CheckFailure(ctx.msg("wrong_type", what=name, got=describe_type(result, ctx.lang),
                                       expected=ctx.msg("expect_sequence", name="tuple",
                                                        n=max(self.grad_positions.values()) + 1)))
        expected = ctx.reference.call(self.target, *args)
        raise_if_swapped(ctx, result, expected, name, self.names, ctx.reference_tol)

        def value(runner, draw):
            out = runner.call(self.target, *self.inputs(np.random.default_rng(seed + draw)))
            return out[0] if isinstance(out, (tuple, list)) and out else out

        judged(ctx, self.part, f"{name}: {self.names[0] if self.names else ctx.msg('what_value')}",
               (result[0], expected[0]), value)
        for arg_index, res_index in self.grad_positions.items():
            x = np.asarray(args[arg_index], dtype=np.float64)
            what = f"{name}: {self.names[res_index] if self.names else ctx.msg('what_gradient', i=res_index)}"
            grad = as_checked_array(ctx, result[res_index], what, x.shape, ctx.msg("like_argument", i=arg_index))
            points = centred_points(x, self.h)
            values = [as_checked_float(ctx, out[0] if isinstance(out, (tuple, list)) and out else out, name)
                      for out in ctx.student.vary(self.target, None, args, points, arg_index)]
            expected = [float(out[0]) for out in ctx.reference.vary(self.target, None, args, points, arg_index)]
            numeric = varies_like_reference(ctx, values, expected, self.h, name)
            assert_close(ctx, grad, numeric.reshape(x.shape), what, ctx.gradcheck_tol, key="gradcheck_failed")
