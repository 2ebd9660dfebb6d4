"""Draw a fair, reproducible dip-sample of letters from the register.

Stratified random sampling: the frame (every review in the period with a letter) is split
into strata (by IRO, by review number, or both); each stratum gets its proportional share,
and at least one letter when it has any (largest remainders decide the rest). The seed and
the frame are kept in the register, so anyone can draw the sample again and check that it
was not hand-picked.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from dataclasses import dataclass
from typing import Any

from ..errors import LettersError

STRATA = ("iro", "review_number", "age_band", "team")


class SampleError(LettersError):
    """A sample that cannot be drawn as asked."""


def _number_group(number: int) -> str:
    return {1: "first", 2: "second"}.get(number, "later")


def stratum_of(review: Any, by: tuple[str, ...]) -> str:
    """Return the stratum label of a review, e.g. 'iro=Priya Shah; review=second'."""
    parts = []
    for key in by:
        if key == "review_number":
            parts.append(f"review={_number_group(review.review_number)}")
        else:
            parts.append(f"{key}={getattr(review, key) or '-'}")
    return "; ".join(parts) or "all"


def allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Share `total` between strata in proportion to their sizes, at least one each.

    Largest remainders settle the rounding; ties go to the stratum that sorts first, so the
    allocation is the same every time.
    """
    strata = sorted(s for s, n in sizes.items() if n > 0)
    if not strata:
        return {}
    frame = sum(sizes[s] for s in strata)
    total = min(max(total, len(strata)), frame)
    exact = {s: total * sizes[s] / frame for s in strata}
    shares = {s: min(sizes[s], max(1, math.floor(exact[s]))) for s in strata}
    left = total - sum(shares.values())
    order = sorted(strata, key=lambda s: (-(exact[s] - math.floor(exact[s])), s))
    while left > 0:
        moved = False
        for s in order:
            if left and shares[s] < sizes[s]:
                shares[s] += 1
                left -= 1
                moved = True
        if not moved:
            break
    while left < 0:  # the minimum of one each pushed us over: take back from the largest
        s = max((s for s in strata if shares[s] > 1), key=lambda s: (shares[s], s))
        shares[s] -= 1
        left += 1
    return shares


@dataclass(frozen=True)
class SampleRequest:
    """What to sample."""

    date_from: dt.date
    date_to: dt.date
    seed: int
    size: int | None = None
    percent: float | None = None
    by: tuple[str, ...] = ()
    all_second_reviews: bool = False
    exclude_recent: bool = False
    pseudonymise: bool = False


def _frame(db: Any, request: SampleRequest) -> list[Any]:
    from sqlalchemy import select

    from .tables import Document, Review

    letters = select(Document.review_id).where(Document.kind == "letter")
    query = (
        select(Review)
        .where(Review.review_date >= request.date_from, Review.review_date <= request.date_to)
        .where(Review.id.in_(letters))
        .order_by(Review.id)
    )
    return list(db.scalars(query))


def _recently_sampled(db: Any, request: SampleRequest) -> set[str]:
    """Return reviews in samples of the last period: samples that began before this one and
    ended within one period's length before it (rolling periods overlap). Samples of this
    same period do not count, so the same command still draws the same sample."""
    from sqlalchemy import select

    from .tables import Sample, SampleItem

    length = request.date_to - request.date_from
    since = request.date_from - length - dt.timedelta(days=1)
    query = (
        select(SampleItem.review_id)
        .join(Sample)
        .where(Sample.date_to >= since, Sample.date_from < request.date_from)
    )
    return set(db.scalars(query))


def draw_sample(engine: Any, request: SampleRequest) -> int:
    """Draw and record a sample; return its id. The same request always draws the same."""
    from .db import session
    from .tables import Sample, SampleItem

    if (request.size is None) == (request.percent is None):
        raise SampleError("give either --n or --percent")
    if request.date_to < request.date_from:
        raise SampleError(f"--to {request.date_to} is before --from {request.date_from}")
    for key in request.by:
        if key not in STRATA:
            raise SampleError(f"--by {key}: use one of {', '.join(STRATA)}")
    with session(engine) as db:
        frame = _frame(db, request)
        if not frame:
            raise SampleError(
                f"no letters in the register for reviews from {request.date_from} "
                f"to {request.date_to}"
            )
        excluded = _recently_sampled(db, request) if request.exclude_recent else set()
        eligible = [r for r in frame if r.id not in excluded]
        if not eligible:
            raise SampleError(
                f"every letter from {request.date_from} to {request.date_to} was sampled in "
                "the last period; leave out --exclude-recent to sample them again"
            )
        chosen: list[tuple[Any, str]] = []
        if request.all_second_reviews:
            chosen += [(r, "every second review") for r in eligible if r.review_number == 2]
            eligible = [r for r in eligible if r.review_number != 2]
        # --n or --percent is the sample of the other letters; every second review is on top.
        if request.size is not None:
            wanted = request.size
        else:
            assert request.percent is not None
            wanted = math.ceil(len(eligible) * request.percent / 100)
        strata: dict[str, list[Any]] = {}
        for review in eligible:
            strata.setdefault(stratum_of(review, request.by), []).append(review)
        shares = allocate({s: len(rs) for s, rs in strata.items()}, wanted) if wanted else {}
        rng = random.Random(request.seed)
        for name in sorted(shares):
            members = sorted(strata[name], key=lambda r: r.id)
            chosen += [(r, name) for r in rng.sample(members, shares[name])]
        sample = Sample(
            date_from=request.date_from,
            date_to=request.date_to,
            size=request.size,
            percent=request.percent,
            strata=",".join(request.by),
            all_second_reviews=request.all_second_reviews,
            exclude_recent=request.exclude_recent,
            pseudonymised=request.pseudonymise,
            seed=request.seed,
            frame=json.dumps([r.id for r in frame]),
            excluded=json.dumps(sorted(r.id for r in frame if r.id in excluded)),
        )
        db.add(sample)
        db.flush()
        ordered = sorted(chosen, key=lambda item: (item[0].review_date, item[0].id))
        for number, (review, name) in enumerate(ordered, start=1):
            db.add(
                SampleItem(
                    sample_id=sample.id,
                    review_id=review.id,
                    code=f"S{sample.id}-{number:03d}",
                    stratum=name,
                )
            )
        sample_id: int = sample.id
    return sample_id


def sample_reviews(engine: Any, sample_id: int) -> list[tuple[str, str, str]]:
    """Return (code, review id, stratum) for each letter in a sample."""
    from sqlalchemy import select

    from .db import session
    from .tables import SampleItem

    with session(engine) as db:
        items = db.scalars(
            select(SampleItem).where(SampleItem.sample_id == sample_id).order_by(SampleItem.code)
        )
        return [(i.code, i.review_id, i.stratum) for i in items]


def discard_sample(engine: Any, sample_id: int) -> None:
    """Remove a sample whose pack could not be written, so no half-made sample stays."""
    from .db import session
    from .tables import Sample

    with session(engine) as db:
        sample = db.get(Sample, sample_id)
        if sample is not None:
            db.delete(sample)
