"""The review record: the YAML file an IRO fills in after a Child in Care review."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from dateutil.relativedelta import relativedelta
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from .errors import InvalidRecordError, Problem
from .yamlfile import YamlDocument, field_path, load_yaml

# Length limits. The register keeps names and teams in 200 characters and the child's record id
# in 64 (letters/models.py), on SQLite as on PostgreSQL, so a record is held to them when it is
# validated. Free text (a view, a summary, a decision) is generous, and so is a whole record, but
# both are bounded so that a letter stays far below what the checker can read.
NAME_LENGTH = 200
RECORD_ID_LENGTH = 64
TEXT_LENGTH = 20_000
MAX_ITEMS = 200  # attendees, decisions, topics, views, names to copy to ...
RECORD_TEXT_LENGTH = 300_000
FIRST_YEAR, LAST_YEAR = 1900, 2100

# A name, a role, a phone number, a word: one line of at most NAME_LENGTH characters.
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_LENGTH)
]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_LENGTH)
]
RecordId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=RECORD_ID_LENGTH)
]


def _sensible_date(value: dt.date) -> dt.date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"{value} is not between {FIRST_YEAR} and {LAST_YEAR}: check the year")
    return value


Date = Annotated[dt.date, AfterValidator(_sensible_date)]

LegalStatus = Literal[
    "s20",
    "interim_care_order",
    "care_order",
    "placement_order",
    "emergency_protection_order",
    "police_protection",
    "remand",
    "other",
]
Concept = Literal[
    "family_time",
    "home",
    "carers",
    "mother",
    "father",
    "siblings",
    "social_worker",
    "review",
    "iro",
]
ParticipationCode = Literal["PN0", "PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"]
Attendance = Literal["in_person", "virtual", "views_sent", "apologies", "absent"]
ReviewKind = Literal["statutory", "brought_forward", "pre_adoptive"]
ReviewFormat = Literal["in_person", "virtual", "hybrid"]
Chair = Literal["iro", "child", "co_chaired"]
PermanencePlan = Literal[
    "return_home",
    "special_guardianship",
    "child_arrangements_order",
    "adoption",
    "long_term_fostering",
    "residential",
    "staying_put",
    "independence",
    "other",
]

PARTICIPATION: dict[str, str] = {
    "PN0": "Child aged under 4 at the time of the review",
    "PN1": "Child attends and speaks for themselves",
    "PN2": "Child attends and an advocate speaks for them",
    "PN3": "Child attends and conveys their views symbolically (non-verbally)",
    "PN4": "Child attends but does not speak or convey views",
    "PN5": "Child does not attend but briefs an advocate or the IRO to speak for them",
    "PN6": "Child does not attend but conveys views another way "
    "(written, text, app, audio or video)",
    "PN7": "Child does not attend and their views are not conveyed",
}
ATTENDED_CODES = frozenset({"PN1", "PN2", "PN3", "PN4"})

LEGAL_STATUS_NAMES: dict[str, str] = {
    "s20": "Accommodated under section 20 of the Children Act 1989",
    "interim_care_order": "Interim care order (section 38, Children Act 1989)",
    "care_order": "Care order (section 31, Children Act 1989)",
    "placement_order": "Placement order (section 21, Adoption and Children Act 2002)",
    "emergency_protection_order": "Emergency protection order (section 44, Children Act 1989)",
    "police_protection": "Police protection (section 46, Children Act 1989)",
    "remand": "Remanded to the care of the local authority",
    "other": "Other",
}

PLAN_NAMES: dict[str, str] = {
    "return_home": "Return home to parents",
    "special_guardianship": "Special guardianship order",
    "child_arrangements_order": "Child arrangements order",
    "adoption": "Adoption",
    "long_term_fostering": "Long-term fostering",
    "residential": "Residential care",
    "staying_put": "Staying put with former foster carers",
    "independence": "Move to independence under a pathway plan",
    "other": "Other",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Child(_Model):
    """The child the review is about."""

    name: Text
    known_as: Text
    date_of_birth: Date
    pronouns: Text | None = None
    legal_status: LegalStatus
    came_into_care: Date
    first_language: Text | None = None
    interpreter: bool = False
    preferred_terms: dict[Concept, Text] = Field(default_factory=dict)
    avoid_terms: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    record_id: RecordId | None = None  # the child's case number; registers use it, not the name
    placed_for_adoption: Date | None = None  # the move, for pre-adoptive reviews


class IRO(_Model):
    """The Independent Reviewing Officer who chaired the review."""

    name: Text
    phone: Text | None = None
    email: Text | None = None
    team: Text | None = None


class Attendee(_Model):
    """Someone invited to the review, and whether and how they took part."""

    name: Text
    role: Text  # child, mother, father, carer, social_worker, teacher, advocate, ...
    attendance: Attendance


class Review(_Model):
    """When, where and how the review was held."""

    date: Date
    number: int = Field(ge=1, le=99)
    kind: ReviewKind = "statutory"
    venue: Text
    format: ReviewFormat
    chair: Chair
    participation: ParticipationCode
    iro: IRO
    attendees: list[Attendee] = Field(min_length=1, max_length=MAX_ITEMS)
    previous_review: Date | None = None
    team_manager: Text | None = None

    @field_validator("participation", mode="before")
    @classmethod
    def _upper_code(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class Discussion(_Model):
    """One topic discussed at the review."""

    topic: Text
    summary: LongText
    for_child: LongText | None = None


class Permanence(_Model):
    """The long-term plan for the child's upbringing, and the plan if it cannot happen."""

    plan: PermanencePlan
    contingency: PermanencePlan | None = None
    explanation_for_child: LongText | None = None
    contingency_for_child: LongText | None = None


