"""course similarity: planted copies (renamed variables, reordered functions, changed comments)
are found among independent correct solutions, and no independent pair is flagged."""

import ast
import io
import itertools
import json
import tokenize

import pytest

from autograder.authoring.variants import build, load_variants
from autograder.outputs import similarity
from tests.conftest import ROOT

SAMPLES = ROOT / "examples" / "submissions"


def independent(course, assignment):
    """{name: code} of the correct variants of ``assignment`` and, for a1, the sample class."""
    folder = course.solutions / assignment.id
    codes = {}
    for variant in load_variants(folder):
        if not variant.loses:
            texts = build(folder, assignment.files, variant)
            codes[variant.name] = [f"# {n}\n" + texts[n] for n in assignment.files]
    if (SAMPLES / assignment.id).is_dir():
        for entry in sorted((SAMPLES / assignment.id).iterdir()):
            if entry.is_dir():
                codes[entry.name] = similarity.student_code(assignment, entry)
    return codes


def disguise(code):
    """``code`` as a copier hides it: local names renamed, top-level definitions in reverse
    order, every comment rewritten."""
    tree = ast.parse(code)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            names.update(a.arg for a in node.args.args if a.arg != "self")
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    tokens = []
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.NAME and tok.string in names:
            tok = tok._replace(string=f"my_{tok.string}_v2")
        elif tok.type == tokenize.COMMENT:
            tok = tok._replace(string="# note to self: checked this twice")
        tokens.append(tok)
    renamed = tokenize.untokenize(tokens)
    lines = renamed.splitlines(keepends=True)
    body = ast.parse(renamed).body
    spans = [(min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])]) - 1, n.end_lineno)
             for n in body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    if not spans:
        return renamed
    head = "".join(lines[:spans[0][0]])
    blocks = ["".join(lines[a:b]) + "\n\n" for a, b in spans]
    return head + "".join(reversed(blocks))


def planted_class(course, assignment):
    """({name: files} of independent solutions plus a disguised copy of each that parses,
    {copy: original}): every file renamed, reordered and re-commented, the files in reverse order."""
    codes = independent(course, assignment)
    planted = {}
    for name, files in codes.items():
        try:
            planted[f"{name}_copy"] = [disguise(text) for text in reversed(files)]
        except SyntaxError:  # choi_hyun's file does not parse: nothing to disguise
            continue
    return {**codes, **planted}, {f"{name}_copy": name for name in codes if f"{name}_copy" in planted}


# oh_jisu's unbroadcast is the broadcast_via_sum_to_shape variant's loop with mean for sum (the
# fixture was written from it): the same six lines, rightly shown, and not an independent pair.
# bce_logits_maximum_swapped (an equivalent mutant) and bce_logits_logaddexp rewrite the same
# forward line of the reference, keeping `(0.0, self.z) - self.z * self.t`: one line, written twice
WRITTEN_FROM = {("broadcast_via_sum_to_shape", "oh_jisu"), ("bce_logits_logaddexp", "bce_logits_maximum_swapped")}


@pytest.mark.parametrize("aid", ["a1_gates", "a2_layers", "a3_losses", "a4_optimizers", "a5_training"])
def test_every_planted_copy_is_found_and_no_independent_pair_is_flagged(course, aid):
    assignment = course.assignment(aid)
    codes, copies = planted_class(course, assignment)
    boilerplate = similarity.boilerplate_hashes(course, assignment)
    shown, _ = similarity.compare(codes, boilerplate, course.similarity_threshold)
    flagged = {(p["a"], p["b"]) for p in shown}
    own = {name: similarity.fingerprint(codes[name], boilerplate).token_coverage for name in copies.values()}
    for copy, original in copies.items():
        pair = tuple(sorted((copy, original)))
        if own[original] >= similarity.MIN_SHARED:
            assert pair in flagged, f"planted copy of {original} not found"
        elif not own[original]:  # all boilerplate (the reference's own lines): nothing of the student's to compare
            assert pair not in flagged
        # else: less of its own than a pair must share to be shown (a one-line equivalent mutant): either way
    assert sum(bool(n) for n in own.values()) >= 4
    for a, b in itertools.combinations(sorted(n for n in codes if n not in copies), 2):
        expected = (a, b) in WRITTEN_FROM
        assert ((a, b) in flagged) == expected, f"{a} and {b} wrote their own code, yet flagged"


