"""Nothing hidden reaches a student on Gradescope before its time.

For each ``[gradescope] checks`` setting the bundle is built from a copy of the course,
a submission with a bug in each of two parts is graded by its ``run_autograder``, and
every field a student sees before the checks are released (the top-level output, the
log on stdout, each test whose visibility is "visible") is searched for the name of a
check that is not visible yet and for its message (whole, and each clause of it).
"""

import html
import re

import pytest

from autograder.authoring.variants import build_named
from autograder.config import load_course
from autograder.outputs.page_text import diagnosis_name
from autograder.platforms.gradescope import write_bundle
from tests.conftest import ROOT, course_copy
from tests.test_gradescope import AID, SECRET, autograder_root, run_autograder

BUGS = ("max_routes_to_wrong_input", "sigmoid_mutates_input")  # a known mistake in two parts


def set_gradescope(folder, checks, mistakes):
    path = folder / "course.toml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^checks = "[a-z_]+"', f'checks = "{checks}"', text)
    text = re.sub(r"(?m)^mistakes = (true|false)", f"mistakes = {str(mistakes).lower()}", text)
    path.write_text(text, encoding="utf-8")


def graded(tmp_path, checks, mistakes=False):
    """(results.json, stdout of run_autograder) of the buggy submission under the setting."""
    folder = tmp_path / f"course-{checks}-{mistakes}"
    folder.mkdir()
    course_copy(folder)
    for name in ("autograder", "source_lib", "pyproject.toml", "README.md"):  # the rest of what a bundle holds
        (folder / name).symlink_to(ROOT / name)
    set_gradescope(folder, checks, mistakes)
    course = load_course(folder)
    assert (course.gradescope.checks, course.gradescope.mistakes) == (checks, mistakes)
    bundle = folder / "autograder.zip"
    write_bundle(course, course.assignment(AID), bundle, secret=SECRET)
    files = build_named(course.solutions / AID, course.assignment(AID).files, BUGS)
    done, results = run_autograder(autograder_root(bundle, folder / "run", files))
    assert done.returncode == 0, done.stderr
    return results, done.stdout


def plain(markdown):
    """Markdown as the text it shows: escapes and HTML entities undone."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown))


def shown_before_release(results, stdout):
    """Every text a student can see before the checks are released, as it reads."""
    texts = [results["output"], stdout]
    for test in results["tests"]:
        if test["visibility"] == "visible":
            texts += [test["name"], test["output"]]
    return plain("\n".join(texts))


def secrets_of(results, held=("hidden", "after_due_date", "after_published")):
    """The names and messages (and each clause of a message) of the checks whose visibility is in ``held``."""
    found = set()
    for test in results["tests"]:
        if test["visibility"] not in held:
            continue
        found.add(test["name"].split(": ", 1)[1])  # "part: check name"
        if test["status"] == "failed":
            found.add(test["output"])
            found.update(c.strip() for c in re.split(r"[:;.()]\s", test["output"]) if len(c.strip()) >= 12)
    return found


def named_mistakes(results):
    """The Korean names of the mistakes recognised in the failed checks: a known mistake by the sentence
    its checks' messages open with, the others by their diagnosis's name."""
    named = set()
    for test in results["tests"]:
        code = test.get("extra_data", {}).get("diagnosis")
        if code and code.startswith("known:"):
            named.add(test["output"].partition("\n")[0])
        elif code not in (None, "wrong_values", "forward_first"):
            named.add(diagnosis_name(code, "ko"))
    return named


@pytest.mark.parametrize("checks", ["hidden", "after_due_date", "after_published"])
def test_held_checks_say_nothing_before_their_time_and_the_summary_gives_each_part_score(tmp_path, checks):
    results, stdout = graded(tmp_path, checks)
    assert {t["visibility"] for t in results["tests"]} == {checks}
    assert results["score"] < 100 and any(t["status"] == "failed" for t in results["tests"])
    shown = shown_before_release(results, stdout)
    leaked = sorted(s for s in secrets_of(results) if s in shown)
    assert leaked == [], f"hidden check text in a visible field under checks = {checks!r}: {leaked[:5]}"
    for part, score in results["extra_data"]["parts"].items():
        title = next(p["title"] for p in results["extra_data"]["model"]["parts"] if p["id"] == part)
        assert f"{title}: {score:g} / " in plain(results["output"])
    named = named_mistakes(results)
    assert named and not [name for name in named if name in shown]  # no mistake named unless the instructor allows it


def test_the_instructor_may_let_the_summary_name_each_parts_mistake_and_still_no_check(tmp_path):
    results, stdout = graded(tmp_path, "after_published", mistakes=True)
    shown = shown_before_release(results, stdout)
    named = named_mistakes(results)
    # a known mistake's sentence opens its checks' messages: it, and it alone of them, may be shown
    allowed = named | {c.strip() for name in named for c in re.split(r"[:;.()]\s", name + "\n")}
    assert sorted(s for s in secrets_of(results) if s in shown and s not in allowed) == []
    assert named and all(f"- {name}" in plain(results["output"]) for name in named)
    assert "known:" not in results["output"] and "known:" not in stdout  # a name, never the code


def test_visible_checks_are_shown_in_full_so_the_search_above_can_find_them(tmp_path):
    """The search finds what it looks for: with checks visible, their names and messages are in the output."""
    results, stdout = graded(tmp_path, "visible")
    assert {t["visibility"] for t in results["tests"]} == {"visible"}
    output = plain(results["output"])
    found = [s for s in secrets_of(results, held=("visible",)) if s in output]
    # a known mistake's message is its name's line, then what the check saw: the page says them apart
    messages = {t["output"].partition("\n")[2] or t["output"] for t in results["tests"] if t["status"] == "failed"}
    names = {t["name"].split(": ", 1)[1] for t in results["tests"] if t["status"] == "failed"}
    # each cause is said once (a known mistake lists the checks it explains, not their messages again)
    assert any(m in output for m in messages) and names & set(found) and len(found) > len(names)


def test_the_mistakes_setting_is_off_by_default_and_must_be_true_or_false(tmp_path):
    from autograder.config import ConfigError

    course_copy(tmp_path)
    text = (tmp_path / "course.toml").read_text(encoding="utf-8")
    (tmp_path / "course.toml").write_text(re.sub(r"(?m)^mistakes = .*\n", "", text), encoding="utf-8")
    assert load_course(tmp_path).gradescope.mistakes is False
    (tmp_path / "course.toml").write_text(text.replace("mistakes = false", 'mistakes = "yes"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"gradescope\.mistakes: expected true or false"):
        load_course(tmp_path)
