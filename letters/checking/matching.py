"""Find rule words in a letter: lemma phrases, exceptions, quotations and part of speech."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .findings import Finding, make_finding
from .nlp import cheap, lemma_norms, tagger
from .rules import WordRule

# The child's (or a parent's) own words are quoted, and never flagged. Straight double
# quotes pair up within a paragraph; curly quotes pair with their closing mark.
_QUOTES = re.compile(
    r'"[^"\n]*"|“[^”]*”|‘[^’\n]*’(?![a-z])|«[^»]*»'
    # Straight single quotes open after a space and close before one; an apostrophe
    # inside ("don't") is followed by a letter, so it does not close the quotation.
    r"|(?<!\w)'(?=\S)(?:[^'\n]|'(?=\w))*'(?!\w)"
)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) of each quotation in `text`, quote marks included."""
    return [(m.start(), m.end()) for m in _QUOTES.finditer(text)]


def inside(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    """Return whether [start, end) lies within one of `spans`."""
    return any(s <= start and end <= e for s, e in spans)


def _pattern(phrase: str) -> Any:
    return lemma_norms(cheap().make_doc(phrase))


@dataclass(frozen=True)
class Candidate:
    """A place where a rule's words occur, before part-of-speech checks."""

    key: str
    start: int  # character offsets
    end: int
    last_token_start: int
    pos: tuple[str, ...] | None


class PhraseFinder:
    """Phrase matchers for a set of keyed phrase lists, on lemmas or on exact text."""

    def __init__(self) -> None:
        from spacy.matcher import PhraseMatcher

        vocab = cheap().vocab
        self._on_lemma = PhraseMatcher(vocab, attr="NORM")
        self._on_text = PhraseMatcher(vocab, attr="ORTH")
        self._on_lower = PhraseMatcher(vocab, attr="LOWER")

    def add(self, key: str, phrases: Iterable[str], match: str = "lemma") -> None:
        """Add phrases under `key`: matched on lemmas, on the exact text ("exact"), or on
        the words as written in any case ("words": "missing episode", not "missed")."""
        texts = [p for p in phrases if p.strip()]
        if not texts:
            return
        if match == "lemma":
            self._on_lemma.add(key, [_pattern(p) for p in texts])
        elif match == "exact":
            self._on_text.add(key, [cheap().make_doc(p) for p in texts])
        else:
            self._on_lower.add(key, [cheap().make_doc(p.lower()) for p in texts])

    def spans(self, doc: Any) -> list[tuple[str, int, int]]:
        """Return (key, start token, end token) for every match in `doc`."""
        strings = doc.vocab.strings
        found = [(strings[k], s, e) for k, s, e in self._on_lemma(doc)]
        found += [(strings[k], s, e) for k, s, e in self._on_text(doc)]
        found += [(strings[k], s, e) for k, s, e in self._on_lower(doc)]
        return found


class WordMatcher:
    """Finds the words of substitution and existence rules in letters or minutes."""

    def __init__(self, rules: Iterable[WordRule], document: str = "letter") -> None:
        self.rules = {r.id: r for r in rules if document in r.applies_to}
        self._words = PhraseFinder()
        self._exceptions = PhraseFinder()
        for rule in self.rules.values():
            self._words.add(rule.id, rule.words, "exact" if rule.case_sensitive else rule.match)
            self._exceptions.add(rule.id, rule.exceptions)

    def candidates(self, doc: Any, skip: list[tuple[int, int]]) -> list[Candidate]:
        """Return rule matches in `doc` outside `skip` spans and outside exceptions."""
        exceptions: dict[str, list[tuple[int, int]]] = {}
        for key, s, e in self._exceptions.spans(doc):
            exceptions.setdefault(key, []).append((doc[s].idx, doc[e - 1].idx + len(doc[e - 1])))
        found: dict[tuple[str, int], Candidate] = {}
        for key, s, e in self._words.spans(doc):
            start, end = doc[s].idx, doc[e - 1].idx + len(doc[e - 1])
            if inside(start, end, skip) or inside(start, end, exceptions.get(key, [])):
                continue
            rule = self.rules[key]
            pos = tuple(rule.pos) if rule.pos else None
            candidate = Candidate(key, start, end, doc[e - 1].idx, pos)
            # Where one rule matches overlapping words twice, keep the longer match.
            previous = found.get((key, start))
            if previous is None or previous.end < end:
                found[(key, start)] = candidate
        return _drop_overlaps(sorted(found.values(), key=lambda c: (c.start, -c.end)))

    def findings(self, text: str, candidates: list[Candidate]) -> list[Finding]:
        """Turn confirmed candidates into findings."""
        out = []
        for c in candidates:
            rule = self.rules[c.key]
            out.append(
                make_finding(text, c.start, c.end, rule.id, rule.level, rule.message, rule.swap)
            )
        return out


def _drop_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    kept: list[Candidate] = []
    for c in candidates:
        if any(k.key == c.key and k.start <= c.start and c.end <= k.end for k in kept):
            continue
        kept.append(c)
    return kept


def confirm_pos(
    docs: list[Any], candidates: list[list[Candidate]], batch_size: int = 32
) -> list[list[Candidate]]:
    """Keep candidates whose part of speech matches their rule, tagging only their sentences.

    The tagger is about 30 times slower than the rest, so only the sentences that hold a
    part-of-speech-dependent candidate are tagged, all letters' sentences in one pass.
    """
    wanted: list[tuple[int, int, int]] = []  # (letter, sentence start, sentence end)
    index: dict[tuple[int, int], int] = {}
    for n, (doc, found) in enumerate(zip(docs, candidates, strict=True)):
        for c in found:
            if c.pos is None:
                continue
            sent = doc.char_span(c.start, c.end, alignment_mode="expand").sent
            key = (n, sent.start_char)
            if key not in index:
                index[key] = len(wanted)
                wanted.append((n, sent.start_char, sent.end_char))
    if not wanted:
        return candidates
    texts = [docs[n].text[s:e] for n, s, e in wanted]
    tagged = list(tagger().pipe(texts, batch_size=batch_size))
    out: list[list[Candidate]] = []
    for n, (doc, found) in enumerate(zip(docs, candidates, strict=True)):
        kept = []
        for c in found:
            if c.pos is None:
                kept.append(c)
                continue
            sent = doc.char_span(c.start, c.end, alignment_mode="expand").sent
            tagged_sent = tagged[index[(n, sent.start_char)]]
            token = tagged_sent.char_span(
                c.last_token_start - sent.start_char,
                c.end - sent.start_char,
                alignment_mode="expand",
            )
            if token is not None and token[-1].pos_ in c.pos:
                kept.append(c)
        out.append(kept)
    return out
