"""Rule packs: every rule's own examples, ids that mirror their files, clear errors for bad packs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from letters.checking.check import Checker, CheckRequest
from letters.checking.rules import PACKS, RuleFileError, load_rules, load_word_pack, load_word_rules
from letters.records import load_record
from letters.resources import data_dir

from .conftest import SAMPLES

RULES = load_rules()


def test_default_pack_size_and_sources() -> None:
    word_rules = [
        r for r in load_word_rules() if r.id.split(".")[0] in ("child_friendly", "plain_english")
    ]
    assert len(word_rules) >= 60
    assert all(r.source.strip() for r in RULES)
    assert {r.kind for r in RULES} == {
        "substitution", "existence", "preferred_term", "readability", "required"
    }  # fmt: skip


@pytest.mark.parametrize("pack", [*PACKS, "readability", "preferred_terms"])
def test_rule_ids_mirror_their_files(pack: str) -> None:
    path = data_dir("style_rules") / f"{pack}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert raw["pack"] == pack
    ids = [rule["id"] for rule in raw["rules"]]
    assert len(ids) == len(set(ids))
    assert all(i.startswith(f"{pack}.") for i in ids)


@pytest.fixture(scope="module")
def example_results() -> dict[tuple[str, str, int], set[str]]:
    """Check every rule's examples in one pass: (rule, flag|pass, index) -> rules found."""
    keys = []
    requests = []
    for rule in RULES:
        examples = rule.examples
        record = load_record(SAMPLES / f"{examples.review}.yaml") if examples.review else None
        for kind, texts in (("flag", examples.flag), ("pass", examples.pass_)):
            for index, text in enumerate(texts):
                keys.append((rule.id, kind, index))
                requests.append(
                    CheckRequest(
                        path=Path(rule.id),
                        text=text.rstrip("\n") + "\n",
                        record=record,
                        band=examples.age_band,
                    )
                )
    reports = Checker().check(requests)
    return {key: {f.rule for f in r.findings} for key, r in zip(keys, reports, strict=True)}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_examples(rule: object, example_results: dict[tuple[str, str, int], set[str]]) -> None:
    from letters.checking.rules import Rule

    assert isinstance(rule, Rule)
    for index, sentence in enumerate(rule.examples.flag):
        assert rule.id in example_results[(rule.id, "flag", index)], f"not flagged: {sentence}"
    for index, sentence in enumerate(rule.examples.pass_):
        assert rule.id not in example_results[(rule.id, "pass", index)], f"flagged: {sentence}"


GOOD_RULE = """\
pack: child_friendly
description: Test pack.
rules:
  - id: child_friendly.contact
    kind: substitution
    level: warning
    applies_to: [letter]
    message: Jargon.
    source: TACT (2019)
    words: [contact]
    swap: family time
    examples:
      flag: ["You will have contact."]
      pass: ["Contact me."]
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "kind: substitution", "kind: substitute",
            ["child_friendly.yaml:5: rules[0].kind: 'substitute' is not a kind of rule; use "
             "'substitution', 'existence', 'preferred_term', 'readability' or 'required'"],
            id="unknown-kind",
        ),
        pytest.param(
            "    message: Jargon.\n", "",
            ["child_friendly.yaml:4: rules[0].message: is missing"],
            id="missing-message",
        ),
        pytest.param(
            "    words: [contact]\n", "    words: [contact\n",
            ["child_friendly.yaml:10:12: is not valid YAML: the list opened with '[' here is not closed with ']'"],
            id="bad-yaml",
        ),
        pytest.param(
            "  - id: child_friendly.contact", "  - id: plain_english.contact",
            ["child_friendly.yaml:4: rules[0].id: 'plain_english.contact' must be "
             "'child_friendly.<name>'"],
            id="id-not-matching-its-pack",
        ),
        pytest.param(
            "      pass: [\"Contact me.\"]\n", "",
            ["child_friendly.yaml:12: rules[0].examples.pass: is missing"],
            id="rule-without-pass-examples",
        ),
        pytest.param(
            "    swap: family time\n", "",
            ["child_friendly.yaml:4: rules[0].swap: a substitution rule needs a swap"],
            id="substitution-without-swap",
        ),
        pytest.param(
            "    source: TACT (2019)\n", "    source: TACT (2019)\n    sauce: x\n",
            ["child_friendly.yaml:10: rules[0].sauce: is not a key of a rule (check the spelling)"],
            id="typo-in-key",
        ),
    ],
)  # fmt: skip
def test_bad_rule_files(tmp_path: Path, old: str, new: str, expected: list[str]) -> None:
    assert old in GOOD_RULE
    path = tmp_path / "child_friendly.yaml"
    path.write_text(GOOD_RULE.replace(old, new), encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_word_pack(path)
    assert [p.describe(path.name) for p in caught.value.problems] == expected


def test_good_rule_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "child_friendly.yaml"
    path.write_text(GOOD_RULE, encoding="utf-8")
    pack = load_word_pack(path)
    assert [r.id for r in pack.rules] == ["child_friendly.contact"]