class Decision(_Model):
    """One decision (action) from the review."""

    action: LongText
    for_child: LongText | None = None
    owner: Text
    due: Date


class ReviewRecord(_Model):
    """A whole review record, as validated from the YAML file."""

    child: Child
    review: Review
    views: dict[Text, LongText] = Field(default_factory=dict, max_length=MAX_ITEMS)
    discussion: list[Discussion] = Field(default_factory=list, max_length=MAX_ITEMS)
    permanence: Permanence | None = None
    decisions: list[Decision] = Field(default_factory=list, max_length=MAX_ITEMS)
    next_review: Date | None = None
    # who gets a copy of the child's letter, and check findings the IRO has accepted
    copy_to: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    accepted: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)

    @property
    def age(self) -> int:
        """Return the child's age in whole years on the review date."""
        return age_on(self.child.date_of_birth, self.review.date)

    @property
    def attended(self) -> bool:
        """Return whether the child came to the review (participation PN1 to PN4)."""
        return self.review.participation in ATTENDED_CODES


def age_on(date_of_birth: dt.date, when: dt.date) -> int:
    """Return the age in whole years on `when` of someone born on `date_of_birth`."""
    return relativedelta(when, date_of_birth).years


AGE_BANDS = ("under-5", "5-10", "11-15", "16+")


def age_band(age: int) -> str:
    """Return the letter's age band for a child of `age`: under-5, 5-10, 11-15 or 16+."""
    if age < 5:
        return "under-5"
    if age <= 10:
        return "5-10"
    if age <= 15:
        return "11-15"
    return "16+"


_PLAIN_TYPES = {
    "missing": "is missing",
    "extra_forbidden": "is not a field of a review record (check the spelling)",
    "date_type": "must be a date written as YYYY-MM-DD",
    "date_parsing": "must be a date written as YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written as YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date without a time, written as YYYY-MM-DD",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "finite_number": "must be a whole number",
    "int_parsing_size": "is too large a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "string_too_short": "must not be empty",
    "list_type": "must be a list (one '- item' per line)",
    "dict_type": "must be a set of 'key: value' lines",
    "model_type": "must be a set of 'key: value' lines",
    "model_attributes_type": "must be a set of 'key: value' lines",
}


_DATE_ERRORS = frozenset({"date_type", "date_parsing", "date_from_datetime_parsing"})
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ Tt].*)?")


