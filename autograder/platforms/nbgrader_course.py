"""An nbgrader course folder built from the course, for instructors who grade with nbgrader.

``write_nbgrader_course(course, assignment, target)`` writes::

    target/nbgrader_config.py
    target/source/<id>/<id>.ipynb        the instructor's notebook: solutions inside
                                         ### BEGIN SOLUTION / ### END SOLUTION
    target/source/<id>/public_checks.py  what the notebook's check cells import
    target/source/<id>/components/...    earlier assignments' reference files, if it uses them
    target/source/<id>/source_lib/...    the student kit (with check.py and requirements.txt), so
                                         the released notebook runs outside the course

In ``target``, ``nbgrader generate_assignment <id>`` then writes ``release/<id>/``, the
student notebook (the same stubs as ``course release``, except that nbgrader's stub
raises ``NotImplementedError()`` without naming the method), and ``nbgrader autograde
<id>`` grades ``submitted/<student>/<id>/<id>.ipynb``: each part's check cell, worth the
part's points, passes when the part's public checks pass.
"""

import contextlib
import datetime
import os
import subprocess
import sys
from pathlib import Path

from autograder.config import ConfigError
from autograder.authoring.notebook import build_notebook, notebook_text
from autograder.authoring.release import release_files

NBGRADER_CONFIG = '''"""nbgrader configuration of the Backprop Lab course (written by autograder.platforms.nbgrader_course)."""

c = get_config()  # noqa: F821 (nbgrader defines get_config)
c.CourseDirectory.course_id = "backprop-lab"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
'''


def nbgrader_files(course, assignment, lang=None):
    """{path relative to the course folder: text} of the nbgrader course of ``assignment``.

    lang: the notebook's language ("en" or "ko"); the course's language by default. An
    nbgrader assignment sums the points of all its notebooks, so it gets one language.
    """
    lang = lang or course.language
    source = f"source/{assignment.id}"
    files = {"nbgrader_config.py": NBGRADER_CONFIG}
    files[f"{source}/{assignment.id}.ipynb"] = notebook_text(build_notebook(course, assignment, lang,
                                                                            solutions=True))
    for rel, text in release_files(course, assignment).items():
        if rel in ("public_checks.py", "check.py", "requirements.txt") or rel.startswith(
                ("components/", "source_lib/", "titles.")):
            files[f"{source}/{rel}"] = text
    return files


@contextlib.contextmanager
def gradebook(course_dir):
    """nbgrader's Gradebook of the course in ``course_dir`` (its gradebook.db); ConfigError without nbgrader.

    Opening it may run ``alembic`` (a new database), found beside this Python while it is open.
    """
    try:
        from nbgrader.api import Gradebook
    except ImportError:
        raise ConfigError("nbgrader is not installed: pip install nbgrader") from None
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{path}"
    try:
        with Gradebook(f"sqlite:///{Path(course_dir).resolve() / 'gradebook.db'}") as book:
            yield book
    finally:
        os.environ["PATH"] = path


def write_nbgrader_course(course, assignment, target, lang=None):
    """Write the nbgrader course of ``assignment`` into the folder ``target``, with the assignment and
    its due date in nbgrader's gradebook; returns the paths written."""
    written = []
    for rel, text in nbgrader_files(course, assignment, lang).items():
        path = Path(target) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    due = assignment.due
    if isinstance(due, datetime.datetime) and due.tzinfo is not None:
        due = due.astimezone(datetime.timezone.utc).replace(tzinfo=None)  # nbgrader keeps naive UTC times
    with gradebook(target) as book:
        book.update_or_create_assignment(assignment.id, duedate=due)
    return written


def write_grades(course, assignment, course_dir, sandbox=None):
    """Grade every notebook in ``course_dir/submitted/<student>/<id>/`` with our grader and write each
    part's score into nbgrader's gradebook; returns {student: GradingResult}.

    Run after ``nbgrader autograde``, which records the submissions: a submission nbgrader
    has not autograded is a ConfigError naming it.
    """
    from nbgrader.api import MissingEntry

    from autograder.grading.grade import grade

    results = {}
    folders = sorted(p for p in (Path(course_dir) / "submitted").glob(f"*/{assignment.id}") if p.is_dir())
    with gradebook(course_dir) as book:
        for folder in folders:
            student = folder.parent.name
            result = grade(course, assignment, folder, student, sandbox=sandbox)
            for part in result.parts:
                try:
                    cell = book.find_grade(f"check_{part.id}", assignment.id, assignment.id, student)
                except MissingEntry:
                    raise ConfigError(f"{folder}: nbgrader has no grade of check_{part.id} for {student} "
                                      f"(run `nbgrader autograde {assignment.id}` first)") from None
                cell.manual_score = float(part.score)
                cell.needs_manual_grade = False
            book.db.commit()
            results[student] = result
    return results


def run_nbgrader(course_dir, *args, timeout=None):
    """Run ``nbgrader ARGS`` in ``course_dir`` with this Python, isolated from the user's Jupyter
    and IPython configuration (kept in ``course_dir``'s sibling ``jupyter-home``); returns the
    completed process, its output as text."""
    course_dir = Path(course_dir)
    home = course_dir.parent / "jupyter-home"
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               IPYTHONDIR=str(home / "ipython"), JUPYTER_PLATFORM_DIRS="1", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir, env=env,
                          capture_output=True, text=True, timeout=timeout)
