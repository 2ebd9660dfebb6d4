"""Peer review findings from a small register whose every figure is worked out by hand."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from letters.audit.report import (
    AuditReport,
    AuditReportError,
    Change,
    CheckComparison,
    CheckGroup,
    CriterionSummary,
    agreement_words,
    build_audit_report,
    charts,
    ordinal_alpha,
    previous_period,
    to_docx,
    to_html,
    to_markdown,
)
from letters.docx_out import docx_text
from letters.errors import UsageProblem
from letters.register.db import open_register, session
from letters.register.tables import Document, LetterCheck, Review, Sample, Score

D = dt.date
FROM, TO = D(2025, 4, 1), D(2025, 6, 30)
RUBRIC = [
    ("written_to_child", "Written to the child"),
    ("easy_to_read", "Easy to read for their age"),
    ("own_words", "The child's own words used"),
    ("permanence_explained", "Permanence and contingency explained kindly"),
]
WTC, ETR, OW, PE = (c for c, _ in RUBRIC)

# review id: (IRO, date, number, letter check as (meets_target, jargon, contingency_explained))
REVIEWS: dict[str, tuple[str, dt.date, int, tuple[bool | None, int, bool | None] | None]] = {
    "R1": ("Asha Patel", D(2025, 4, 10), 2, (True, 0, True)),
    "R2": ("Asha Patel", D(2025, 5, 12), 3, (False, 2, None)),
    "R3": ("Ben Okafor", D(2025, 6, 2), 2, (True, 1, False)),
    "R4": ("Ben Okafor", D(2025, 6, 30), 4, None),  # last day of the period; no letter
    "R5": ("Ben Okafor", D(2025, 7, 1), 3, (True, 0, None)),  # the day after the period
    "P1": ("Asha Patel", D(2025, 3, 15), 3, None),  # the previous period
    # The day before the previous period (January to March, whole months); the same number
    # of days back (91) would wrongly take it in.
    "P0": ("Asha Patel", D(2024, 12, 31), 3, None),
}

# (sample, review, reviewer, criterion, score)
SCORES = [
    (1, "R1", "A", WTC, 2),  # scored again by A in sample 2: that later score counts
    (2, "R1", "A", WTC, 4),
    (2, "R1", "B", WTC, 4),
    (2, "R2", "A", WTC, 3),
    (2, "R2", "B", WTC, 4),
    (2, "R3", "A", WTC, 2),
    (2, "R3", "B", WTC, 2),
    (2, "R4", "A", WTC, 3),
    (2, "R1", "A", ETR, 4),
    (2, "R2", "A", ETR, 2),
    (2, "R3", "A", ETR, 3),
    (2, "R4", "A", ETR, 1),
    (2, "R1", "A", OW, 4),
    (2, "R1", "B", OW, 3),
    (2, "R2", "A", OW, 1),
    (2, "R3", "A", OW, 2),
    (2, "R1", "A", PE, 3),
    (2, "R3", "A", PE, 1),
    (2, "R1", "A", "warmth", 1),  # not in the rubric
    (2, "R5", "A", WTC, 1),
    (1, "P1", "A", WTC, 2),
    (1, "P1", "A", ETR, 3),
    (1, "P1", "B", ETR, 3),
    (1, "P0", "A", WTC, 1),
]


def add_review(db: Any, rid: str, iro: str, day: dt.date, number: int) -> None:
    db.add(
        Review(
            id=rid,
            child_ref=f"C-{rid}",
            iro=iro,
            review_date=day,
            review_number=number,
            age_band="8-12",
            decisions_due=day + dt.timedelta(days=7),
            record_due=day + dt.timedelta(days=28),
            source="import",
        )
    )


def add_letter(
    db: Any, rid: str, meets: bool | None, jargon: int, contingency: bool | None
) -> None:
    document = Document(review_id=rid, kind="letter", path=f"{rid}.md", sha256=rid * 8)
    db.add(document)
    db.flush()
    db.add(
        LetterCheck(
            document_id=document.id,
            errors=0,
            warnings=jargon,
            suggestions=0,
            jargon=jargon,
            readability_findings=0,
            meets_target=meets,
            plan_explained=True,
            contingency_explained=contingency,
            model="test",
            findings="[]",
        )
    )


def add_sample(db: Any, sample_id: int) -> None:
    db.add(
        Sample(id=sample_id, date_from=FROM, date_to=TO, strata="iro", seed=1, frame="[]", size=4)
    )


def add_score(db: Any, sample: int, rid: str, reviewer: str, criterion: str, score: int) -> None:
    db.add(
        Score(
            sample_id=sample,
            review_id=rid,
            reviewer=reviewer,
            criterion=criterion,
            score=score,
            source_file="form.csv",
        )
    )


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    engine = open_register(tmp_path_factory.mktemp("audit") / "letters.db")
    with session(engine) as db:
        for rid, (iro, day, number, _) in REVIEWS.items():
            add_review(db, rid, iro, day, number)
        db.flush()
        for rid, (_, _, _, check) in REVIEWS.items():
            if check is not None:
                add_letter(db, rid, *check)
        add_sample(db, 1)
        add_sample(db, 2)
        db.flush()
        for row in SCORES:
            add_score(db, *row)
    return engine


@pytest.fixture(scope="module")
def report(engine: Any) -> AuditReport:
    return build_audit_report(engine, FROM, TO, RUBRIC)


def test_totals(report: AuditReport) -> None:
    assert (report.letters, report.reviewers, report.scores) == (4, 2, 17)
    assert (report.previous_from, report.previous_to) == (D(2025, 1, 1), D(2025, 3, 31))


# Means are over letters, each letter's reviewers' scores averaged first; counts are of scores.
@pytest.mark.parametrize(
    ("criterion", "expected"),
    [
        # letters R1 (4+4)/2, R2 (3+4)/2, R3 (2+2)/2, R4 3: (4 + 3.5 + 2 + 3) / 4 = 3.125
        (WTC, CriterionSummary(WTC, "Written to the child", (0, 2, 2, 3), 3.125, 4)),
        (ETR, CriterionSummary(ETR, "Easy to read for their age", (1, 1, 1, 1), 2.5, 4)),
        # letters R1 (4+3)/2, R2 1, R3 2: 6.5 / 3 = 13/6
        (OW, CriterionSummary(OW, "The child's own words used", (1, 1, 1, 1), 13 / 6, 3)),
        (
            PE,
            CriterionSummary(
                PE, "Permanence and contingency explained kindly", (1, 0, 1, 0), 2.0, 2
            ),
        ),
    ],
)
def test_scores_by_criterion(
    report: AuditReport, criterion: str, expected: CriterionSummary
) -> None:
    got = next(c for c in report.criteria if c.criterion == criterion)
    assert got == expected


@pytest.mark.parametrize(
    ("iro", "letters", "means", "overall"),
    [
        # R1: WTC 4, ETR 4, OW 3.5, PE 3 (mean 29/8); R2: WTC 3.5, ETR 2, OW 1 (mean 13/6)
        # overall (29/8 + 13/6) / 2 = 139/48; OW (3.5 + 1) / 2 = 2.25
        ("Asha Patel", 2, (3.75, 3.0, 2.25, 3.0), 139 / 48),
        # R3: WTC 2, ETR 3, OW 2, PE 1 (mean 2); R4: WTC 3, ETR 1 (mean 2)
        ("Ben Okafor", 2, (2.5, 2.0, 2.0, 1.0), 2.0),
    ],
)
def test_scores_by_iro(
    report: AuditReport, iro: str, letters: int, means: tuple[float, ...], overall: float
) -> None:
    got = next(i for i in report.iros if i.iro == iro)
    assert got.letters == letters
    assert got.overall == pytest.approx(overall)
    assert got.means == pytest.approx(means)
    assert [i.iro for i in report.iros] == ["Asha Patel", "Ben Okafor"]


@pytest.mark.parametrize(
    ("criterion", "before", "now", "difference"),
    [
        # before: P1 only (P0, 31 December 2024, is outside January to March)
        (WTC, 2.0, 3.125, 1.125),
        (ETR, 3.0, 2.5, -0.5),
        (OW, None, 13 / 6, None),
        (PE, None, 2.0, None),
    ],
)
def test_change_since_last_period(
    report: AuditReport,
    criterion: str,
    before: float | None,
    now: float | None,
    difference: float | None,
) -> None:
    got = next(c for c in report.changes if c.criterion == criterion)
    assert (got.before, got.now) == (before, pytest.approx(now) if now else now)
    assert got.difference == (None if difference is None else pytest.approx(difference))


@pytest.mark.parametrize(
    ("criterion", "alpha", "letters"),
    [
        # R1 (4,4), R2 (3,4), R3 (2,2): D_o = 8/6, D_e = 180/30, alpha = 1 - 8/36 = 7/9
        (WTC, 0.778, 3),
        (ETR, None, 0),
        (OW, None, 1),  # one double-scored letter is not enough
        (PE, None, 0),
        # pooled units (4,4) (3,4) (2,2) (4,3): D_o = 36/8, D_e = 576/56, alpha = 9/16
        ("", 0.562, 3),
    ],
)
def test_agreement(report: AuditReport, criterion: str, alpha: float | None, letters: int) -> None:
    got = next(a for a in (*report.agreement, report.agreement_overall) if a.criterion == criterion)
    assert (None if got.alpha is None else round(got.alpha, 3), got.letters) == (alpha, letters)


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        ([{"A": 4, "B": 4}, {"A": 3, "B": 4}, {"A": 2, "B": 2}], 7 / 9),
        ([{"A": 4, "B": 4}, {"A": 3, "B": 4}, {"A": 2, "B": 2}, {"A": 4, "B": 3}], 9 / 16),
        # three reviewers, one missing: D_o = 4.5/5, D_e = 90/20, alpha = 0.8
        ([{"A": 1, "B": 1, "C": 2}, {"A": 3, "B": 3}], 0.8),
        ([{"A": 4, "B": 4}, {"A": 3}], None),  # one pairable unit
        ([{"A": 3, "B": 3}, {"A": 3, "B": 3}], None),  # no spread: alpha is undefined
        ([], None),
    ],
)
def test_ordinal_alpha(units: list[dict[str, int]], expected: float | None) -> None:
    got = ordinal_alpha(units)
    assert got == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    ("alpha", "words"),
    [
        (0.9, "reviewers agree well"),
        (0.8, "reviewers agree well"),
        (0.7, "reviewers partly agree: draw only tentative conclusions"),
        (0.5, "reviewers often disagree: treat these scores with caution"),
        (None, "not enough letters scored by two reviewers to tell"),
    ],
)
def test_agreement_words(alpha: float | None, words: str) -> None:
    assert agreement_words(alpha) == words


def test_automatic_checks(report: AuditReport) -> None:
    assert report.checks == (
        CheckComparison(
            ETR,
            "Easy to read for their age",
            "reading age against the target for the child's age",
            (
                CheckGroup("meets the target", 3.5, 2),
                CheckGroup("does not meet the target", 2.0, 1),
            ),
        ),
        CheckComparison(
            OW,
            "The child's own words used",
            "jargon words found by the checker",
            (CheckGroup("no jargon found", 3.5, 1), CheckGroup("jargon found", 1.5, 2)),
        ),
        CheckComparison(
            PE,
            "Permanence and contingency explained kindly",
            "contingency plan explained in the letter",
            (CheckGroup("explained", 3.0, 1), CheckGroup("not explained", 1.0, 1)),
        ),
    )


def test_checks_skip_criteria_missing_from_the_rubric(engine: Any) -> None:
    report = build_audit_report(
        engine, FROM, TO, [(WTC, "Written to the child"), (OW, "Own words")]
    )
    assert [c.criterion for c in report.checks] == [OW]
    assert [c.criterion for c in report.criteria] == [WTC, OW]


def test_empty_period(engine: Any) -> None:
    report = build_audit_report(engine, D(2020, 1, 1), D(2020, 1, 31), RUBRIC)
    assert (report.letters, report.scores, report.iros) == (0, 0, ())
    assert report.criteria[0] == CriterionSummary(
        WTC, "Written to the child", (0, 0, 0, 0), None, 0
    )
    assert report.changes[0] == Change(WTC, "Written to the child", None, None)
    assert charts(report) == {}


@pytest.mark.parametrize(
    ("start", "end", "previous"),
    [
        # Whole calendar months: the same number of whole months before.
        (D(2025, 4, 1), D(2025, 6, 30), (D(2025, 1, 1), D(2025, 3, 31))),  # Q2 -> Q1
        (D(2026, 7, 1), D(2026, 12, 31), (D(2026, 1, 1), D(2026, 6, 30))),  # H2 -> H1
        (D(2026, 3, 1), D(2026, 3, 31), (D(2026, 2, 1), D(2026, 2, 28))),  # March -> February
        (D(2024, 3, 1), D(2024, 3, 31), (D(2024, 2, 1), D(2024, 2, 29))),  # leap year
        (D(2025, 2, 1), D(2025, 2, 28), (D(2025, 1, 1), D(2025, 1, 31))),  # 28 days -> 31
        (D(2025, 1, 1), D(2025, 12, 31), (D(2024, 1, 1), D(2024, 12, 31))),  # a year
        (D(2025, 1, 1), D(2025, 1, 31), (D(2024, 12, 1), D(2024, 12, 31))),  # across a year
        (D(2024, 12, 1), D(2025, 2, 28), (D(2024, 9, 1), D(2024, 11, 30))),  # Dec-Feb -> Sep-Nov
        # Anything else: the same number of days before.
        (D(2025, 1, 1), D(2025, 1, 1), (D(2024, 12, 31), D(2024, 12, 31))),
        (D(2025, 4, 1), D(2025, 4, 29), (D(2025, 3, 3), D(2025, 3, 31))),  # 29 days
        (D(2025, 2, 15), D(2025, 3, 14), (D(2025, 1, 18), D(2025, 2, 14))),  # 28 days
        (D(2025, 3, 10), D(2025, 3, 16), (D(2025, 3, 3), D(2025, 3, 9))),  # a week
    ],
)
def test_previous_period(start: dt.date, end: dt.date, previous: tuple[dt.date, dt.date]) -> None:
    assert previous_period(start, end) == previous


def test_each_letter_counts_once_and_reviewers_are_matched_by_name(tmp_path: Path) -> None:
    """Two reviewers' scores for a letter are averaged first; a name's case and spaces don't count."""
    engine = open_register(tmp_path / "letters.db")
    with session(engine) as db:
        add_review(db, "L1", "Asha Patel", D(2025, 4, 10), 3)
        add_review(db, "L2", "Asha Patel", D(2025, 5, 10), 3)
        db.flush()
        add_letter(db, "L1", True, 1, None)
        add_letter(db, "L2", False, 1, None)
        add_sample(db, 1)
        add_sample(db, 2)
        db.flush()
        for row in [
            (1, "L1", "Jane Smith", OW, 1),
            (2, "L1", " JANE  SMITH ", OW, 3),  # the same reviewer again: this score counts
            (2, "L1", "Tom Lee", OW, 4),
            (2, "L1", "Tom Lee", ETR, 2),
            (1, "L2", "JANE SMITH", OW, 2),
            (2, "L2", "jane smith", OW, 1),  # the same reviewer again: not a second reviewer
        ]:
            add_score(db, *row)
    report = build_audit_report(engine, FROM, TO, [(ETR, "Easy"), (OW, "Own words")])
    # L1 is scored by Jane (3) and Tom (4), L2 by Jane only (1): 2 reviewers, 4 scores.
    assert (report.letters, report.reviewers, report.scores) == (2, 2, 4)
    # Own words: letters L1 (3 + 4) / 2 = 3.5 and L2 1, mean 2.25 (not (3 + 4 + 1) / 3).
    assert report.criteria == (
        CriterionSummary(ETR, "Easy", (0, 1, 0, 0), 2.0, 1),
        CriterionSummary(OW, "Own words", (1, 0, 1, 1), 2.25, 2),
    )
    # All criteria: L1 (2 + 3.5) / 2 = 2.75, L2 1, mean 1.875 (not (3 + 4 + 2 + 1) / 4 = 2.5).
    (iro,) = report.iros
    assert (iro.iro, iro.letters, iro.means, iro.overall) == ("Asha Patel", 2, (2.0, 2.25), 1.875)
    assert [c.now for c in report.changes] == [2.0, 2.25]
    # Both letters have jargon: (3.5 + 1) / 2 = 2.25. L2 does not meet the target, unscored.
    assert report.checks == (
        CheckComparison(
            ETR,
            "Easy",
            "reading age against the target for the child's age",
            (
                CheckGroup("meets the target", 2.0, 1),
                CheckGroup("does not meet the target", None, 0),
            ),
        ),
        CheckComparison(
            OW,
            "Own words",
            "jargon words found by the checker",
            (CheckGroup("no jargon found", None, 0), CheckGroup("jargon found", 2.25, 2)),
        ),
    )
    # Only L1 is scored by two reviewers.
    assert [(a.criterion, a.letters) for a in (*report.agreement, report.agreement_overall)] == [
        (ETR, 0),
        (OW, 1),
        ("", 1),
    ]
    assert (
        "- 2 letters scored by 2 reviewers (4 scores in all)." in to_markdown(report).splitlines()
    )


