"""Hidden checks of a4_optimizers (optim.py): trajectories on hidden objectives, and clipping.

Every optimizer runs on an ill-conditioned quadratic, the Rosenbrock function and two
parameters of different shapes in one step (state per position); Adam's first step
shows its bias correction. Each trajectory is compared with the reference's step by
step, and the final loss is recomputed by the grader.
"""

from autograder.checks.optim import (EPS_UNDER_ROOT, FOLDED_BIAS_CORRECTION, ClipCheck, OptimizerTrajectory,
                                     quadratic, rosenbrock, scaled, two_shapes)

# The trajectories outside the eps checks converge to a minimum away from 0 (CENTRE): the reference's
# gradients at each step are handed to the student's optimizer at once (one round trip), so a
# rounding-size difference is not pulled back toward the reference's parameters; near 0 it would
# be a large relative one (an eps written as a literal 1e-7 came within a factor 1.1 of the tolerance).
CENTRE = 3.0
RAVINE = quadratic([1.0, 50.0], centre=CENTRE)
FLAT = quadratic([1e-3, 1e-4], start=1e-3)

# part: (target, hyper-parameters on the quadratics, on Rosenbrock), chosen so the reference
# converges on each (Rosenbrock's curvature near the start is ~1200: plain steps must stay below 2/1200).
# Outside the checks built for eps (FLAT), eps is 1e-300: where it sits in the formula then changes
# nothing, so it costs points in those checks only, for every student, however small the gradients get.
TINY_EPS = {"eps": 1e-300}
# Adam's betas are given too: a wrong default beta2 (0.99) moves 40 steps by only ~1e-6, at the
# tolerance; the check of the defaults judges them, far from it.
BETAS = {"beta1": 0.9, "beta2": 0.999}
SETTINGS = {
    "sgd": ("optim.SGD", {"lr": 0.01}, {"lr": 1e-3}),
    "momentum": ("optim.Momentum", {"lr": 0.005, "mu": 0.9}, {"lr": 2e-4, "mu": 0.9}),
    "adagrad": ("optim.Adagrad", {"lr": 0.3, **TINY_EPS}, {"lr": 0.1, **TINY_EPS}),
    "rmsprop": ("optim.RMSProp", {"lr": 0.01, "rho": 0.9, **TINY_EPS}, {"lr": 0.005, "rho": 0.9, **TINY_EPS}),
    "adam": ("optim.Adam", {"lr": 0.05, **BETAS, **TINY_EPS}, {"lr": 0.02, **BETAS, **TINY_EPS}),
}


# The adaptive optimizers (whose steps do not depend on the gradients' scale) see the objectives
# outside the eps checks times ADAPTIVE_SCALE: an eps written as a literal 1e-7 or 1e-8 in place of
# the one given then moves no step by more than ~1e-11, far inside the tolerance for every seed.
ADAPTIVE_SCALE = 1e4
ADAPTIVE = ("adagrad", "rmsprop", "adam")


def trajectories(part, target, kwargs, rosenbrock_kwargs):
    factor = ADAPTIVE_SCALE if part in ADAPTIVE else 1.0
    return [
        OptimizerTrajectory(part, f"ill-conditioned quadratic, {kwargs}", target=target, kwargs=kwargs,
                            objective=scaled(RAVINE, factor), steps=40),
        OptimizerTrajectory(part, f"Rosenbrock function, {rosenbrock_kwargs}", target=target,
                            kwargs=rosenbrock_kwargs, objective=scaled(rosenbrock(), factor), steps=40),
        OptimizerTrajectory(part, "two parameters of different shapes in one step (state per position)",
                            target=target, kwargs=kwargs, objective=scaled(two_shapes(CENTRE), factor), steps=15),
        OptimizerTrajectory(part, "new arrays each step: the state kept per position survives", target=target,
                            kwargs=kwargs, objective=scaled(two_shapes(CENTRE), factor), steps=15, fresh_arrays=True),
        OptimizerTrajectory(part, "step leaves the caller's grads unchanged (40 steps)", target=target,
                            kwargs=kwargs, objective=scaled(RAVINE, factor), steps=40, grads_unchanged=True),
    ]


# The flat objectives judge eps only: the decay rates are given (a wrong default is the defaults' check's).
DECAYS = {"adagrad": {}, "rmsprop": {"rho": 0.9}, "adam": BETAS}
# On the flat objective a failing trajectory is replayed with these mistakes, to name the one it shows.
EPS_MISTAKES = {"adagrad": (EPS_UNDER_ROOT,), "rmsprop": (EPS_UNDER_ROOT,),
                "adam": (EPS_UNDER_ROOT, FOLDED_BIAS_CORRECTION)}

CHECKS = [
    *(check for part, settings in SETTINGS.items() for check in trajectories(part, *settings)),
    OptimizerTrajectory("momentum", "default mu = 0.9 (only lr given)", target="optim.Momentum",
                        kwargs={"lr": 0.005}, objective=RAVINE, steps=20),
    *(check for part, target in (("adagrad", "optim.Adagrad"), ("rmsprop", "optim.RMSProp"), ("adam", "optim.Adam"))
      for check in (
          OptimizerTrajectory(part, "a nearly flat objective (gradients ~1e-7): eps in its documented place",
                              target=target, kwargs={"lr": 1e-4, **DECAYS[part]}, objective=FLAT, steps=5,
                              mistakes=EPS_MISTAKES[part]),
          OptimizerTrajectory(part, "a nearly flat objective with eps=1e-6 given: the eps passed in is used",
                              target=target, kwargs={"lr": 1e-4, "eps": 1e-6, **DECAYS[part]}, objective=FLAT,
                              steps=5, mistakes=EPS_MISTAKES[part]))),
    OptimizerTrajectory("adam", "the first step shows bias correction", target="optim.Adam",
                        kwargs={"lr": 0.1, "beta1": 0.9, "beta2": 0.999, **TINY_EPS},
                        objective=scaled(two_shapes(CENTRE), ADAPTIVE_SCALE), steps=1),
    OptimizerTrajectory("rmsprop", "default rho and eps (only lr given)", target="optim.RMSProp",
                        kwargs={"lr": 1e-4}, objective=FLAT, steps=10, excused=EPS_MISTAKES["rmsprop"]),
    OptimizerTrajectory("adam", "default hyper-parameters (lr, beta1, beta2 and eps all show)", target="optim.Adam",
                        kwargs={}, objective=FLAT, steps=10, excused=EPS_MISTAKES["adam"]),
    ClipCheck("clip", "norm above max_norm: every array scaled by the same factor", target="optim.clip_grad_norm",
              scale=3.0, max_norm=1.0),
    ClipCheck("clip", "norm below max_norm: nothing changes", target="optim.clip_grad_norm", scale=0.05,
              max_norm=5.0),
    ClipCheck("clip", "an exploding gradient of norm ~1e6", target="optim.clip_grad_norm", scale=1e5,
              max_norm=0.5),
    ClipCheck("clip", "a tiny norm (~5e-5) above max_norm: scaled by exactly max_norm / total_norm, no eps",
              target="optim.clip_grad_norm", scale=1e-5, max_norm=1e-5),
]
