"""Before and after on the same machine in the same run: an earlier commit's engine beside this one.

``engine()`` returns the grading functions of whichever engine is on ``sys.path``: the
packages of today (``autograder.grading.grade``...) or the flat modules before the move
(commit a18cd5c and earlier), so one benchmark script measures both.

``run_before(script, rev, args)`` checks ``rev`` out into a temporary git worktree, runs
``script --course WORKTREE --json FILE args`` with that worktree first on ``PYTHONPATH`` (its
engine, its course and solutions; this script) and returns the JSON the script wrote.
"""

import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent

LAYOUTS = {  # name: (module today, module before the move)
    "load_course": ("autograder.config", "autograder.config"),
    "grade": ("autograder.grading.grade", "autograder.grading"),
    "hidden_checks": ("autograder.grading.grade", "autograder.grading"),
    "Sandbox": ("autograder.sandbox.session", "autograder.sandbox"),
    "grade_batch": ("autograder.grading.batch", "autograder.batch"),
    "validate": ("autograder.grading.validate", "autograder.validate"),
}


def engine():
    """The engine's functions named in LAYOUTS, from the layout that is importable."""
    found = {}
    for name, modules in LAYOUTS.items():
        for module in modules:
            try:
                found[name] = getattr(importlib.import_module(module), name)
                break
            except (ImportError, AttributeError):
                continue
        else:
            raise ImportError(f"no engine on sys.path defines {name}")
    return SimpleNamespace(**found)


def run_before(script, rev, args):
    """The JSON that ``script`` writes when run on the engine and course of commit ``rev``."""
    with tempfile.TemporaryDirectory(prefix="before-") as tmp:
        tree, out = Path(tmp, "tree"), Path(tmp, "figures.json")
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(tree), rev], check=True)
        try:
            env = dict(os.environ, PYTHONPATH=str(tree))
            subprocess.run([sys.executable, str(script), "--course", str(tree), "--json", str(out), *args],
                           env=env, check=True, cwd=tree)
            return json.loads(out.read_text())
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True)
