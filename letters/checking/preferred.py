"""The child's own words: flag the usual words where the child has words of their own."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..records import Concept, ReviewRecord
from ..resources import data_dir
from ..terms import second_person
from .findings import Finding, make_finding
from .matching import PhraseFinder, inside
from .rules import Rule, RuleFileError, load_rule_file, rule_problems

_OTHER_OWNERS = frozenset({"her", "his", "their", "its", "our", "'s", "’s"})


class Lexicon(BaseModel):
    """The usual words for each concept, from `style_rules/preferred_terms.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pack: Literal["preferred_terms"]
    source: str
    owned: list[Concept] = []
    exceptions: list[str] = []
    concepts: dict[Concept, list[str]]
    rules: list[Rule]


@cache
def load_lexicon(path: Path | None = None) -> Lexicon:
    """Load the lexicon of usual words for each concept."""
    path = path or data_dir("style_rules") / "preferred_terms.yaml"
    lexicon, doc = load_rule_file(path, Lexicon)
    problems = rule_problems("preferred_terms", lexicon.rules, doc)
    if problems:
        raise RuleFileError(path, problems)
    return lexicon


def _owned_by_someone_else(doc: Any, start_token: int) -> bool:
    return start_token > 0 and doc[start_token - 1].lower_ in _OTHER_OWNERS


def _is_title(doc: Any, start: int, end: int) -> bool:
    """Return whether a one-word match is a title before a name ("Father Tomasz")."""
    return (
        end - start == 1
        and doc[start].is_title
        and end < len(doc)
        and doc[end].is_title
        and not doc[end].is_sent_start
    )


class PreferredTerms:
    """Checks for one child: their words, the usual words, and words they asked us to avoid."""

    def __init__(self, record: ReviewRecord, lexicon: Lexicon, book: dict[str, Rule]) -> None:
        self.record = record
        self.lexicon = lexicon
        self.book = book
        self.own: dict[str, str] = {}  # concept -> the child's words, written to them
        self.said: dict[str, str] = {
            str(k): v for k, v in record.child.preferred_terms.items()
        }  # as the child said them
        self._own = PhraseFinder()
        self._usual = PhraseFinder()
        self._avoid = PhraseFinder()
        self._exceptions = PhraseFinder()
        self._exceptions.add("exception", lexicon.exceptions)
        for concept, words in record.child.preferred_terms.items():
            self.own[concept] = second_person(words)
            forms = {words, second_person(words)}
            if not words.lower().startswith(("my ", "your ", "the ")):
                forms.add(f"your {words}")  # "your Mum" is still the child's word
            self._own.add(concept, forms)
            self._usual.add(concept, lexicon.concepts.get(concept, []))
        for index, words in enumerate(record.child.avoid_terms):
            self._avoid.add(str(index), [words])

    def own_spans(self, doc: Any) -> dict[str, list[tuple[int, int]]]:
        """Return where the child's own words appear in `doc`, by concept."""
        spans: dict[str, list[tuple[int, int]]] = {}
        for concept, s, e in self._own.spans(doc):
            spans.setdefault(concept, []).append((doc[s].idx, doc[e - 1].idx + len(doc[e - 1])))
        return spans

    def findings(self, text: str, doc: Any, skip: list[tuple[int, int]]) -> list[Finding]:
        """Return findings for usual words, avoided words and concepts not in the child's words."""
        name = self.record.child.known_as
        own_spans = self.own_spans(doc)
        all_own = [span for spans in own_spans.values() for span in spans]
        exceptions = [
            (doc[s].idx, doc[e - 1].idx + len(doc[e - 1]))
            for _, s, e in self._exceptions.spans(doc)
        ]
        out: list[Finding] = []

        def found(rule_id: str, start: int, end: int, suggestion: str | None, words: str) -> None:
            if rule_id in self.book:
                rule = self.book[rule_id]
                message = rule.say(name=name, words=words)
                out.append(make_finding(text, start, end, rule.id, rule.level, message, suggestion))

        avoided: list[tuple[int, int]] = []
        for key, s, e in self._avoid.spans(doc):
            start, end = doc[s].idx, doc[e - 1].idx + len(doc[e - 1])
            if inside(start, end, skip):
                continue
            words = self.record.child.avoid_terms[int(key)]
            avoided.append((start, end))
            found("preferred_terms.avoided", start, end, self._suggestion_for(doc[s:e]), words)
        mentioned: dict[str, int] = {}
        for concept, s, e in sorted(self._usual.spans(doc), key=lambda m: (m[1], -m[2])):
            start, end = doc[s].idx, doc[e - 1].idx + len(doc[e - 1])
            if inside(start, end, skip) or any(s0 < end and start < e0 for s0, e0 in exceptions):
                continue
            mentioned.setdefault(concept, start)
            if inside(start, end, all_own) or inside(start, end, avoided):
                continue
            if concept in self.lexicon.owned and _owned_by_someone_else(doc, s):
                continue
            if _is_title(doc, s, e):
                continue
            rule = f"preferred_terms.{concept}"
            same = [
                i for i, f in enumerate(out) if f.rule == rule and f.start < end and start < f.end
            ]
            if same:
                # "your review meeting": one finding over both overlapping matches.
                f = out[same[0]]
                out[same[0]] = make_finding(
                    text, min(f.start, start), max(f.end, end), rule, f.level, f.message,
                    f.suggestion,
                )  # fmt: skip
                continue
            found(rule, start, end, self.own[concept], self.said[concept])
        flagged = {f.rule for f in out}
        for concept, first in mentioned.items():
            # Where the usual words were flagged, those findings already say it.
            if concept not in own_spans and f"preferred_terms.{concept}" not in flagged:
                found(
                    "preferred_terms.not_used", first, first, self.own[concept], self.said[concept]
                )
        return out

    def _suggestion_for(self, span: Any) -> str | None:
        words = " ".join(t.norm_ for t in span)
        for concept, usual in self.lexicon.concepts.items():
            if concept in self.own and any(words == " ".join(_norms(u)) for u in usual):
                return self.own[concept]
        return None


def _norms(phrase: str) -> list[str]:
    from .nlp import norms

    return norms(phrase)
