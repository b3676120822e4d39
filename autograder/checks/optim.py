"""Check kinds for optimizers: trajectories against the reference, and gradient clipping.

The student's optimizer lives in the child and only ever sees arrays: the grader runs the
reference's trajectory first, computing each step's gradients itself on the hidden
objective, then hands the student's optimizer the same gradients, all steps in one round
trip (``Session.steps``; the child holds the parameter arrays, so state keyed on them
survives between steps), compares the parameters after every step with the reference's,
and recomputes the final loss from them. The hidden objectives never enter the child.
"""

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from autograder.checks.core import Check, CheckFailure, as_checked_array, as_checked_float, assert_close
from autograder.sandbox.session import StudentError
from source_lib import gradcheck


@dataclass(frozen=True)
class Objective:
    """A hidden objective: init(rng) -> list of arrays; loss(params) -> float; grads(params) -> list.

    name: its message key in ``source_lib.messages`` ("objective_rosenbrock"), filled with ``fields``.
    """

    name: str
    init: Callable
    loss: Callable
    grads: Callable
    fields: dict = field(default_factory=dict)

    def describe(self, ctx):
        """The objective in words of the check's language."""
        return ctx.msg(self.name, **self.fields)


def quadratic(curvatures, start=1.0, centre=0.0):
    """f(x) = 1/2 sum(c_i (x_i - centre)^2) over one vector from |x_i - centre| in [start, 2 start]:
    ill-conditioned when the c_i differ a lot; nearly flat (gradients far below eps's
    square root, where eps's place in the formula shows) when they and start are tiny.
    A centre away from 0 keeps the parameters away from 0 as they converge, where a
    difference of rounding size would be a large relative one."""
    c = np.asarray(curvatures, dtype=np.float64)
    return Objective(
        "objective_quadratic",
        lambda rng: [centre + start * rng.uniform(1.0, 2.0, c.shape) * np.sign(rng.standard_normal(c.shape))],
        lambda p: float(0.5 * np.sum(c * (p[0] - centre) ** 2)),
        lambda p: [c * (p[0] - centre)],
        {"curvatures": list(curvatures), "start": start, "centre": centre},
    )


def rosenbrock():
    """f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 over one vector of size 2, from near (-1.2, 1)."""
    def loss(p):
        x, y = p[0]
        with np.errstate(all="ignore"):
            return float((1 - x) ** 2 + 100 * (y - x * x) ** 2)

    def grads(p):
        x, y = p[0]
        with np.errstate(all="ignore"):  # a diverging student's parameters are reported, not warned about
            return [np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])]

    return Objective("objective_rosenbrock", lambda rng: [np.array([-1.2, 1.0]) + 0.05 * rng.standard_normal(2)],
                     loss, grads)


def two_shapes(centre=0.0):
    """Separable quadratic over a (3, 2) matrix and a (2,) vector with different curvatures and
    its minimum at ``centre`` (every entry), from entries 0.5 to 2 away from it on either side
    (never at the minimum, where eps would matter)."""
    curv_w = np.array([[1.0, 4.0], [9.0, 0.5], [2.0, 3.0]])
    curv_b = np.array([10.0, 0.2])

    def init(rng):
        return [centre + rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape) for shape in ((3, 2), (2,))]

    return Objective("objective_two_shapes", init,
                     lambda p: float(0.5 * np.sum(curv_w * (p[0] - centre) ** 2)
                                     + 0.5 * np.sum(curv_b * (p[1] - centre) ** 2)),
                     lambda p: [curv_w * (p[0] - centre), curv_b * (p[1] - centre)], {"centre": centre})


def scaled(objective, factor):
    """``objective`` times ``factor`` (its gradients too): the same trajectory for an adaptive
    optimizer (g / sqrt(s) does not change), but an eps of 1e-7 written in place of the one
    given moves its steps ``factor`` times less, far below the tolerance, so that mistake
    costs points only in the checks built for eps."""
    return Objective(objective.name, objective.init, lambda p: factor * objective.loss(p),
                     lambda p: [factor * g for g in objective.grads(p)], objective.fields)  # described as the objective


