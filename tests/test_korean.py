"""Korean all the way: particles that fit their word, and every title a student sees in Korean."""

import importlib.util
import tomllib

import pytest

from autograder.grading.grade import grade, hidden_checks
from autograder.authoring.release import release_files
from source_lib.messages import final_sound, load_titles, message, with_particles


@pytest.mark.parametrize("word, sound", [
    ("뉴런", "c"), ("레일", "l"), ("게이트", ""), ("neuron", "n"), ("AddGate.forward", ""), ("MaxGate", ""),
    ("fit", "c"), ("train_step", "c"), ("Momentum", "n"), ("Sequential", "l"), ("softmax", ""), ("dx", ""),
    ("lr", "l"), ("SGD", ""), ("BatchNorm1d", ""), ("gates.py", ""), ("(3, 4)", ""), ("7", "l"), ("10", "ng"),
    ("6", "k"), ("back", ""), ("`x`", ""),
])
def test_the_final_sound_of_a_word_as_read_in_korean(word, sound):
    assert final_sound(word) == sound


def test_each_particle_takes_the_form_its_word_needs():
    assert with_particles("neuron이(가) AddGate.forward이(가) fit을(를) x을(를) 뉴런은(는) 값과(와)") == \
        "neuron이 AddGate.forward가 fit을 x를 뉴런은 값과"
    assert with_particles("레일(으)로 칠판(으)로 x(으)로") == "레일로 칠판으로 x로"
    assert message("not_implemented", "ko", what="neuron").startswith("neuron이 아직")
    assert message("missing_file", "ko", file="gates.py") == "제출물에 gates.py가 없습니다."
    assert message("missing_file", "en", file="gates.py") == "The submission has no gates.py."


def public_titles(course, aid):
    spec = importlib.util.spec_from_file_location("public_checks_titles", course.solutions / aid / "public_checks.py")
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.path.insert(0, str(course.root / "assignments" / aid))  # a5's checks import the released components
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.pop(0)
    return {(c.__doc__ or c.__name__).strip().splitlines()[0] for checks in module.CHECKS.values() for c in checks}


def test_every_check_and_part_has_a_korean_title_and_no_title_is_stale(course):
    for assignment in course.assignments:
        titles = tomllib.loads((course.solutions / assignment.id / "titles.ko.toml").read_text(encoding="utf-8"))
        english = {c.name for c in hidden_checks(course, assignment)} | public_titles(course, assignment.id)
        assert english - set(titles) == set(), assignment.id
        assert set(titles) - english == set(), f"{assignment.id}: titles of checks that no longer exist"
        assert all(titles.values())
        assert assignment.title_ko and all(p.title_ko for p in assignment.parts), assignment.id


def test_a_korean_result_is_korean_and_an_english_one_english(course, sandbox, tmp_path):
    a1 = course.assignment("a1_gates")
    (tmp_path / "gates.py").write_text(release_files(course, a1)["gates.py"], encoding="utf-8")
    korean = grade(course, a1, tmp_path, "kim", sandbox=sandbox, lang="ko")
    english = grade(course, a1, tmp_path, "kim", sandbox=sandbox, lang="en")
    titles = load_titles(course.solutions / "a1_gates", "ko")
    assert [t.name for t in korean.tests] == [titles[t.name] for t in english.tests]
    assert [p.title for p in korean.parts] == [p.title_ko for p in a1.parts]
    assert [p.title for p in english.parts] == [p.title for p in a1.parts]
    hangul = lambda text: any("\uac00" <= ch <= "\ud7a3" for ch in text)
    assert all(hangul(t.message) for t in korean.tests) and not any(hangul(t.message) for t in english.tests)
    assert not any(hangul(t.name) for t in english.tests)
