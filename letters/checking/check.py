"""Check letters: jargon, the child's own words, what a good letter says, readability."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..config import CONFIG_NAME, Settings
from ..errors import ConfigError, Problem
from ..records import ReviewRecord, age_band
from .findings import Finding, LetterReport, accept, sort_findings
from .rules import LEVELS

# Generic word rules give way to the child's own word on the same words.
_GENERIC = ("child_friendly.", "plain_english.", "permanence.")


@dataclass(frozen=True)
class CheckRequest:
    """One letter to check, with what is known about it."""

    path: Path
    text: str
    record: ReviewRecord | None = None
    band: str | None = None  # overrides the band worked out from the record
    accepted: tuple[str, ...] = ()
    record_days: int = 20
    decisions_days: int = 5
    record_target_days: int | None = None


def checker_for(settings: Settings) -> Checker:
    """Return a checker set up from the service's settings; refuse rules it does not know."""
    problems = unknown_rules(settings.check.disable, settings.check.rules)
    if problems:
        raise ConfigError(
            settings.source or CONFIG_NAME, [Problem("check.disable", p) for p in problems]
        )
    return Checker(rules_folder=settings.check.rules, disabled=tuple(settings.check.disable))


def unknown_rules(ids: Iterable[str], folder: Path | None = None) -> list[str]:
    """Return a message for each id that is neither a rule's id nor a prefix of one."""
    from difflib import get_close_matches

    from .rules import rule_book

    known = set(rule_book(folder))
    prefixes = {
        ".".join(parts[:end])
        for parts in (r.split(".") for r in known)
        for end in range(1, len(parts))
    }
    names = {name.lower(): name for name in sorted(known | prefixes)}
    problems = []
    for given in ids:
        name = given.strip().rstrip(".")
        if name in known or name in prefixes:
            continue
        close = [names[c] for c in get_close_matches(name.lower(), list(names), n=1)]
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else "rule ids look like 'child_friendly.contact', prefixes like 'plain_english'"
        )
        problems.append(f"'{given}' is not a rule id or prefix we know; {hint}")
    return problems


def request_for(
    path: Path,
    text: str,
    settings: Settings,
    record: ReviewRecord | None = None,
    band: str | None = None,
    accepted: tuple[str, ...] = (),
) -> CheckRequest:
    """Build a check request with the service's timescale settings."""
    local = settings.timescales
    return CheckRequest(
        path=path,
        text=text,
        record=record,
        band=band,
        accepted=accepted,
        record_days=local.record_working_days,
        decisions_days=local.decisions_working_days,
        record_target_days=local.record_target_working_days,
    )


@dataclass
class Checker:
    """Loads rule packs, readability targets and the child's-words lexicon once, then checks."""

    rules_folder: Path | None = None
    document: str = "letter"
    disabled: tuple[str, ...] = ()
    _ready: bool = field(default=False, init=False)

    def _load(self) -> None:
        if self._ready:
            return
        from .matching import WordMatcher
        from .preferred import load_lexicon
        from .readability import load_targets
        from .rules import load_word_rules, rule_book

        folder = self.rules_folder
        self.book = rule_book(folder)
        rules = [r for r in load_word_rules(folder) if not self._is_disabled(r.id)]
        self.matcher = WordMatcher(rules, self.document)
        local_targets = folder / "readability.yaml" if folder else None
        self.targets = load_targets(
            local_targets if local_targets and local_targets.is_file() else None
        )
        local_lexicon = folder / "preferred_terms.yaml" if folder else None
        self.lexicon = load_lexicon(
            local_lexicon if local_lexicon and local_lexicon.is_file() else None
        )
        self._ready = True

    def _is_disabled(self, rule: str) -> bool:
        return any(rule == d or rule.startswith(d.rstrip(".") + ".") for d in self.disabled)

    def check(
        self,
        requests: list[CheckRequest],
        progress: Callable[[int], None] | None = None,
    ) -> list[LetterReport]:
        """Check every letter in one spaCy pass; report each one's findings and readability."""
        from ..timescales import compute
        from .matching import confirm_pos, quoted_spans
        from .nlp import cheap, model_description
        from .preferred import PreferredTerms
        from .readability import assess
        from .required import required_findings

        self._load()
        docs = []
        for doc in cheap().pipe((r.text for r in requests), batch_size=64):
            docs.append(doc)
            if progress:
                progress(1)
        quotes = [quoted_spans(r.text) for r in requests]
        candidates = [
            self.matcher.candidates(doc, skip) for doc, skip in zip(docs, quotes, strict=True)
        ]
        candidates = confirm_pos(docs, candidates)
        model = model_description()
        reports = []
        for request, doc, skip, found in zip(requests, docs, quotes, candidates, strict=True):
            findings = self.matcher.findings(request.text, found)
            record = request.record
            band = request.band
            if record is not None:
                band = band or age_band(record.age)
                child_words = PreferredTerms(record, self.lexicon, self.book)
                own = child_words.findings(request.text, doc, skip)
                # The child's own words are never jargon, even when they are "IRO".
                own_spans = [s for spans in child_words.own_spans(doc).values() for s in spans]
                findings = _supersede(findings, own, own_spans)
                times = compute(
                    record,
                    record_target_days=request.record_target_days,
                    decisions_days=request.decisions_days,
                    record_days=request.record_days,
                )
                findings += required_findings(request.text, record, times, self.book)
            summary, hard, _ = assess(request.text, doc, band, self.targets, self.book)
            findings += hard
            findings = [f for f in findings if not self._is_disabled(f.rule)]
            accepted = list(request.accepted) + (list(record.accepted) if record else [])
            reports.append(
                LetterReport(
                    path=request.path,
                    text=request.text,
                    findings=sort_findings(accept(findings, accepted)),
                    readability=summary,
                    model=model,
                )
            )
        return reports


def _supersede(
    generic: list[Finding], own: list[Finding], own_words: list[tuple[int, int]]
) -> list[Finding]:
    """Merge generic word findings into the child's own-word findings that hold them.

    The child's word is the better suggestion, so a generic finding inside one goes; its
    level is kept if it was higher ("LAC review" stays an error). The child's own words
    are never flagged at all.
    """

    def within(a: Finding, start: int, end: int) -> bool:
        return start <= a.start and a.end <= end

    kept = []
    merged = list(own)
    for f in generic:
        if not f.rule.startswith(_GENERIC):
            kept.append(f)
            continue
        if any(within(f, s, e) for s, e in own_words):
            continue
        covering = [
            i for i, o in enumerate(merged) if o.start < o.end and within(f, o.start, o.end)
        ]
        if not covering:
            kept.append(f)
            continue
        for i in covering:
            if LEVELS.index(f.level) < LEVELS.index(merged[i].level):
                merged[i] = replace(merged[i], level=f.level)
    return kept + merged
