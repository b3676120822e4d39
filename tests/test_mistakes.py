"""Known mistakes named to students: every declared variant speaks every course language,
the grader recognises a known mistake by behaviour, and a mistake is said once."""

import glob
from pathlib import Path

import pytest

from autograder.authoring.variants import LANGUAGES, load_variants

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = sorted(Path(p) for p in glob.glob(str(ROOT / "solutions" / "*")) if (Path(p) / "variants.toml").is_file())


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_variant_has_a_why_in_every_course_language(folder):
    """A variant's why is shown to students when their code behaves like it: it must exist in
    every course language (fails on a variant without why_ko)."""
    variants = load_variants(folder)
    assert variants
    for variant in variants:
        assert variant.why.strip(), variant.name
        for lang in LANGUAGES:
            text = dict(variant.translations).get(lang, "")
            assert text.strip() and text != variant.why, f"{folder.name}: variant {variant.name} has no why_{lang}"
