"""The engine's folders are floors and its imports run downwards only (autograder/__init__.py)."""
import ast
from pathlib import Path

import autograder

PACKAGE = Path(autograder.__file__).parent
FLOORS = ["config", "results", "sandbox", "checks", "authoring", "outputs", "grading", "platforms", "cli"]
FLOOR = {"config": 0, "results": 0, **{name: i - 1 for i, name in enumerate(FLOORS) if i >= 2}}


def floor_of(dotted):
    """The floor of ``autograder.<top>...``: its first component below autograder."""
    return FLOOR[dotted.split(".")[1]]


def imports_of(path):
    """Every autograder module a file imports, at the top or inside a function."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "autograder":
            yield from (f"autograder.{a.name}" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("autograder."):
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("autograder."))


def test_every_module_sits_on_a_named_floor():
    tops = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in PACKAGE.rglob("*.py")} - {"__init__"}
    assert tops == set(FLOOR), "a new folder or module of autograder/ needs its floor in FLOORS and __init__.py"


def test_imports_run_downwards_only():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.name == "__init__.py" and len(rel.parts) == 1:
            continue
        own = floor_of("autograder." + ".".join(rel.with_suffix("").parts))
        upward += [f"{rel} imports {name}" for name in imports_of(path) if floor_of(name) > own]
    assert not upward, upward
