"""`course release ASSIGNMENT --classroom DIR`: a GitHub Classroom template repository.

The template holds what a student needs and nothing of the hidden tests:

- the released assignment (stubs, notebooks, public checks, ``test_public.py``) at the
  top level, with the release's student kit (``source_lib/``, ``check.py``,
  ``requirements.txt``);
- ``README.md``: the release's README and how grading works, in the course's language;
- ``.github/workflows/classroom.yml``: on each push, decrypts the grader, installs it,
  grades the repository and hands the points to GitHub Classroom's reporter action
  (``classroom-resources/autograding-grading-reporter``);
- ``.github/classroom/grade.sh``: the workflow's decrypt and grade steps, so they can
  run (and be tested) outside GitHub;
- ``.github/classroom/grader.zip.enc``: the Gradescope bundle of the assignment
  (``autograder.platforms.gradescope``: grader, hidden checks, reference, course secret),
  encrypted with ``openssl enc -aes-256-cbc -pbkdf2`` under the assignment's own key,
  ``assignment_key``: derived from the instructor's passphrase (the environment variable
  ``BACKPROP_LAB_GRADER_KEY``, kept off GitHub) and the assignment id. The instructor
  stores that key as the organisation secret ``BACKPROP_LAB_GRADER_KEY_<ID>`` (e.g.
  ``BACKPROP_LAB_GRADER_KEY_A1_GATES``), so a key that leaks from one student's workflow
  decrypts that assignment's bundle and no other.

The grade step turns the bundle's results.json into the runner result that the
reporter reads: base64 of ``{"version": 1, "status", "max_score", "tests": [{"name",
"status", "score", "message", ...}]}``, one test per part, written as ``result=...`` to
``$GITHUB_OUTPUT``; the reporter adds up the tests' scores for GitHub Classroom.
The student id the hidden inputs are seeded from is the repository's name.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.config import ConfigError, load_course
from autograder.results import GradingResult, safe_data, safe_text

KEY_ENV = "BACKPROP_LAB_GRADER_KEY"
RUNNER = "grader"
ENCRYPTED = ".github/classroom/grader.zip.enc"
GITIGNORE = "__pycache__/\n.pytest_cache/\n.ipynb_checkpoints/\n"

WORKFLOW = """# GitHub Classroom autograding of {aid}, written by `course release {aid} --classroom`.
# The hidden tests are not in this repository: {encrypted} is the grader bundle,
# encrypted with this assignment's key, held by the organisation secret {secret}.
name: Autograding Tests
"on":
  - push
  - repository_dispatch
  - workflow_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Decrypt the grader
        env:
          {key_env}: ${{{{ secrets.{secret} }}}}
        run: bash .github/classroom/grade.sh decrypt
      - name: Install the grader
        run: python -m pip install --quiet "$RUNNER_TEMP/autograder/source/backprop_lab"
      - name: Grade
        id: {runner}
        run: bash .github/classroom/grade.sh grade
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          {runner_env}_RESULTS: "${{{{ steps.{runner}.outputs.result }}}}"
        with:
          runners: {runner}
