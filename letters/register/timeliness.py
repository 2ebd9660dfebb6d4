"""What is late or due, per IRO, and the year's timeliness figures for an annual report."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta

from ..errors import UsageProblem
from ..records import PARTICIPATION
from ..safetext import terminal_text
from ..timescales import working_days_between

NEXT_REVIEW_WINDOW_DAYS = 28  # next reviews due in the coming four weeks are listed


@dataclass(frozen=True)
class LateItem:
    """Decisions or a record not sent by the date they were due."""

    review_id: str
    child_ref: str
    iro: str
    review_date: dt.date
    due: dt.date
    sent: dt.date | None  # None: not sent yet (as of the report's date)
    working_days_late: int

    @property
    def outstanding(self) -> bool:
        """Return whether it is still not sent."""
        return self.sent is None


@dataclass(frozen=True)
class NextReview:
    """A child's next review, due in the coming weeks or already overdue."""

    review_id: str  # the child's latest registered review
    child_ref: str
    iro: str
    last_review: dt.date
    due: dt.date
    planned: dt.date | None
    days: int  # days from the report's date to the due date; negative when overdue

    @property
    def overdue(self) -> bool:
        """Return whether the date it was due has passed."""
        return self.days < 0


@dataclass(frozen=True)
class IroDue:
    """What one IRO has late or coming up."""

    iro: str
    decisions_late: tuple[LateItem, ...]
    records_late: tuple[LateItem, ...]
    next_reviews: tuple[NextReview, ...]


@dataclass(frozen=True)
class Rate:
    """How many of a number met a timescale."""

    met: int
    of: int

    @property
    def percent(self) -> float | None:
        """Return the share met, as a percentage, or None when there is nothing to count."""
        return 100 * self.met / self.of if self.of else None


@dataclass(frozen=True)
class ParticipationCount:
    """How many reviews had one participation code."""

    code: str
    meaning: str
    count: int
    percent: float | None  # of the reviews held


@dataclass(frozen=True)
class YearFigures:
    """The figures a service puts in its annual report, for reviews held in the period."""

    date_from: dt.date
    date_to: dt.date
    held: int
    held_in_time: Rate  # of the reviews whose due date is known
    decisions_in_time: Rate  # of the reviews whose decisions are sent or were due
    records_in_time: Rate  # the same, for records against the local target if there is one
    participation: tuple[ParticipationCount, ...]  # PN0 to PN7
    participation_not_recorded: int


@dataclass(frozen=True)
class DueReport:
    """What is late or due as of a date, per IRO, and the year's figures."""

    as_of: dt.date
    window_days: int
    iros: tuple[IroDue, ...]  # only IROs with something late or due, by name
    year: YearFigures


@dataclass(frozen=True)
class _Row:
    id: str
    child_ref: str
    iro: str
    review_date: dt.date
    review_number: int
    participation: str | None
    this_review_due: dt.date | None
    decisions_due: dt.date
    record_due: dt.date
    next_review_due: dt.date | None
    next_review_planned: dt.date | None
    decisions_sent: dt.date | None
    record_sent: dt.date | None


def _load(engine: Any, as_of: dt.date) -> list[_Row]:
    from sqlalchemy import select

    from .db import session
    from .tables import Review

    query = select(
        Review.id,
        Review.child_ref,
        Review.iro,
        Review.review_date,
        Review.review_number,
        Review.participation,
        Review.this_review_due,
        Review.decisions_due,
        # The local target for the record, where the service has one, else the Handbook's.
        Review.record_target_due,
        Review.record_due,
        Review.next_review_due,
        Review.next_review_planned,
        Review.decisions_sent,
        Review.record_sent,
    ).where(Review.review_date <= as_of)
    with session(engine) as db:
        return [
            _Row(
                id=r.id,
                child_ref=r.child_ref,
                iro=r.iro,
                review_date=r.review_date,
                review_number=r.review_number,
                participation=r.participation,
                this_review_due=r.this_review_due,
                decisions_due=r.decisions_due,
                record_due=r.record_target_due or r.record_due,
                next_review_due=r.next_review_due,
                next_review_planned=r.next_review_planned,
                decisions_sent=r.decisions_sent,
                record_sent=r.record_sent,
            )
            for r in db.execute(query)
        ]


