"""The review record: every kind of bad input gives exact, plain messages with lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from letters.errors import InvalidRecordError
from letters.records import ReviewRecord, load_record

BASE = """\
child:
  name: Amira Khan
  known_as: Amira
  date_of_birth: 2015-03-14
  legal_status: interim_care_order
  came_into_care: 2026-05-04
  preferred_terms:
    family_time: time with Mum
review:
  date: 2026-08-10
  number: 2
  venue: Sue and Dave's house
  format: hybrid
  chair: iro
  participation: PN1
  iro: {name: Priya Shah, phone: 01632 960301}
  attendees:
    - {name: Amira, role: child, attendance: in_person}
views:
  child: I like living with Sue and Dave.
permanence:
  plan: long_term_fostering
  contingency: special_guardianship
decisions:
  - action: Arrange a dental check-up.
    owner: Carers
    due: 2026-09-30
"""


def write(tmp_path: Path, text: str, name: str = "review.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidRecordError) as caught:
        load_record(path)
    return [p.describe(path.name) for p in caught.value.problems]


def test_base_record_is_valid(tmp_path: Path) -> None:
    record = load_record(write(tmp_path, BASE))
    assert isinstance(record, ReviewRecord)
    assert record.age == 11
    assert record.child.preferred_terms == {"family_time": "time with Mum"}
    assert record.review.kind == "statutory"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "  date_of_birth: 2015-03-14\n",
            "",
            ["review.yaml:1: child.date_of_birth: is missing"],
            id="missing-date-of-birth",
        ),
        pytest.param(
            "date_of_birth: 2015-03-14",
            "date_of_birth: 2026-09-01",
            [
                "review.yaml:4: child.date_of_birth: 2026-09-01 is after the review date",
                "review.yaml:6: child.came_into_care: is before the child's date of birth",
            ],
            id="date-of-birth-after-review",
        ),
        pytest.param(
            "participation: PN1",
            "participation: PN9",
            [
                "review.yaml:15: review.participation: unknown participation code 'PN9'; "
                "use one of PN0, PN1, PN2, PN3, PN4, PN5, PN6, PN7"
            ],
            id="unknown-participation-code",
        ),
        pytest.param(
            "    owner: Carers\n",
            "",
            ["review.yaml:25: decisions[0].owner: is missing"],
            id="decision-without-owner",
        ),
        pytest.param(
            "permanence:\n  plan: long_term_fostering\n  contingency: special_guardianship\n",
            "",
            [
                "review.yaml:1: permanence: is missing: from the second review on the record "
                "must give the permanence plan (this is review 2)"
            ],
            id="second-review-without-permanence",
        ),
        pytest.param(
            "  known_as: Amira\n",
            "  knwon_as: Amira\n",
            [
                "review.yaml:1: child.known_as: is missing",
                "review.yaml:3: child.knwon_as: is not a field of a review record "
                "(check the spelling)",
            ],
            id="misspelt-key",
        ),
        pytest.param(
            "due: 2026-09-30",
            "due: 30/09/2026",
            ["review.yaml:27: decisions[0].due: must be a date written as YYYY-MM-DD"],
            id="date-in-wrong-format",
        ),
        pytest.param(
            "  legal_status: interim_care_order\n",
            "  legal_status: section_20\n",
            [
                "review.yaml:5: child.legal_status: 'section_20' is not allowed here; use one "
                "of: s20, interim_care_order, care_order, placement_order, "
                "emergency_protection_order, police_protection, remand, other"
            ],
            id="unknown-legal-status",
        ),
        pytest.param(
            "    family_time: time with Mum\n",
            "    family_tim: time with Mum\n",
            [
                "review.yaml:8: child.preferred_terms.family_tim: 'family_tim' is not a name "
                "we know here; use one of: family_time, home, carers, mother, father, "
                "siblings, social_worker, review, iro"
            ],
            id="unknown-preferred-term-concept",
        ),
        pytest.param(
            "  venue: Sue and Dave's house\n",
            "  venue: Sue and Dave's house\n  venue: school\n",
            ["review.yaml:13: review.venue: appears twice (first on line 12)"],
            id="duplicate-key",
        ),
        pytest.param(
            "date_of_birth: 2015-03-14",
            "date_of_birth: 2019-03-14",
            [],  # a 7-year-old recorded as PN1 is fine
            id="seven-year-old-is-valid",
        ),
        pytest.param(
            "participation: PN1",
            "participation: PN0",
            [
                "review.yaml:15: review.participation: PN0 is only for a child under 4, "
                "and the child is 11 on the review date"
            ],
            id="pn0-for-an-eleven-year-old",
        ),
        pytest.param(
            "  iro: {name: Priya Shah, phone: 01632 960301}\n",
            "  iro: {name: Priya Shah}\n",
            [
                "review.yaml:16: review.iro: give a phone number or an email, so the child "
                "can reach the IRO"
            ],
            id="iro-with-no-way-to-reach-them",
        ),
        pytest.param(
            "    due: 2026-09-30\n",
            "    due: 2026-08-01\n",
            ["review.yaml:27: decisions[0].due: 2026-08-01 is before the review date 2026-08-10"],
            id="decision-due-before-review",
        ),
        pytest.param(
            "  chair: iro",
            "  chair: child",
            [],
            id="child-chairing-and-attending-is-valid",
        ),
        pytest.param(
            "  chair: iro\n  participation: PN1\n",
            "  chair: child\n  participation: PN6\n",
            [
                "review.yaml:14: review.chair: a child who chairs their review attends and has "
                "their say (PN1 or PN2), but participation is PN6"
            ],
            id="child-chairs-but-did-not-attend",
        ),
        pytest.param(
            "  number: 2\n",
            "  number: 0\n",
            ["review.yaml:11: review.number: must be 1 or more"],
            id="review-number-zero",
        ),
        pytest.param(
            "  name: Amira Khan\n",
            "  name: ''\n",
            ["review.yaml:2: child.name: must not be empty"],
            id="empty-name",
        ),
        pytest.param(
            "  name: Amira Khan\n",
            "  name:\n",
            [
                "review.yaml:2: child.name: is empty: fill it in, or delete the line if it is optional"
            ],
            id="blank-name",
        ),
    ],
)
def test_invalid_record_messages(tmp_path: Path, old: str, new: str, expected: list[str]) -> None:
    assert old in BASE
    path = write(tmp_path, BASE.replace(old, new, 1))
    if not expected:
        load_record(path)
        return
    assert problems_of(path) == expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"", ["review.yaml: is empty"], id="empty-file"),
        pytest.param(b"   \n\n", ["review.yaml: is empty"], id="only-blank-lines"),
        pytest.param(
            b"child:\n  name: [Amira\nreview:\n",
            [
                "review.yaml:2:9: is not valid YAML: the list opened with '[' here is not closed with ']'"
            ],
            id="yaml-syntax-error",
        ),
        pytest.param(
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U\x80\x8f",
            ["review.yaml: is not a text file (is it a Word or PDF file?)"],
            id="a-word-file",
        ),
        pytest.param(
            b"Dear Amira, thank you for coming to your meeting.\n",
            [
                "review.yaml:1: is not a review record: it should start with 'child:' and "
                "'review:' sections"
            ],
            id="plain-text-not-yaml-mapping",
        ),
        pytest.param(
            b"- child\n- review\n",
            [
                "review.yaml:1: is not a review record: it should start with 'child:' and "
                "'review:' sections"
            ],
            id="a-list",
        ),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, expected: list[str]) -> None:
    path = tmp_path / "review.yaml"
    path.write_bytes(content)
    assert problems_of(path) == expected


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = BASE.replace("participation: PN1", "participation: PN9").replace(
        "    owner: Carers\n", ""
    )
    path = write(tmp_path, text)
    with pytest.raises(InvalidRecordError) as caught:
        load_record(path)
    message = str(caught.value)
    assert message.splitlines()[0] == f"{path}: this review record has 2 problems:"
    assert len(caught.value.problems) == 2


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    assert problems_of(path) == ["nowhere.yaml: no such file"]


def test_pre_adoptive_review_needs_the_move_date(tmp_path: Path) -> None:
    text = BASE.replace("  number: 2\n", "  number: 2\n  kind: pre_adoptive\n")
    path = write(tmp_path, text)
    assert problems_of(path) == [
        "review.yaml:1: child.placed_for_adoption: is missing: a pre-adoptive review needs "
        "the date the child moved to their adoptive family"
    ]