def date_problem(text: str) -> str | None:
    """Say why `text`, written as YYYY-MM-DD, is not a real date (31 February); None if it is."""
    found = _ISO_DATE.fullmatch(text.strip())
    if found is None:
        return None
    year, month, day = (int(g) for g in found.groups())
    if not 1 <= month <= 12:
        return f"is not a real date: there is no month {month}"
    if year < 1:
        return "is not a real date: there is no year 0"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return (
            f"is not a real date: {calendar.month_name[month]} {year} has {days} days"
            if day
            else "is not a real date: there is no day 0"
        )
    return None


_CODE = re.compile(r"[\w.\-]{1,30}")


def _shown(value: Any) -> str | None:
    """Return a mistyped code as a message may quote it; None for anything else (a sentence)."""
    if isinstance(value, str):
        return f"'{value}'" if _CODE.fullmatch(value) else None
    shown = repr(value)
    return shown if isinstance(value, int | float | bool) and len(shown) <= 30 else None


def _plain_message(error: Any) -> str:
    kind = error["type"]
    value = error.get("input")
    loc = error["loc"]
    ctx = error.get("ctx", {})
    if value is None and kind != "missing":
        return "is empty: fill it in, or delete the line if it is optional"
    if kind == "string_type" and loc and loc[-1] == "phone" and isinstance(value, int):
        return "put the phone number in quotes, e.g. phone: '01632 960123'"
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", ctx.get("expected", ""))
        shown = _shown(value)
        if error["loc"] and error["loc"][-1] == "participation":
            code = f" {shown}" if shown else ""
            return f"unknown participation code{code}; use one of {', '.join(allowed)}"
        if "[key]" in error["loc"]:
            name = shown or "this"
            return f"{name} is not a name we know here; use one of: {', '.join(allowed)}"
        return f"{shown or 'this'} is not allowed here; use one of: {', '.join(allowed)}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in _DATE_ERRORS and isinstance(value, str):
        impossible = date_problem(value)
        if impossible:
            return impossible
    if kind == "greater_than_equal":
        return f"must be {ctx['ge']} or more"
    if kind == "less_than_equal":
        return f"must be {ctx['le']} or less"
    if kind == "string_too_long":
        return f"is too long ({len(value):,} characters; at most {ctx['max_length']:,})"
    if kind == "too_long":
        count = len(value) if hasattr(value, "__len__") else ctx.get("actual_length")
        return f"has too many items ({count:,}; at most {ctx['max_length']:,})"
    if kind == "too_short" and error["loc"] and error["loc"][-1] == "attendees":
        return "must list at least one person (the child at least)"
    if kind in ("string_too_short", "missing") and value in (None, ""):
        return "is missing" if kind == "missing" else "must not be empty"
    return _PLAIN_TYPES.get(kind, str(error["msg"]))


def _doc_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    return tuple(p for p in loc if p != "[key]")