"""

GRADE_SH = """#!/usr/bin/env bash
# The grading steps of .github/workflows/classroom.yml (run locally by the course's tests too).
#   grade.sh decrypt  decrypt {encrypted} into $RUNNER_TEMP/autograder/source
#   grade.sh grade    grade this repository; append the points for GitHub Classroom's
#                     reporter (result=<base64 JSON>) to $GITHUB_OUTPUT
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
ROOT="${{RUNNER_TEMP:?RUNNER_TEMP is not set}}/autograder"
PYTHON="${{BACKPROP_LAB_PYTHON:-python}}"
case "${{1:-}}" in
  decrypt)
    if [ -z "${{{key_env}:-}}" ]; then
      echo "grade.sh: the secret {secret} is not available to this workflow ({key_env} is empty): ask your instructor." >&2
      exit 2
    fi
    rm -rf "$ROOT"
    mkdir -p "$ROOT/source"
    openssl enc -d -aes-256-cbc -pbkdf2 -in "$REPO/{encrypted}" -out "$ROOT/grader.zip" -pass env:{key_env}
    "$PYTHON" -m zipfile -e "$ROOT/grader.zip" "$ROOT/source"
    rm "$ROOT/grader.zip"
    ;;
  grade)
    rm -rf "$ROOT/submission" "$ROOT/results"
    ln -s "$REPO" "$ROOT/submission"
    student="${{GITHUB_REPOSITORY:-$REPO}}"
    printf '{{"users": [{{"sid": "%s"}}]}}\\n' "${{student##*/}}" > "$ROOT/submission_metadata.json"
    AUTOGRADER_ROOT="$ROOT" BACKPROP_LAB_PYTHON="$PYTHON" bash "$ROOT/source/run_autograder" || true
    cd "$ROOT/source/backprop_lab"
    "$PYTHON" -m autograder.platforms.classroom . "$ROOT/results/results.json" >> "${{GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}}"
    ;;
  *)
    echo "usage: grade.sh decrypt|grade" >&2
    exit 2
    ;;
esac
"""

README = {
    "en": """
## Submitting with GitHub Classroom

Commit and push: every push is graded. The workflow "Autograding Tests" (the Actions
tab) runs the hidden tests and reports your points to GitHub Classroom; its log lists
each check and why it failed. What is graded is the code of {files}, as said above: the
.py file{plural}, or the cells of a notebook in this repository that hold {it} (the copy
with the fewest `raise NotImplementedError` left). Nothing else is graded.

To run the public checks on your machine: `pip install -r requirements.txt`, then
`python check.py` or `python -m pytest` in this folder. Do not change `.github/`: the
grading lives there.
""",
    "ko": """
## GitHub Classroom으로 제출하기

커밋하고 push하세요: push할 때마다 채점됩니다. "Autograding Tests" 워크플로(Actions 탭)가 숨은
검사를 실행하고 점수를 GitHub Classroom에 보고합니다. 로그에서 각 검사의 결과와 실패 이유를 볼 수
있습니다. 채점하는 것은 위에서 말한 대로 {files}의 코드입니다: .py 파일, 또는 이 저장소의 노트북에서
그 코드를 담은 셀(`raise NotImplementedError`가 가장 적게 남은 쪽). 그 밖의 것은 채점하지 않습니다.

내 컴퓨터에서 공개 검사를 실행하려면 `pip install -r requirements.txt` 후 이 폴더에서
`python check.py` 또는 `python -m pytest`를 실행하세요. `.github/`는 수정하지 마세요: 채점 설정이
들어 있습니다.
""",
}


class ClassroomError(ConfigError):
    """The template cannot be written (no passphrase, no openssl)."""


def template_files(course, assignment):
    """{path relative to the template: text} of every file but the encrypted grader."""
    from autograder.authoring.release import release_files

    files = release_files(course, assignment)
    several = len(assignment.files) > 1
    files["README.md"] += README[course.language].format(files=", ".join(assignment.files),
                                                         plural="s" if several else "", it="them" if several else "it")
    files[".gitignore"] = GITIGNORE
    files[".github/workflows/classroom.yml"] = WORKFLOW.format(
        aid=assignment.id, encrypted=ENCRYPTED, key_env=KEY_ENV, secret=secret_name(assignment), runner=RUNNER,
        runner_env=RUNNER.upper())
    files[".github/classroom/grade.sh"] = GRADE_SH.format(encrypted=ENCRYPTED, key_env=KEY_ENV,
                                                          secret=secret_name(assignment))
    return files


def secret_name(assignment):
    """The organisation secret holding ``assignment``'s key: BACKPROP_LAB_GRADER_KEY_A1_GATES for a1_gates."""
    return f"{KEY_ENV}_{re.sub(r'[^A-Z0-9]', '_', assignment.id.upper())}"


