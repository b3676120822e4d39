"""Do-nothing probes: submissions that compute nothing, derived from any reference.

``course validate`` grades each probe like a student's submission and requires 0:
a score must mean that something was computed right. Each probe is a source
transformation of the reference files (markers removed), so it runs in the child
exactly as a student's file would, through the unchanged grading pipeline:

- ``zeros``, ``constant``, ``echo``, ``scaled``: the reference runs, but on copies of
  its arguments (so nothing the caller holds is updated in place), and everything it
  hands back is replaced: every float array and every float it returns, or an
  attribute it (re)binds on its object (``grads`` after backward, running
  statistics), yields or puts in a returned list, tuple or dict, becomes zeros of
  the same shape, the constant 0.5 (True for a boolean mask), or the call's first
  argument of the same shape (zeros when there is none). ``scaled`` is the echo times
  3 with a matching backward: only the first item of a returned tuple or list echoes
  (3 dout as dx, zeros as dy), so forward 3 x and its backward are consistent, and
  only checks that ask forward for the documented function can give it 0.
  Constructors run as written.
- ``pass``: every marked solution region does nothing and returns None, except in
  constructors (``__init__``), which keep theirs.

Functions and methods defined in the file are wrapped by a postlude appended to it
(``POSTLUDE``): nothing about any assignment is named here.
"""

from autograder.authoring.stubs import enclosing_name, solution_regions, strip_markers

MODES = ("zeros", "constant", "echo", "scaled")
SCALE = 3.0  # the factor of the scaled echo
PROBES = (*MODES, "pass")

POSTLUDE = '''

# --- do-nothing probe appended by autograder.authoring.probes ({mode}) ---
import copy as _probe_copy
import functools as _probe_functools
import inspect as _probe_inspect

import numpy as _probe_np


def _probe_value(value, args, lead=True):
    """``value`` with every float array and float replaced ({mode}); containers mapped (lead: the
    first item of a returned tuple or list, or a value that is none)."""
    echo = {mode!r} == "echo" or ({mode!r} == "scaled" and lead)
    scale = {scale!r} if {mode!r} == "scaled" else 1.0
    if isinstance(value, _probe_np.ndarray) and value.dtype.kind in "fcb":
        if {mode!r} in ("echo", "scaled"):
            same = [a for a in args if isinstance(a, _probe_np.ndarray) and a.shape == value.shape]
            return _probe_np.array(scale * same[0], dtype=value.dtype) if same and echo else _probe_np.zeros_like(value)
        return _probe_np.full_like(value, 0.5 if {mode!r} == "constant" else 0)
    if isinstance(value, float):
        if {mode!r} in ("echo", "scaled"):
            same = [a for a in args if isinstance(a, float) or getattr(a, "shape", None) == ()]
            return scale * float(same[0]) if same and echo else 0.0
        return 0.5 if {mode!r} == "constant" else 0.0
    if isinstance(value, (list, tuple)):
        return type(value)(_probe_value(v, args, lead and i == 0) for i, v in enumerate(value))
    if isinstance(value, dict):
        return {{k: _probe_value(v, args) for k, v in value.items()}}
    if _probe_inspect.isgenerator(value):
        return (_probe_value(v, args) for v in value)
    return value


def _probe_wrap(function, method):
    @_probe_functools.wraps(function)
    def probe(*args, **kwargs):
        own, args = (args[:1], args[1:]) if method else ((), args)
        args, kwargs = _probe_copy.deepcopy(args), _probe_copy.deepcopy(kwargs)
        before = dict(vars(own[0])) if own else {{}}
        result = function(*own, *args, **kwargs)
        for name, value in (vars(own[0]).items() if own else ()):
            if before.get(name) is not value:
                setattr(own[0], name, _probe_value(value, args))
        return _probe_value(result, args)
    return probe


for _probe_name, _probe_object in list(globals().items()):
    if _probe_name.startswith("_probe") or getattr(_probe_object, "__module__", None) != __name__:
        continue
    if _probe_inspect.isfunction(_probe_object):
        globals()[_probe_name] = _probe_wrap(_probe_object, method=False)
    elif _probe_inspect.isclass(_probe_object):
        for _probe_attr, _probe_function in list(vars(_probe_object).items()):
            if _probe_inspect.isfunction(_probe_function) and _probe_attr != "__init__":
                setattr(_probe_object, _probe_attr, _probe_wrap(_probe_function, method=True))
'''


def pass_probe(text):
    """``text`` with every marked region replaced by ``return None`` (``pass`` at module
    level), except regions inside an ``__init__``, which are kept; markers removed."""
    lines = text.splitlines()
    out, last = [], 0
    for begin, end in solution_regions(text):
        out.extend(lines[last:begin])
        if enclosing_name(lines, begin).endswith("__init__"):
            out.extend(lines[begin + 1:end])
        else:
            indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
            out.append(indent + ("return None" if indent else "pass"))
        last = end + 1
    out.extend(lines[last:])
    return "\n".join(out) + "\n"


def probe_files(texts, probe):
    """{file name: text} of ``probe`` from the reference files {file name: text, markers in}."""
    if probe == "pass":
        return {name: pass_probe(text) for name, text in texts.items()}
    if probe not in MODES:
        raise ValueError(f"unknown probe {probe!r}: one of {PROBES}")
    return {name: strip_markers(text) + POSTLUDE.format(mode=probe, scale=SCALE) for name, text in texts.items()}
