"""Known mistakes recognised by behaviour.

When a part loses points, ``known_mistakes`` runs the declared buggy variants of that part
(``solutions/<id>/variants.toml``: trusted code derived from the reference) in this
trusted process, through the same checks, on the very inputs the student got (the same
seeds). A variant *matches* when every check of the part ends as the student's did (the
same status) and, in every check the student failed, every value the code returned on
the way (outputs, gradients, state, warnings, the exceptions it raised) equals the
student's within the reference tolerance: it fails the same checks with the same values
and passes the ones the student passes. The grader then names the mistake by the
variant's ``why`` (``KNOWN`` + its name is the diagnosis of the checks it explains); when
the checks cannot tell two variants apart, each is named (``KNOWN`` + "a|b").

``Recorder`` wraps the runner a check drives (the student's sandbox ``Session`` or a
``VariantSession``) and keeps what each call returned. ``VariantSession`` is a Session
whose child is ``wire._Server`` in this process: requests and answers still cross the
wire's encoding, so a variant gets copies of its arguments, raises ``StudentError`` and
reports numpy warnings exactly as code in a child does. Cost: only parts that lost
points, only the variants declared to lose that part, and a variant stops at its first
check that ends differently (``benchmarks/known_mistakes.py`` measures it).
"""

import sys
import types
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.authoring.variants import VariantError, build, load_variants
from autograder.checks.core import Context

from autograder.sandbox import wire
from autograder.sandbox.session import Session, StudentError
from source_lib import gradcheck


@dataclass
class Observation:
    """How one check of a part ended for the student: its seed, status and the values returned."""

    check: object
    seed: int
    status: str
    values: list


