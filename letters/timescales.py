"""Statutory timescales for reviews, decisions and records, in England and Wales working days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from dateutil.relativedelta import relativedelta

from .records import ReviewRecord

DECISIONS_WORKING_DAYS = 5  # IRO Handbook: decisions to the team manager
RECORD_WORKING_DAYS = 20  # IRO Handbook: the review record (minutes)
FIRST_REVIEW_WORKING_DAYS = 20  # Care Planning Regs 2010, reg 33(1)
SECOND_REVIEW_MONTHS = 3  # reg 33(2)(a)
LATER_REVIEW_MONTHS = 6  # reg 33(2)(b)
PRE_ADOPTIVE_FIRST_WEEKS = 4  # Adoption Agencies Regs 2005, reg 36


@cache
def _bank_holidays() -> Any:
    import holidays  # loaded on first use: its calendars are large

    return holidays.country_holidays("GB", subdiv="ENG")


def is_working_day(day: dt.date) -> bool:
    """Return whether `day` is a working day in England (not a weekend or bank holiday)."""
    return day.weekday() < 5 and day not in _bank_holidays()


def bank_holiday_name(day: dt.date) -> str | None:
    """Return the name of the England bank holiday on `day`, if it is one."""
    name = _bank_holidays().get(day)
    return str(name) if name else None


def add_working_days(start: dt.date, days: int) -> dt.date:
    """Return the date `days` working days after `start` (the start day itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def last_working_day_by(day: dt.date) -> dt.date:
    """Return `day` if it is a working day, else the working day before it."""
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Return how many working days fall after `start` up to and including `end`."""
    if end <= start:
        return 0
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if is_working_day(start + dt.timedelta(days=offset))
    )


@dataclass(frozen=True)
class Timescales:
    """The dates that follow from one review, and warnings about any that are missed."""

    review_date: dt.date
    decisions_days: int
    decisions_due: dt.date
    record_days: int
    record_due: dt.date
    record_target_due: dt.date | None
    record_target_days: int | None
    this_review_due: dt.date | None
    this_review_rule: str
    next_review_due: dt.date
    next_review_rule: str
    next_review_planned: dt.date
    warnings: list[str] = field(default_factory=list)


def _first_pre_adoptive(record: ReviewRecord) -> bool:
    moved = record.child.placed_for_adoption
    previous = record.review.previous_review
    return moved is not None and (previous is None or previous < moved)


def this_review_due(record: ReviewRecord) -> tuple[dt.date | None, str]:
    """Return the date by which this review had to be held, and the rule that sets it."""
    review = record.review
    if review.kind == "pre_adoptive" and _first_pre_adoptive(record):
        moved = record.child.placed_for_adoption
        assert moved is not None
        return (
            moved + dt.timedelta(weeks=PRE_ADOPTIVE_FIRST_WEEKS),
            "within 4 weeks of the move to the adoptive family",
        )
    moved = record.child.placed_for_adoption
    if review.kind == "pre_adoptive" and moved and review.previous_review:
        # The review after the first pre-adoptive one is due within 3 months of it, later
        # ones within 6. We take a previous review held within 4 weeks of the move as the first.
        first_was_previous = review.previous_review <= moved + dt.timedelta(
            weeks=PRE_ADOPTIVE_FIRST_WEEKS
        )
        months = SECOND_REVIEW_MONTHS if first_was_previous else LATER_REVIEW_MONTHS
        return (
            review.previous_review + relativedelta(months=months),
            f"within {months} months of the previous review",
        )
    if review.number == 1:
        return (
            add_working_days(record.child.came_into_care, FIRST_REVIEW_WORKING_DAYS),
            "within 20 working days of coming into care",
        )
    if review.previous_review is None:
        return None, "previous review date not given"
    months = SECOND_REVIEW_MONTHS if review.number == 2 else LATER_REVIEW_MONTHS
    return (
        review.previous_review + relativedelta(months=months),
        f"within {months} months of the previous review",
    )


def next_review_due(record: ReviewRecord) -> tuple[dt.date, str]:
    """Return the latest date the next review may be held, and the rule that sets it."""
    review = record.review
    if review.kind == "pre_adoptive":
        months = SECOND_REVIEW_MONTHS if _first_pre_adoptive(record) else LATER_REVIEW_MONTHS
    else:
        months = SECOND_REVIEW_MONTHS if review.number == 1 else LATER_REVIEW_MONTHS
    return review.date + relativedelta(months=months), f"within {months} months of this review"


def compute(
    record: ReviewRecord,
    record_target_days: int | None = None,
    decisions_days: int = DECISIONS_WORKING_DAYS,
    record_days: int = RECORD_WORKING_DAYS,
) -> Timescales:
    """Compute every timescale that follows from `record`, with warnings for missed ones."""
    review_date = record.review.date
    due_this, this_rule = this_review_due(record)
    due_next, next_rule = next_review_due(record)
    warnings: list[str] = []
    if due_this is not None and review_date > due_this:
        late = working_days_between(due_this, review_date)
        warnings.append(
            f"this review was held on {review_date}, after its statutory date {due_this} "
            f"({this_rule}); {late} working day{'s' if late != 1 else ''} late"
        )
    # With no date in the record, plan for the last working day the regulations allow.
    planned = record.next_review or last_working_day_by(due_next)
    if record.next_review is not None and record.next_review > due_next:
        warnings.append(
            f"next_review {record.next_review} is later than the statutory date {due_next} "
            f"({next_rule})"
        )
    target = (
        add_working_days(review_date, record_target_days)
        if record_target_days is not None and record_target_days != record_days
        else None
    )
    return Timescales(
        review_date=review_date,
        decisions_days=decisions_days,
        record_days=record_days,
        decisions_due=add_working_days(review_date, decisions_days),
        record_due=add_working_days(review_date, record_days),
        record_target_due=target,
        record_target_days=record_target_days if target is not None else None,
        this_review_due=due_this,
        this_review_rule=this_rule,
        next_review_due=due_next,
        next_review_rule=next_rule,
        next_review_planned=planned,
        warnings=warnings,
    )
