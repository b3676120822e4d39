"""One interface to drive code on either side of the trust boundary.

A sandbox ``Session`` runs the submission in the child process;
``Reference`` runs the reference solution in this trusted process. Both offer
``new``, ``call``, ``method``, ``vary``, ``keep``, ``get`` and ``assign``, so a check is
written once and run on both. The reference gets copies of every array argument, as
the child does.
"""

import copy

import numpy as np

from autograder.sandbox.wire import RngSeed, follow, vary


def _local(value):
    """``value`` with its arrays and containers copied and every RngSeed turned into its
    generator; other objects (models, optimizers built by a check) are passed as they are."""
    if isinstance(value, RngSeed):
        return value.generator()
    if isinstance(value, list):
        return [_local(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_local(v) for v in value)
    if isinstance(value, dict):
        return {k: _local(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.copy()
    return value



class Reference:
    """Runs the reference modules in-process: {module name: module}."""

    def __init__(self, modules):
        self.modules = modules

    def _resolve(self, target):
        module, _, attr = target.partition(".")
        obj = self.modules[module]
        for name in attr.split(".") if attr else ():
            obj = getattr(obj, name)
        return obj

    def call(self, target, *args, keep=False, echo=False, collect=0, **kwargs):
        args = _local(list(args))
        result = self._resolve(target)(*args, **_local(kwargs))
        if collect:
            result = list(result)
        return (result, args) if echo else result

    def new(self, target, *args, **kwargs):
        return self.call(target, *args, **kwargs)

    def method(self, obj, name, *args, echo=False, keep=False, warned=False):
        """obj.name(*args); with echo (result, args after), with warned (that, no warnings): the
        reference's warnings are not collected."""
        args = _local(list(args))
        result = getattr(obj, name)(*args)
        result = (result, args) if echo else result
        return (result, []) if warned else result

    def keep(self, value):
        return copy.deepcopy(value)

    def vary(self, target, name, args, points, arg=None, path=None):
        """As ``Session.vary``: target is an object, or "module.function" with ``name`` None."""
        fn = self._resolve(target) if isinstance(target, str) else getattr(target, name)
        return vary(fn, args, points, arg, follow(target, path) if path is not None else None, copy=_local)

    def get(self, obj, *path):
        return copy.deepcopy(follow(obj, path))

    def assign(self, obj, path, value):
        follow(obj, path)[...] = value

    def flush(self):
        """Nothing: every call here has returned (``Session.flush``)."""