def test_the_order_of_definitions_and_files_changes_no_fingerprint(course):
    """Without the definition boundaries, a copy's reordered blocks share new fingerprints
    at their joints with every other copy reordered the same way."""
    assignment = course.assignment("a3_losses")
    reference = (course.solutions / assignment.id / "losses.py").read_text()
    from autograder.authoring.stubs import strip_markers

    boilerplate = similarity.boilerplate_hashes(course, assignment)
    moved = similarity.fingerprint([disguise(strip_markers(reference))], boilerplate)
    assert moved.token_coverage == 0


def test_the_pages_show_both_codes_escaped_and_the_same_bytes_twice(course, tmp_path):
    """similarity.html and .json of a batch folder: the pair's code side by side, shared regions
    marked, student text escaped, in the course's language; a second run writes the same bytes."""
    assignment = course.assignment("a1_gates")
    kim = (SAMPLES / "a1_gates" / "kim_minji" / "gates.py").read_text()
    hostile = disguise(kim).replace("# note to self: checked this twice", "# </pre><script>alert(1)</script>", 1)
    for student, text in (("kim_minji", kim), ("copier", hostile), ("lee_jun", (SAMPLES / "a1_gates" / "lee_jun" / "gates.py").read_text())):
        folder = tmp_path / student / similarity.CODE
        folder.mkdir(parents=True)
        (folder / "gates.py").write_text(text)
    page, report = similarity.write_similarity(course, assignment, tmp_path)
    assert [(p["a"], p["b"]) for p in report["pairs"]] == [("copier", "kim_minji")]
    html = page.read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<mark>") >= 2 and "비슷한 코드" in html and "판정이 아닙니다" in html
    from tests.browser import chromium, render

    if chromium() is not None:  # as the instructor sees it: the copied lines marked, the hostile comment as text
        shown = render(page, tmp_path / "similarity.png")
        assert shown.scripts == 0 and shown.console == [] and shown.requests == [page.resolve().as_uri()]
        assert "<script>alert(1)</script>" in shown.text and "copier · kim_minji" in shown.text
    first = (page.read_bytes(), (tmp_path / "similarity.json").read_bytes())
    similarity.write_similarity(course, assignment, tmp_path)
    assert first == (page.read_bytes(), (tmp_path / "similarity.json").read_bytes())
    assert json.loads(first[1])["students"] == 3


def test_a_notebook_is_compared_by_the_code_in_its_cells(course, tmp_path):
    """grade-batch keeps a notebook's extracted files in <student>/code/, so a .py copy of a
    notebook's code is found like any other."""
    from autograder.grading.batch import keep_code
    from autograder.grading.submission import released_stubs
    from tests.test_notebook import filled, released_notebook, write_json

    assignment = course.assignment("a1_gates")
    kim = (SAMPLES / "a1_gates" / "kim_minji" / "gates.py").read_text()
    notebook = write_json(tmp_path / "kim.ipynb", filled(released_notebook(course, "ko"), kim))
    (tmp_path / "copier").mkdir()
    (tmp_path / "copier" / "gates.py").write_text(disguise(kim))
    out = tmp_path / "out"
    out.mkdir()
    keep_code(assignment, {"kim": notebook, "copier": tmp_path / "copier"}, out, tmp_path / "work",
              released_stubs(course, assignment))
    assert (out / "kim" / similarity.CODE / "gates.py").is_file()
    _, report = similarity.write_similarity(course, assignment, out)
    assert [(p["a"], p["b"]) for p in report["pairs"]] == [("copier", "kim")]
