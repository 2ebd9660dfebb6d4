"""Templates are sandboxed and strict: a council's edit cannot run code or print blanks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from letters.config import Settings, TemplateSettings, load_settings
from letters.drafting.draft import make_draft
from letters.errors import TemplateProblem
from letters.records import age_band, load_record
from letters.wording import md_escape, ordinal

from .conftest import SAMPLES

AMIRA = SAMPLES / "amira-second-review.yaml"


def council(tmp_path: Path, name: str, source: str) -> Settings:
    folder = tmp_path / "council_templates"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(source, encoding="utf-8")
    return Settings(templates=TemplateSettings(folder=folder))


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param(
            "Dear {{ child.nickname }},",
            "template letter_11_to_15.md.j2: 'dict object' has no attribute 'nickname'",
            id="unknown-attribute-fails-loudly",
        ),
        pytest.param(
            "Dear {{ childs_name }},",
            "template letter_11_to_15.md.j2 uses childs_name, which the review record does not "
            "provide",
            id="undeclared-variable-found-before-rendering",
        ),
        pytest.param(
            "{{ child.__class__.__mro__ }}",
            "template letter_11_to_15.md.j2: access to attribute '__class__' of 'dict' object "
            "is unsafe.",
            id="sandbox-blocks-python-internals",
        ),
        pytest.param(
            "Dear {{ child.pronouns_missing_on_purpose or child.first_language }},",
            "template letter_11_to_15.md.j2: 'dict object' has no attribute "
            "'pronouns_missing_on_purpose'",
            id="strict-even-in-or",
        ),
        pytest.param(
            "Dear {{ review.team_manager }} {{ advocacy.website }}",
            "a template printed an empty value (None); guard optional fields with {% if %}",
            id="none-is-never-printed",
        ),
        pytest.param(
            "Dear {% if %}",
            "template letter_11_to_15.md.j2, line 1: Expected an expression, got 'end of "
            "statement block'",
            id="syntax-error-names-template-and-line",
        ),
    ],
)
def test_bad_council_templates(tmp_path: Path, source: str, message: str) -> None:
    settings = council(tmp_path, "letter_11_to_15.md.j2", source)
    with pytest.raises(TemplateProblem) as caught:
        make_draft(load_record(AMIRA), settings)
    assert str(caught.value).startswith(message)


def test_council_template_replaces_the_built_in_one(tmp_path: Path) -> None:
    settings = council(
        tmp_path,
        "letter_11_to_15.md.j2",
        '{% extends "_letter_base.md.j2" %}{% block sign_off %}Take care,{% endblock %}',
    )
    letter = make_draft(load_record(AMIRA), settings).documents["letter"].text
    assert "Take care,\n\nPriya Shah" in letter
    assert "Dear Amira," in letter


def test_settings_resolve_template_folder_beside_the_file(tmp_path: Path) -> None:
    (tmp_path / "ours").mkdir()
    config = tmp_path / "letters.toml"
    config.write_text('[templates]\nfolder = "ours"\n', encoding="utf-8")
    settings = load_settings(config)
    assert settings.templates.folder == tmp_path / "ours"
    assert settings.source == config
    assert dataclasses.is_dataclass(settings) is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mr & Mrs Khan", "Mr & Mrs Khan"),
        ("&amp; stays literal", "\\&amp; stays literal"),
        ("a <b> c", "a \\<b> c"),
        ("*bold* and _it_", "\\*bold\\* and \\_it\\_"),
        ("# not a heading", "\\# not a heading"),
        ("1. not a list", "1\\. not a list"),
        ("- not a bullet", "\\- not a bullet"),
        ("> not a quote", "\\> not a quote"),
        ("pipe | in a table", "pipe \\| in a table"),
        ("two\nlines", "two lines"),
        (7, "7"),
    ],
)
def test_md_escape(value: object, expected: str) -> None:
    assert md_escape(value) == expected


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "under-5"),
        (4, "under-5"),
        (5, "5-10"),
        (10, "5-10"),
        (11, "11-15"),
        (15, "11-15"),
        (16, "16+"),
        (17, "16+"),
    ],
)
def test_age_band(age: int, band: str) -> None:
    assert age_band(age) == band


@pytest.mark.parametrize(
    ("number", "word"),
    [
        (1, "first"),
        (2, "second"),
        (10, "tenth"),
        (11, "11th"),
        (12, "12th"),
        (21, "21st"),
        (23, "23rd"),
    ],
)
def test_ordinal(number: int, word: str) -> None:
    assert ordinal(number) == word
