"""Findings of peer review for a period: scores by criterion and IRO, change, agreement, charts."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import textwrap
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any, NamedTuple

from dateutil.relativedelta import relativedelta

from ..errors import LettersError, UsageProblem
from ..register.tables import LetterCheck
from ..wording import short_date

LEVELS = (1, 2, 3, 4)  # the rubric's four-point scale, 4 best
GOOD_AGREEMENT = 0.8  # Krippendorff: rely on data with alpha of 0.800 or more
TENTATIVE_AGREEMENT = 0.667  # ... and draw only tentative conclusions from 0.667 up


class AuditReportError(LettersError):
    """The register holds scores that cannot be reported."""


class CheckRule(NamedTuple):
    """How an automatic check splits letters into groups to compare reviewers' scores."""

    name: str
    group: Callable[[LetterCheck], str | None]  # None: the check has no answer for this letter
    groups: tuple[str, ...]  # the group labels, in the order to show them


def _meets_target(check: LetterCheck) -> str | None:
    if check.meets_target is None:
        return None
    return "meets the target" if check.meets_target else "does not meet the target"


def _jargon(check: LetterCheck) -> str | None:
    return "no jargon found" if check.jargon == 0 else "jargon found"


def _contingency_explained(check: LetterCheck) -> str | None:
    if check.contingency_explained is None:
        return None
    return "explained" if check.contingency_explained else "not explained"


# Which automatic check lines up with which criterion of the rubric.
AUTOMATIC_CHECKS: dict[str, CheckRule] = {
    "easy_to_read": CheckRule(
        "reading age against the target for the child's age",
        _meets_target,
        ("meets the target", "does not meet the target"),
    ),
    "own_words": CheckRule(
        "jargon words found by the checker", _jargon, ("no jargon found", "jargon found")
    ),
    "permanence_explained": CheckRule(
        "contingency plan explained in the letter",
        _contingency_explained,
        ("explained", "not explained"),
    ),
}


@dataclass(frozen=True)
class CriterionSummary:
    """The spread of scores for one criterion: how many at each level, the mean, the letters."""

    criterion: str
    title: str
    counts: tuple[int, int, int, int]  # scores at levels 1, 2, 3 and 4, every reviewer's
    mean: float | None  # over letters, each letter's reviewers' scores averaged first
    letters: int

    @property
    def scores(self) -> int:
        """Return how many scores were given."""
        return sum(self.counts)


@dataclass(frozen=True)
class IroSummary:
    """One IRO's mean score per criterion (in rubric order) and over all criteria.

    Each letter counts once: a criterion's mean is over the IRO's letters, each letter's
    reviewers' scores averaged first; `overall` is the mean over letters of each letter's
    mean over the criteria it was scored on.
    """

    iro: str
    letters: int
    means: tuple[float | None, ...]
    overall: float | None


@dataclass(frozen=True)
class Change:
    """A criterion's mean score in the last period and in this one."""

    criterion: str
    title: str
    before: float | None
    now: float | None

    @property
    def difference(self) -> float | None:
        """Return now minus before, or None when either period has no scores."""
        if self.before is None or self.now is None:
            return None
        return self.now - self.before


@dataclass(frozen=True)
class Agreement:
    """How far reviewers who scored the same letters agree (Krippendorff's alpha, ordinal)."""

    criterion: str  # "" for all criteria together
    title: str
    alpha: float | None  # None: fewer than 2 double-scored units, or no spread of scores
    letters: int  # letters scored by two or more reviewers


@dataclass(frozen=True)
class CheckGroup:
    """The mean score given to the letters an automatic check put in one group."""

    label: str
    mean: float | None
    letters: int


@dataclass(frozen=True)
class CheckComparison:
    """Reviewers' scores for one criterion, split by what an automatic check found."""

    criterion: str
    title: str
    check: str
    groups: tuple[CheckGroup, ...]


@dataclass(frozen=True)
class AuditReport:
    """Everything the findings of a peer review period say, ready to render."""

    date_from: dt.date
    date_to: dt.date
    previous_from: dt.date
    previous_to: dt.date
    rubric: tuple[tuple[str, str], ...]
    letters: int
    reviewers: int
    scores: int
    criteria: tuple[CriterionSummary, ...]
    iros: tuple[IroSummary, ...]
    changes: tuple[Change, ...]
    agreement: tuple[Agreement, ...]
    agreement_overall: Agreement
    checks: tuple[CheckComparison, ...]


