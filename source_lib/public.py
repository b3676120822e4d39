"""Running an assignment's public checks: in a notebook, with pytest, with the kit's `python check.py`.

An assignment's ``public_checks.py`` defines ``CHECKS = {part: [check, ...]}``; a check
is a function taking the student's namespace (a module, or a notebook's ``globals()``)
and raising ``AssertionError`` with a message when something is wrong. The first line
of its docstring is its title (translated by the assignment's ``titles.<lang>.toml``).
The public checks use only the student's own code (no reference solution): shapes,
gradient checks against the student's own forward, the examples stated in docstrings,
and the rules a docstring states that need no reference (finite and warning-free at
inputs of size 1e3 and 1e4, arguments left unchanged, updates in place). Every check
of a part runs, whatever the others did, so one bug never hides another.

Messages speak ``BACKPROP_LAB_LANG`` (the notebook's first cell sets it), else the
course's language, which the released ``check.py`` and ``test_public.py`` pass in.
"""

import importlib.util
import os
import sys
import types
import warnings
from pathlib import Path

import numpy as np

from source_lib import gradcheck
from source_lib.messages import CATALOGUES, default_language, load_titles, message

# Inputs of the stability rule the docstrings state: +-1e3 and +-1e4 (and ordinary values).
LARGE = np.array([[1e3, -1e3, 1e4, -1e4], [0.5, -0.5, 2e3, -2e3]])


def namespace(ns):
    """A notebook's globals() or a module, as an object with attributes."""
    return types.SimpleNamespace(**ns) if isinstance(ns, dict) else ns


def marks(stream=None):
    """(pass mark, fail mark): ✓ and ✗, or "ok" and "x" on a console that cannot encode them (cp949, cp1252)."""
    encoding = getattr(stream or sys.stdout, "encoding", None) or "ascii"
    try:
        "✓✗".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return "ok", "x"
    return "✓", "✗"


def title_of(check, lang):
    """The title of ``check`` in ``lang``: its docstring's first line, translated by titles.<lang>.toml."""
    title = (check.__doc__ or check.__name__).strip().splitlines()[0]
    checks_file = check.__globals__.get("__file__")
    if checks_file:
        title = load_titles(Path(checks_file).parent, lang).get(title, title)
    return title


def failure(check, ns, lang=None):
    """Run one check on ``ns``: None when it passes, else why it failed, in ``lang``."""
    lang = lang or default_language()
    title = title_of(check, lang)
    try:
        check(namespace(ns))
    except NotImplementedError as exc:
        return message("not_implemented", lang, what=str(exc) or "?")
    except AssertionError as exc:
        return str(exc)
    except Exception as exc:  # the student's exception, shown rather than raised
        return message("raised", lang, what=title, error=f"{type(exc).__name__}: {exc}")
    return None


def run_part(checks, part, ns, lang=None, report=print):
    """Run every public check of ``part`` (a failure never stops the others) and report a line
    for each check that passed, then one per mistake: the checks that failed with the same
    message on one line ("x add_gate: first; second: AddGate.forward is not implemented"), as
    the feedback page groups them. True when all pass."""
    lang = lang or default_language()
    good, bad = marks()
    failed = {}  # {why: [titles of the checks that failed with it]}, in the order first seen
    for check in checks[part]:
        title = title_of(check, lang)
        why = failure(check, ns, lang)
        if why is None:
            report(f"  {good} {part}: {title}")
        else:
            failed.setdefault(why, []).append(title)
    for why, titles in failed.items():
        report(f"  {bad} {part}: {'; '.join(titles)}: {why}")
    return not failed


def check(checks, part, ns):
    """Notebook entry point (``check(CHECKS, "add_gate", globals())``): run one part's checks,
    print one line each, and raise AssertionError carrying the failures, so Jupyter and
    ``nbgrader validate`` show why the cell failed."""
    failed = []

    def report(line):
        print(line)
        if not line.lstrip().startswith(marks()[0]):
            failed.append(line.strip())

    if not run_part(checks, part, ns, report=report):
        raise AssertionError("\n".join(failed))


