"""Everything a Korean course shows a student is Korean.

Every known-buggy variant of every assignment (``variants.toml``, built with
``authoring.variants``) is graded in Korean; the check names, part titles, messages,
notes, the feedback page's Markdown, the words of its figures and what ``course grade``
prints may hold no English word except
- code identifiers: the names the reference files use (classes, methods, arguments,
  attributes, dict keys), their gradients' names (``dW`` of ``W``) and anything written
  like code (with ``_ . ( [ =`` or a digit);
- quoted runtime text: what Python or numpy said, quoted “...”, and student code quoted `...`;
- ``NOTATION``: the short list of notation below (with the isolation level line's system words).
"""

import ast
import html
import re

import pytest

from autograder.authoring.variants import build, load_variants
from autograder.grading.grade import grade
from autograder.outputs.feedback_page import feedback_html, feedback_markdown
from autograder.outputs.terminal import console, show_result
from tests.conftest import ROOT

# Notation a Korean text writes as it is: Python's and numpy's names for values and types, and math.
NOTATION = {"NaN", "inf", "True", "False", "None", "Python", "numpy", "ndarray", "dtype", "shape", "float", "int",
            "dict", "list", "tuple", "docstring", "import", "MB", "ReLU", "GELU", "ELU", "MLP", "exp", "log", "sqrt",
            "tanh", "max", "min", "mean", "var", "std", "erf", "BCE", "MSE", "MAE", "BatchNorm", "Xavier", "He",
            "Keras", "PyTorch",  # names: losses, layers, initialisations and the libraries whose conventions a
            "genexpr", "listcomp", "dictcomp", "setcomp", "lambda", "module",  # known mistake follows; Python's
            # names for a traceback's frames (<genexpr>...); the isolation levels' names (results.json records
            # them) and the system's words for what they use
            "jail", "netns", "process", "seccomp", "rlimit", "tmpfs", "IPC", "PID", "ID", "cgroup", "root"}
QUOTED = re.compile(r"“[^”]*”|`[^`]*`")
CODE_LIKE = re.compile(r"[_.\d\[\](=]")


def identifiers():
    """Every name the reference files use: definitions, arguments, attributes, names, string constants."""
    names = set()
    for path in ROOT.glob("solutions/*/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for attr in ("id", "name", "attr", "arg"):
                if isinstance(getattr(node, attr, None), str):
                    names.add(getattr(node, attr))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
                names.add(node.value)
    return names | {"d" + name for name in names}


IDENTIFIERS = identifiers()


def english_words(text):
    """The English words of ``text`` outside quotes, code-like tokens, identifiers and ``NOTATION``."""
    found = []
    for token in QUOTED.sub(" ", text).split():
        token = token.strip(",:;.!?'\"(){}")
        if CODE_LIKE.search(token):
            continue
        found += [w for w in re.findall(r"[A-Za-z]{2,}", token) if w not in IDENTIFIERS | NOTATION]
    return found


def test_the_search_finds_english_and_passes_code_quotes_and_notation():
    assert english_words("AddGate.forward이 the reference's output과 다릅니다") == ["the", "reference", "output"]
    assert english_words("gates.py 44행, forward 안: `return x + y  # the sum` “ValueError: bad shape”") == []
    assert english_words("dW와 running_var, NaN 또는 inf, shape (3, 4)인 ndarray") == []


def figure_words(page):
    """The words drawn in the page's pictures (their <text> elements)."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", page)]


def terminal_lines(result, capsys):
    """What ``course grade`` prints of ``result``, to its last line (the isolation level), as one text:
    the console wraps long lines, which would split a quote of runtime text."""
    capsys.readouterr()
    show_result(result, console())
    return [" ".join(capsys.readouterr().out.split())]


def shown_texts(result, capsys):
    texts = [result.summary_line(), *result.notes, *terminal_lines(result, capsys)]
    texts += [p.title for p in result.parts] + [t.name for t in result.tests] + [t.message for t in result.tests]
    texts.append(html.unescape(re.sub(r"\\(.)", r"\1", feedback_markdown(result))))
    return texts + figure_words(feedback_html(result))


@pytest.mark.parametrize("aid", ["a1_gates", "a2_layers", "a3_losses", "a4_optimizers", "a5_training"])
def test_every_known_mistake_is_told_in_korean(course, sandbox, tmp_path, capsys, aid):
    assert course.language == "ko"
    assignment = course.assignment(aid)
    english = {}
    for variant in load_variants(course.solutions / aid):
        if not variant.loses:
            continue
        folder = tmp_path / variant.name
        folder.mkdir()
        for name, text in build(course.solutions / aid, assignment.files, variant).items():
            (folder / name).write_text(text, encoding="utf-8")
        result = grade(course, assignment, folder, "2026001", sandbox=sandbox)
        assert result.score < result.max_score, variant.name
        for text in shown_texts(result, capsys):
            for word in english_words(text):
                english.setdefault(word, f"{variant.name}: {text[:160]}")
    assert english == {}


# One Korean word for each concept, the one the lessons teach: {the word: words that must not stand for it}.
GLOSSARY = {"참조 구현": ("기준 구현", "참조 답안"), "수치 기울기": ("수치 미분",), "숨은 검사": ("숨겨진 테스트", "숨은 테스트"),
            "검사를 중단했습니다": ("테스트를 중단",), "검사를 끝냅니다": ("테스트를 끝냅",)}


def test_each_concept_has_one_korean_word_everywhere_a_student_or_instructor_reads():
    """The lessons, the messages, the check titles, the variants' whys, the page texts and the
    released folders' templates (in the grader's code) say a concept with the same word: a
    student who learnt "수치 기울기" is not told about "수치 미분"."""
    import subprocess

    tracked = subprocess.run(["git", "ls-files", "autograder", "source_lib", "solutions", "README.md"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    found = []
    for name in tracked:
        if not name.endswith((".py", ".md", ".toml", ".j2")):
            continue
        text = re.sub(r"\s+", " ", (ROOT / name).read_text(encoding="utf-8"))
        found += [f"{name}: {avoided} (say {word})" for word, avoided_words in GLOSSARY.items()
                  for avoided in avoided_words if avoided in text]
    assert not found, found