@dataclass(frozen=True)
class _Score:
    review_id: str
    iro: str
    reviewer: str  # as `reviewer_key` makes it: the same person however the name is typed
    criterion: str
    score: int


def reviewer_key(name: str) -> str:
    """Return the name a reviewer is matched by: case and spacing ignored, as on import."""
    return " ".join(name.split()).casefold()


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """Return the period just before `date_from` to compare with.

    A period of whole calendar months (from the 1st to a month's last day) is compared with
    the same number of whole months before it: 2026-H2 with January to June 2026, March with
    February. Any other period is compared with the same number of days before it.
    """
    day = dt.timedelta(days=1)
    if date_from.day == 1 and (date_to + day).day == 1:
        months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
        return date_from - relativedelta(months=months), date_from - day
    length = date_to - date_from + day
    return date_from - length, date_from - day


def _load_scores(db: Any, date_from: dt.date, date_to: dt.date, criteria: set[str]) -> list[_Score]:
    """Return one score per letter, reviewer and criterion for reviews held in the period."""
    from sqlalchemy import select

    from ..register.tables import Review, Score

    query = (
        select(
            Score.review_id,
            Review.iro,
            Score.reviewer,
            Score.criterion,
            Score.score,
            Score.sample_id,
        )
        .join(Review, Review.id == Score.review_id)
        .where(Review.review_date.between(date_from, date_to), Score.criterion.in_(criteria))
        .order_by(Score.sample_id, Score.id)
    )
    latest: dict[tuple[str, str, str], _Score] = {}
    for review_id, iro, reviewer, criterion, score, sample_id in db.execute(query):
        if score not in LEVELS:
            raise AuditReportError(
                f"the register holds a score of {score} for {criterion} of review {review_id} "
                f"by {reviewer} (sample {sample_id}); scores must be 1 to 4"
            )
        # A letter scored again by the same reviewer in a later sample: the later score counts.
        # "Jane Smith" and " JANE SMITH" are the same reviewer, as `letters audit import` holds.
        key = reviewer_key(reviewer)
        latest[(review_id, key, criterion)] = _Score(review_id, iro, key, criterion, score)
    return list(latest.values())


def letter_checks(
    db: Any, date_from: dt.date, date_to: dt.date, review_number: int | None = None
) -> dict[str, LetterCheck]:
    """Return the check of each review's latest checked letter, for reviews held in the period."""
    from sqlalchemy import select

    from ..register.tables import Document, Review

    query = (
        select(Document.review_id, LetterCheck)
        .join(LetterCheck, LetterCheck.document_id == Document.id)
        .join(Review, Review.id == Document.review_id)
        .where(Document.kind == "letter", Review.review_date.between(date_from, date_to))
        .order_by(Document.id)
    )
    if review_number is not None:
        query = query.where(Review.review_number == review_number)
    return {review_id: check for review_id, check in db.execute(query)}


