"""The student's feedback page: feedback.html (self-contained) and the same content in Markdown.

``feedback_view(result)`` turns a ``GradingResult`` into what a page shows, with every
cause said once:
- a cause is a mistake the checks named (their diagnosis code: a known mistake, a mean
  where a sum is due, a transposed gradient...) or, when they named none, their message;
  the failed checks of a part that share a cause are one entry listing them;
- a check that failed only because of a cause already named in its part (not judged
  because forward is wrong, or wrong values without a pattern beside the part's one named
  mistake) is listed under that cause as collateral, not as a mistake of its own;
- a cause found in two or more parts (a syntax error, a missing file, a mistake in a
  helper every gate calls) is said once at the top, and each part only says "same cause
  as above";
- each entry carries the pictures of its checks' figure payloads (``figures.py``, inline SVG).
``causes(result)`` is the same list of causes, each with its parts: the class report counts them.

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

from autograder.outputs.late import final_score, late_lines
from autograder.outputs.page_text import diagnosis_name, page_text

TEMPLATES = Path(__file__).parent / "templates"


# diagnosis codes that say what happened, not which mistake: such failures are one cause
# only when their messages are equal
WHOLE_FILE = ("syntax_error", "import_error", "missing_file")  # a cause of the whole submission, said as itself
NOT_RUN = "not_run"  # a check left unrun (status timeout) because earlier checks used up the part's or submission's time
UNNAMED = ("", "wrong_values", "raised", "not_implemented", "timeout", "memory", "crashed", "forward_first", NOT_RUN)
# not judged: failed because another cause made forward wrong, or not run because another used up the time
COLLATERAL = ("forward_first", NOT_RUN)
KNOWN = "known:"  # diagnosis prefix of the checks a known mistake explains ("known:max_ties_to_y", grading/mistakes.py)


def known_names(diagnosis):
    """The declared variants a check's ``diagnosis`` names (``KNOWN`` + "a|b", grade.name_known_mistakes), else []."""
    return diagnosis[len(KNOWN):].split("|") if diagnosis.startswith(KNOWN) else []


def known_sentence(message):
    """(the sentence naming the known mistake, the rest) of the message of a check it explains: grading puts
    that sentence first, on a line of its own (grade.name_known_mistakes)."""
    sentence_, _, rest = message.partition("\n")
    return sentence_, rest


@dataclass
class Failure:
    """One cause: its message (that of its first check) and the checks that gave it.

    code: the diagnosis code that names it ("" when none does); checks: the checks it
    explains; collateral: the checks that failed only because of it; parts: the part ids
    it touches, in course order.
    """

    message: str
    status: str
    checks: list
    figures: list = field(default_factory=list)   # figure payloads, at most one per kind
    code: str = ""
    collateral: list = field(default_factory=list)
    parts: list = field(default_factory=list)
    titles: list = field(default_factory=list)  # the parts' titles, for a cause said at the top
    name: str = ""  # the words for the diagnosis that names it (its message leads when none does)

    @property
    def key(self):
        """What makes two students' causes one mistake of a class: the diagnosis that names it and
        the parts it touches; for a diagnosis that names no mistake (wrong values without a
        pattern, an exception), also the checks that failed by it."""
        if self.code in UNNAMED:
            return (self.code or "wrong_values", tuple(self.parts), tuple(sorted(self.checks + self.collateral)))
        return (self.code, tuple(self.parts))


@dataclass
class PartView:
    id: str
    title: str
    score: float
    max_score: float
    checks: list          # [(check name, status)], status "not_run" for a check left unrun (NOT_RUN)
    failures: list        # [Failure] said here
    root_checks: list     # names of checks failed by a root cause said at the top

    @property
    def passed(self):
        """The names of the checks that passed (the pages fold them under their count)."""
        return [name for name, status in self.checks if status == "pass"]

    def fails_all(self, failure):
        """Whether ``failure`` failed every check of this part (more than one): it is then said as
        "all n checks" rather than naming each."""
        return len(failure.checks) == len(self.checks) > 1


def _number(value):
    return float(round(value, 4))


def _identity(test):
    """What makes two failed checks one cause: the diagnosis that names a mistake; wrong values
    without a pattern are one cause within a part; otherwise an equal message."""
    if test.diagnosis == "wrong_values":
        return ("wrong_values", test.part)
    return test.diagnosis if test.diagnosis not in UNNAMED else ("message", test.message)