def _sent_by(sent: dt.date | None, as_of: dt.date) -> dt.date | None:
    """Return the date sent if it was sent by `as_of`: a report for a past date ignores later."""
    return sent if sent is not None and sent <= as_of else None


def _late(row: _Row, due: dt.date, sent: dt.date | None, as_of: dt.date) -> LateItem | None:
    sent = _sent_by(sent, as_of)
    if sent is None and as_of > due:
        days = working_days_between(due, as_of)
    elif sent is not None and sent > due:
        days = working_days_between(due, sent)
    else:
        return None
    return LateItem(row.id, row.child_ref, row.iro, row.review_date, due, sent, days)


def _in_time(rows: Iterable[_Row], as_of: dt.date, decisions: bool) -> Rate:
    met = of = 0
    for row in rows:
        due = row.decisions_due if decisions else row.record_due
        sent = _sent_by(row.decisions_sent if decisions else row.record_sent, as_of)
        if sent is None and as_of <= due:
            continue  # not sent, but not due yet either: neither in time nor late
        of += 1
        met += sent is not None and sent <= due
    return Rate(met, of)


def _year(rows: list[_Row], date_from: dt.date, as_of: dt.date) -> YearFigures:
    held = [row for row in rows if date_from <= row.review_date <= as_of]
    known = [row for row in held if row.this_review_due is not None]
    in_time = sum(
        1
        for row in known
        if row.this_review_due is not None and row.review_date <= row.this_review_due
    )
    codes = [row.participation.strip().upper() for row in held if row.participation]
    participation = tuple(
        ParticipationCount(
            code,
            meaning,
            codes.count(code),
            100 * codes.count(code) / len(held) if held else None,
        )
        for code, meaning in PARTICIPATION.items()
    )
    return YearFigures(
        date_from=date_from,
        date_to=as_of,
        held=len(held),
        held_in_time=Rate(in_time, len(known)),
        decisions_in_time=_in_time(held, as_of, decisions=True),
        records_in_time=_in_time(held, as_of, decisions=False),
        participation=participation,
        participation_not_recorded=len(held) - sum(p.count for p in participation),
    )


def _next_reviews(rows: list[_Row], as_of: dt.date, window: int) -> list[NextReview]:
    latest: dict[str, _Row] = {}
    for row in rows:
        current = latest.get(row.child_ref)
        key = (row.review_date, row.review_number, row.id)
        if current is None or key > (current.review_date, current.review_number, current.id):
            latest[row.child_ref] = row
    horizon = as_of + dt.timedelta(days=window)
    return [
        NextReview(
            review_id=row.id,
            child_ref=row.child_ref,
            iro=row.iro,
            last_review=row.review_date,
            due=row.next_review_due,
            planned=row.next_review_planned,
            days=(row.next_review_due - as_of).days,
        )
        for row in latest.values()
        if row.next_review_due is not None and row.next_review_due <= horizon
    ]


def due_report(engine: Any, as_of: dt.date, year_start: dt.date | None = None) -> DueReport:
    """Return what is late or due as of `as_of`, per IRO, and the figures for the year to it."""
    date_from = year_start or as_of - relativedelta(years=1) + dt.timedelta(days=1)
    if date_from > as_of:
        raise UsageProblem(f"the year starts ({date_from}) after the report's date ({as_of})")
    rows = _load(engine, as_of)
    decisions: dict[str, list[LateItem]] = defaultdict(list)
    records: dict[str, list[LateItem]] = defaultdict(list)
    for row in rows:
        # Late but sent: this year's only. Still not sent: however old, since it needs doing.
        this_year = row.review_date >= date_from
        late = _late(row, row.decisions_due, row.decisions_sent, as_of)
        if late is not None and (late.outstanding or this_year):
            decisions[row.iro].append(late)
        late = _late(row, row.record_due, row.record_sent, as_of)
        if late is not None and (late.outstanding or this_year):
            records[row.iro].append(late)
    coming: dict[str, list[NextReview]] = defaultdict(list)
    for item in _next_reviews(rows, as_of, NEXT_REVIEW_WINDOW_DAYS):
        coming[item.iro].append(item)

    def late_order(item: LateItem) -> tuple[dt.date, str]:
        return item.due, item.review_id

    iros = tuple(
        IroDue(
            iro,
            tuple(sorted(decisions[iro], key=late_order)),
            tuple(sorted(records[iro], key=late_order)),
            tuple(sorted(coming[iro], key=lambda n: (n.due, n.child_ref))),
        )
        for iro in sorted({*decisions, *records, *coming})
    )
    return DueReport(as_of, NEXT_REVIEW_WINDOW_DAYS, iros, _year(rows, date_from, as_of))


