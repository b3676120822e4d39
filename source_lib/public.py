"""Running an assignment's public checks: in a notebook, with pytest, or with `course check`.

An assignment's ``public_checks.py`` defines ``CHECKS = {part: [check, ...]}``; a check
is a function taking the student's namespace (a module, or a notebook's ``globals()``)
and raising ``AssertionError`` with a message when something is wrong. The public
checks use only the student's own code (no reference solution): shapes, gradient
checks against the student's own forward, the examples stated in docstrings.
"""

import importlib.util
import sys
import types
from pathlib import Path

import numpy as np

from source_lib import gradcheck
from source_lib.messages import default_language, message


def namespace(ns):
    """A notebook's globals() or a module, as an object with attributes."""
    return types.SimpleNamespace(**ns) if isinstance(ns, dict) else ns


def run_part(checks, part, ns, lang=None, report=print):
    """Run the public checks of ``part``; report one line each; True when all pass."""
    lang = lang or default_language()
    ns = namespace(ns)
    ok = True
    for check in checks[part]:
        title = (check.__doc__ or check.__name__).strip().splitlines()[0]
        try:
            check(ns)
        except NotImplementedError as exc:
            ok = False
            report(f"  ✗ {part}: {title}: " + message("not_implemented", lang, what=str(exc) or "?"))
        except AssertionError as exc:
            ok = False
            report(f"  ✗ {part}: {title}: {exc}")
        except Exception as exc:  # the student's exception, shown rather than raised
            ok = False
            report(f"  ✗ {part}: {title}: " + message("raised", lang, what=title, error=f"{type(exc).__name__}: {exc}"))
        else:
            report(f"  ✓ {part}: {title}")
    return ok


def check(checks, part, ns):
    """Notebook entry point: run one part's checks and print the outcome."""
    return run_part(checks, part, ns)


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
    """AssertionError unless ``value`` is a float64 array of ``shape``."""
    lang = default_language()
    assert isinstance(value, np.ndarray) or (shape == () and isinstance(value, float)), \
        message("wrong_type", lang, what=what, got=type(value).__name__, expected=f"an ndarray of shape {shape}")
    value = np.asarray(value)
    assert value.shape == tuple(shape), message("wrong_shape", lang, what=what, got=value.shape, expected=shape,
                                                like="the input")
    assert value.dtype == np.float64, message("wrong_dtype", lang, what=what, got=value.dtype)


def assert_close(got, expected, what, tol=1e-6):
    """AssertionError unless ``got`` is within ``tol`` (relative, floored) of ``expected``."""
    err = gradcheck.max_rel_error(got, expected)
    if err > tol:
        index, g, e, err = gradcheck.worst_element(got, expected)
        raise AssertionError(message("mismatch", default_language(), what=what, index=index, got=g, expected=e,
                                     err=err, tol=tol))


def assert_gradient(grad, f, x, dout, what, tol=1e-5):
    """AssertionError unless ``grad`` matches centred differences of sum(f(x) * dout)."""
    numeric = gradcheck.numerical_gradient(f, x, dout)
    err = gradcheck.max_rel_error(grad, numeric)
    if err > tol:
        index, g, e, err = gradcheck.worst_element(grad, numeric)
        text = message("gradcheck_failed", default_language(), what=what, index=index, got=g, expected=e,
                       err=err, tol=tol)
        pattern = gradcheck.diagnose(grad, numeric)
        if pattern:
            text += " " + message(pattern[0], default_language(), **pattern[1])
        raise AssertionError(text)


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
    spec = importlib.util.spec_from_file_location("public_checks", Path(args.release_dir) / "public_checks.py")
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    lang = default_language()
    try:
        student = load_student(args.submission, args.files)
    except Exception as exc:  # the student's file does not import: say why, check nothing
        print(message("import_failed", lang, file=", ".join(args.files), error=f"{type(exc).__name__}: {exc}"))
        return 1
    passed = [part for part in checks.CHECKS if run_part(checks.CHECKS, part, student, lang)]
    print(f"{len(passed)} / {len(checks.CHECKS)}: " + ", ".join(passed))
    return 0 if len(passed) == len(checks.CHECKS) else 1


if __name__ == "__main__":
    sys.exit(main())
