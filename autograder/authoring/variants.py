"""Known-buggy and correct variants of a reference, declared as small changes.

``solutions/<id>/variants.toml`` holds one table per variant::

    [max_ties_to_y]
    loses = ["max_gate"]          # the parts it must lose; [] for a correct variant
    why = "MaxGate sends the gradient to y on ties"
    why_ko = "MaxGate가 동점에서 기울기를 y로 보냅니다"   # why in each other course language
    change = [{ find = "x >= y", replace = "x > y" }]

    [neuron_closed_form]
    loses = []
    why = "the neuron by its closed-form formulas"
    [[neuron_closed_form.change]]
    definition = "neuron"         # a top-level function or class, or "Class.method"
    source = '''
    def neuron(w, x):
        ...
    '''

A change applies to the reference with its solution markers removed: ``find`` must
occur exactly once in the file and becomes ``replace``; ``definition`` is replaced,
decorators included, by ``source`` (written at any indentation; it is re-indented to
the definition's). ``file`` names the file when the assignment has several. A change
that no longer applies (the text is gone or ambiguous, the definition was renamed)
raises ``VariantError`` naming the variant, so editing a reference can never leave a
known bug silently testing nothing.

``why`` is written for students: the grader shows it when a student's code behaves
exactly like the variant (``autograder.grading.mistakes``), and the class report names
the mistake by it. ``why_<lang>`` is the same text in another course language
(``why_ko``); every variant has one for every language a course may speak (a test
checks it).
"""

import ast
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder.config import ConfigError
from autograder.authoring.stubs import strip_markers

VARIANTS_FILE = "variants.toml"
LANGUAGES = ("ko",)  # the course languages besides English, each a why_<lang> of every variant
_VARIANT_KEYS = {"loses", "why", "change", *(f"why_{lang}" for lang in LANGUAGES)}
_CHANGE_KEYS = ({"find", "replace"}, {"definition", "source"})


class VariantError(ConfigError):
    """A variant's declaration is malformed (its message says how, in English, as every ConfigError)
    or no longer applies to the reference: then ``key`` (a key of the course's text catalogue,
    ``outputs.page_text``) and ``fields`` say why in no language, and ``course validate`` says it
    in the course's."""

    def __init__(self, message, key="", fields=None):
        super().__init__(message)
        self.key, self.fields = key, fields or {}


class NotApplied(ValueError):
    """A change that does not apply to a text: ``key`` and ``fields`` as in VariantError."""

    def __init__(self, key, **fields):
        super().__init__(f"{key} {fields}")
        self.key, self.fields = key, fields


@dataclass(frozen=True)
class Variant:
    """One declared variant: ``loses`` is empty for a correct variant."""

    name: str
    loses: tuple
    why: str
    changes: tuple  # of dicts, as declared
    translations: tuple = ()  # ((lang, why in lang), ...)

    @property
    def kind(self):
        return "buggy" if self.loses else "correct"

    def why_in(self, lang):
        """``why`` in ``lang`` (English when there is no text in that language)."""
        return dict(self.translations).get(lang) or self.why


def load_variants(folder):
    """The variants declared in ``folder/variants.toml``, sorted by name ([] when there is none)."""
    path = Path(folder) / VARIANTS_FILE
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise VariantError(f"{path}: {exc}") from None
    variants = []
    for name, entry in sorted(data.items()):
        where = f"{path}: variant {name}"
        if not isinstance(entry, dict) or set(entry) - _VARIANT_KEYS or "loses" not in entry or "change" not in entry:
            raise VariantError(f"{where}: expected a table with loses, why and change (got {sorted(entry) if isinstance(entry, dict) else type(entry).__name__})")
        changes = entry["change"]
        if not changes or not all(isinstance(c, dict) and set(c) - {"file"} in _CHANGE_KEYS for c in changes):
            raise VariantError(f"{where}: each change is {{find, replace}} or {{definition, source}}, "
                               "with an optional file")
        translations = tuple((lang, entry[f"why_{lang}"]) for lang in LANGUAGES if f"why_{lang}" in entry)
        variants.append(Variant(name, tuple(entry["loses"]), entry.get("why", ""), tuple(changes), translations))
    return variants


def definition_span(text, dotted):
    """(first line index, end line index exclusive, indent) of ``dotted`` in ``text``, or None.

    dotted: a top-level function or class ("neuron", "MaxGate") or a method ("MaxGate.backward").
    The span starts at the first decorator.
    """
    body = ast.parse(text).body
    node = None
    for name in dotted.split("."):
        found = [n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                 and n.name == name]
        if len(found) != 1:
            return None
        node = found[0]
        body = node.body
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return first - 1, node.end_lineno, node.col_offset


def apply_change(text, change):
    """``text`` with one declared change applied; NotApplied saying why when it does not apply."""
    if "find" in change:
        count = text.count(change["find"])
        if count != 1:
            raise NotApplied("variant_find_count", find=change["find"], count=count)
        return text.replace(change["find"], change["replace"])
    span = definition_span(text, change["definition"])
    if span is None:
        raise NotApplied("variant_no_definition", definition=change["definition"])
    first, end, indent = span
    source = textwrap.indent(textwrap.dedent(change["source"]).strip("\n") + "\n", " " * indent)
    lines = text.splitlines(keepends=True)
    return "".join(lines[:first]) + source + "".join(lines[end:])


def build(solution_folder, files, variant):
    """{file name: text} of ``variant``: the reference files (markers removed) with its changes.

    files: the assignment's student files. Raises VariantError naming the variant and
    the change when a change does not apply: key "variant_bad_file" (fields: folder, variant,
    index, files, got) or "variant_not_applied" (fields: folder, variant, index, file and why,
    the key and fields of the NotApplied, or the SyntaxError's message).
    """
    texts = {name: strip_markers((Path(solution_folder) / name).read_text(encoding="utf-8")) for name in files}
    for i, change in enumerate(variant.changes, 1):
        name = change.get("file") or (files[0] if len(files) == 1 else None)
        where = {"folder": Path(solution_folder).name, "variant": variant.name, "index": i}
        if name not in texts:
            fields = {**where, "files": ", ".join(files), "got": name}
            raise VariantError(f"variant_bad_file {fields}", "variant_bad_file", fields)
        try:
            texts[name] = apply_change(texts[name], change)
        except NotApplied as exc:
            fields = {**where, "file": name, "why": (exc.key, exc.fields)}
            raise VariantError(f"variant_not_applied {fields}", "variant_not_applied", fields) from None
        except SyntaxError as exc:
            fields = {**where, "file": name, "why": ("variant_syntax_error", {"error": str(exc)})}
            raise VariantError(f"variant_not_applied {fields}", "variant_not_applied", fields) from None
    return texts


def build_named(solution_folder, files, names):
    """{file name: text} of the reference with the changes of the declared variants ``names``
    applied in order (to combine bugs of different parts into one submission)."""
    declared = {v.name: v for v in load_variants(solution_folder)}
    changes = tuple(change for name in names for change in declared[name].changes)
    return build(solution_folder, files, Variant("+".join(names), (), "", changes))
