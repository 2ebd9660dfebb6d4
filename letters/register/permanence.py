"""Second reviews in a period: is the permanence plan settled, and explained to the child?"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import UsageProblem
from ..safetext import csv_text

if TYPE_CHECKING:
    from .tables import LetterCheck

SECOND_REVIEW = 2  # the review by which the permanence plan must be settled (reg 5)
# The permanence rules that say whether the plans are explained; every other one is jargon.
EXPLAINED_RULES = ("permanence.plan_explained", "permanence.contingency_explained")


def permanence_jargon(check: LetterCheck) -> int | None:
    """Return how many permanence jargon words the checker found (and were not accepted).

    Read from the check's findings, as `letters check --format json` gives them; None when
    they cannot be read. `LetterCheck.jargon` counts child-friendly jargon too.
    """
    try:
        findings = json.loads(check.findings)
    except (TypeError, ValueError):
        return None
    if not isinstance(findings, list):
        return None
    return sum(
        1
        for f in findings
        if isinstance(f, dict)
        and str(f.get("rule", "")).startswith("permanence.")
        and f.get("rule") not in EXPLAINED_RULES
        and not f.get("accepted")
    )


@dataclass(frozen=True)
class PermanenceRow:
    """One second review: its permanence plan and contingency, the letter, and timeliness."""

    review_id: str
    child_ref: str
    iro: str
    review_date: dt.date
    permanence_plan: str | None
    contingency: str | None
    letter: bool  # a checked letter is registered for the review
    plan_explained: bool | None  # None: no checked letter, or not checked for it
    contingency_explained: bool | None
    jargon: int | None  # jargon words the checker found in the letter, of every kind
    permanence_jargon: int | None  # of them, permanence words; None: no letter, or unreadable
    this_review_due: dt.date | None
    on_time: bool | None  # None: the date the review was due is not known

    @property
    def plan_recorded(self) -> bool:
        """Return whether a permanence plan is recorded."""
        return self.permanence_plan is not None

    @property
    def contingency_recorded(self) -> bool:
        """Return whether a contingency plan is recorded."""
        return self.contingency is not None

    @property
    def shortfalls(self) -> tuple[str, ...]:
        """Return what falls short, in words."""
        out = []
        if not self.plan_recorded:
            out.append("no plan recorded")
        if not self.contingency_recorded:
            out.append("no contingency recorded")
        if self.plan_explained is False:
            out.append("letter does not explain the plan")
        if self.contingency_explained is False:
            out.append("letter does not explain the contingency")
        if self.permanence_jargon:
            out.append(f"letter uses permanence jargon ({self.permanence_jargon})")
        if self.on_time is False:
            out.append("late")
        return tuple(out)

    @property
    def unknowns(self) -> tuple[str, ...]:
        """Return what cannot be told from the register, in words."""
        out = []
        if not self.letter:
            out.append("no checked letter registered")
        else:
            if self.plan_recorded and self.plan_explained is None:
                out.append("letter not checked for the plan")
            if self.contingency_recorded and self.contingency_explained is None:
                out.append("letter not checked for the contingency")
            if self.permanence_jargon is None:
                out.append("letter's findings cannot be read for permanence jargon")
        if self.on_time is None:
            out.append("due date not known")
        return tuple(out)

    @property
    def status(self) -> str:
        """Return `falls short`, `not known` (nothing short, something unknown) or `ok`."""
        if self.shortfalls:
            return "falls short"
        if self.unknowns:
            return "not known"
        return "ok"


_STATUS_ORDER = {"falls short": 0, "not known": 1, "ok": 2}


def second_reviews(engine: Any, date_from: dt.date, date_to: dt.date) -> list[PermanenceRow]:
    """Return every second review held in the period, those that fall short first, then by date."""
    from sqlalchemy import select

    from ..audit.report import letter_checks
    from .db import session
    from .tables import Review

    if date_from > date_to:
        raise UsageProblem(f"the period starts ({date_from}) after it ends ({date_to})")
    with session(engine) as db:
        reviews = db.scalars(
            select(Review).where(
                Review.review_number == SECOND_REVIEW,
                Review.review_date.between(date_from, date_to),
            )
        ).all()
        checks = letter_checks(db, date_from, date_to, review_number=SECOND_REVIEW)
        rows = []
        for review in reviews:
            check = checks.get(review.id)
            due = review.this_review_due
            rows.append(
                PermanenceRow(
                    review_id=review.id,
                    child_ref=review.child_ref,
                    iro=review.iro,
                    review_date=review.review_date,
                    permanence_plan=review.permanence_plan,
                    contingency=review.contingency,
                    letter=check is not None,
                    plan_explained=check.plan_explained if check else None,
                    contingency_explained=check.contingency_explained if check else None,
                    jargon=check.jargon if check else None,
                    permanence_jargon=permanence_jargon(check) if check else None,
                    this_review_due=due,
                    on_time=None if due is None else review.review_date <= due,
                )
            )
    rows.sort(key=lambda r: (_STATUS_ORDER[r.status], r.review_date, r.review_id))
    return rows


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else "yes" if value else "no"


def _plan(value: str | None) -> str:
    return "not recorded" if value is None else value.replace("_", " ")


_LEGEND = (
    "Second reviews are where the plan for where the child will grow up (permanence) and "
    "what happens if it cannot happen (contingency) must be settled.",
    "Explains plan / contingency: whether the checker found the letter explains each; "
    "- means no checked letter, or no contingency to explain.",
    "Permanence jargon: words about permanence the checker flagged as jargon for a child "
    "(such as 'SGO' or 'placement order'); a letter that uses any does not explain the plans "
    "without jargon, so the review falls short. The CSV also counts all jargon found.",
    "On time: held by the date it was due; - means the due date is not known.",
    "Listed first: the reviews that fall short; then those where something is not known; "
    "then the rest, each by date.",
)


def to_text(rows: list[PermanenceRow]) -> str:
    """Return the second reviews as an aligned plain-text table with a short legend."""
    from ..checking.report import format_table

    if not rows:
        return "No second reviews in this period.\n"
    table = [
        [
            "Date",
            "Child",
            "IRO",
            "Plan",
            "Contingency",
            "Explains plan",
            "Explains contingency",
            "Permanence jargon",
            "On time",
            "What to look at",
        ]
    ]
    for row in rows:
        table.append(
            [
                row.review_date.isoformat(),
                row.child_ref,
                row.iro,
                _plan(row.permanence_plan),
                _plan(row.contingency),
                _yes_no(row.plan_explained),
                _yes_no(row.contingency_explained),
                "-" if row.permanence_jargon is None else str(row.permanence_jargon),
                _yes_no(row.on_time),
                "; ".join(row.shortfalls + row.unknowns) or "-",
            ]
        )
    short = sum(1 for row in rows if row.status == "falls short")
    summary = (
        f"{len(rows)} second review{'s' if len(rows) != 1 else ''}; "
        f"{short} fall{'s' if short == 1 else ''} short."
    )
    return "\n".join([format_table(table), "", summary, *_LEGEND]) + "\n"


CSV_COLUMNS = (
    "review_id",
    "child_ref",
    "iro",
    "review_date",
    "permanence_plan",
    "contingency",
    "plan_recorded",
    "contingency_recorded",
    "letter",
    "plan_explained",
    "contingency_explained",
    "jargon",
    "permanence_jargon",
    "this_review_due",
    "on_time",
    "status",
    "shortfalls",
    "unknowns",
)


def _csv_bool(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def to_csv(rows: list[PermanenceRow]) -> str:
    """Return the second reviews as CSV, one row a review, in the same order."""
    table: list[list[str]] = [list(CSV_COLUMNS)]
    for row in rows:
        table.append(
            [
                row.review_id,
                row.child_ref,
                row.iro,
                row.review_date.isoformat(),
                row.permanence_plan or "",
                row.contingency or "",
                _csv_bool(row.plan_recorded),
                _csv_bool(row.contingency_recorded),
                _csv_bool(row.letter),
                _csv_bool(row.plan_explained),
                _csv_bool(row.contingency_explained),
                "" if row.jargon is None else str(row.jargon),
                "" if row.permanence_jargon is None else str(row.permanence_jargon),
                row.this_review_due.isoformat() if row.this_review_due else "",
                _csv_bool(row.on_time),
                row.status,
                "; ".join(row.shortfalls),
                "; ".join(row.unknowns),
            ]
        )
    return csv_text(table, lineterminator="\n")  # cells safe to open in a spreadsheet
