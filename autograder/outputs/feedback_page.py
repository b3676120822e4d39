"""The student's feedback page: feedback.html (self-contained) and the same content in Markdown.

``feedback_view(result)`` turns a ``GradingResult`` into what a page shows, with every
cause said once:
- root causes: a failure message shared by the checks of two or more parts (a syntax
  error, a missing file, a crash at import) is said once at the top, and each part
  only says "same cause as above";
- within a part, checks that failed with the same message are one entry listing
  their names;
- each entry carries the pictures of its checks' figure payloads (``figures.py``, inline SVG).

``feedback_html(result)`` renders the page from ``templates/feedback.html.j2`` with
Jinja2's autoescape: the student's printed output, names and any message built from
their values reach the page as text, never as markup. The page has no script and
loads nothing: its pictures are inline SVG and its style is in the page.
``feedback_markdown(result)`` is the same content for Gradescope's ``output_format``
"md" (without pictures; the page is the place for them).
"""

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from autograder.outputs.page_text import diagnosis_name, page_text

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Failure:
    """One failure message of a part and the checks that gave it."""

    message: str
    status: str
    checks: list
    figures: list = field(default_factory=list)   # figure payloads, at most one per kind


@dataclass
class PartView:
    id: str
    title: str
    score: float
    max_score: float
    checks: list          # [(check name, status)]
    failures: list        # [Failure] said here
    root_checks: list     # names of checks failed by a root cause said at the top


def _number(value):
    return float(round(value, 4))


def feedback_view(result):
    """(root causes [Failure], [PartView]) of a GradingResult."""
    failed = [t for t in result.tests if not t.passed]
    parts_of = {}
    for t in failed:
        parts_of.setdefault(t.message, set()).add(t.part)
    roots = {m for m, parts in parts_of.items() if len(parts) > 1}
    root_failures = {}
    views = []
    for part in result.parts:
        tests = [t for t in result.tests if t.part == part.id]
        failures, root_checks = {}, []
        for t in tests:
            if t.passed:
                continue
            target = root_failures if t.message in roots else failures
            entry = target.setdefault(t.message, Failure(t.message, t.status, []))
            entry.checks.append(t.name if target is failures else f"{part.id}: {t.name}")
            if t.figure and all(f["kind"] != t.figure["kind"] for f in entry.figures):
                entry.figures.append(t.figure)
            if target is root_failures:
                root_checks.append(t.name)
        views.append(PartView(part.id, part.title, _number(part.score), _number(part.max_score),
                              [(t.name, t.status) for t in tests], list(failures.values()), root_checks))
    return list(root_failures.values()), views


@lru_cache(maxsize=None)
def _environment(autoescape):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=autoescape, undefined=StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    environment.filters["md"] = markdown_escape
    return environment


def render(template, autoescape=True, **context):
    """A template of ``templates/`` rendered (HTML with autoescape, Markdown without)."""
    return _environment(autoescape).get_template(template).render(**context)


def figure_markup(figure, text, lang):
    """(caption, SVG markup) of a figure payload; the SVG is ours, the caption escaped by the template."""
    from markupsafe import Markup

    from autograder.outputs.figures import svg

    caption = text(f"figure_{figure['kind']}", what=figure.get("what", ""))
    if figure.get("diagnosis", "wrong_values") != "wrong_values":
        caption += f": {diagnosis_name(figure['diagnosis'], lang)}"
    return caption, Markup(svg(figure, text))


def feedback_html(result):
    """The student's self-contained feedback page (a str of HTML)."""
    text = page_text(result.language)
    roots, parts = feedback_view(result)
    return render("feedback.html.j2", result=result, roots=roots, parts=parts, text=text,
                  draw=lambda figure: figure_markup(figure, text, result.language), score=_number(result.score),
                  max_score=_number(result.max_score))


def markdown_escape(value):
    """Text shown as itself in Markdown: HTML and Markdown's own characters escaped."""
    value = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\`*_{}[]()#+-!|~":
        value = value.replace(char, "\\" + char)
    return value


def feedback_markdown(result):
    """The page's content in Markdown (for Gradescope's output_format "md")."""
    text = page_text(result.language)
    roots, parts = feedback_view(result)
    return render("feedback.md.j2", autoescape=False, result=result, roots=roots, parts=parts, text=text,
                  score=_number(result.score), max_score=_number(result.max_score))