def _cross_checks(record: ReviewRecord) -> list[tuple[tuple[str | int, ...], str]]:
    """Return problems that need more than one field to see."""
    child, review = record.child, record.review
    found: list[tuple[tuple[str | int, ...], str]] = []
    if child.date_of_birth > review.date:
        found.append(
            (("child", "date_of_birth"), f"{child.date_of_birth} is after the review date")
        )
    if child.came_into_care < child.date_of_birth:
        found.append((("child", "came_into_care"), "is before the child's date of birth"))
    if child.came_into_care > review.date:
        found.append((("child", "came_into_care"), "is after the review date"))
    if child.date_of_birth <= review.date:
        age = record.age
        if age < 4 and review.participation != "PN0":
            found.append(
                (
                    ("review", "participation"),
                    f"the child is {age} on the review date; a child under 4 is recorded as PN0",
                )
            )
        if age >= 4 and review.participation == "PN0":
            found.append(
                (
                    ("review", "participation"),
                    f"PN0 is only for a child under 4, and the child is {age} on the review date",
                )
            )
    if review.number >= 2 and record.permanence is None:
        found.append(
            (
                ("permanence",),
                f"is missing: from the second review on the record must give the permanence "
                f"plan (this is review {review.number})",
            )
        )
    if review.previous_review is not None and review.previous_review >= review.date:
        found.append((("review", "previous_review"), "must be before the review date"))
    if review.number == 1 and review.previous_review is not None:
        found.append((("review", "previous_review"), "a first review has no previous review"))
    if review.kind == "pre_adoptive" and child.placed_for_adoption is None:
        found.append(
            (
                ("child", "placed_for_adoption"),
                "is missing: a pre-adoptive review needs the date the child moved to their "
                "adoptive family",
            )
        )
    if child.placed_for_adoption is not None and child.placed_for_adoption > review.date:
        found.append((("child", "placed_for_adoption"), "is after the review date"))
    if review.chair in ("child", "co_chaired") and review.participation not in ("PN1", "PN2"):
        found.append(
            (
                ("review", "chair"),
                f"a child who chairs their review attends and has their say (PN1 or PN2), "
                f"but participation is {review.participation}",
            )
        )
    if review.iro.phone is None and review.iro.email is None:
        found.append(
            (("review", "iro"), "give a phone number or an email, so the child can reach the IRO")
        )
    if record.permanence is not None:
        p = record.permanence
        if p.plan == "other" and p.explanation_for_child is None:
            found.append(
                (
                    ("permanence", "explanation_for_child"),
                    "is needed when the plan is 'other', so the letter can explain it",
                )
            )
        if p.contingency == "other" and p.contingency_for_child is None:
            found.append(
                (
                    ("permanence", "contingency_for_child"),
                    "is needed when the contingency is 'other', so the letter can explain it",
                )
            )
        if p.contingency is not None and p.contingency == p.plan:
            found.append((("permanence", "contingency"), "is the same as the plan"))
    if record.next_review is not None and record.next_review <= review.date:
        found.append((("next_review",), "must be after the review date"))
    for index, decision in enumerate(record.decisions):
        if decision.due < review.date:
            found.append(
                (
                    ("decisions", index, "due"),
                    f"{decision.due} is before the review date {review.date}",
                )
            )
    return found


def _text_size(data: Any) -> int:
    """Return the number of characters in every text value of `data`."""
    if isinstance(data, str):
        return len(data)
    if isinstance(data, dict):
        return sum(_text_size(v) for v in data.values())
    if isinstance(data, list | tuple):
        return sum(_text_size(v) for v in data)
    return 0


def validate_record(
    data: Any, doc: YamlDocument | None = None
) -> tuple[ReviewRecord | None, list[Problem]]:
    """Validate parsed YAML data; return the record, or every problem found."""
    lines = doc or YamlDocument(data)
    if not isinstance(data, dict):
        return None, [
            Problem(
                "",
                "is not a review record: it should start with 'child:' and 'review:' sections",
                1,
            )
        ]
    try:
        record = ReviewRecord.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                field_path(tuple(err["loc"])),
                _plain_message(err),
                lines.line_of(_doc_loc(tuple(err["loc"]))),
            )
            for err in exc.errors()
        ]
        return None, problems
    problems = [
        Problem(field_path(loc), message, lines.line_of(loc))
        for loc, message in _cross_checks(record)
    ]
    size = _text_size(record.model_dump())
    if size > RECORD_TEXT_LENGTH:
        problems.append(
            Problem(
                "",
                f"has too much text ({size:,} characters in all; at most "
                f"{RECORD_TEXT_LENGTH:,}): a review record is usually a few thousand",
            )
        )
    return (None, problems) if problems else (record, [])


def load_record(path: Path | str) -> ReviewRecord:
    """Read and validate a review record, or raise `InvalidRecordError` listing every problem."""
    path = Path(path)
    doc = load_yaml(path, "review record", InvalidRecordError)
    record, problems = validate_record(doc.data, doc)
    if record is None:
        raise InvalidRecordError(path, problems)
    return record


def known_values(alias: Any) -> tuple[str, ...]:
    """Return the allowed values of a Literal type, for help text and blank records."""
    return tuple(str(v) for v in get_args(alias))
