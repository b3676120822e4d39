"""Single-point mutants of a reference's solution regions, for ``course validate --mutants``.

A mutant is the reference with ONE change at one place inside a ``### BEGIN SOLUTION`` /
``### END SOLUTION`` region, made on the concrete syntax tree by libcst (so comments,
layout and everything outside the change stay as written):

- ``operator``: + and -, * and / swapped; ** made *; an augmented ``-=`` made ``+=`` and so on;
- ``copy``: an augmented assignment made a new binding (``p -= g`` becomes ``p = p - g``);
- ``comparison``: < and <=, > and >=, == and != swapped;
- ``constant``: a number n made n + 1 (0 becomes 1, 1e-12 becomes 1.000000000001);
- ``keyword``: ``axis=k`` made another axis, ``keepdims`` negated;
- ``reduction``: sum and mean, max and min swapped (``np.sum``, ``x.sum()``...);
- ``arguments``: the first two positional arguments of a call swapped;
- ``outputs``: the first two items of a returned tuple swapped;
- ``drop``: one side of a + or - dropped (the other kept);
- ``sign``: a unary minus dropped.

Each mutant is graded once like a submission: it must lose points somewhere (killed), or
be equivalent to the reference, which is then declared as a correct variant in
variants.toml with a ``why`` (a declared variant whose files equal the mutant's).
"""

import difflib
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from autograder.authoring.stubs import solution_regions, strip_markers

OPERATORS = {cst.Add: cst.Subtract, cst.Subtract: cst.Add, cst.Multiply: cst.Divide, cst.Divide: cst.Multiply,
             cst.Power: cst.Multiply}
AUGMENTED = {cst.AddAssign: cst.SubtractAssign, cst.SubtractAssign: cst.AddAssign,
             cst.MultiplyAssign: cst.DivideAssign, cst.DivideAssign: cst.MultiplyAssign}
AUGMENTED_BINARY = {cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
                    cst.DivideAssign: cst.Divide, cst.PowerAssign: cst.Power}
COMPARISONS = {cst.LessThan: cst.LessThanEqual, cst.LessThanEqual: cst.LessThan, cst.GreaterThan: cst.GreaterThanEqual,
               cst.GreaterThanEqual: cst.GreaterThan, cst.Equal: cst.NotEqual, cst.NotEqual: cst.Equal}
CHANGES = ("made", "dropped", "new_binding", "arguments_swapped", "outputs_swapped", "minus_dropped")
KINDS = ("operator", "copy", "comparison", "constant", "keyword", "reduction", "arguments", "outputs", "drop", "sign")
REDUCTIONS = {"sum": "mean", "mean": "sum", "max": "min", "min": "max", "argmax": "argmin", "argmin": "argmax"}


@dataclass(frozen=True)
class Mutant:
    """One single-point mutant: the file it changes, the line (1-based, markers in), what the
    change is, in no language (``change``: a key of ``CHANGES``; ``fields``: the code it names,
    e.g. {"old": "*", "new": "/"}), and the student files it gives (markers removed).
    ``grading.validate.mutant_name`` says it in the course's language."""

    file: str
    line: int
    kind: str
    change: str
    fields: dict
    files: dict

    def diff(self, reference_files):
        """The unified diff of the mutant against ``reference_files`` (markers removed)."""
        return "".join(difflib.unified_diff(reference_files[self.file].splitlines(keepends=True),
                                            self.files[self.file].splitlines(keepends=True),
                                            f"reference/{self.file}", f"mutant/{self.file}", n=1))