def load_student(folder, files):
    """Import the student's files (names like "gates.py") from ``folder`` as a namespace."""
    modules = {}
    for name in files:
        path = Path(folder) / name
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        modules[path.stem] = module
    merged = {}
    for module in modules.values():
        merged.update(vars(module))
    return types.SimpleNamespace(**merged)


# -- helpers for writing public checks ---------------------------------------------

def assert_shape(value, shape, what):
    """AssertionError unless ``value`` is a float64 array of ``shape`` (a float stands for shape ())."""
    lang = default_language()
    assert isinstance(value, np.ndarray) or (shape == () and isinstance(value, float)), \
        message("wrong_type", lang, what=what, got=type(value).__name__,
                expected=message("an_ndarray", lang, shape=tuple(shape)))
    value = np.asarray(value)
    assert value.shape == tuple(shape), message("wrong_shape", lang, what=what, got=value.shape, expected=tuple(shape),
                                                like=message("the_input", lang))
    assert value.dtype == np.float64, message("wrong_dtype", lang, what=what, got=value.dtype)


def assert_close(got, expected, what, tol=1e-6):
    """AssertionError unless ``got`` has the shape of ``expected`` and is within ``tol`` (relative,
    floored) of it."""
    assert_finite(got, what)
    lang = default_language()
    assert np.shape(got) == np.shape(expected), message("wrong_shape", lang, what=what, got=np.shape(got),
                                                        expected=np.shape(expected), like=message("the_expected", lang))
    err = gradcheck.max_rel_error(got, expected)
    if err > tol:
        index, g, e, err = gradcheck.worst_element(got, expected)
        raise AssertionError(message("mismatch", default_language(), what=what, index=index, got=g, expected=e,
                                     err=err, tol=tol))


def assert_gradient(grad, f, x, dout, what, tol=1e-5):
    """AssertionError unless ``grad`` matches centred differences of sum(f(x) * dout), by the
    relative error of ``gradcheck.rel_error`` (the grader's tolerance, course.toml's gradcheck)."""
    numeric = gradcheck.numerical_gradient(f, x, dout)
    assert_finite(grad, what)
    err = gradcheck.max_rel_error(grad, numeric)
    if err > tol:
        index, g, e, err = gradcheck.worst_element(grad, numeric)
        text = message("gradcheck_failed", default_language(), what=what, index=index, got=g, expected=e,
                       err=err, tol=tol)
        pattern = gradcheck.diagnose(grad, numeric)
        if pattern:
            text += " " + message(pattern[0], default_language(), **pattern[1])
        raise AssertionError(text)


def assert_finite(value, what):
    """AssertionError unless every element of ``value`` is finite (no NaN, no inf)."""
    try:
        finite = bool(np.all(np.isfinite(np.asarray(value, dtype=np.float64))))
    except (TypeError, ValueError):  # not numbers at all: the comparison that follows says what it is
        return
    assert finite, message("nonfinite", default_language(), what=what)