def test_period_backwards_is_refused(engine: Any) -> None:
    with pytest.raises(UsageProblem, match=r"the period starts \(2025-06-30\) after it ends"):
        build_audit_report(engine, TO, FROM, RUBRIC)


def test_score_off_the_scale_is_refused(tmp_path: Path) -> None:
    engine = open_register(tmp_path / "letters.db")
    with session(engine) as db:
        add_review(db, "R1", "Asha Patel", D(2025, 4, 10), 2)
        add_sample(db, 1)
        db.flush()
        add_score(db, 1, "R1", "A", WTC, 5)
    with pytest.raises(
        AuditReportError, match="a score of 5 for written_to_child of review R1 by A"
    ):
        build_audit_report(engine, FROM, TO, RUBRIC)


def test_markdown(report: AuditReport) -> None:
    text = to_markdown(report, {"distribution": "dist.png", "iros": "iros.png"})
    lines = text.splitlines()
    assert lines[0] == "# Peer review of letters to children: 1 April 2025 to 30 June 2025"
    for expected in [
        "| Written to the child | 0 | 2 | 2 | 3 | 3.12 | 4 |",
        "| Asha Patel | 2 | 2.90 | 3.75 | 3.00 | 2.25 | 3.00 |",
        "| Easy to read for their age | 3.00 | 2.50 | -0.50 |",
        "| The child's own words used | no data | 2.17 | no data |",
        "| Written to the child | 3 | 0.778 | reviewers partly agree: draw only tentative conclusions |",
        "| All criteria | 3 | 0.562 | reviewers often disagree: treat these scores with caution |",
        "| Easy to read for their age | reading age against the target for the child's age | meets the target | 3.50 | 2 |",
        "![How reviewers scored each criterion](dist.png)",
        "![Mean score per IRO, all criteria](iros.png)",
        "- Done best: Written to the child (mean 3.12 out of 4).",
        "- Most to work on: Permanence and contingency explained kindly (mean 2.00 out of 4).",
    ]:
        assert expected in lines
    assert "![" not in to_markdown(report)
    assert (
        "How many scores were given at each level, the mean (average) score, and how many "
        "letters were scored. The counts at each level are of scores: a letter scored by two "
        "reviewers gives two. The mean is of letters: where two reviewers scored a letter, their "
        "scores are averaged first, so each letter counts once." in text
    )
    assert (
        "Each IRO's mean score for each criterion and over all criteria. Each letter counts once"
        in text
    )
    assert (
        "The mean score for each criterion in the last period (1 January 2025 to 31 March 2025) "
        "and in this one, each letter counting once." in text
    )
    assert "(each letter counts once, its reviewers' scores averaged first)" in text


def test_charts_are_png(report: AuditReport) -> None:
    images = charts(report)
    assert sorted(images) == ["distribution", "iros"]
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in images.values())


def test_html(report: AuditReport) -> None:
    page = to_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', page)) == 2
    assert (
        "<td>Written to the child</td><td>0</td><td>2</td><td>2</td><td>3</td><td>3.12</td>" in page
    )
    assert "Alpha 0.8 or more: reviewers agree well." in page
    assert "Below 0.667: treat the scores with caution" in page
    assert "The child&#x27;s own words used" in page


def test_docx(report: AuditReport) -> None:
    from io import BytesIO

    from docx import Document as WordDocument

    data = to_docx(report)
    text = docx_text(data)
    assert text[0] == "Peer review of letters to children: 1 April 2025 to 30 June 2025"
    assert "Criterion | 1 | 2 | 3 | 4 | Mean | Letters" in text
    assert "Written to the child | 0 | 2 | 2 | 3 | 3.12 | 4" in text
    assert (
        "All criteria | 3 | 0.562 | reviewers often disagree: treat these scores with caution"
        in text
    )
    assert len(WordDocument(BytesIO(data)).inline_shapes) == 2
