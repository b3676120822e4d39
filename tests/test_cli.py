"""The `course` command behaves: version, help with examples, one-line usage errors,
"did you mean", a quiet end when piped into head, ASCII marks on a cp949 console, --lang."""

import json
import os
import subprocess
import sys

import pytest

from autograder.cli import main, parser
from tests.conftest import ROOT
from tests.test_notebook import released_notebook, write_json

COURSE = [sys.executable, "-m", "autograder.cli"]


def run(*args, env=None, **kwargs):
    return subprocess.run([*COURSE, *args], cwd=ROOT, capture_output=True, env=dict(os.environ, **(env or {})),
                          timeout=120, **kwargs)


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == "course 0.1.0"


@pytest.mark.parametrize("argv", [["chek", "a1_gates"], ["grade", "a1_gates"], ["grade-batch", "a1_gates", "x",
                                                                                 "--jobs", "two", "--out", "o"]])
def test_a_usage_error_is_one_line_and_exit_status_2(capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--help" in err, err


def test_a_mistyped_assignment_gets_did_you_mean(capsys):
    assert main(["check", "a1_gatse"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean a1_gates?" in err, err
    assert main(["validate", "a2"]) == 2
    assert "did you mean a2_layers?" in capsys.readouterr().err


def test_every_command_and_argument_has_help_with_an_example():
    top = parser()
    commands = next(a for a in top._actions if a.dest == "command").choices
    for name, command in commands.items():
        assert f"course {name}" in command.epilog, name
        for action in command._actions:
            if action.dest != "help":
                assert action.help and "e.g." in action.help or action.const is True, (name, action.dest)
    assert all(a.help for a in top._actions)


def test_the_program_ends_at_once_having_said_and_written_everything(tmp_path):
    """``entry`` ends the process without the interpreter's teardown: what the command printed into a
    pipe (block-buffered) and wrote arrives whole, with main's exit status."""
    from autograder.authoring.stubs import strip_markers
    from source_lib.messages import message

    (tmp_path / "gates.py").write_text(strip_markers((ROOT / "solutions" / "a1_gates" / "gates.py").read_text()))
    out = tmp_path / "results.json"
    done = run("grade", "a1_gates", str(tmp_path), "--student", "kim", "--lang", "en", "--json", str(out))
    assert done.returncode == 0 and json.loads(out.read_text(encoding="utf-8"))["score"] == 100.0
    said = done.stdout.decode()
    assert said.startswith("a1_gates kim: 100 / 100\n"), said
    assert " ".join(said.split()).endswith(message("isolation_no_cgroup", "en")), said  # what show_result says last
    missing = run("grade", "a1_gates", str(tmp_path / "nowhere"), "--student", "kim")
    assert missing.returncode == 2 and missing.stderr.decode().count("\n") == 1, missing.stderr.decode()
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a user's shell or CI has it
    unpaired = subprocess.run([*COURSE, "report", "a1_gates"], cwd=ROOT, capture_output=True, env=buffered, timeout=120)
    # said with print() into a pipe: only the flush before the end delivers it
    assert unpaired.returncode == 2 and "give pairs of ASSIGNMENT OUT_DIR" in unpaired.stdout.decode(), unpaired


def test_piped_into_a_closed_reader_it_ends_without_a_traceback():
    """`course check a1_gates | head -1`: the reader is gone before the checks print."""
    read, write = os.pipe()
    os.close(read)
    done = subprocess.run([*COURSE, "check", "a1_gates"], cwd=ROOT, stdout=write, stderr=subprocess.PIPE,
                          timeout=120)
    os.close(write)
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr, done.stderr.decode()


@pytest.mark.parametrize("command", [["check", "a1_gates"], ["grade", "a1_gates", "assignments/a1_gates/gates.py",
                                                             "--student", "kim"]])
def test_a_cp949_console_gets_ascii_marks_and_no_crash(command):
    done = run(*command, env={"PYTHONIOENCODING": "cp949"})
    out = done.stdout.decode("cp949")
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    assert done.returncode in (0, 1) and "x " in out and "구현되지" in out, out


def test_check_speaks_the_notebooks_language_unless_told(course, tmp_path):
    """The course's language is ko: an English notebook is checked in English, and --lang wins."""
    assert course.language == "ko"
    notebook = write_json(tmp_path / "mine.ipynb", released_notebook(course, "en"))
    english = run("check", "a1_gates", str(notebook)).stdout.decode()
    assert "is not implemented yet" in english and "구현" not in english, english
    korean = run("check", "a1_gates", str(notebook), "--lang", "ko").stdout.decode()
    assert "구현되지 않았습니다" in korean, korean


def test_grade_lang_sets_the_language_of_the_results(tmp_path):
    out = tmp_path / "results.json"
    run("grade", "a1_gates", "assignments/a1_gates/gates.py", "--student", "kim", "--lang", "en", "--json", str(out))
    results = json.loads(out.read_text(encoding="utf-8"))
    assert "is not implemented yet" in results["tests"][0]["output"]


def test_grade_batch_lang_sets_the_language_of_the_feedback(tmp_path):
    class_dir = tmp_path / "class"
    (class_dir / "kim").mkdir(parents=True)
    (class_dir / "kim" / "gates.py").write_text((ROOT / "assignments" / "a1_gates" / "gates.py").read_text())
    done = run("grade-batch", "a1_gates", str(class_dir), "--out", str(tmp_path / "out"), "--lang", "en")
    assert done.returncode == 0, done.stderr.decode()
    feedback = (tmp_path / "out" / "kim" / "feedback.md").read_text(encoding="utf-8")
    assert "is not implemented yet" in feedback and "구현" not in feedback
