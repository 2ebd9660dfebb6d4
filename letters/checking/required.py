"""What a good letter must say, judged against the review record it was written from."""

from __future__ import annotations

import datetime as dt
import re

from ..records import ReviewRecord
from ..terms import child_terms, first_name, owner_in_child_words
from ..textio import text_blocks
from ..timescales import Timescales
from ..wording import long_date, short_date
from .findings import Finding, make_finding
from .rules import Rule

_STOP_WORDS = """
a an and are as at be but by can do for from has have he her his i if in is it its me my of on
or our she so that the their them they this to too was we were will with you your want like get
go got am not just really very all about more some would could when what who how there here then
than also been being did does had into out up down over
"""
_STOP = frozenset(_STOP_WORDS.split())
_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Words that say a back-up plan is being explained.
_BACKUP = re.compile(
    r"back-?\s?up plan|if (that|this|it) (cannot|can't|can not|does not|doesn't|is not able to)"
    r"|if (that|this) plan|plan b\b|other plan|second plan",
)
# Words that show each permanence plan is explained, in plain words.
PLAN_WORDS: dict[str, tuple[str, ...]] = {
    "return_home": ("back home", "go home", "going home", "move home", "moving home",
                    "return home", "live with your", "live with mum", "live with dad",
                    "home to"),
    "special_guardianship": ("grow up", "grown up", "until you are 18", "look after you"),
    "child_arrangements_order": ("live with",),
    "adoption": ("adopt",),
    "long_term_fostering": ("grow up", "grown up", "an adult", "until you are 18",
                            "foster family"),
    "residential": ("staff", "home"),
    "staying_put": ("18", "21", "keep living", "stay"),
    "independence": ("on your own", "your own place", "independent", "own flat"),
    "other": (),
}  # fmt: skip


