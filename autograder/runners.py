"""One interface to drive code on either side of the trust boundary.

A sandbox ``Session`` runs the submission in the child process;
``Reference`` runs the reference solution in this trusted process. Both offer
``new``, ``call``, ``method``, ``map``, ``get`` and ``assign``, so a check is written
once and run on both. The reference gets copies of every argument.
"""

import copy



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

    def call(self, target, *args, keep=False, echo=False, **kwargs):
        args = copy.deepcopy(list(args))
        result = self._resolve(target)(*args, **copy.deepcopy(kwargs))
        return (result, args) if echo else result

    def new(self, target, *args, **kwargs):
        return self.call(target, *args, **kwargs)

    def method(self, obj, name, *args, echo=False, keep=False):
        args = copy.deepcopy(list(args))
        result = getattr(obj, name)(*args)
        return (result, args) if echo else result

    def keep(self, value):
        return copy.deepcopy(value)

    def map(self, obj, name, variants):
        return [getattr(obj, name)(*copy.deepcopy(list(v))) for v in variants]

    def get(self, obj, *path):
        for name in path:
            obj = obj[name] if isinstance(obj, dict) else getattr(obj, name)
        return copy.deepcopy(obj)

    def assign(self, obj, path, value):
        for name in path:
            obj = obj[name] if isinstance(obj, dict) else getattr(obj, name)
        obj[...] = value