class Recorder:
    """A runner (Session, VariantSession) that keeps what each call returned, in order.

    A returned value is kept as plain data (``plain``); a StudentError as ("error", status,
    the exception's type).
    """

    def __init__(self, runner):
        self.runner = runner
        self.values = []

    def __getattr__(self, name):
        return getattr(self.runner, name)

    def _record(self, function, *args, **kwargs):
        try:
            value = function(*args, **kwargs)
        except StudentError as error:
            self.values.append(("error", error.status, error.detail.partition(":")[0]))
            raise
        self.values.append(plain(value))
        return value

    def call(self, *args, **kwargs):
        return self._record(self.runner.call, *args, **kwargs)

    def method(self, *args, **kwargs):
        return self._record(self.runner.method, *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._record(self.runner.get, *args, **kwargs)

    def steps(self, *args, **kwargs):
        return self._record(self.runner.steps, *args, **kwargs)


def plain(value):
    """``value`` as data to compare: arrays copied, numbers as floats, objects as a marker."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (str, type(None))):
        return value
    return "<object>"  # a Ref or Opaque: what it holds is compared through later calls


def same_values(a, b, tol):
    """True when the plain values ``a`` and ``b`` agree: the same structure, equal strings,
    the same non-finite entries and a relative error of at most ``tol`` elsewhere."""
    if isinstance(a, (float, np.ndarray)) and isinstance(b, (float, np.ndarray)):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or (a.dtype.kind in "fc") != (b.dtype.kind in "fc"):
            return False
        if a.dtype.kind not in "fc":
            return bool(np.array_equal(a, b))
        finite = np.isfinite(a)
        if not np.array_equal(finite, np.isfinite(b)) or not np.array_equal(a[~finite], b[~finite], equal_nan=True):
            return False
        return not finite.any() or gradcheck.max_rel_error(a[finite], b[finite]) <= tol
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_values(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, tuple) and isinstance(b, tuple):  # ("error", status, type)
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_values(a[k], b[k], tol) for k in a)
    return type(a) is type(b) and a == b


class VariantSession(Session):
    """A Session on trusted code: its 'child' is ``wire._Server`` in this process.

    modules: {module name: module} of the variant's files and of what the child is given
    (``doubles``, ``components``); stand_ins as for Session.
    """

    def __init__(self, sandbox, modules, stand_ins=None):
        super().__init__(sandbox, {}, stand_ins=stand_ins)
        self.server = wire._Server()
        self.answers = {}  # request id: the answer computed by _post
        self.server.modules.update(modules)
        for target, source in self.stand_ins.items():
            module, _, attr = target.rpartition(".")
            setattr(self.server.resolve_target(module), attr, self.server.resolve_target(source))

    def _ensure_child(self):
        pass

    def _post(self, header, values, what, at_load=False):
        """Compute the answer ``wire.serve`` would give, here, through the wire's encoding; kept
        until ``_collect`` asks for it (a deferred request's answer is read later, as from a child)."""
        request_id = next(self._ids)
        request = wire.unpack(piped(wire.pack({**header, "id": request_id}, values)))
        reply, fields = wire.respond(self.server, *request, catch=Exception)  # the variant's exception, as a child reports it
        self.answers[request_id] = wire.unpack(piped(wire.pack({**reply, "id": request_id}, fields,
                                                               keep=self.server.keep)))
        return request_id

    def _collect(self, request_id, what, at_load=False):
        return self.answers.pop(request_id)

    def close(self):
        pass


def piped(parts):
    """A frame's ``parts`` as the other end of a pipe reads them (``wire.read_frame``): each a
    writable copy. Without the copy the variant would get the grader's own arrays, and a variant
    that changes its input in place would change the check's copy too, passing the check that
    caught the student's same code."""
    return [memoryview(bytearray(part)) for part in parts]


def variant_modules(texts, tag):
    """{module name: module} of a variant's files ({file name: text}), executed here."""
    modules = {}
    for file, text in texts.items():
        name = f"_variant_{tag}_{Path(file).stem}"
        module = types.ModuleType(name)
        module.__file__ = file
        sys.modules[name] = module  # dataclasses and pickling look a class's module up here
        exec(compile(text, file, "exec"), module.__dict__)
        modules[Path(file).stem] = module
    return modules


def behaves_alike(variant_session, observed, context, run_check, tol):
    """True when every check of ``observed`` ends for the variant as it did for the student."""
    for seen in observed:
        recorder = Recorder(variant_session)
        status = run_check(seen.check, context(recorder, seen.seed))[0]
        if status != seen.status or (status != "pass" and not same_values(recorder.values, seen.values, tol)):
            return False
    return True


def known_mistakes(course, assignment, part, observed, reference, sandbox, stand_ins, lang, run_check,
                   variants=lambda part: ()):
    """The declared variants (by name) that lose ``part`` and behave exactly as the student's
    code did on the checks ``observed`` ([Observation], in the part's order): [] when none does,
    several when the checks cannot tell them apart (then the student is told each).

    reference: the ``runners.Reference`` of the assignment (its ``doubles`` and ``components``
    are given to the variant as to the child). run_check(check, ctx) -> (status, ...). variants:
    the checks' declared-variant runners (``Context.variants``), as the student's checks had them.
    """
    folder = course.solutions / assignment.id
    given = {name: module for name, module in reference.modules.items() if name in ("doubles", "components")}
    tol = course.tolerances.reference

    def context(runner, seed):
        return Context(runner, reference, np.random.default_rng(seed), course.tolerances.gradcheck,
                       course.tolerances.reference, lang, variants)

    found = []
    for variant in load_variants(folder):
        if part.id not in variant.loses:
            continue
        try:
            texts = build(folder, assignment.files, variant)
        except VariantError:
            continue  # `course validate` reports it; a student is never graded by a stale variant
        modules = {**given, **variant_modules(texts, f"{assignment.id}_{variant.name}")}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the variant's import-time warnings are not the student's
            session = VariantSession(sandbox, modules, stand_ins)
        if behaves_alike(session, observed, context, run_check, tol):
            found.append(variant)
    return found
