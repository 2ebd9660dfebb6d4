"""Readability of a letter's body for the child's age, on spaCy's sentences.

textstat's own sentence splitter miscounts ("Yes. No. Maybe." is one sentence to it), so
sentences come from spaCy and only syllables come from textstat (cmudict, offline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import Problem
from ..resources import data_dir
from .findings import Finding, Readability, make_finding
from .rules import Rule, RuleFileError, load_rule_file, rule_problems

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NOT_PROSE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")
_GREETING = re.compile(r"^(dear|hi|hello|to)\b", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"^(best wishes|with best wishes|with love|love from|love|from|yours( sincerely| truly)?|"
    r"kind regards|regards|take care|warm wishes|many thanks)\b[ ,!.]*",
    re.IGNORECASE,
)
_COPY = re.compile(r"^(copy to|cc)\b", re.IGNORECASE)
_ENDS_SENTENCE = re.compile(r"[.!?][\"'”’)]*\s*$")


class Band(BaseModel):
    """Targets for one age band."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    flesch_reading_ease_min: float
    flesch_kincaid_grade_max: float
    average_sentence_length_max: float
    longest_sentence_max: int


class SentenceTargets(BaseModel):
    """When a single sentence counts as hard or very hard."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hard_above_ceiling: float = 4
    very_hard_above_ceiling: float = 8
    min_words: int = Field(default=8, ge=1)


class Targets(BaseModel):
    """The whole readability settings file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pack: str
    source: str
    bands: dict[str, Band]
    sentences: SentenceTargets = SentenceTargets()
    rules: list[Rule] = Field(min_length=1)


@cache
def load_targets(path: Path | None = None) -> Targets:
    """Load `readability.yaml` (a council's, if given, else the built-in one)."""
    path = path or data_dir("style_rules") / "readability.yaml"
    targets, doc = load_rule_file(path, Targets)
    from ..records import AGE_BANDS

    problems = rule_problems("readability", targets.rules, doc)
    missing = [band for band in AGE_BANDS if band not in targets.bands]
    if missing:
        where = doc.line_of(("bands",))
        problems.append(Problem("bands", f"has no targets for {', '.join(missing)}", where))
    if problems:
        raise RuleFileError(path, problems)
    return targets


@lru_cache(maxsize=65536)
def syllables(word: str) -> int:
    """Return the syllables in `word` (cmudict, else hyphenation), at least 1."""
    import textstat

    return max(1, int(textstat.syllable_count(word)))


def body_spans(text: str) -> list[tuple[int, int]]:
    """Return the spans of the letter's body: prose paragraphs between greeting and sign-off."""
    from ..textio import text_blocks

    spans = []
    first = True
    for start, block in text_blocks(text):
        stripped = block.strip()
        if first and _GREETING.match(stripped):
            first = False
            continue
        first = False
        if (_SIGN_OFF.match(stripped) and len(stripped.split()) <= 6) or _COPY.match(stripped):
            break
        if not _ENDS_SENTENCE.search(stripped):
            continue  # a heading, a name in a list, an address line
        spans.append((start, start + len(block)))
    return spans


@dataclass(frozen=True)
class SentenceScore:
    """One sentence's length and grade."""

    start: int
    end: int
    words: int
    syllables: int

    @property
    def grade(self) -> float:
        """Return the sentence's own Flesch-Kincaid grade."""
        return 0.39 * self.words + 11.8 * self.syllables / self.words - 15.59


def score_sentences(doc: Any, spans: list[tuple[int, int]]) -> list[SentenceScore]:
    """Return word and syllable counts of each sentence of `doc` inside `spans`."""
    scores = []
    for sent in doc.sents:
        if not any(s <= sent.start_char and sent.end_char <= e for s, e in spans):
            continue
        prose = _NOT_PROSE.sub(" ", sent.text)
        words = _WORD.findall(prose)
        if not words:
            continue
        scores.append(
            SentenceScore(
                sent.start_char,
                sent.end_char,
                len(words),
                sum(syllables(w.lower()) for w in words),
            )
        )
    return scores


def assess(
    text: str, doc: Any, band: str | None, targets: Targets, book: dict[str, Rule]
) -> tuple[Readability | None, list[Finding], list[SentenceScore]]:
    """Score the letter's body, judge it against its band, and point at hard sentences."""
    scores = score_sentences(doc, body_spans(text))
    if not scores:
        return None, [], []
    words = sum(s.words for s in scores)
    syll = sum(s.syllables for s in scores)
    per_sentence = words / len(scores)
    fre = 206.835 - 1.015 * per_sentence - 84.6 * syll / words
    grade = 0.39 * per_sentence + 11.8 * syll / words - 15.59
    longest = max(s.words for s in scores)
    findings: list[Finding] = []

    def found(rule_id: str, start: int, end: int, suggestion: str, **fields: object) -> None:
        if rule_id in book:
            rule = book[rule_id]
            findings.append(
                make_finding(text, start, end, rule.id, rule.level, rule.say(**fields), suggestion)
            )

    meets: bool | None = None
    target: dict[str, float] | None = None
    if band is not None:
        limits = targets.bands[band]
        target = limits.model_dump()
        failed = []
        if fre < limits.flesch_reading_ease_min:
            failed.append(f"reading ease {fre:.1f} is below {limits.flesch_reading_ease_min:g}")
        if grade > limits.flesch_kincaid_grade_max:
            failed.append(f"grade {grade:.1f} is above {limits.flesch_kincaid_grade_max:g}")
        if per_sentence > limits.average_sentence_length_max:
            failed.append(
                f"sentences average {per_sentence:.1f} words, above "
                f"{limits.average_sentence_length_max:g}"
            )
        meets = not failed
        if failed:
            found(
                "readability.letter", 0, 0, "use shorter sentences and shorter, everyday words",
                band=band, failed="; ".join(failed),
            )  # fmt: skip
        rules = targets.sentences
        hard = limits.flesch_kincaid_grade_max + rules.hard_above_ceiling
        very_hard = limits.flesch_kincaid_grade_max + rules.very_hard_above_ceiling
        for s in scores:
            if s.words > limits.longest_sentence_max:
                found(
                    "readability.long_sentence", s.start, s.end,
                    "split it into two or three sentences",
                    words=s.words, band=band, limit=limits.longest_sentence_max,
                )  # fmt: skip
            elif s.words >= rules.min_words and s.grade >= very_hard:
                found(
                    "readability.very_hard_sentence", s.start, s.end,
                    "split it, and use shorter words", band=band, grade=f"{s.grade:.1f}",
                )  # fmt: skip
            elif s.words >= rules.min_words and s.grade >= hard:
                found(
                    "readability.hard_sentence", s.start, s.end,
                    "shorten it, or use shorter words", band=band, grade=f"{s.grade:.1f}",
                )  # fmt: skip
    summary = Readability(
        flesch_reading_ease=round(fre, 1),
        flesch_kincaid_grade=round(grade, 1),
        reading_age=round(grade + 5, 1),
        average_sentence_length=round(per_sentence, 1),
        longest_sentence=longest,
        sentences=len(scores),
        words=words,
        age_band=band,
        meets_target=meets,
        target=target,
    )
    return summary, findings, scores
