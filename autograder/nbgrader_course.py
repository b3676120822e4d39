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

import os
import subprocess
import sys
from pathlib import Path

from autograder.notebook import build_notebook, notebook_text
from autograder.release import release_files

NBGRADER_CONFIG = '''"""nbgrader configuration of the Backprop Lab course (written by autograder.nbgrader_course)."""

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
        if rel in ("public_checks.py", "check.py", "requirements.txt") or rel.startswith(("components/", "source_lib/")):
            files[f"{source}/{rel}"] = text
    return files


def write_nbgrader_course(course, assignment, target, lang=None):
    """Write the nbgrader course of ``assignment`` into the folder ``target``; returns the paths written."""
    written = []
    for rel, text in nbgrader_files(course, assignment, lang).items():
        path = Path(target) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


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