def quietly(call, what):
    """``call()``'s value; AssertionError when it raised a numpy warning (overflow, invalid value,
    division by zero: underflow to 0 is fine), whatever numpy's settings outside."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            value = call()
    numpy_warnings = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numpy_warnings:
        first = numpy_warnings[0]
        raise AssertionError(message("warning_raised", default_language(), what=what,
                                     warning=f"{first.category.__name__}: {first.message}"))
    return value


def assert_unchanged(before, after, what, arg, key="mutated"):
    """AssertionError (message ``key``) unless ``after`` still equals the copy ``before``."""
    if np.shape(before) != np.shape(after) or not np.array_equal(before, after, equal_nan=True):
        raise AssertionError(message(key, default_language(), what=what, arg=arg))


def run_all(checks_path, folder, files, lang):
    """Run every public check of ``checks_path`` (a public_checks.py) on the student ``files``
    in ``folder``; print one line per check and a summary; 0 when all pass, else 1."""
    os.environ["BACKPROP_LAB_LANG"] = lang  # the helpers' messages follow it
    spec = importlib.util.spec_from_file_location("public_checks", checks_path)
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    try:
        student = load_student(folder, files)
    except Exception as exc:  # the student's file does not import: say why, check nothing
        print(message("import_failed", lang, file=", ".join(files), error=f"{type(exc).__name__}: {exc}"))
        return 1
    try:
        passed = [part for part in checks.CHECKS if run_part(checks.CHECKS, part, student, lang)]
        names = f" ({', '.join(passed)})" if passed else ""
        print(message("parts_passed", lang, passed=len(passed), total=len(checks.CHECKS), names=names))
    except BrokenPipeError:  # piped into `head`, which has gone: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0 if len(passed) == len(checks.CHECKS) else 1


def main(argv=None):
    """`python -m source_lib.public RELEASE_DIR SUBMISSION FILE...`: run every public check.

    RELEASE_DIR holds the assignment's public_checks.py; SUBMISSION is the folder with
    the student's files. Prints one line per check and a summary; exit status 0 when
    every check passes.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m source_lib.public")
    parser.add_argument("release_dir")
    parser.add_argument("submission")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    return run_all(Path(args.release_dir) / "public_checks.py", args.submission, args.files, default_language())


def kit_language(course_language):
    """The language of the kit's messages: BACKPROP_LAB_LANG if set to a known one, else the course's."""
    lang = os.environ.get("BACKPROP_LAB_LANG")
    return lang if lang in CATALOGUES else course_language


def kit_main(folder, files, argv=None, course_language="en"):
    """The student kit's ``python check.py [NOTEBOOK_OR_FILE] [--lang en|ko]``, run in the assignment folder.

    folder: the assignment folder (it holds public_checks.py and the student ``files``).
    With a notebook, checks the code of its cells in the notebook's language; with a
    .py file, that file; else the folder's own files. The messages speak ``--lang``, else
    the notebook's language, else ``kit_language(course_language)``.
    """
    import argparse
    import tempfile

    from source_lib.cells import extract_files, notebook_language

    default = kit_language(course_language)
    parser = argparse.ArgumentParser(prog="python check.py", description=message("kit_description", default),
                                     epilog=" ".join(f"python check.py {nb.name} --lang {default}"
                                                     for nb in sorted(Path(folder).glob(f"*.{default}.ipynb"))) or None)
    parser.add_argument("path", nargs="?", help=message("kit_path_help", default))
    parser.add_argument("--lang", choices=sorted(CATALOGUES), help=message("kit_lang_help", default, course=course_language))
    args = parser.parse_args(argv)
    folder = Path(folder)
    checks_path = folder / "public_checks.py"
    if args.path is None:
        return run_all(checks_path, folder, files, args.lang or default)
    path = Path(args.path)
    if not path.is_file():
        parser.error(message("kit_no_file", args.lang or default, path=path))
    with tempfile.TemporaryDirectory() as tmp:
        if path.suffix == ".ipynb":
            lang = args.lang or notebook_language(path) or default
            for name, text in extract_files(path, files).items():
                Path(tmp, name).write_text(text, encoding="utf-8")
        else:
            lang = args.lang or default
            for name in files:
                if (folder / name).is_file():
                    Path(tmp, name).write_bytes((folder / name).read_bytes())
            Path(tmp, files[0] if len(files) == 1 else path.name).write_bytes(path.read_bytes())
        missing = [name for name in files if not Path(tmp, name).is_file()]
        if missing:
            print(message("missing_file", lang, file=", ".join(missing)))
            return 1
        return run_all(checks_path, tmp, files, lang)


if __name__ == "__main__":
    sys.exit(main())
