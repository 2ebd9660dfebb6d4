"""What a check finds: immutable records, formatted for people elsewhere (`report`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .rules import LEVELS


@dataclass(frozen=True)
class Finding:
    """One thing a check found in a letter, at a place in its plain text."""

    rule: str
    level: str
    message: str
    text: str
    start: int
    end: int
    line: int
    column: int
    suggestion: str | None = None
    accepted: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the finding as the JSON object `letters check --format json` prints."""
        return asdict(self)


def position(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of `offset` in `text`."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def make_finding(
    text: str,
    start: int,
    end: int,
    rule: str,
    level: str,
    message: str,
    suggestion: str | None = None,
) -> Finding:
    """Build a finding for `text[start:end]`, working out its line and column."""
    line, column = position(text, start)
    return Finding(rule, level, message, text[start:end], start, end, line, column, suggestion)


@dataclass(frozen=True)
class Readability:
    """Readability of a letter's body against the target for the child's age band."""

    flesch_reading_ease: float
    flesch_kincaid_grade: float
    reading_age: float
    average_sentence_length: float
    longest_sentence: int
    sentences: int
    words: int
    age_band: str | None
    meets_target: bool | None
    target: dict[str, float] | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the readability summary as `letters check --format json` prints it."""
        return asdict(self)


@dataclass(frozen=True)
class LetterReport:
    """Everything found in one letter."""

    path: Path
    text: str
    findings: list[Finding]
    readability: Readability | None
    model: str
    error: str | None = None  # the file could not be read; nothing else is set
    sentence_scores: list[tuple[int, int, float]] = field(default_factory=list)

    def count(self, level: str, accepted: bool = False) -> int:
        """Return how many findings of `level` there are (accepted ones or the rest)."""
        return sum(1 for f in self.findings if f.level == level and f.accepted == accepted)

    @property
    def has_errors(self) -> bool:
        """Return whether an unaccepted error-level finding remains."""
        return self.count("error") > 0


def accept(findings: list[Finding], accepted: list[str]) -> list[Finding]:
    """Mark findings whose rule id is, or starts with, an accepted id; keep them all."""

    def is_accepted(rule: str) -> bool:
        return any(rule == a or rule.startswith(a.rstrip(".") + ".") for a in accepted)

    return [replace(f, accepted=True) if is_accepted(f.rule) else f for f in findings]


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Order findings by place in the letter, then by level."""
    return sorted(findings, key=lambda f: (f.start, LEVELS.index(f.level), f.rule))
