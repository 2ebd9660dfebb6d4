"""The review record: the YAML file an IRO fills in after a Child in Care review."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from dateutil.relativedelta import relativedelta
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from .errors import InvalidRecordError, Problem
from .yamlfile import YamlDocument, field_path, load_yaml

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

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
    date_of_birth: dt.date
    pronouns: Text | None = None
    legal_status: LegalStatus
    came_into_care: dt.date
    first_language: Text | None = None
    interpreter: bool = False
    preferred_terms: dict[Concept, Text] = Field(default_factory=dict)
    avoid_terms: list[Text] = Field(default_factory=list)
    record_id: Text | None = None  # the child's case number; registers use it, not the name
    placed_for_adoption: dt.date | None = None  # the move, for pre-adoptive reviews


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

    date: dt.date
    number: int = Field(ge=1)
    kind: ReviewKind = "statutory"
    venue: Text
    format: ReviewFormat
    chair: Chair
    participation: ParticipationCode
    iro: IRO
    attendees: list[Attendee] = Field(min_length=1)
    previous_review: dt.date | None = None
    team_manager: Text | None = None

    @field_validator("participation", mode="before")
    @classmethod
    def _upper_code(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class Discussion(_Model):
    """One topic discussed at the review."""

    topic: Text
    summary: Text
    for_child: Text | None = None


class Permanence(_Model):
    """The long-term plan for the child's upbringing, and the plan if it cannot happen."""

    plan: PermanencePlan
    contingency: PermanencePlan | None = None
    explanation_for_child: Text | None = None
    contingency_for_child: Text | None = None


class Decision(_Model):
    """One decision (action) from the review."""

    action: Text
    for_child: Text | None = None
    owner: Text
    due: dt.date


class ReviewRecord(_Model):
    """A whole review record, as validated from the YAML file."""

    child: Child
    review: Review
    views: dict[Text, Text] = Field(default_factory=dict)
    discussion: list[Discussion] = Field(default_factory=list)
    permanence: Permanence | None = None
    decisions: list[Decision] = Field(default_factory=list)
    next_review: dt.date | None = None
    copy_to: list[Text] = Field(default_factory=list)  # who gets a copy of the child's letter
    accepted: list[Text] = Field(default_factory=list)  # check findings the IRO has accepted

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


_PLAIN_TYPES = {
    "missing": "is missing",
    "extra_forbidden": "is not a field of a review record (check the spelling)",
    "date_type": "must be a date written as YYYY-MM-DD",
    "date_parsing": "must be a date written as YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written as YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date without a time, written as YYYY-MM-DD",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "string_too_short": "must not be empty",
    "list_type": "must be a list (one '- item' per line)",
    "dict_type": "must be a set of 'key: value' lines",
    "model_type": "must be a set of 'key: value' lines",
    "model_attributes_type": "must be a set of 'key: value' lines",
}


def _plain_message(error: Any) -> str:
    kind = error["type"]
    value = error.get("input")
    loc = error["loc"]
    if value is None and kind != "missing":
        return "is empty: fill it in, or delete the line if it is optional"
    if kind == "string_type" and loc and loc[-1] == "phone" and isinstance(value, int):
        return "put the phone number in quotes, e.g. phone: '01632 960123'"
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", error.get("ctx", {}).get("expected", ""))
        shown = f"'{value}'" if isinstance(value, str) else repr(value)
        if error["loc"] and error["loc"][-1] == "participation":
            return f"unknown participation code {shown}; use one of {', '.join(allowed)}"
        if "[key]" in error["loc"]:
            return f"{shown} is not a name we know here; use one of: {', '.join(allowed)}"
        return f"{shown} is not allowed here; use one of: {', '.join(allowed)}"
    if kind == "greater_than_equal":
        return f"must be {error['ctx']['ge']} or more"
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