def _part_causes(tests):
    """{identity: Failure} of one part's failed tests, collateral placed under its cause."""
    found, collateral = {}, []
    for t in tests:
        if t.diagnosis in COLLATERAL or t.diagnosis == "wrong_values":
            collateral.append(t)
            continue
        entry = found.setdefault(_identity(t), Failure(t.message, t.status, [], code=t.diagnosis, parts=[t.part]))
        entry.checks.append(t.name)
        _add_figure(entry, t)
    named = [f for f in found.values() if f.code not in UNNAMED]
    for t in collateral:
        # wrong values without a pattern are collateral of the part's one named mistake only
        owner = (named[0] if len(named) == 1 else None) if t.diagnosis == "wrong_values" else \
            (named[0] if named else next(iter(found.values()), None))
        if owner is None:
            entry = found.setdefault(_identity(t), Failure(t.message, t.status, [], code=t.diagnosis, parts=[t.part]))
            entry.checks.append(t.name)
            _add_figure(entry, t)
        else:
            owner.collateral.append(t.name)
    return found


def _add_figure(entry, test):
    if test.figure and all(f["kind"] != test.figure["kind"] for f in entry.figures):
        entry.figures.append(test.figure)


def feedback_view(result):
    """(root causes [Failure], [PartView]) of a GradingResult: a root cause is one found in
    several parts; its checks are named "part title: check" (titles in the result's language)."""
    by_part = {part.id: _part_causes([t for t in result.tests if t.part == part.id and not t.passed])
               for part in result.parts}
    parts_of = {}
    for part_id, found in by_part.items():
        for identity in found:
            parts_of.setdefault(identity, []).append(part_id)
    roots = {}
    views = []
    for part in result.parts:
        failures, root_checks = [], []
        for identity, entry in by_part[part.id].items():
            if len(parts_of[identity]) < 2:
                failures.append(entry)
                continue
            root = roots.setdefault(identity, Failure(entry.message, entry.status, [], code=entry.code))
            root.parts.append(part.id)
            root.titles.append(part.title)
            root.checks += [f"{part.title}: {name}" for name in entry.checks]
            root.collateral += [f"{part.title}: {name}" for name in entry.collateral]
            for figure in entry.figures:
                _add_figure(root, _Carrier(figure))
            root_checks += entry.checks + entry.collateral
        tests = [t for t in result.tests if t.part == part.id]
        views.append(PartView(part.id, part.title, _number(part.score), _number(part.max_score),
                              [(t.name, NOT_RUN if t.diagnosis == NOT_RUN else t.status) for t in tests], failures,
                              root_checks))
    for entry in list(roots.values()) + [f for view in views for f in view.failures]:
        if known_names(entry.code):
            entry.name, entry.message = known_sentence(entry.message)
        elif entry.code not in UNNAMED:
            entry.name = diagnosis_name(entry.code, result.language)
    return list(roots.values()), views


@dataclass
class _Carrier:
    """A figure payload where ``_add_figure`` expects a test."""

    figure: dict


def causes(result):
    """Every cause of ``result``'s failures once ([Failure], roots first), each with its parts."""
    roots, parts = feedback_view(result)
    return roots + [f for p in parts for f in p.failures]


@lru_cache(maxsize=None)
def _environment(autoescape):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=autoescape, undefined=StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    environment.filters["md"] = markdown_escape
    environment.filters["sentence"] = sentence
    environment.globals["WHOLE_FILE"] = WHOLE_FILE
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


def heading(result, late=None, alone=None):
    """(the total a page heads with, the lines under it): the final score when lateness cost points,
    then what lateness cost as ``outputs.late.late_lines`` says it (raw score, penalty, final);
    late: the Late of ``result`` or None, alone as for ``late_lines``."""
    if late is None:
        return result.exact_score, []
    return final_score(late, result), late_lines(late, result, alone)


def feedback_html(result, late=None, alone=None):
    """The student's self-contained feedback page (a str of HTML); late, alone: as for ``heading``."""
    text = page_text(result.language)
    roots, parts = feedback_view(result)
    score, lines = heading(result, late, alone)
    return render("feedback.html.j2", result=result, roots=roots, parts=parts, text=text, late=lines,
                  draw=lambda figure: figure_markup(figure, text, result.language), score=_number(score),
                  max_score=_number(result.max_score))


def sentence(text):
    """``text`` ending as a sentence does: a period added unless it ends with one (or ! ?), so a
    mistake's name that is already a sentence (a variant's why) is not said with ".."."""
    return text if text.rstrip().endswith((".", "!", "?")) else text + "."


def markdown_escape(value):
    """Text shown as itself in Markdown: HTML and Markdown's own characters escaped."""
    value = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\`*_{}[]()#+-!|~":
        value = value.replace(char, "\\" + char)
    return value


def feedback_markdown(result, late=None, alone=None):
    """The page's content in Markdown (for Gradescope's output_format "md"); late, alone: as for ``heading``."""
    text = page_text(result.language)
    roots, parts = feedback_view(result)
    score, lines = heading(result, late, alone)
    return render("feedback.md.j2", autoescape=False, result=result, roots=roots, parts=parts, text=text,
                  late=lines, score=_number(score), max_score=_number(result.max_score))