def normalise(text: str) -> str:
    """Lower-case, straighten quotes and collapse spaces, for comparing wording."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def content_words(text: str) -> set[str]:
    """Return the words of `text` that carry meaning (not 'the', 'and', 'will' ...)."""
    return {w for w in _WORDS.findall(normalise(text)) if w not in _STOP and len(w) > 2}


def _find_wording(
    text: str, wording: str, share: float = 0.6, when: dt.date | None = None
) -> tuple[int, str] | None:
    """Return the block holding `wording`, word for word or most of its meaningful words.

    Where several blocks hold it, prefer one that also gives the date `when`.
    """
    wanted = normalise(wording).rstrip(".!")
    blocks = text_blocks(text)
    exact = [b for b in blocks if wanted in normalise(b[1])]
    words = content_words(wording)
    close = [b for b in blocks if words and len(words & content_words(b[1])) / len(words) >= share]
    for found in (exact, close):
        if found:
            dated = [b for b in found if when is not None and _mentions_date(b[1], when)]
            return (dated or found)[0]
    return None


def date_phrases(day: dt.date) -> list[str]:
    """Return ways a letter may write `day`: '30 september', '30th september', '30/09/2026'."""
    month = f"{day:%B}".lower()
    suffix = (
        "th" if 10 <= day.day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    )
    return [
        f"{day.day} {month}",
        f"{day.day}{suffix} {month}",
        f"{month} {day.day}",
        f"{day:%d/%m/%Y}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day:%Y-%m-%d}",
    ]


def _mentions_date(block: str, day: dt.date) -> bool:
    lowered = normalise(block)
    if any(p in lowered for p in date_phrases(day)):
        return True
    month = f"{day:%B}".lower()
    # "by the end of September" is clear enough for a child.
    return bool(re.search(rf"(end|middle|start|beginning) of {month}", lowered))


def required_findings(
    text: str, record: ReviewRecord, times: Timescales, book: dict[str, Rule]
) -> list[Finding]:
    """Return what the letter is missing that a good letter to this child must say."""
    out: list[Finding] = []
    lowered = normalise(text)
    child = record.child

    def found(rule_id: str, start: int, end: int, suggestion: str | None, **fields: object) -> None:
        if rule_id in book:  # a council may remove a rule from its packs
            rule = book[rule_id]
            out.append(
                make_finding(text, start, end, rule.id, rule.level, rule.say(**fields), suggestion)
            )

    def missing(rule_id: str, suggestion: str | None = None, **fields: object) -> None:
        found(rule_id, 0, 0, suggestion, **fields)  # about the whole letter: an empty span

    greeting = re.search(
        rf"\b(dear|hi|hello|to)\s+{re.escape(child.known_as.lower())}\b", lowered[:400]
    )
    if not greeting:
        missing("required.addressed_to_child", f"Dear {child.known_as},", name=child.known_as)
    view = record.views.get("child")
    speaks = record.review.participation not in ("PN0", "PN7")
    if view and speaks and _find_wording(text, view, share=0.5) is None:
        missing("required.child_views", f'You said: "{view.strip()}"', name=child.known_as)
    terms = child_terms(record)
    for number, decision in enumerate(record.decisions, start=1):
        wording = decision.for_child or decision.action
        place = _find_wording(text, wording, when=decision.due)
        if place is None:
            missing("required.decision", wording, number=number, wording=wording.rstrip("."))
            continue
        start, block = place
        block_end = start + len(block)
        due = short_date(decision.due)
        if not _mentions_date(block, decision.due):
            found("required.decision_when", start, block_end, f"by {due}", number=number, due=due)
        who = owner_in_child_words(decision.owner, record, terms)
        names = {normalise(who), normalise(decision.owner), normalise(first_name(decision.owner))}
        if who == "I":
            names |= {"i", "me"}
        block_words = f" {' '.join(_WORDS.findall(normalise(block)))} "
        if not any(f" {' '.join(_WORDS.findall(n))} " in block_words for n in names if n):
            found(
                "required.decision_who", start, block_end, f"{who} will do this",
                number=number, who=who,
            )  # fmt: skip
    next_dates = {times.next_review_planned, times.next_review_due}
    if not any(p in lowered for day in next_dates for p in date_phrases(day)):
        missing("required.next_review", long_date(times.next_review_planned))
    iro = record.review.iro
    named = normalise(first_name(iro.name)) in lowered or normalise(iro.name) in lowered
    digits = re.sub(r"\D", "", text)
    reachable = (iro.phone is not None and re.sub(r"\D", "", iro.phone) in digits) or (
        iro.email is not None and iro.email.lower() in lowered
    )
    if not (named and reachable):
        missing("required.iro_contact", ", ".join(x for x in (iro.name, iro.phone, iro.email) if x))
    if "advocate" not in lowered and "advocacy" not in lowered:
        missing(
            "required.advocate",
            "An advocate is someone who helps you say what you think. "
            "Ask me if you would like one.",
        )
    plan = record.permanence
    if plan is not None:
        out += permanence_findings(
            text, record.review.number, plan.plan, plan.contingency, book,
            plan.explanation_for_child, plan.contingency_for_child,
        )  # fmt: skip
    return out


def permanence_findings(
    text: str,
    review_number: int,
    plan: str | None,
    contingency: str | None,
    book: dict[str, Rule],
    explanation: str | None = None,
    contingency_for_child: str | None = None,
) -> list[Finding]:
    """Return findings where a letter from the second review on does not explain the plans."""
    out: list[Finding] = []
    if review_number < 2 or plan is None:
        return out
    lowered = normalise(text)

    def missing(rule_id: str) -> None:
        if rule_id in book:
            rule = book[rule_id]
            out.append(make_finding(text, 0, 0, rule.id, rule.level, rule.say(), None))

    explained = (explanation is not None and _find_wording(text, explanation) is not None) or (
        "plan" in lowered and any(w in lowered for w in PLAN_WORDS[plan])
    )
    if not explained:
        missing("permanence.plan_explained")
    if contingency is not None:
        own = contingency_for_child
        backup = (own is not None and _find_wording(text, own) is not None) or (
            _BACKUP.search(lowered) is not None
            and any(w in lowered for w in PLAN_WORDS[contingency])
        )
        if not backup:
            missing("permanence.contingency_explained")
    return out
