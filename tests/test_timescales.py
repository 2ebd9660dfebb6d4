"""Timescales in England working days, across bank holidays, Christmas and year ends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from letters.records import load_record
from letters.timescales import (
    add_working_days,
    compute,
    is_working_day,
    last_working_day_by,
    working_days_between,
)

from .test_records import BASE, write

D = dt.date


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        pytest.param(D(2026, 8, 10), 5, D(2026, 8, 17), id="decisions-plain-week"),
        pytest.param(D(2026, 8, 10), 20, D(2026, 9, 8), id="record-over-late-summer-holiday"),
        pytest.param(D(2026, 12, 21), 5, D(2026, 12, 30), id="christmas-and-boxing-day-observed"),
        pytest.param(D(2026, 12, 23), 5, D(2027, 1, 4), id="over-new-year"),
        pytest.param(D(2026, 12, 18), 20, D(2027, 1, 20), id="record-over-christmas"),
        pytest.param(D(2026, 12, 24), 15, D(2027, 1, 19), id="local-target-over-christmas"),
        pytest.param(D(2027, 3, 25), 1, D(2027, 3, 30), id="easter-2027"),
        pytest.param(D(2027, 12, 24), 1, D(2027, 12, 29), id="christmas-on-a-saturday-2027"),
        pytest.param(D(2026, 9, 7), 20, D(2026, 10, 5), id="first-review-window"),
        pytest.param(D(2026, 11, 27), 1, D(2026, 11, 30), id="friday-to-monday"),
        pytest.param(D(2026, 11, 28), 1, D(2026, 11, 30), id="from-a-saturday"),
        pytest.param(D(2026, 11, 25), 0, D(2026, 11, 25), id="zero-days"),
    ],
)
def test_add_working_days(start: dt.date, days: int, expected: dt.date) -> None:
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 12, 25), False),
        (D(2026, 12, 28), False),  # Boxing Day falls on a Saturday: Monday is the holiday
        (D(2026, 12, 29), True),
        (D(2027, 1, 1), False),
        (D(2026, 8, 31), False),
        (D(2026, 11, 28), False),
        (D(2026, 11, 30), True),
    ],
)
def test_is_working_day(day: dt.date, expected: bool) -> None:
    assert is_working_day(day) is expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 8, 10), D(2026, 8, 17), 5),
        (D(2026, 12, 23), D(2027, 1, 4), 5),
        (D(2026, 8, 17), D(2026, 8, 10), 0),
    ],
)
def test_working_days_between(start: dt.date, end: dt.date, expected: int) -> None:
    assert working_days_between(start, end) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2027, 1, 2), D(2026, 12, 31)),  # Saturday after New Year's Day
        (D(2027, 2, 28), D(2027, 2, 26)),  # Sunday
        (D(2027, 2, 10), D(2027, 2, 10)),
    ],
)
def test_last_working_day_by(day: dt.date, expected: dt.date) -> None:
    assert last_working_day_by(day) == expected


def record_with(tmp_path: Path, replacements: list[tuple[str, str]]) -> Path:
    text = BASE
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return write(tmp_path, text)


FIRST_REVIEW = [
    ("  number: 2\n", "  number: 1\n"),
    ("permanence:\n  plan: long_term_fostering\n  contingency: special_guardianship\n", ""),
]


@pytest.mark.parametrize(
    ("changes", "this_due", "next_due", "planned", "warnings"),
    [
        pytest.param(
            [*FIRST_REVIEW, ("came_into_care: 2026-05-04", "came_into_care: 2026-07-20")],
            D(2026, 8, 17),
            D(2026, 11, 10),
            D(2026, 11, 10),
            [],
            id="first-review-on-time",
        ),
        pytest.param(
            [*FIRST_REVIEW, ("came_into_care: 2026-05-04", "came_into_care: 2026-07-01")],
            D(2026, 7, 29),
            D(2026, 11, 10),
            D(2026, 11, 10),
            [
                "this review was held on 2026-08-10, after its statutory date 2026-07-29 "
                "(within 20 working days of coming into care); 8 working days late"
            ],
            id="first-review-late",
        ),
        pytest.param(
            [("  number: 2\n", "  number: 2\n  previous_review: 2026-05-28\n")],
            D(2026, 8, 28),
            D(2027, 2, 10),
            D(2027, 2, 10),
            [],
            id="second-review-3-months-then-6",
        ),
        pytest.param(
            [
                ("  number: 2\n", "  number: 3\n  previous_review: 2026-02-01\n"),
            ],
            D(2026, 8, 1),
            D(2027, 2, 10),
            D(2027, 2, 10),
            [
                "this review was held on 2026-08-10, after its statutory date 2026-08-01 "
                "(within 6 months of the previous review); 6 working days late"
            ],
            id="later-review-late",
        ),
        pytest.param(
            [
                ("  number: 2\n", "  number: 4\n"),
                ("review:\n  date: 2026-08-10", "review:\n  date: 2026-08-31"),
            ],
            None,
            D(2027, 2, 28),
            D(2027, 2, 26),
            [],
            id="month-end-falls-on-a-sunday",
        ),
        pytest.param(
            [("    due: 2026-09-30\n", "    due: 2026-09-30\nnext_review: 2027-03-01\n")],
            None,
            D(2027, 2, 10),
            D(2027, 3, 1),
            [
                "next_review 2027-03-01 is later than the statutory date 2027-02-10 "
                "(within 6 months of this review)"
            ],
            id="planned-next-review-too-late",
        ),
        pytest.param(
            [
                (
                    "  number: 2\n",
                    "  number: 4\n  kind: pre_adoptive\n  previous_review: 2026-04-20\n",
                ),
                (
                    "  came_into_care: 2026-05-04\n",
                    "  came_into_care: 2025-05-04\n  placed_for_adoption: 2026-07-20\n",
                ),
            ],
            D(2026, 8, 17),
            D(2026, 11, 10),
            D(2026, 11, 10),
            [],
            id="first-pre-adoptive-review",
        ),
        pytest.param(
            [
                (
                    "  number: 2\n",
                    "  number: 5\n  kind: pre_adoptive\n  previous_review: 2026-05-01\n",
                ),
                (
                    "  came_into_care: 2026-05-04\n",
                    "  came_into_care: 2025-05-04\n  placed_for_adoption: 2026-04-06\n",
                ),
            ],
            D(2026, 8, 1),
            D(2027, 2, 10),
            D(2027, 2, 10),
            [
                "this review was held on 2026-08-10, after its statutory date 2026-08-01 "
                "(within 3 months of the previous review); 6 working days late"
            ],
            id="second-pre-adoptive-review",
        ),
    ],
)
def test_review_dates(
    tmp_path: Path,
    changes: list[tuple[str, str]],
    this_due: dt.date | None,
    next_due: dt.date,
    planned: dt.date,
    warnings: list[str],
) -> None:
    record = load_record(record_with(tmp_path, changes))
    times = compute(record)
    assert times.this_review_due == this_due
    assert times.next_review_due == next_due
    assert times.next_review_planned == planned
    assert times.warnings == warnings


def test_decision_and_record_dates_with_local_target(tmp_path: Path) -> None:
    record = load_record(record_with(tmp_path, []))
    times = compute(record, record_target_days=15)
    assert times.decisions_due == D(2026, 8, 17)
    assert times.record_due == D(2026, 9, 8)
    assert times.record_target_due == D(2026, 9, 1)
    assert times.record_target_days == 15


def test_no_local_target_when_it_equals_the_statutory_one(tmp_path: Path) -> None:
    times = compute(load_record(record_with(tmp_path, [])), record_target_days=20)
    assert times.record_target_due is None
