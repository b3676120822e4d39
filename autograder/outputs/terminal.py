"""What a terminal or a log shows of graded work: plain text in the course's language.

``console(stream)`` is the rich console every command prints with: as wide as the
terminal (or ``COLUMNS``), 160 columns in a log that is not a terminal, no colour there.
``show_result(result, out)`` prints one submission (``course grade``, and the log of
Gradescope and GitHub Classroom): its total on one line, a table of the parts, then each
cause once, one line each (then the notes and the isolation level), as the feedback page groups them (``feedback_view``): a
cause shared by several parts (a syntax error, a missing file) once, with nothing
repeated per part, and in a part the checks that failed with the same message on one
line ("all 9 checks" when that is every check of the part). Every text from the
submission is ``safe_text(..., terminal=True)``: one line, no control character, so
nothing it holds can clear the screen or pass for the grader's own lines. Tables keep
whole words (``print_table``).
"""

import os
import sys

from autograder.outputs.feedback_page import WHOLE_FILE, feedback_view, heading, sentence
from autograder.outputs.page_text import page_text
from autograder.results import points, safe_text
from autograder.sandbox.isolation import LEVELS, SECCOMP, parse
from source_lib.messages import message

LOG_WIDTH = 160  # columns of a log that is not a terminal (a CI job's), unless COLUMNS says otherwise


def console(stream=None):
    """A rich console on ``stream`` (stdout): the terminal's width or ``COLUMNS``, else LOG_WIDTH."""
    from rich.console import Console

    stream = stream or sys.stdout
    wide = stream.isatty() or os.environ.get("COLUMNS", "").isdigit()
    return Console(file=stream, highlight=False, width=None if wide else LOG_WIDTH)


def line(*texts):
    """One printable line of ``texts`` joined by nothing, each ``safe_text`` for a terminal."""
    return "".join(safe_text(t, terminal=True) for t in texts)


def print_table(out, columns, rows, title=None):
    """Print a table of ``columns`` (names) and ``rows`` (lists of plain strings, made ``line`` here) on the
    rich console ``out``, with whole words only.

    Each column is at least as wide as its longest word, so rich narrows a column by
    wrapping at spaces and never breaks a word ("implementati/on"). When even that is wider
    than ``out``, each row is printed as one wrapped line instead ("kim: add_gate 15, ...").
    The title is a line of its own, never wrapped into the table's width.
    """
    from rich import box
    from rich.cells import cell_len
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    rows = [[line(cell) for cell in row] for row in rows]
    columns = [line(name) for name in columns]
    if title:
        out.print(Text(line(title)))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    for i, name in enumerate(columns):
        words = [w for text in (name, *(row[i] for row in rows)) for w in text.split()]
        table.add_column(name, min_width=max(map(cell_len, words), default=1))
    for row in rows:
        table.add_row(*map(Text, row))
    if Measurement.get(out, out.options.update_width(sys.maxsize), table).minimum <= out.width:
        out.print(table)
        return
    for row in rows:
        out.print(Text(f"{row[0]}: " + ", ".join(f"{name} {cell}" for name, cell in zip(columns[1:], row[1:]))))


def said(failure, text):
    """What the terminal says of one cause (a ``feedback_page.Failure``), as its page entry does: the
    mistake's name when it has one (a known mistake, a diagnosis; a syntax error, an import error or a
    missing file is said by its message alone), its message, and how many checks
    failed or were not judged or run only because of it (``text``: a ``page_text``)."""
    named = f"{sentence(failure.name)} " if failure.name and failure.code not in WHOLE_FILE else ""
    collateral = f" ({text('collateral')}: {len(failure.collateral)})" if failure.collateral else ""
    return f"{named}{failure.message}{collateral}"


def isolation_text(record, lang):
    """What the isolation ``record`` (``Jail.record``, as results.json keeps it) means, in ``lang``:
    the level, the per-child keyring and syscall filter, what is not limited, and why not stronger
    (the system's own words, quoted)."""
    level, features, why = parse(record)
    text = message(f"isolation_{level}", lang, base=message("isolation_base", lang)) if level in LEVELS else level
    text += "; " + message("isolation_seccomp" if SECCOMP in features else "isolation_keyring", lang)
    text += "; " + message("isolation_no_cgroup", lang)
    return text + ("; " + message("isolation_why", lang, why=why) if why else "")


def show_result(result, out, late=None, alone=None):
    """Print ``result`` on the rich console ``out``: the total that counts and what lateness cost
    (``late``, its Late, and ``alone`` as ``feedback_page.heading`` takes them: the final score, then
    raw score, penalty and final score), parts, each cause once (module docstring).

    A failure is its mark and its text, wrapped between words with every continuation
    line indented under the text, so no part of a student's message starts a line.
    """
    from rich.table import Table
    from rich.text import Text

    from source_lib.public import marks

    text = page_text(result.language)
    score, late_lines = heading(result, late, alone)
    out.print(Text(line(result.summary_line(score))))
    for late_line in late_lines:
        out.print(Text(line(late_line)))
    print_table(out, [text("part"), text("score"), text("max")],
                [[p.id, points(p.score), points(p.max_score)] for p in result.parts])
    roots, parts = feedback_view(result)
    failures = [line(said(root, text)) for root in roots]
    failures += [line(part.id, ": ", text("all_checks", n=len(part.checks)) if part.fails_all(failure)
                      else "; ".join(failure.checks), f" [{text('status_' + failure.status)}]: ", said(failure, text))
                 for part in parts for failure in part.failures]
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for failure in failures:
        grid.add_row(Text(marks(out.file)[1], style="red"), Text(failure, style="red"))
    if failures:
        out.print(grid)
    for note in result.notes:  # which copy was graded, which parts use the grader's stand-ins
        out.print(Text(line(note), style="dim"))
    out.print(Text(line(text("isolation"), ": ", isolation_text(result.isolation, result.language)), style="dim"))