class Replay:
    """Adagrad, RMSProp or Adam written with a known mistake, replayed in the trusted process to
    name it when a student's trajectory fails. Hyper-parameters are read from ``like``, the
    reference optimizer of the check (lr, eps; rho; beta1, beta2).

    Per position, s = sum of g^2 (Adagrad), rho s + (1 - rho) g^2 (RMSProp) or Adam's v,
    and the step direction d = g (Adam: m); then
    - eps_under_root: p -= lr d_hat / sqrt(s_hat + eps) instead of lr d_hat / (sqrt(s_hat) + eps);
    - folded (Adam): p -= lr sqrt(1 - beta2^t) / (1 - beta1^t) m / (sqrt(v) + eps), the bias
      correction folded into the step size, which scales eps by sqrt(1 - beta2^t).
    """

    def __init__(self, like, eps_under_root=False, folded=False):
        self.kind = type(like).__name__
        self.lr, self.eps = like.lr, like.eps
        self.rho = getattr(like, "rho", None)
        self.beta1, self.beta2 = getattr(like, "beta1", None), getattr(like, "beta2", None)
        self.eps_under_root, self.folded = eps_under_root, folded
        self.t = 0
        self.state = {}

    def step(self, params, grads):
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads)):
            m, s = self.state.setdefault(i, (np.zeros_like(p), np.zeros_like(p)))
            lr, d = self.lr, g
            if self.kind == "Adagrad":
                s += g * g
            elif self.kind == "RMSProp":
                s *= self.rho
                s += (1.0 - self.rho) * g * g
            else:
                m *= self.beta1
                m += (1.0 - self.beta1) * g
                s *= self.beta2
                s += (1.0 - self.beta2) * g * g
                if self.folded:
                    lr, d = lr * np.sqrt(1.0 - self.beta2 ** self.t) / (1.0 - self.beta1 ** self.t), m
                else:
                    d, s = m / (1.0 - self.beta1 ** self.t), s / (1.0 - self.beta2 ** self.t)
            p -= lr * d / (np.sqrt(s + self.eps) if self.eps_under_root else np.sqrt(s) + self.eps)


@dataclass(frozen=True)
class Mistake:
    """A known mistake a trajectory check names: make(reference optimizer) -> an optimizer written
    that way (a ``Replay``); key: the message that names it."""

    make: Callable
    key: str


EPS_UNDER_ROOT = Mistake(lambda like: Replay(like, eps_under_root=True), "pattern_eps_under_root")
FOLDED_BIAS_CORRECTION = Mistake(lambda like: Replay(like, folded=True), "pattern_folded_bias_correction")


