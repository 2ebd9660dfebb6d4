"""Rule packs: the YAML files in `style_rules/` that say what a letter check looks for."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ..errors import InvalidFileError, Problem
from ..resources import data_dir
from ..yamlfile import YamlDocument, field_path, load_yaml

M = TypeVar("M", bound=BaseModel)
Level = Literal["error", "warning", "suggestion"]
LEVELS: tuple[Level, ...] = ("error", "warning", "suggestion")
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
WORD_PACKS = ("child_friendly", "plain_english", "permanence")
PACKS = (
    *WORD_PACKS,
    "required",
)  # files of rules only; readability and preferred_terms add settings
Kind = Literal["substitution", "existence", "preferred_term", "readability", "required"]
WORD_KINDS = ("substitution", "existence")
_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class RuleFileError(InvalidFileError):
    """A rule pack that cannot be used: bad YAML, an unknown kind, a missing message."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        super().__init__(path, problems, what="rule file")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Examples(_Model):
    """Texts the rule must flag, and texts it must leave alone.

    Rules judged against a review record or an age band name the sample record
    (`samples/<review>.yaml`) or the band the examples are checked with.
    """

    review: Text | None = None
    age_band: Text | None = None
    flag: list[Text] = Field(min_length=1)
    pass_: list[Text] = Field(alias="pass", min_length=1)


class Rule(_Model):
    """One rule. Substitution and existence rules list words; the other kinds are checks
    written once in code, and their rules here give the id, level, message and examples."""

    id: Text
    kind: Kind
    level: Level
    applies_to: list[Literal["letter", "minutes"]] = Field(min_length=1)
    message: Text  # for checks written in code, may hold {fields} such as {name}
    source: Text
    words: list[Text] = Field(default_factory=list)
    swap: Text | None = None
    pos: list[Text] | None = None
    exceptions: list[Text] = Field(default_factory=list)
    case_sensitive: bool = False
    match: Literal["lemma", "words"] = "lemma"  # words: as written, any case, no lemmas
    examples: Examples

    @property
    def is_word_rule(self) -> bool:
        """Return whether this rule finds words (substitution or existence)."""
        return self.kind in WORD_KINDS

    def say(self, **fields: object) -> str:
        """Return the rule's message with `fields` filled in."""
        return self.message if self.is_word_rule else self.message.format(**fields)


WordRule = Rule  # the word rules are rules of the two word kinds


class Pack(_Model):
    """One file of rules."""

    pack: Text
    description: Text
    rules: list[Rule] = Field(min_length=1)


WordPack = Pack


def _problems(exc: ValidationError, doc_lines: YamlDocument) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = field_path(loc)
        if err["type"] == "missing":
            message = "is missing"
        elif err["type"] == "extra_forbidden":
            message = "is not a key of a rule (check the spelling)"
        elif err["type"] == "literal_error" and loc and loc[-1] == "kind":
            message = f"{err['input']!r} is not a kind of rule; use {err['ctx']['expected']}"
        elif err["type"] == "literal_error":
            message = f"{err['input']!r} is not allowed; use {err['ctx']['expected']}"
        else:
            message = str(err["msg"])
        out.append(Problem(where, message, doc_lines.line_of(loc)))
    return out


def load_rule_file(path: Path, model: type[M]) -> tuple[M, YamlDocument]:
    """Parse a `style_rules/` file into `model`, or raise `RuleFileError` naming each problem."""
    doc = load_yaml(path, "rule file", RuleFileError)
    try:
        return model.model_validate(doc.data), doc
    except ValidationError as exc:
        raise RuleFileError(path, _problems(exc, doc)) from None


def load_word_pack(path: Path) -> Pack:
    """Load and check one pack of rules, or raise `RuleFileError` naming every problem."""
    pack, doc = load_rule_file(path, Pack)
    problems = rule_problems(pack.pack, pack.rules, doc)
    if pack.pack != path.stem:
        problems.insert(
            0,
            Problem(
                "pack", f"is '{pack.pack}' but the file is {path.name}", doc.line_of(("pack",))
            ),
        )
    if problems:
        raise RuleFileError(path, problems)
    return pack


def rule_problems(pack: str, rules: list[Rule], doc: YamlDocument) -> list[Problem]:
    """Return what is wrong with a pack's rules beyond their shape: ids, words, swaps."""
    problems = []
    for index, rule in enumerate(rules):
        line = doc.line_of(("rules", index))
        if not _ID.match(rule.id) or not rule.id.startswith(f"{pack}."):
            problems.append(
                Problem(f"rules[{index}].id", f"'{rule.id}' must be '{pack}.<name>'", line)
            )
        if rule.is_word_rule and not rule.words:
            problems.append(
                Problem(f"rules[{index}].words", f"a {rule.kind} rule needs words", line)
            )
        if not rule.is_word_rule and rule.words:
            problems.append(
                Problem(
                    f"rules[{index}].words",
                    f"a {rule.kind} rule is written in code: no words",
                    line,
                )
            )
        if rule.kind == "substitution" and rule.swap is None:
            problems.append(
                Problem(f"rules[{index}].swap", "a substitution rule needs a swap", line)
            )
        if rule.kind == "existence" and rule.swap is not None:
            problems.append(Problem(f"rules[{index}].swap", "an existence rule has no swap", line))
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        if rule.id in seen:
            problems.append(
                Problem(
                    f"rules[{index}].id",
                    f"'{rule.id}' is used twice",
                    doc.line_of(("rules", index)),
                )
            )
        seen[rule.id] = index
    return problems


def rule_folders(extra: Path | None = None) -> list[Path]:
    """Return the folders rule packs come from: built-in first, then a council's own."""
    folders = [data_dir("style_rules")]
    if extra is not None:
        folders.append(extra)
    return folders


@cache
def load_rules(extra: Path | None = None) -> tuple[Rule, ...]:
    """Load every rule: the built-in packs, then a council's packs (same id replaces)."""
    from .preferred import load_lexicon
    from .readability import load_targets

    rules: dict[str, Rule] = {}
    for folder in rule_folders(extra):
        for name in PACKS:
            path = folder / f"{name}.yaml"
            if path.is_file():
                for rule in load_word_pack(path).rules:
                    rules[rule.id] = rule
        targets = folder / "readability.yaml"
        if targets.is_file():
            rules.update((r.id, r) for r in load_targets(targets).rules)
        lexicon = folder / "preferred_terms.yaml"
        if lexicon.is_file():
            rules.update((r.id, r) for r in load_lexicon(lexicon).rules)
    return tuple(rules.values())


def load_word_rules(extra: Path | None = None) -> tuple[Rule, ...]:
    """Load the substitution and existence rules."""
    return tuple(r for r in load_rules(extra) if r.is_word_rule)


def rule_book(extra: Path | None = None) -> dict[str, Rule]:
    """Return every rule by id."""
    return {r.id: r for r in load_rules(extra)}