def _percent(rate: Rate) -> str:
    share = rate.percent
    return f"{rate.met} of {rate.of}" + ("" if share is None else f" ({share:.1f}%)")


def _when(item: NextReview) -> str:
    if item.days < 0:
        return f"overdue by {-item.days} day{'s' if item.days != -1 else ''}"
    if item.days == 0:
        return "due today"
    return f"in {item.days} day{'s' if item.days != 1 else ''}"


def _indent(text: str, spaces: int) -> list[str]:
    return [" " * spaces + line for line in text.splitlines()]


def _late_table(items: tuple[LateItem, ...]) -> str:
    from ..checking.report import format_table

    rows = [["Child", "Review", "Due", "Sent", "Working days late"]]
    rows += [
        [
            item.child_ref,
            item.review_date.isoformat(),
            item.due.isoformat(),
            item.sent.isoformat() if item.sent else "not yet",
            str(item.working_days_late),
        ]
        for item in items
    ]
    return format_table(rows)


def _next_table(items: tuple[NextReview, ...]) -> str:
    from ..checking.report import format_table

    rows = [["Child", "Last review", "Due by", "Planned", "When"]]
    rows += [
        [
            item.child_ref,
            item.last_review.isoformat(),
            item.due.isoformat(),
            item.planned.isoformat() if item.planned else "-",
            _when(item),
        ]
        for item in items
    ]
    return format_table(rows)


def to_text(report: DueReport) -> str:
    """Return the report as plain text: each IRO's lists, then the year's figures."""
    from ..checking.report import format_table

    lines = [f"Late and due as of {report.as_of.isoformat()}", ""]
    if not report.iros:
        lines += ["Nothing late, and no review due in the coming "
                  f"{report.window_days} days.", ""]  # fmt: skip
    for iro in report.iros:
        lines.append(terminal_text(iro.iro))
        for title, late in (
            ("Decisions not sent within time", iro.decisions_late),
            ("Records not finished within time", iro.records_late),
        ):
            if late:
                lines.append(f"  {title} ({len(late)})")
                lines += _indent(_late_table(late), 4)
        if iro.next_reviews:
            lines.append(
                f"  Next reviews due in the coming {report.window_days} days or overdue "
                f"({len(iro.next_reviews)})"
            )
            lines += _indent(_next_table(iro.next_reviews), 4)
        lines.append("")
    year = report.year
    lines += [
        f"The year {year.date_from.isoformat()} to {year.date_to.isoformat()}",
        f"  Reviews held: {year.held}",
        f"  Held in time: {_percent(year.held_in_time)} of those whose due date is known",
        f"  Decisions sent within time: {_percent(year.decisions_in_time)}",
        f"  Records finished within target: {_percent(year.records_in_time)}",
        "  Participation:",
    ]
    rows = [["Code", "Reviews", "%", "Meaning"]]
    rows += [
        [p.code, str(p.count), "-" if p.percent is None else f"{p.percent:.1f}", p.meaning]
        for p in year.participation
    ]
    if year.participation_not_recorded:
        share = 100 * year.participation_not_recorded / year.held
        rows.append(["-", str(year.participation_not_recorded), f"{share:.1f}", "not recorded"])
    lines += _indent(format_table(rows), 4)
    lines += [
        "",
        "Decisions and records not sent and not yet due are left out of the year's figures. "
        "Records are measured against the local target where one is set. A next review is "
        "listed from a child's latest registered review; the register does not know who has "
        "left care, so check those long overdue.",
    ]
    return "\n".join(lines) + "\n"
