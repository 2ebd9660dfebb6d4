"""The second-review permanence view: which reviews fall short, in what order, and how shown."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from letters.checking.findings import Finding
from letters.errors import UsageProblem
from letters.register.db import open_register, session
from letters.register.permanence import PermanenceRow, second_reviews, to_csv, to_text
from letters.register.tables import Document, LetterCheck, Review

D = dt.date
FROM, TO = D(2025, 1, 1), D(2025, 3, 31)

# id: (date, number, plan, contingency, due, letters as [(plan_explained, contingency_explained, jargon)])
Letter = tuple[bool | None, bool | None, int]
REVIEWS: dict[str, tuple[dt.date, int, str | None, str | None, dt.date | None, list[Letter]]] = {
    "S1": (
        D(2025, 1, 10),
        2,
        "long_term_fostering",
        "special_guardianship",
        D(2025, 1, 15),
        [(True, True, 0)],
    ),
    "S2": (D(2025, 1, 20), 2, "adoption", None, D(2025, 1, 31), [(True, None, 1)]),
    "S3": (
        D(2025, 2, 5),
        2,
        "return_home",
        "long_term_fostering",
        D(2025, 2, 1),
        [(True, False, 3)],
    ),
    "S4": (D(2025, 3, 1), 2, "special_guardianship", "adoption", D(2025, 3, 10), []),
    "S5": (D(2025, 1, 5), 2, None, None, None, [(False, None, 0)]),
    "S6": (D(2025, 3, 31), 2, "adoption", "long_term_fostering", D(2025, 4, 2), [(True, True, 0)]),
    # Redrafted: the later letter explains the contingency, and it is the one that counts.
    "S7": (
        D(2025, 2, 10),
        2,
        "return_home",
        "special_guardianship",
        D(2025, 2, 10),
        [(True, False, 2), (True, True, 0)],
    ),
    "S8": (D(2025, 2, 15), 2, "residential", "long_term_fostering", None, [(True, True, 0)]),
    # Explains both plans, but in permanence jargon ('SGO', 'placement order'); 'matching' is
    # accepted by the IRO, and 'looked after' is child-friendly, not permanence, jargon.
    "S9": (D(2025, 3, 5), 2, "adoption", "special_guardianship", D(2025, 3, 10), [(True, True, 3)]),
    # Only child-friendly jargon: the plans themselves are explained without jargon.
    "S10": (
        D(2025, 3, 20),
        2,
        "long_term_fostering",
        "special_guardianship",
        D(2025, 3, 25),
        [(True, True, 2)],
    ),
    # The findings are not readable JSON: whether there is permanence jargon is not known.
    "S11": (
        D(2025, 1, 25),
        2,
        "adoption",
        "long_term_fostering",
        D(2025, 1, 30),
        [(True, True, 0)],
    ),
    "X1": (D(2025, 2, 1), 3, "adoption", None, D(2025, 2, 5), []),  # not a second review
    "X2": (D(2025, 4, 1), 2, "adoption", None, D(2025, 4, 5), []),  # after the period
    "X3": (D(2024, 12, 31), 2, "adoption", None, D(2025, 1, 5), []),  # before it
}


def finding(rule: str, accepted: bool = False) -> dict[str, Any]:
    return Finding(rule, "warning", "...", "word", 0, 4, 1, 1, None, accepted).to_json()


# (review id, letter index): the letter check's findings JSON; "[]" when not given here.
FINDINGS: dict[tuple[str, int], str] = {
    ("S9", 0): json.dumps(
        [
            finding("permanence.sgo_acronym"),
            finding("child_friendly.looked_after_child"),
            finding("permanence.placement_order"),
            finding("permanence.matching", accepted=True),
        ]
    ),
    ("S10", 0): json.dumps(
        [finding("child_friendly.contact"), finding("child_friendly.placement")]
    ),
    ("S11", 0): "not json",
    # The first draft used jargon and did not explain the contingency; the redraft counts.
    ("S7", 0): json.dumps(
        [finding("permanence.contingency_explained"), finding("permanence.parallel_planning")]
    ),
    # A plan not explained is not jargon.
    ("S3", 0): json.dumps([finding("permanence.contingency_explained")]),
    # The minutes' check must not be read as the letter's.
    ("minutes", 0): json.dumps([finding("permanence.sgo_acronym")] * 9),
}


def add_review(db: Any, rid: str) -> None:
    day, number, plan, contingency, due, letters = REVIEWS[rid]
    db.add(
        Review(
            id=rid,
            child_ref=f"C-{rid}",
            iro="Asha Patel" if rid < "S5" else "Ben Okafor",
            review_date=day,
            review_number=number,
            age_band="8-12",
            permanence_plan=plan,
            contingency=contingency,
            this_review_due=due,
            decisions_due=day + dt.timedelta(days=7),
            record_due=day + dt.timedelta(days=28),
            source="draft",
        )
    )
    db.flush()
    for index, (plan_explained, contingency_explained, jargon) in enumerate(letters):
        document = Document(review_id=rid, kind="letter", path=f"{rid}.md", sha256=f"{rid}-{index}")
        db.add(document)
        db.flush()
        db.add(
            LetterCheck(
                document_id=document.id,
                errors=0,
                warnings=0,
                suggestions=0,
                jargon=jargon,
                readability_findings=0,
                plan_explained=plan_explained,
                contingency_explained=contingency_explained,
                model="test",
                findings=FINDINGS.get((rid, index), "[]"),
            )
        )
    # Minutes are not the letter: their (made-up) check must not be read as the letter's.
    minutes = Document(review_id=rid, kind="minutes", path=f"{rid}-minutes.md", sha256=f"{rid}-m")
    db.add(minutes)
    db.flush()
    db.add(
        LetterCheck(
            document_id=minutes.id,
            errors=0,
            warnings=0,
            suggestions=0,
            jargon=9,
            readability_findings=0,
            plan_explained=False,
            contingency_explained=False,
            model="test",
            findings=FINDINGS[("minutes", 0)],
        )
    )


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[PermanenceRow]:
    engine = open_register(tmp_path_factory.mktemp("permanence") / "letters.db")
    with session(engine) as db:
        for rid in REVIEWS:
            add_review(db, rid)
    return second_reviews(engine, FROM, TO)


def test_order_short_first_then_not_known_then_by_date(rows: list[PermanenceRow]) -> None:
    assert [(r.review_id, r.status) for r in rows] == [
        ("S5", "falls short"),
        ("S2", "falls short"),
        ("S3", "falls short"),
        ("S9", "falls short"),
        ("S11", "not known"),
        ("S8", "not known"),
        ("S4", "not known"),
        ("S1", "ok"),
        ("S7", "ok"),
        ("S10", "ok"),
        ("S6", "ok"),
    ]


@pytest.mark.parametrize(
    (
        "rid",
        "letter",
        "plan_explained",
        "contingency_explained",
        "jargon",
        "permanence_jargon",
        "on_time",
        "shortfalls",
        "unknowns",
    ),
    [
        ("S1", True, True, True, 0, 0, True, (), ()),
        ("S2", True, True, None, 1, 0, True, ("no contingency recorded",), ()),
        (
            "S3",
            True,
            True,
            False,
            3,
            0,
            False,
            ("letter does not explain the contingency", "late"),
            (),
        ),
        ("S4", False, None, None, None, None, True, (), ("no checked letter registered",)),
        (
            "S5",
            True,
            False,
            None,
            0,
            0,
            None,
            ("no plan recorded", "no contingency recorded", "letter does not explain the plan"),
            ("due date not known",),
        ),
        ("S6", True, True, True, 0, 0, True, (), ()),
        ("S7", True, True, True, 0, 0, True, (), ()),  # held on the day it was due: on time
        ("S8", True, True, True, 0, 0, None, (), ("due date not known",)),
        ("S9", True, True, True, 3, 2, True, ("letter uses permanence jargon (2)",), ()),
        ("S10", True, True, True, 2, 0, True, (), ()),
        (
            "S11",
            True,
            True,
            True,
            0,
            None,
            True,
            (),
            ("letter's findings cannot be read for permanence jargon",),
        ),
    ],
)
def test_row(
    rows: list[PermanenceRow],
    rid: str,
    letter: bool,
    plan_explained: bool | None,
    contingency_explained: bool | None,
    jargon: int | None,
    permanence_jargon: int | None,
    on_time: bool | None,
    shortfalls: tuple[str, ...],
    unknowns: tuple[str, ...],
) -> None:
    row = next(r for r in rows if r.review_id == rid)
    day, _, plan, contingency, due, _ = REVIEWS[rid]
    assert (
        row.child_ref,
        row.review_date,
        row.permanence_plan,
        row.contingency,
        row.this_review_due,
    ) == (
        f"C-{rid}",
        day,
        plan,
        contingency,
        due,
    )
    assert (
        row.letter,
        row.plan_explained,
        row.contingency_explained,
        row.jargon,
        row.permanence_jargon,
        row.on_time,
        row.shortfalls,
        row.unknowns,
    ) == (
        letter,
        plan_explained,
        contingency_explained,
        jargon,
        permanence_jargon,
        on_time,
        shortfalls,
        unknowns,
    )


def test_to_text(rows: list[PermanenceRow]) -> None:
    picked = [r for r in rows if r.review_id in ("S3", "S9", "S4", "S1")]
    assert to_text(picked) == (
        "Date        Child  IRO         Plan                  Contingency           Explains plan  Explains contingency  Permanence jargon  On time  What to look at\n"
        "----------  -----  ----------  --------------------  --------------------  -------------  --------------------  -----------------  -------  ---------------------------------------------\n"
        "2025-02-05  C-S3   Asha Patel  return home           long term fostering   yes            no                    0                  no       letter does not explain the contingency; late\n"
        "2025-03-05  C-S9   Ben Okafor  adoption              special guardianship  yes            yes                   2                  yes      letter uses permanence jargon (2)\n"
        "2025-03-01  C-S4   Asha Patel  special guardianship  adoption              -              -                     -                  yes      no checked letter registered\n"
        "2025-01-10  C-S1   Asha Patel  long term fostering   special guardianship  yes            yes                   0                  yes      -\n"
        "\n"
        "4 second reviews; 2 fall short.\n"
        "Second reviews are where the plan for where the child will grow up (permanence) and what happens if it cannot happen (contingency) must be settled.\n"
        "Explains plan / contingency: whether the checker found the letter explains each; - means no checked letter, or no contingency to explain.\n"
        "Permanence jargon: words about permanence the checker flagged as jargon for a child (such as 'SGO' or 'placement order'); a letter that uses any does not explain the plans without jargon, so the review falls short. The CSV also counts all jargon found.\n"
        "On time: held by the date it was due; - means the due date is not known.\n"
        "Listed first: the reviews that fall short; then those where something is not known; then the rest, each by date.\n"
    )


def test_to_text_without_rows() -> None:
    assert to_text([]) == "No second reviews in this period.\n"


def test_to_csv(rows: list[PermanenceRow]) -> None:
    picked = [r for r in rows if r.review_id in ("S5", "S9", "S4")]
    assert to_csv(picked) == (
        "review_id,child_ref,iro,review_date,permanence_plan,contingency,plan_recorded,"
        "contingency_recorded,letter,plan_explained,contingency_explained,jargon,"
        "permanence_jargon,this_review_due,on_time,status,shortfalls,unknowns\n"
        "S5,C-S5,Ben Okafor,2025-01-05,,,no,no,yes,no,,0,0,,,falls short,"
        "no plan recorded; no contingency recorded; letter does not explain the plan,"
        "due date not known\n"
        "S9,C-S9,Ben Okafor,2025-03-05,adoption,special_guardianship,yes,yes,yes,yes,yes,3,2,"
        "2025-03-10,yes,falls short,letter uses permanence jargon (2),\n"
        "S4,C-S4,Asha Patel,2025-03-01,special_guardianship,adoption,yes,yes,no,,,,,2025-03-10,"
        "yes,not known,,no checked letter registered\n"
    )


def test_period_backwards_is_refused(tmp_path: Any) -> None:
    engine = open_register(tmp_path / "letters.db")
    with pytest.raises(UsageProblem, match=r"the period starts \(2025-03-31\) after it ends"):
        second_reviews(engine, TO, FROM)
