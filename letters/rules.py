"""Rule packs: the YAML files in `style_rules/` that say what a letter check looks for."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .errors import InvalidFileError, Problem
from .resources import data_dir
from .yamlfile import field_path, load_yaml

Level = Literal["error", "warning", "suggestion"]
LEVELS: tuple[Level, ...] = ("error", "warning", "suggestion")
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
WORD_PACKS = ("child_friendly", "plain_english", "permanence")
_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class RuleFileError(InvalidFileError):
    """A rule pack that cannot be used: bad YAML, an unknown kind, a missing message."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        super().__init__(path, problems, what="rule file")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Examples(_Model):
    """Sentences the rule must flag, and sentences it must leave alone."""

    flag: list[Text] = Field(min_length=1)
    pass_: list[Text] = Field(alias="pass", min_length=1)


class WordRule(_Model):
    """A substitution or existence rule: words to find, with what to say instead."""

    id: Text
    kind: Literal["substitution", "existence"]
    level: Level
    applies_to: list[Literal["letter", "minutes"]] = Field(min_length=1)
    message: Text
    source: Text
    words: list[Text] = Field(min_length=1)
    swap: Text | None = None
    pos: list[Text] | None = None
    exceptions: list[Text] = Field(default_factory=list)
    case_sensitive: bool = False
    match: Literal["lemma", "words"] = "lemma"  # words: as written, any case, no lemmas
    examples: Examples


class WordPack(_Model):
    """One file of word rules."""

    pack: Text
    description: Text
    rules: list[WordRule] = Field(min_length=1)


def _problems(exc: ValidationError, doc_lines: object) -> list[Problem]:
    from .yamlfile import YamlDocument

    assert isinstance(doc_lines, YamlDocument)
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = field_path(loc)
        if err["type"] == "missing":
            message = "is missing"
        elif err["type"] == "extra_forbidden":
            message = "is not a key of a rule (check the spelling)"
        elif err["type"] == "literal_error":
            message = f"{err['input']!r} is not allowed; use {err['ctx']['expected']}"
        else:
            message = str(err["msg"])
        out.append(Problem(where, message, doc_lines.line_of(loc)))
    return out


def load_word_pack(path: Path) -> WordPack:
    """Load and check one pack of word rules, or raise `RuleFileError` naming every problem."""
    doc = load_yaml(path, "rule file", RuleFileError)
    try:
        pack = WordPack.model_validate(doc.data)
    except ValidationError as exc:
        raise RuleFileError(path, _problems(exc, doc)) from None
    problems = []
    if pack.pack != path.stem:
        problems.append(
            Problem("pack", f"is '{pack.pack}' but the file is {path.name}", doc.line_of(("pack",)))
        )
    for index, rule in enumerate(pack.rules):
        line = doc.line_of(("rules", index))
        if not _ID.match(rule.id) or not rule.id.startswith(f"{pack.pack}."):
            problems.append(
                Problem(f"rules[{index}].id", f"'{rule.id}' must be '{pack.pack}.<name>'", line)
            )
        if rule.kind == "substitution" and rule.swap is None:
            problems.append(
                Problem(f"rules[{index}].swap", "a substitution rule needs a swap", line)
            )
        if rule.kind == "existence" and rule.swap is not None:
            problems.append(Problem(f"rules[{index}].swap", "an existence rule has no swap", line))
    seen: dict[str, int] = {}
    for index, rule in enumerate(pack.rules):
        if rule.id in seen:
            problems.append(
                Problem(
                    f"rules[{index}].id",
                    f"'{rule.id}' is used twice",
                    doc.line_of(("rules", index)),
                )
            )
        seen[rule.id] = index
    if problems:
        raise RuleFileError(path, problems)
    return pack


def rule_folders(extra: Path | None = None) -> list[Path]:
    """Return the folders rule packs come from: built-in first, then a council's own."""
    folders = [data_dir("style_rules")]
    if extra is not None:
        folders.append(extra)
    return folders


@cache
def load_word_rules(extra: Path | None = None) -> tuple[WordRule, ...]:
    """Load every word rule: the built-in packs, then a council's packs (same id replaces)."""
    rules: dict[str, WordRule] = {}
    for folder in rule_folders(extra):
        for name in WORD_PACKS:
            path = folder / f"{name}.yaml"
            if path.is_file():
                for rule in load_word_pack(path).rules:
                    rules[rule.id] = rule
    return tuple(rules.values())
