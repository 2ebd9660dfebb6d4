"""Late decisions and records, next reviews due, and the year's figures, from a fixed register."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from letters.errors import UsageProblem
from letters.register.db import open_register, session
from letters.register.tables import Review
from letters.register.timeliness import (
    DueReport,
    LateItem,
    NextReview,
    Rate,
    due_report,
    to_text,
)

D = dt.date
AS_OF = D(2025, 6, 30)  # a Monday; the year runs from 1 July 2024
ASHA, BEN = "Asha Patel", "Ben Okafor"

COLUMNS = (
    "child_ref",
    "iro",
    "review_date",
    "review_number",
    "participation",
    "this_review_due",
    "decisions_due",
    "decisions_sent",
    "record_due",
    "record_target_due",
    "record_sent",
    "next_review_due",
    "next_review_planned",
)
# fmt: off
REVIEWS: dict[str, tuple[Any, ...]] = {
    # decisions never sent, 15 working days past due; record due today: not late yet
    "T1": ("C1", ASHA, D(2025, 6, 2), 2, "PN1", D(2025, 6, 5), D(2025, 6, 9), None, D(2025, 6, 30), None, None, D(2025, 12, 2), None),
    # held a day late; decisions sent 2 working days late; record late against the local target
    # (26 May 2025 was a bank holiday); next review due in 15 days
    "T2": ("C2", ASHA, D(2025, 5, 1), 3, "pn6", D(2025, 4, 30), D(2025, 5, 9), D(2025, 5, 13), D(2025, 5, 30), D(2025, 5, 23), D(2025, 5, 28), D(2025, 7, 15), D(2025, 7, 10)),
    # all in time; its next review is not listed, because C3 has had a later review
    "T3": ("C3", BEN, D(2025, 1, 10), 4, "PN7", D(2025, 1, 20), D(2025, 1, 17), D(2025, 1, 16), D(2025, 2, 7), None, D(2025, 2, 7), D(2025, 7, 10), None),
    # decisions sent after the report's date: as of it, not sent, one working day late
    "T4": ("C3", BEN, D(2025, 6, 20), 5, "PN1", D(2025, 7, 10), D(2025, 6, 27), D(2025, 7, 2), D(2025, 7, 18), None, None, D(2025, 12, 20), None),
    # before the year: decisions sent late (not listed), record never finished (listed),
    # next review long overdue
    "T5": ("C5", BEN, D(2024, 3, 1), 3, "PN0", D(2024, 3, 5), D(2024, 3, 8), D(2024, 3, 12), D(2024, 3, 29), None, None, D(2024, 9, 1), None),
    # first day of the year; due date unknown; record 3 working days late against the target
    "T6": ("C6", ASHA, D(2024, 7, 1), 1, "PN0", None, D(2024, 7, 8), D(2024, 7, 8), D(2024, 7, 29), D(2024, 7, 22), D(2024, 7, 25), D(2024, 10, 1), None),
    # participation not recorded; next review due today
    "T7": ("C6", ASHA, D(2024, 9, 30), 2, None, D(2024, 10, 1), D(2024, 10, 7), D(2024, 10, 4), D(2024, 10, 28), None, D(2024, 10, 20), D(2025, 6, 30), None),
    # before the year, decisions sent late: not listed; next review due in exactly 28 days
    "T8": ("C8", BEN, D(2024, 6, 28), 2, "PN1", D(2024, 7, 1), D(2024, 7, 5), D(2024, 7, 10), D(2024, 7, 26), None, D(2024, 7, 20), D(2025, 7, 28), None),
    # after the report's date: ignored, so T8 is still C8's latest review
    "T9": ("C8", BEN, D(2025, 7, 1), 3, "PN1", D(2025, 7, 28), D(2025, 7, 8), None, D(2025, 7, 29), None, None, D(2026, 1, 1), None),
    # held late; next review due in 29 days: not listed
    "T10": ("C10", ASHA, D(2025, 3, 3), 3, "PN1", D(2025, 3, 1), D(2025, 3, 10), D(2025, 3, 10), D(2025, 3, 31), None, D(2025, 3, 31), D(2025, 7, 29), None),
}
# fmt: on


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    engine = open_register(tmp_path_factory.mktemp("due") / "letters.db")
    with session(engine) as db:
        for rid, values in REVIEWS.items():
            db.add(
                Review(
                    id=rid,
                    age_band="8-12",
                    source="import",
                    **dict(zip(COLUMNS, values, strict=True)),
                )
            )
    return engine


@pytest.fixture(scope="module")
def report(engine: Any) -> DueReport:
    return due_report(engine, AS_OF)


def late(rid: str, due: dt.date, sent: dt.date | None, days: int) -> LateItem:
    child, iro, day = REVIEWS[rid][:3]
    return LateItem(rid, child, iro, day, due, sent, days)


def coming(rid: str, due: dt.date, planned: dt.date | None, days: int) -> NextReview:
    child, iro, day = REVIEWS[rid][:3]
    return NextReview(rid, child, iro, day, due, planned, days)


@pytest.mark.parametrize(
    ("iro", "decisions", "records", "next_reviews"),
    [
        (
            ASHA,
            (late("T2", D(2025, 5, 9), D(2025, 5, 13), 2), late("T1", D(2025, 6, 9), None, 15)),
            (
                late("T6", D(2024, 7, 22), D(2024, 7, 25), 3),
                late("T2", D(2025, 5, 23), D(2025, 5, 28), 2),
            ),
            (
                coming("T7", D(2025, 6, 30), None, 0),
                coming("T2", D(2025, 7, 15), D(2025, 7, 10), 15),
            ),
        ),
        (
            BEN,
            (late("T4", D(2025, 6, 27), None, 1),),
            (late("T5", D(2024, 3, 29), None, 315),),
            (coming("T5", D(2024, 9, 1), None, -302), coming("T8", D(2025, 7, 28), None, 28)),
        ),
    ],
)
def test_due_per_iro(
    report: DueReport,
    iro: str,
    decisions: tuple[LateItem, ...],
    records: tuple[LateItem, ...],
    next_reviews: tuple[NextReview, ...],
) -> None:
    got = next(i for i in report.iros if i.iro == iro)
    assert (got.decisions_late, got.records_late, got.next_reviews) == (
        decisions,
        records,
        next_reviews,
    )
    assert [i.iro for i in report.iros] == [ASHA, BEN]


@pytest.mark.parametrize(
    ("year_start", "period", "held", "in_time", "decisions", "records", "codes", "not_recorded"),
    [
        (
            None,
            (D(2024, 7, 1), AS_OF),
            7,
            Rate(4, 6),
            Rate(4, 7),
            Rate(3, 5),
            {"PN0": 1, "PN1": 3, "PN6": 1, "PN7": 1},
            1,
        ),
        (
            D(2025, 4, 1),
            (D(2025, 4, 1), AS_OF),
            3,
            Rate(2, 3),
            Rate(0, 3),
            Rate(0, 1),
            {"PN1": 2, "PN6": 1},
            0,
        ),
        (AS_OF, (AS_OF, AS_OF), 0, Rate(0, 0), Rate(0, 0), Rate(0, 0), {}, 0),
    ],
)
def test_year_figures(
    engine: Any,
    year_start: dt.date | None,
    period: tuple[dt.date, dt.date],
    held: int,
    in_time: Rate,
    decisions: Rate,
    records: Rate,
    codes: dict[str, int],
    not_recorded: int,
) -> None:
    year = due_report(engine, AS_OF, year_start).year
    assert (year.date_from, year.date_to) == period
    assert (year.held, year.held_in_time, year.decisions_in_time, year.records_in_time) == (
        held,
        in_time,
        decisions,
        records,
    )
    assert [p.code for p in year.participation] == [f"PN{n}" for n in range(8)]
    assert {p.code: p.count for p in year.participation if p.count} == codes
    assert year.participation_not_recorded == not_recorded


def test_participation_percentages(report: DueReport) -> None:
    pn1 = report.year.participation[1]
    assert (pn1.code, pn1.meaning, pn1.count) == (
        "PN1",
        "Child attends and speaks for themselves",
        3,
    )
    assert pn1.percent == pytest.approx(300 / 7)
    assert [round(p.percent or 0, 1) for p in report.year.participation] == [
        14.3,
        42.9,
        0.0,
        0.0,
        0.0,
        0.0,
        14.3,
        14.3,
    ]


@pytest.mark.parametrize(
    ("rate", "percent"), [(Rate(4, 6), 200 / 3), (Rate(0, 3), 0.0), (Rate(0, 0), None)]
)
def test_rate_percent(rate: Rate, percent: float | None) -> None:
    assert rate.percent == percent


def test_nothing_due(engine: Any) -> None:
    report = due_report(engine, D(2024, 3, 4), D(2024, 3, 1))
    assert report.iros == ()
    assert report.year.held == 1
    assert to_text(report).startswith(
        "Late and due as of 2024-03-04\n\nNothing late, and no review due in the coming 28 days.\n\n"
        "The year 2024-03-01 to 2024-03-04\n  Reviews held: 1\n"
    )


def test_year_start_after_as_of_is_refused(engine: Any) -> None:
    with pytest.raises(
        UsageProblem, match=r"the year starts \(2025-07-01\) after the report's date \(2025-06-30\)"
    ):
        due_report(engine, AS_OF, D(2025, 7, 1))


def test_to_text(report: DueReport) -> None:
    assert to_text(report) == (
        "Late and due as of 2025-06-30\n"
        "\n"
        "Asha Patel\n"
        "  Decisions not sent within time (2)\n"
        "    Child  Review      Due         Sent        Working days late\n"
        "    -----  ----------  ----------  ----------  -----------------\n"
        "    C2     2025-05-01  2025-05-09  2025-05-13  2\n"
        "    C1     2025-06-02  2025-06-09  not yet     15\n"
        "  Records not finished within time (2)\n"
        "    Child  Review      Due         Sent        Working days late\n"
        "    -----  ----------  ----------  ----------  -----------------\n"
        "    C6     2024-07-01  2024-07-22  2024-07-25  3\n"
        "    C2     2025-05-01  2025-05-23  2025-05-28  2\n"
        "  Next reviews due in the coming 28 days or overdue (2)\n"
        "    Child  Last review  Due by      Planned     When\n"
        "    -----  -----------  ----------  ----------  ----------\n"
        "    C6     2024-09-30   2025-06-30  -           due today\n"
        "    C2     2025-05-01   2025-07-15  2025-07-10  in 15 days\n"
        "\n"
        "Ben Okafor\n"
        "  Decisions not sent within time (1)\n"
        "    Child  Review      Due         Sent     Working days late\n"
        "    -----  ----------  ----------  -------  -----------------\n"
        "    C3     2025-06-20  2025-06-27  not yet  1\n"
        "  Records not finished within time (1)\n"
        "    Child  Review      Due         Sent     Working days late\n"
        "    -----  ----------  ----------  -------  -----------------\n"
        "    C5     2024-03-01  2024-03-29  not yet  315\n"
        "  Next reviews due in the coming 28 days or overdue (2)\n"
        "    Child  Last review  Due by      Planned  When\n"
        "    -----  -----------  ----------  -------  -------------------\n"
        "    C5     2024-03-01   2024-09-01  -        overdue by 302 days\n"
        "    C8     2024-06-28   2025-07-28  -        in 28 days\n"
        "\n"
        "The year 2024-07-01 to 2025-06-30\n"
        "  Reviews held: 7\n"
        "  Held in time: 4 of 6 (66.7%) of those whose due date is known\n"
        "  Decisions sent within time: 4 of 7 (57.1%)\n"
        "  Records finished within target: 3 of 5 (60.0%)\n"
        "  Participation:\n"
        "    Code  Reviews  %     Meaning\n"
        "    ----  -------  ----  ----------------------------------------------------------------------------------------\n"
        "    PN0   1        14.3  Child aged under 4 at the time of the review\n"
        "    PN1   3        42.9  Child attends and speaks for themselves\n"
        "    PN2   0        0.0   Child attends and an advocate speaks for them\n"
        "    PN3   0        0.0   Child attends and conveys their views symbolically (non-verbally)\n"
        "    PN4   0        0.0   Child attends but does not speak or convey views\n"
        "    PN5   0        0.0   Child does not attend but briefs an advocate or the IRO to speak for them\n"
        "    PN6   1        14.3  Child does not attend but conveys views another way (written, text, app, audio or video)\n"
        "    PN7   1        14.3  Child does not attend and their views are not conveyed\n"
        "    -     1        14.3  not recorded\n"
        "\n"
        "Decisions and records not sent and not yet due are left out of the year's figures. "
        "Records are measured against the local target where one is set. A next review is "
        "listed from a child's latest registered review; the register does not know who has "
        "left care, so check those long overdue.\n"
    )
