"""Sampling: proportional strata with at least one each, the same draw for the same seed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from letters.register.db import open_register, session
from letters.register.sampling import (
    SampleError,
    SampleRequest,
    allocate,
    draw_sample,
    sample_reviews,
)
from letters.register.tables import Document, Review, Sample


@pytest.mark.parametrize(
    ("sizes", "total", "expected"),
    [
        ({"a": 50, "b": 30, "c": 20}, 10, {"a": 5, "b": 3, "c": 2}),
        ({"a": 50, "b": 30, "c": 20}, 7, {"a": 4, "b": 2, "c": 1}),  # largest remainders
        ({"a": 97, "b": 2, "c": 1}, 5, {"a": 3, "b": 1, "c": 1}),  # at least one each
        ({"a": 97, "b": 2, "c": 1}, 2, {"a": 1, "b": 1, "c": 1}),  # more strata than asked
        ({"a": 3, "b": 0}, 10, {"a": 3}),  # never more than the frame
        ({"a": 10, "b": 10}, 3, {"a": 2, "b": 1}),  # a tie goes to the first
        ({}, 5, {}),
    ],
)
def test_allocate(sizes: dict[str, int], total: int, expected: dict[str, int]) -> None:
    assert allocate(sizes, total) == expected


IROS = ["Priya Shah", "Tom Reilly", "Helen Marsh"]


def fill(path: Path, reviews: int = 60) -> str:
    """Add reviews with letters: three IROs in a 2:1:1 mix, numbers 1, 2 and later."""
    engine = open_register(path)
    start = dt.date(2026, 1, 5)
    with session(engine) as db:
        for i in range(reviews):
            date = start + dt.timedelta(days=3 * i)
            rid = f"EX-{i:04d}/{date}/{i % 4 + 1}"
            db.add(
                Review(
                    id=rid, child_ref=f"EX-{i:04d}", iro=IROS[0] if i % 4 < 2 else IROS[i % 4 - 1],
                    review_date=date, review_number=i % 4 + 1, age_band="5-10",
                    decisions_due=date, record_due=date, source="import",
                )
            )  # fmt: skip
            db.add(
                Document(review_id=rid, kind="letter", path=f"/letters/{i}.txt", sha256="0" * 64)
            )
    engine.dispose()
    return str(path)


REQUEST = SampleRequest(dt.date(2026, 1, 1), dt.date(2026, 6, 30), seed=42, size=12, by=("iro",))


def test_same_seed_same_sample_and_every_iro(tmp_path: Path) -> None:
    engine = open_register(fill(tmp_path / "letters.db"))
    first = draw_sample(engine, REQUEST)
    second = draw_sample(engine, REQUEST)
    one, two = sample_reviews(engine, first), sample_reviews(engine, second)
    assert [(rid, s) for _, rid, s in one] == [(rid, s) for _, rid, s in two]
    assert len(one) == 12
    strata = sorted({s for _, _, s in one})
    assert strata == ["iro=Helen Marsh", "iro=Priya Shah", "iro=Tom Reilly"]
    counts = {s: sum(1 for _, _, t in one if t == s) for s in strata}
    assert counts == {"iro=Helen Marsh": 3, "iro=Priya Shah": 6, "iro=Tom Reilly": 3}
    assert [code for code, _, _ in one][:2] == [f"S{first}-001", f"S{first}-002"]
    with session(engine) as db:
        sample = db.get(Sample, first)
        assert sample is not None
        assert (sample.seed, sample.strata, sample.size) == (42, "iro", 12)
        assert len(json.loads(sample.frame)) == 59  # the 60th review is in July
    engine.dispose()


def test_another_seed_draws_another_sample(tmp_path: Path) -> None:
    engine = open_register(fill(tmp_path / "letters.db"))
    a = {rid for _, rid, _ in sample_reviews(engine, draw_sample(engine, REQUEST))}
    other = SampleRequest(REQUEST.date_from, REQUEST.date_to, seed=43, size=12, by=("iro",))
    b = {rid for _, rid, _ in sample_reviews(engine, draw_sample(engine, other))}
    assert a != b
    engine.dispose()


def test_every_second_review_and_percent(tmp_path: Path) -> None:
    engine = open_register(fill(tmp_path / "letters.db"))
    request = SampleRequest(
        dt.date(2026, 1, 1), dt.date(2026, 6, 30), seed=1, percent=10,
        by=("review_number",), all_second_reviews=True,
    )  # fmt: skip
    items = sample_reviews(engine, draw_sample(engine, request))
    with session(engine) as db:
        seconds = set(db.scalars(select(Review.id).where(Review.review_number == 2)))
    chosen = {rid for _, rid, _ in items}
    assert seconds <= chosen
    # Every second review (15 of 59), then 10% of the other 44 letters: 5, in two strata.
    assert len(seconds) == 15 and len(items) == 20
    others = [s for _, rid, s in items if rid not in seconds]
    assert sorted(others) == ["review=first"] * 2 + ["review=later"] * 3
    engine.dispose()


def test_exclude_recent_leaves_out_last_periods_letters(tmp_path: Path) -> None:
    engine = open_register(fill(tmp_path / "letters.db"))
    winter = SampleRequest(dt.date(2026, 1, 1), dt.date(2026, 3, 31), seed=3, size=15)
    before = {rid for _, rid, _ in sample_reviews(engine, draw_sample(engine, winter))}
    rolling = SampleRequest(
        dt.date(2026, 2, 1), dt.date(2026, 4, 30), seed=3, size=10, exclude_recent=True
    )
    first_id = draw_sample(engine, rolling)
    first = {rid for _, rid, _ in sample_reviews(engine, first_id)}
    again = {rid for _, rid, _ in sample_reviews(engine, draw_sample(engine, rolling))}
    assert not before & first
    assert first == again  # a sample of the same period does not exclude itself
    with session(engine) as db:
        sample = db.get(Sample, first_id)
        assert sample is not None
        excluded = json.loads(sample.excluded or "[]")
    assert excluded and set(excluded) <= before
    engine.dispose()


def test_exclude_recent_with_nothing_left(tmp_path: Path) -> None:
    engine = open_register(fill(tmp_path / "letters.db", reviews=4))
    period = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    draw_sample(engine, SampleRequest(*period, seed=1, size=10))
    later = SampleRequest(
        dt.date(2026, 1, 5), dt.date(2026, 1, 31), seed=1, size=2, exclude_recent=True
    )
    with pytest.raises(SampleError) as caught:
        draw_sample(engine, later)
    assert str(caught.value) == (
        "every letter from 2026-01-05 to 2026-01-31 was sampled in the last period; "
        "leave out --exclude-recent to sample them again"
    )
    engine.dispose()


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            SampleRequest(dt.date(2026, 1, 1), dt.date(2026, 6, 30), seed=1),
            "give either --n or --percent",
        ),
        (
            SampleRequest(dt.date(2026, 6, 1), dt.date(2026, 1, 1), seed=1, size=3),
            "--to 2026-01-01 is before --from 2026-06-01",
        ),
        (
            SampleRequest(
                dt.date(2026, 1, 1), dt.date(2026, 6, 30), seed=1, size=3, by=("school",)
            ),
            "--by school: use one of iro, review_number, age_band, team",
        ),
        (
            SampleRequest(dt.date(2030, 1, 1), dt.date(2030, 6, 30), seed=1, size=3),
            "no letters in the register for reviews from 2030-01-01 to 2030-06-30",
        ),
    ],
)
def test_sample_errors(tmp_path: Path, request_: SampleRequest, message: str) -> None:
    engine = open_register(fill(tmp_path / "letters.db", reviews=4))
    with pytest.raises(SampleError) as caught:
        draw_sample(engine, request_)
    assert str(caught.value) == message
    engine.dispose()