@dataclass
class OptimizerTrajectory(Check):
    """``steps`` steps of the student's optimizer on a hidden objective, against the reference.

    Step k gets the gradients of the reference's parameters after k - 1 steps, so every step
    is judged on its own update (a difference of rounding size is not fed back through the
    objective).

    Every step's parameters must match the reference's within the reference tolerance,
    the parameters must be updated in place, and the final loss (recomputed here) must be
    at most ``threshold`` times the reference's final loss (plus 1e-12). ``mistakes``: known
    mistakes (``Mistake``) named when the first wrong step is what one of them gives.
    ``excused``: known mistakes another check of the part charges; a trajectory that is what
    one of them gives passes here (one mistake, one failed check).

    fresh_arrays: each step hands in new arrays holding the current parameters (as a caller
    that rebuilt its model or loaded a checkpoint does): state kept per position, as the
    docstring says, survives; state found by the array's identity starts again.

    grads_unchanged: this check (one per optimizer) also requires the gradients passed in to
    come back unchanged; the others do not look, since the grader hands in fresh gradients
    each step and a trajectory does not depend on them: changing an argument in place costs
    one check, not every trajectory.
    """

    target: str = ""
    kwargs: dict = None
    objective: Objective = None
    steps: int = 30
    threshold: float = 1.0 + 1e-6
    mistakes: tuple = ()
    excused: tuple = ()
    grads_unchanged: bool = False
    fresh_arrays: bool = False

    def run(self, ctx):
        rng = np.random.default_rng(int(ctx.rng.integers(2**31)))
        start = self.objective.init(rng)
        name = self.target.split(".", 1)[1]
        ref_opt = ctx.reference.new(self.target, **self.kwargs)
        ref_params, grads, trajectory = [p.copy() for p in start], [], []
        for _ in range(self.steps):
            grads.append(self.objective.grads(ref_params))
            ref_opt.step(ref_params, [g.copy() for g in grads[-1]])
            trajectory.append([p.copy() for p in ref_params])
        ran, error = self.student_steps(ctx, start, grads)
        params, objective = start, self.objective.describe(ctx)
        for step, ((got, grads_after), ref_params) in enumerate(zip(ran, trajectory), 1):
            changed = first_changed(grads[step - 1], grads_after[0]) if self.grads_unchanged else None
            if changed is not None:
                raise CheckFailure(ctx.msg("mutated_step", what=f"{name}.step", arg=f"grads[{changed}]"),
                                   diagnosis="mutated")
            whats = [ctx.msg("what_step", name=name, step=step, i=i, objective=objective) for i in range(len(got))]
            checked = []
            for i, (p, want) in enumerate(zip(got, ref_params)):
                p = as_checked_array(ctx, p, whats[i], want.shape, f"params[{i}]")
                if step == 1 and np.array_equal(p, start[i]) and not np.array_equal(want, start[i]):
                    raise CheckFailure(ctx.msg("not_in_place", what=f"{name}.step", arg=f"params[{i}]"),
                                       diagnosis="not_in_place")
                checked.append(p)
            try:
                for i, (p, want) in enumerate(zip(checked, ref_params)):
                    assert_close(ctx, p, want, whats[i], ctx.reference_tol)
            except CheckFailure as failure:
                if self.recognise(ctx, self.excused, ref_opt, start, grads[:step], checked, record=True):
                    return
                key = self.recognise(ctx, self.mistakes, ref_opt, start, grads[:step], checked)
                if not key:
                    raise
                raise CheckFailure(f"{failure} {ctx.msg(key)}", key.removeprefix("pattern_"), failure.figure) from None
            params = checked
        if error is not None:
            raise error
        final, ref_final = self.objective.loss(params), self.objective.loss(trajectory[-1])
        ctx.record(max(final - ref_final, 0.0), (self.threshold - 1.0) * ref_final + 1e-12)
        if not final <= self.threshold * ref_final + 1e-12:
            raise CheckFailure(ctx.msg("final_loss", what=name, got=final, expected=ref_final, steps=self.steps),
                               diagnosis="slower_than_reference")

    def student_steps(self, ctx, start, grads):
        """(the student's optimizer's steps from ``start``, step k given ``grads[k]``, as
        ``Session.steps`` returns them; None), all in one round trip. When a step raised: (the
        steps before it, run again on a new optimizer; that StudentError), so that a wrong step
        before it is what the student is told (the first mistake)."""
        def run(count):
            opt = ctx.student.new(self.target, **self.kwargs)
            return ctx.student.steps(opt, "step", start, [[g] for g in grads[:count]], fresh=self.fresh_arrays,
                                     echo=self.grads_unchanged)
        try:
            return run(len(grads)), None
        except StudentError as error:
            if not error.done:
                raise
            return run(error.done), error

    def recognise(self, ctx, mistakes, ref_opt, start, grads, got, record=False):
        """The message key of the first of ``mistakes`` whose replay from ``start``, given ``grads``
        (one list per step), gives ``got``, or None; record: note the comparisons (they decide the verdict)."""
        for mistake in mistakes:
            replay, params = mistake.make(ref_opt), [p.copy() for p in start]
            for step_grads in grads:
                replay.step(params, [g.copy() for g in step_grads])
            err = max(gradcheck.max_rel_error(g, p) for g, p in zip(got, params))
            if record:
                ctx.record(err, ctx.reference_tol)
            if err <= ctx.reference_tol:
                return mistake.key
        return None


def first_changed(sent, after):
    """The index of the first array of the list ``sent`` that ``after`` (the list after a call)
    does not hold unchanged, or None."""
    for i, g in enumerate(sent):
        if type(after) is not list or len(after) != len(sent) or not isinstance(after[i], np.ndarray) \
                or not np.array_equal(g, after[i]):
            return i
    return None


@dataclass
class ClipCheck(Check):
    """clip_grad_norm(grads, max_norm) on arrays of several shapes: the norm returned and the arrays clipped in place."""

    target: str = ""
    shapes: tuple = ((4, 3), (3,), (2, 2, 2))
    scale: float = 1.0
    max_norm: float = 1.0

    def run(self, ctx):
        rng = np.random.default_rng(int(ctx.rng.integers(2**31)))
        grads = [self.scale * rng.standard_normal(s) for s in self.shapes]
        want, (ref_grads, _) = ctx.reference.call(self.target, [g.copy() for g in grads], self.max_norm, echo=True)
        name = self.target.split(".", 1)[1]
        handles = [ctx.student.keep(g) for g in grads]
        together = ctx.student.keep(tuple(handles))
        got = as_checked_float(ctx, ctx.student.call(self.target, list(handles), self.max_norm), name)
        assert_close(ctx, got, float(want), ctx.msg("what_returned_norm", name=name), ctx.reference_tol)
        for i, (g, w) in enumerate(zip(ctx.student.get(together), ref_grads)):
            what = ctx.msg("what_clipped", name=name, i=i)
            assert_close(ctx, as_checked_array(ctx, g, what, w.shape, f"grads[{i}]"), w, what, ctx.reference_tol)