def assignment_key(passphrase, assignment):
    """The key of one assignment's bundle: base64 of HMAC-SHA256(passphrase, "backprop-lab classroom <id>").

    One-way: an assignment's key reveals neither the passphrase nor another assignment's key.
    """
    digest = hmac.new(passphrase.encode(), f"backprop-lab classroom {assignment.id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def encrypt(data, passphrase):
    """``data`` encrypted as ``openssl enc -aes-256-cbc -pbkdf2`` does (salted), with ``passphrase``."""
    if shutil.which("openssl") is None:
        raise ClassroomError("openssl is needed to encrypt the grader bundle (apt-get install openssl)")
    return subprocess.run(["openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-salt", "-pass", f"env:{KEY_ENV}"],
                          input=data, capture_output=True, check=True,
                          env=dict(os.environ, **{KEY_ENV: passphrase})).stdout


def write_template(course, assignment, target, passphrase=None):
    """Write the template repository of ``assignment`` into ``target``; returns the paths written.

    passphrase: the instructor's passphrase (``$BACKPROP_LAB_GRADER_KEY`` by default); the
    bundle is encrypted with ``assignment_key(passphrase, assignment)``.
    """
    from autograder.platforms.gradescope import write_bundle

    passphrase = passphrase or os.environ.get(KEY_ENV)
    if not passphrase:
        raise ClassroomError(f"set {KEY_ENV} to a passphrase of your own and keep it off GitHub (for example: "
                             f"export {KEY_ENV}=$(openssl rand -base64 32)); the hidden tests are encrypted with "
                             f"a key derived from it, which this command then prints for you to store as the "
                             f"organisation secret {secret_name(assignment)}")
    target = Path(target)
    written = []
    for rel, text in template_files(course, assignment).items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp, "grader.zip")
        write_bundle(course, assignment, bundle)
        (target / ENCRYPTED).write_bytes(encrypt(bundle.read_bytes(), assignment_key(passphrase, assignment)))
    written.append(target / ENCRYPTED)
    return written


def log_lines(texts):
    """The reporter prints a test's message in the Actions log: ``texts`` as plain lines, one each, every one
    ``safe_text`` for a terminal (no control character, no line a student's text could add)."""
    return "\n".join(safe_text(t, terminal=True) for t in texts)


def runner_result(results, assignment, language="en"):
    """The reporter's runner result for a Gradescope results.json (a dict): one test per part.

    A part passes when it has all its points; its message lists the checks it failed. Parts
    are named in ``language``.
    A grader failure (``extra_data.grader_error``) is one "error" test worth nothing.
    Everything else is read as the results model (``GradingResult``).
    """
    if results.get("extra_data", {}).get("grader_error"):
        tests = [{"name": "grader", "status": "error", "score": 0, "message": log_lines([results.get("output", "")])}]
        status = "error"
    else:
        result = GradingResult.from_gradescope(results)
        scores = result.part_scores()
        tests = []
        for part in assignment.parts:
            failed = [f"{t.part}: {t.name}: {t.message}" for t in result.tests if t.part == part.id and not t.passed]
            tests.append({"name": f"{part.id}: {part.title_in(language)}", "status": "fail" if failed else "pass",
                          "score": float(scores[part.id]), "message": log_lines(failed)})
        status = "pass" if all(t["status"] == "pass" for t in tests) else "fail"
    for test in tests:
        test.update(test_code="", filename="", line_no=0, duration=0)
    return {"version": 1, "status": status, "max_score": assignment.points, "tests": tests}


def output_line(course_root, results_path):
    """``result=<base64 JSON>``: the grade step's output for the reporter."""
    results = json.loads(Path(results_path).read_text(encoding="utf-8"))
    course = load_course(course_root)
    result = runner_result(results, course.assignment(results["extra_data"]["assignment"]), course.language)
    encoded = base64.b64encode(json.dumps(safe_data(result), sort_keys=True, ensure_ascii=False).encode()).decode()
    return f"result={encoded}\n"


if __name__ == "__main__":
    sys.stdout.write(output_line(sys.argv[1], sys.argv[2]))