def _mean(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None


class _LetterScore(NamedTuple):
    """A letter's score for one criterion: its reviewers' scores averaged, so it counts once."""

    review_id: str
    iro: str
    criterion: str
    score: float


def _letter_scores(scores: Sequence[_Score]) -> list[_LetterScore]:
    given: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for s in scores:
        given[(s.review_id, s.iro, s.criterion)].append(s.score)
    return [_LetterScore(*key, fmean(values)) for key, values in given.items()]


def _criteria(
    scores: Sequence[_Score], rubric: Sequence[tuple[str, str]]
) -> tuple[CriterionSummary, ...]:
    values: dict[str, list[int]] = defaultdict(list)  # every score, for the spread
    for s in scores:
        values[s.criterion].append(s.score)
    letters: dict[str, list[float]] = defaultdict(list)  # one score a letter, for the mean
    for letter in _letter_scores(scores):
        letters[letter.criterion].append(letter.score)
    out = []
    for criterion, title in rubric:
        given = values.get(criterion, [])
        counts = (given.count(1), given.count(2), given.count(3), given.count(4))
        per_letter = letters.get(criterion, [])
        out.append(
            CriterionSummary(
                criterion=criterion,
                title=title,
                counts=counts,
                mean=_mean(per_letter),
                letters=len(per_letter),
            )
        )
    return tuple(out)


def _iros(scores: Sequence[_Score], rubric: Sequence[tuple[str, str]]) -> tuple[IroSummary, ...]:
    by_iro: dict[str, list[_LetterScore]] = defaultdict(list)
    for letter in _letter_scores(scores):
        by_iro[letter.iro].append(letter)
    out = []
    for iro in sorted(by_iro):
        given = by_iro[iro]
        means = tuple(
            _mean([s.score for s in given if s.criterion == criterion]) for criterion, _ in rubric
        )
        by_letter: dict[str, list[float]] = defaultdict(list)
        for s in given:
            by_letter[s.review_id].append(s.score)
        out.append(
            IroSummary(
                iro=iro,
                letters=len(by_letter),
                means=means,
                overall=_mean([fmean(letter) for letter in by_letter.values()]),
            )
        )
    return tuple(out)


def ordinal_alpha(units: Sequence[Mapping[str, int]]) -> float | None:
    """Return Krippendorff's alpha (ordinal) for units scored by reviewers, or None if undefined."""
    import numpy as np

    paired = [unit for unit in units if len(unit) >= 2]
    if len(paired) < 2:
        return None
    reviewers = sorted({name for unit in paired for name in unit})
    data = np.full((len(reviewers), len(paired)), np.nan)
    for column, unit in enumerate(paired):
        for name, score in unit.items():
            data[reviewers.index(name), column] = score
    import krippendorff

    # When every reviewer gave every letter the same score there is no spread: alpha is 0/0.
    with np.errstate(divide="ignore", invalid="ignore"):
        value = float(
            krippendorff.alpha(
                reliability_data=data, level_of_measurement="ordinal", value_domain=list(LEVELS)
            )
        )
    return None if np.isnan(value) else value


def _agreement(
    scores: Sequence[_Score], rubric: Sequence[tuple[str, str]]
) -> tuple[tuple[Agreement, ...], Agreement]:
    units: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for s in scores:
        units[(s.criterion, s.review_id)][s.reviewer] = s.score
    double = {key: unit for key, unit in units.items() if len(unit) >= 2}
    per_criterion = []
    for criterion, title in rubric:
        mine = [unit for (c, _), unit in double.items() if c == criterion]
        per_criterion.append(Agreement(criterion, title, ordinal_alpha(mine), len(mine)))
    overall = Agreement(
        "",
        "All criteria",
        ordinal_alpha(list(double.values())),
        len({review_id for _, review_id in double}),
    )
    return tuple(per_criterion), overall


def _checks(
    scores: Sequence[_Score],
    rubric: Sequence[tuple[str, str]],
    checks: Mapping[str, LetterCheck],
    rules: Mapping[str, CheckRule],
) -> tuple[CheckComparison, ...]:
    out = []
    for criterion, title in rubric:
        rule = rules.get(criterion)
        if rule is None:
            continue
        grouped: dict[str, list[float]] = defaultdict(list)  # one score a letter
        for letter in _letter_scores(scores):
            check = checks.get(letter.review_id)
            if letter.criterion != criterion or check is None:
                continue
            label = rule.group(check)
            if label is not None:
                grouped[label].append(letter.score)
        labels = [*rule.groups, *sorted(set(grouped) - set(rule.groups))]
        groups = tuple(
            CheckGroup(label, _mean(grouped[label]), len(grouped[label])) for label in labels
        )
        out.append(CheckComparison(criterion, title, rule.name, groups))
    return tuple(out)


def build_audit_report(
    engine: Any,
    date_from: dt.date,
    date_to: dt.date,
    rubric: list[tuple[str, str]],
    rules: Mapping[str, CheckRule] = AUTOMATIC_CHECKS,
) -> AuditReport:
    """Build the findings of peer review of letters from reviews held in the period."""
    from ..register.db import session

    if date_from > date_to:
        raise UsageProblem(f"the period starts ({date_from}) after it ends ({date_to})")
    previous_from, previous_to = previous_period(date_from, date_to)
    criteria = {criterion for criterion, _ in rubric}
    with session(engine) as db:
        scores = _load_scores(db, date_from, date_to, criteria)
        before = _load_scores(db, previous_from, previous_to, criteria)
        checks = letter_checks(db, date_from, date_to)
    now_summary = _criteria(scores, rubric)
    before_summary = _criteria(before, rubric)
    agreement, overall = _agreement(scores, rubric)
    return AuditReport(
        date_from=date_from,
        date_to=date_to,
        previous_from=previous_from,
        previous_to=previous_to,
        rubric=tuple(rubric),
        letters=len({s.review_id for s in scores}),
        reviewers=len({s.reviewer for s in scores}),
        scores=len(scores),
        criteria=now_summary,
        iros=_iros(scores, rubric),
        changes=tuple(
            Change(now.criterion, now.title, then.mean, now.mean)
            for now, then in zip(now_summary, before_summary, strict=True)
        ),
        agreement=agreement,
        agreement_overall=overall,
        checks=_checks(scores, rubric, checks, rules),
    )


# ---- words a service manager can use --------------------------------------------------------


def agreement_words(alpha: float | None) -> str:
    """Return what an alpha means, in plain words."""
    if alpha is None:
        return "not enough letters scored by two reviewers to tell"
    if alpha >= GOOD_AGREEMENT:
        return "reviewers agree well"
    if alpha >= TENTATIVE_AGREEMENT:
        return "reviewers partly agree: draw only tentative conclusions"
    return "reviewers often disagree: treat these scores with caution"


def _number(value: float | None, places: int = 2) -> str:
    return "no data" if value is None else f"{value:.{places}f}"


def _signed(value: float | None) -> str:
    return "no data" if value is None else f"{value:+.2f}"


def _period(start: dt.date, end: dt.date) -> str:
    return f"{short_date(start)} to {short_date(end)}"


# ---- charts ---------------------------------------------------------------------------------

CHART_FILES: dict[str, str] = {
    "distribution": "score-distribution.png",
    "iros": "iro-means.png",
}
CHART_TITLES: dict[str, str] = {
    "distribution": "How reviewers scored each criterion",
    "iros": "Mean score per IRO, all criteria",
}
_LEVEL_COLOURS = ("#d7191c", "#fdae61", "#a6d96a", "#1a9641")  # red to green, 1 to 4


def _png(figure: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, metadata={"Software": None})
    return buffer.getvalue()


def _wrap(text: str, width: int = 32) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def distribution_chart(report: AuditReport) -> bytes:
    """Return a PNG: for each criterion, a bar stacked by the share of scores at each level."""
    from matplotlib.figure import Figure

    rows = list(reversed(report.criteria))  # the first criterion at the top
    figure = Figure(figsize=(8, 1.2 + 0.55 * max(len(rows), 1)), layout="constrained")
    axes = figure.add_subplot()
    labels = [_wrap(c.title) for c in rows]
    left = [0.0] * len(rows)
    for index, level in enumerate(LEVELS):
        shares = [100 * c.counts[index] / c.scores if c.scores else 0.0 for c in rows]
        bars = axes.barh(
            labels,
            shares,
            left=left,
            color=_LEVEL_COLOURS[index],
            label=f"{level}" + (" (lowest)" if level == 1 else " (best)" if level == 4 else ""),
        )
        counts = [c.counts[index] for c in rows]
        axes.bar_label(
            bars, labels=[str(n) if n else "" for n in counts], label_type="center", fontsize=8
        )
        left = [a + b for a, b in zip(left, shares, strict=True)]
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of scores (the number of scores is written in each bar)")
    axes.set_title(CHART_TITLES["distribution"])
    axes.legend(title="Score", loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=4)
    return _png(figure)


def iro_chart(report: AuditReport) -> bytes:
    """Return a PNG: each IRO's mean score over all criteria, with how many letters it rests on."""
    from matplotlib.figure import Figure

    rows = [i for i in reversed(report.iros) if i.overall is not None]
    figure = Figure(figsize=(8, 1.2 + 0.45 * max(len(rows), 1)), layout="constrained")
    axes = figure.add_subplot()
    bars = axes.barh(
        [i.iro for i in rows], [i.overall or 0.0 for i in rows], color="#23395d", height=0.6
    )
    axes.bar_label(
        bars,
        labels=[f"{i.overall:.2f} ({i.letters} letter{'s' if i.letters != 1 else ''})"
                for i in rows],
        padding=3,
        fontsize=8,
    )  # fmt: skip
    axes.set_xlim(0, 4.6)
    axes.set_xticks([0, 1, 2, 3, 4])
    axes.set_xlabel("Mean score (4 is best)")
    axes.set_title(CHART_TITLES["iros"])
    return _png(figure)


def charts(report: AuditReport) -> dict[str, bytes]:
    """Return the report's charts as PNG bytes, keyed as in CHART_FILES; none without scores."""
    if report.scores == 0:
        return {}
    return {"distribution": distribution_chart(report), "iros": iro_chart(report)}


# ---- one layout, three renderers --------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class _Section:
    title: str
    before: tuple[str, ...] = ()
    table: _Table | None = None
    chart: str | None = None
    bullets: tuple[str, ...] = ()


def _in_brief(report: AuditReport) -> tuple[str, ...]:
    points = [
        f"{report.letters} letter{'s' if report.letters != 1 else ''} scored by "
        f"{report.reviewers} reviewer{'s' if report.reviewers != 1 else ''} "
        f"({report.scores} score{'s' if report.scores != 1 else ''} in all)."
    ]
    scored = [c for c in report.criteria if c.mean is not None]
    if scored:
        best = max(scored, key=lambda c: c.mean or 0.0)
        worst = min(scored, key=lambda c: c.mean or 0.0)
        points.append(f"Done best: {best.title} (mean {_number(best.mean)} out of 4).")
        if worst is not best:
            points.append(f"Most to work on: {worst.title} (mean {_number(worst.mean)} out of 4).")
    overall = report.agreement_overall
    if overall.alpha is None:
        points.append("Agreement between reviewers: " + agreement_words(None) + ".")
    else:
        points.append(
            f"Agreement between reviewers over all criteria: alpha {overall.alpha:.3f} "
            f"from {overall.letters} letters scored twice or more; "
            f"{agreement_words(overall.alpha)}."
        )
    return tuple(points)


def _sections(report: AuditReport) -> list[_Section]:
    titles = [title for _, title in report.rubric]
    sections = [
        _Section(
            "In brief",
            before=(
                f"Peer reviewers scored letters to children written after reviews held from "
                f"{_period(report.date_from, report.date_to)}. Each letter was scored against "
                "each criterion on a four-point scale, from 1 (lowest) to 4 (best).",
            ),
            bullets=_in_brief(report),
        ),
        _Section(
            "Scores by criterion",
            before=(
                "How many scores were given at each level, the mean (average) score, and how "
                "many letters were scored. The counts at each level are of scores: a letter "
                "scored by two reviewers gives two. The mean is of letters: where two reviewers "
                "scored a letter, their scores are averaged first, so each letter counts once. "
                "A mean close to 4 means most letters did this well; close to 1, most did not.",
            ),
            table=_Table(
                ("Criterion", "1", "2", "3", "4", "Mean", "Letters"),
                tuple(
                    (c.title, *(str(n) for n in c.counts), _number(c.mean), str(c.letters))
                    for c in report.criteria
                ),
            ),
            chart="distribution",
        ),
        _Section(
            "Scores by IRO",
            before=(
                "Each IRO's mean score for each criterion and over all criteria. Each letter "
                "counts once: where two reviewers scored a letter, their scores are averaged "
                "first, and over all criteria each letter's own mean score is averaged. An IRO "
                "with only a few letters sampled can look better or worse by chance: use these "
                "figures to start a conversation, not to judge one person.",
            ),
            table=_Table(
                ("IRO", "Letters", "All criteria", *titles),
                tuple(
                    (i.iro, str(i.letters), _number(i.overall), *(_number(m) for m in i.means))
                    for i in report.iros
                ),
            ),
            chart="iros",
        ),
        _Section(
            "Change since the last period",
            before=(
                f"The mean score for each criterion in the last period "
                f"({_period(report.previous_from, report.previous_to)}) and in this one, each "
                "letter counting once. A positive change means scores went up. Small samples "
                "move about by chance, so look for changes that last over several periods.",
            ),
            table=_Table(
                ("Criterion", "Last period", "This period", "Change"),
                tuple(
                    (c.title, _number(c.before), _number(c.now), _signed(c.difference))
                    for c in report.changes
                ),
            ),
        ),
        _Section(
            "Do reviewers agree?",
            before=(
                "Where two or more reviewers scored the same letter, Krippendorff's alpha "
                "measures how far their scores agree, allowing for agreement by chance: 1 is "
                "perfect agreement and 0 no better than chance. Alpha 0.8 or more: reviewers "
                "agree well. From 0.667 to 0.8: draw only tentative conclusions. Below 0.667: "
                "treat the scores with caution, and talk together about what a good letter "
                "looks like. Alpha needs at least two letters scored twice.",
            ),
            table=_Table(
                ("Criterion", "Letters scored twice or more", "Alpha", "What it means"),
                tuple(
                    (a.title, str(a.letters), _number(a.alpha, 3), agreement_words(a.alpha))
                    for a in (*report.agreement, report.agreement_overall)
                ),
            ),
        ),
    ]
    if report.checks:
        sections.append(
            _Section(
                "Automatic checks and reviewers' scores",
                before=(
                    "The letter checker looks at every letter when it is registered. Here the "
                    "reviewers' mean score is split by what the checker found (each letter counts "
                    "once, its reviewers' scores averaged first). If the checker is a good guide, "
                    "letters it passes should score higher; if not, its settings may need tuning.",
                ),
                table=_Table(
                    ("Criterion", "Automatic check", "Checker found", "Mean score", "Letters"),
                    tuple(
                        (c.title, c.check, g.label, _number(g.mean), str(g.letters))
                        for c in report.checks
                        for g in c.groups
                    ),
                ),
            )
        )
    return sections


def _title(report: AuditReport) -> str:
    return f"Peer review of letters to children: {_period(report.date_from, report.date_to)}"


def _markdown_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def to_markdown(report: AuditReport, chart_names: Mapping[str, str] | None = None) -> str:
    """Return the report as Markdown, linking each chart in `chart_names` (key -> file name)."""
    names = chart_names or {}
    lines = [f"# {_title(report)}", ""]
    for section in _sections(report):
        lines += [f"## {section.title}", ""]
        for paragraph in section.before:
            lines += [paragraph, ""]
        if section.bullets:
            lines += [f"- {point}" for point in section.bullets] + [""]
        if section.table and section.table.rows:
            lines.append("| " + " | ".join(map(_markdown_cell, section.table.header)) + " |")
            lines.append("|" + "|".join("---" for _ in section.table.header) + "|")
            lines += ["| " + " | ".join(map(_markdown_cell, row)) + " |"
                      for row in section.table.rows]  # fmt: skip
            lines.append("")
        if section.chart and section.chart in names and report.scores:
            lines += [f"![{CHART_TITLES[section.chart]}]({names[section.chart]})", ""]
    return "\n".join(lines)


_CSS = """
body { font-family: system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #f6f6f4; }
header { background: #23395d; color: white; padding: 1rem 2rem; }
header h1 { margin: 0; font-size: 1.4rem; }
main { padding: 1rem 2rem; max-width: 70rem; }
section { background: white; border-radius: 8px; padding: 1rem 1.5rem; margin-bottom: 1.5rem;
  box-shadow: 0 1px 3px rgba(0,0,0,.15); }
p { line-height: 1.5; max-width: 50rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
td, th { border: 1px solid #ced4da; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #e9ecef; }
img { max-width: 100%; height: auto; }
"""


def _html_table(table: _Table) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in table.rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _html_paragraphs(paragraphs: Iterable[str]) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def to_html(report: AuditReport) -> str:
    """Return the report as a self-contained HTML page, charts embedded."""
    images = charts(report)
    parts = []
    for section in _sections(report):
        body = [f"<h2>{html.escape(section.title)}</h2>", _html_paragraphs(section.before)]
        if section.bullets:
            items = "".join(f"<li>{html.escape(point)}</li>" for point in section.bullets)
            body.append(f"<ul>{items}</ul>")
        if section.table and section.table.rows:
            body.append(_html_table(section.table))
        if section.chart and section.chart in images:
            data = base64.b64encode(images[section.chart]).decode("ascii")
            body.append(
                f'<img alt="{html.escape(CHART_TITLES[section.chart])}" '
                f'src="data:image/png;base64,{data}">'
            )
        parts.append("<section>" + "".join(body) + "</section>")
    title = html.escape(_title(report))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{title}</h1></header><main>" + "".join(parts) + "</main></body></html>\n"
    )


def to_docx(report: AuditReport) -> bytes:
    """Return the report as a Word document: headings, tables and charts."""
    from docx import Document
    from docx.shared import Inches

    images = charts(report)
    document = Document()
    styles = {style.name for style in document.styles}
    document.add_heading(_title(report), level=0)
    for section in _sections(report):
        document.add_heading(section.title, level=1)
        for paragraph in section.before:
            document.add_paragraph(paragraph)
        for point in section.bullets:
            document.add_paragraph(point, style="List Bullet" if "List Bullet" in styles else None)
        if section.table and section.table.rows:
            table = document.add_table(
                rows=1 + len(section.table.rows), cols=len(section.table.header)
            )
            if "Table Grid" in styles:
                table.style = "Table Grid"
            for r, row in enumerate((section.table.header, *section.table.rows)):
                for c, text in enumerate(row):
                    cell = table.cell(r, c)
                    cell.text = text
                    if r == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
            document.add_paragraph("")
        if section.chart and section.chart in images:
            document.add_picture(io.BytesIO(images[section.chart]), width=Inches(6))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