class _Mutator(cst.CSTTransformer):
    """Counts the candidate changes inside the solution lines (``found``: [(line, kind, (change,
    fields))]), and with ``target`` k makes the k-th of them."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, lines, target=None):
        super().__init__()
        self.lines, self.target, self.found = lines, target, []

    def offer(self, original, updated, kind, options):
        """options: [((change, fields), new node)]; returns the new node of the target, else ``updated``."""
        line = self.get_metadata(PositionProvider, original).start.line
        if line not in self.lines:
            return updated
        for description, node in options:
            if len(self.found) == self.target:
                updated = node
            self.found.append((line, kind, description))
        return updated

    def leave_BinaryOperation(self, original, updated):
        options = []
        swap = OPERATORS.get(type(updated.operator))
        code = cst.Module([]).code_for_node
        if swap:
            options.append((made(updated.operator, swap()), updated.with_changes(operator=swap())))
        if isinstance(updated.operator, (cst.Add, cst.Subtract)):
            options += [(("dropped", {"term": code(updated.right).strip()}), updated.left.with_changes(lpar=(), rpar=())),
                        (("dropped", {"term": code(updated.left).strip()}), updated.right.with_changes(lpar=(), rpar=()))]
        updated = self.offer(original, updated, "operator", options[:1]) if swap else updated
        return self.offer(original, updated, "drop", options[1:]) if len(options) > 1 else updated

    def leave_AugAssign(self, original, updated):
        code = cst.Module([]).code_for_node
        swap = AUGMENTED.get(type(updated.operator))
        if swap:
            updated = self.offer(original, updated, "operator", [(made(updated.operator, swap()),
                                                                   updated.with_changes(operator=swap()))])
        binary = AUGMENTED_BINARY.get(type(updated.operator))
        if binary and isinstance(updated, cst.AugAssign):
            rebound = cst.Assign([cst.AssignTarget(updated.target)],
                                 cst.BinaryOperation(updated.target, binary(), updated.value))
            updated = self.offer(original, updated, "copy", [(("new_binding", {"op": code(updated.operator).strip()}),
                                                              rebound)])
        return updated

    def leave_ComparisonTarget(self, original, updated):
        swap = COMPARISONS.get(type(updated.operator))
        if not swap:
            return updated
        return self.offer(original, updated, "comparison", [(made(updated.operator, swap()),
                                                             updated.with_changes(operator=swap()))])

    def leave_Integer(self, original, updated):
        return self.offer(original, updated, "constant",
                          [(("made", {"old": updated.value, "new": str(updated.evaluated_value + 1)}),
                            updated.with_changes(value=str(updated.evaluated_value + 1)))])

    def leave_Float(self, original, updated):
        return self.offer(original, updated, "constant",
                          [(("made", {"old": updated.value, "new": repr(updated.evaluated_value + 1)}),
                            updated.with_changes(value=repr(updated.evaluated_value + 1)))])

    def leave_Arg(self, original, updated):
        if updated.keyword is None:
            return updated
        word, code = updated.keyword.value, cst.Module([]).code_for_node(updated.value)
        if word == "axis":
            other = "0" if code.strip() not in ("0",) else "1"
            return self.offer(original, updated, "keyword", [(("made", {"old": f"axis={code}", "new": f"axis={other}"}),
                                                               updated.with_changes(value=cst.Integer(other)))])
        if word == "keepdims" and code in ("True", "False"):
            other = "False" if code == "True" else "True"
            return self.offer(original, updated, "keyword", [(("made", {"old": f"keepdims={code}", "new": other}),
                                                               updated.with_changes(value=cst.Name(other)))])
        return updated

    def leave_Call(self, original, updated):
        func = updated.func
        if isinstance(func, cst.Attribute) and func.attr.value in REDUCTIONS:
            other = REDUCTIONS[func.attr.value]
            updated = self.offer(original, updated, "reduction", [(
                ("made", {"old": func.attr.value, "new": other}),
                updated.with_changes(func=func.with_changes(attr=cst.Name(other))))])
        positional = [i for i, a in enumerate(updated.args) if a.keyword is None and not a.star]
        if len(positional) >= 2:
            i, j = positional[:2]
            args = list(updated.args)
            args[i], args[j] = (args[j].with_changes(comma=args[i].comma),
                                args[i].with_changes(comma=args[j].comma))
            updated = self.offer(original, updated, "arguments", [(("arguments_swapped", {}),
                                                                   updated.with_changes(args=args))])
        return updated

    def leave_Return(self, original, updated):
        value = updated.value
        if isinstance(value, cst.Tuple) and len(value.elements) >= 2:
            elements = list(value.elements)
            elements[0], elements[1] = (elements[1].with_changes(comma=elements[0].comma),
                                        elements[0].with_changes(comma=elements[1].comma))
            return self.offer(original, updated, "outputs", [(("outputs_swapped", {}),
                                                              updated.with_changes(value=value.with_changes(
                                                                  elements=elements)))])
        return updated

    def leave_UnaryOperation(self, original, updated):
        if isinstance(updated.operator, cst.Minus):
            return self.offer(original, updated, "sign", [(("minus_dropped", {}), updated.expression)])
        return updated


def made(old, new):
    """The change of operator node ``old`` into ``new``: ("made", their code)."""
    code = cst.Module([]).code_for_node
    return "made", {"old": code(old).strip(), "new": code(new).strip()}


def solution_lines(text):
    """The 1-based line numbers inside the solution regions of ``text`` (markers in)."""
    return {line + 1 for begin, end in solution_regions(text) for line in range(begin + 1, end)}


def mutants(texts):
    """Every single-point ``Mutant`` of the reference files ``texts`` ({file name: text, markers
    in}), in file and position order; mutants that do not compile are left out."""
    found = []
    for name, text in sorted(texts.items()):
        lines = solution_lines(text)
        module = cst.parse_module(text)
        counter = _Mutator(lines)
        MetadataWrapper(module).visit(counter)
        for k, (line, kind, (change, fields)) in enumerate(counter.found):
            mutated = MetadataWrapper(module).visit(_Mutator(lines, target=k)).code
            try:
                compile(mutated, name, "exec")
            except SyntaxError:
                continue
            files = {n: strip_markers(t) for n, t in texts.items()}
            files[name] = strip_markers(mutated)
            found.append(Mutant(name, line, kind, change, fields, files))
    return found
