"""Pseudonymising letters: names, birth dates and contact details out, the same person alike."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from letters.audit.pseudonymise import (
    Pseudonymiser,
    decision_owner_names,
    leaks,
    name_categories,
    name_parts,
    name_words,
    record_names,
    remove_contact_details,
    replace_birth_dates,
    role_category,
    substitute,
)
from letters.records import Decision, ReviewRecord, load_record

from .conftest import GOLDEN, SAMPLE_FILES, SAMPLES

AMIRA = load_record(SAMPLES / "amira-second-review.yaml")
RUBY = load_record(SAMPLES / "ruby-pre-adoptive.yaml")
AUGUST = dt.date(2026, 8, 10)


def golden_letter(name: str) -> str:
    return (GOLDEN / name / "letter.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ring me on 01632 960301 today.", "Ring me on [phone removed] today."),
        ("Ring +44 (0)1632 960301.", "Ring [phone removed]."),
        ("Ring +44 7700 900123.", "Ring [phone removed]."),
        ("Ring (020) 7946 0000 or 0161 496 0000.", "Ring [phone removed] or [phone removed]."),
        ("Text 07700900123 or 07700 900 123.", "Text [phone removed] or [phone removed]."),
        ("Free on 0800 123 4567, 9 till 5.", "Free on [phone removed], 9 till 5."),
        ("Ring 01632-960-301.", "Ring [phone removed]."),
        ("by 30 September 2026 at 10:30", "by 30 September 2026 at 10:30"),
        ("the code is 01632 or 12345678", "the code is 01632 or 12345678"),
        ("Email priya.shah@example.gov.uk now.", "Email [email removed] now."),
        # Markdown-escaped before pseudonymising: the whole address goes, backslashes too.
        ("Email priya\\_shah@example.gov.uk now.", "Email [email removed] now."),
        ("Email \\_jo\\_o\\_brien\\_@my\\_council.gov.uk.", "Email [email removed]."),
        ("at a\\_b@example.org.uk\\*", "at [email removed]\\*"),
        ("Send it to ME4 4TR or sw1a 1aa.", "Send it to [postcode removed] or [postcode removed]."),
        ("She lives at 12 Acacia Avenue.", "She lives at [address removed]."),
        ("at 12 Acacia Avenue, Exampletown EX1 2AB today", "at [address removed] today"),
        ("at Flat 3, 45 High Street, then", "at [address removed], then"),
        ("on 4 December 2026, at Gran's house", "on 4 December 2026, at Gran's house"),
    ],
)
def test_contact_details_are_removed(text: str, expected: str) -> None:
    assert remove_contact_details(text) == expected


@pytest.mark.parametrize(
    ("text", "born", "as_of", "expected"),
    [
        ("Date of birth: 14/03/2015", None, AUGUST, "aged 11"),
        ("DOB 2015-03-14, in care", None, AUGUST, "aged 11, in care"),
        ("She was born on 14th March 2015.", None, AUGUST, "She was aged 11."),
        ("born 1 May 2010", None, None, "[date of birth removed]"),
        (
            "Her birthday, 14 March 2015, was fun.",
            dt.date(2015, 3, 14),
            AUGUST,
            "Her birthday, aged 11, was fun.",
        ),
        ("Saturday 14 March 2015", dt.date(2015, 3, 14), AUGUST, "aged 11"),
        (
            "The meeting on Monday 10 August 2026",
            dt.date(2015, 3, 14),
            AUGUST,
            "The meeting on Monday 10 August 2026",
        ),
        ("born on 31/02/2015", None, AUGUST, "[date of birth removed]"),
        # A month and year of birth: the age surely reached, or the record's when it matches.
        ("She was born in March 2015.", None, AUGUST, "She was aged 11."),
        ("born in August 2015", None, AUGUST, "aged 10"),
        ("born in August 2015", dt.date(2015, 8, 3), AUGUST, "aged 11"),
        ("Date of birth: Sept. 2014", None, AUGUST, "aged 11"),
        ("DOB 03/2015", None, AUGUST, "aged 11"),
        ("born August 2026", None, AUGUST, "aged 0"),
        ("born in December 2026", None, AUGUST, "[date of birth removed]"),
        ("born in March 2015", None, None, "[date of birth removed]"),
        ("DOB 13/2015", None, AUGUST, "[date of birth removed]"),
        (
            "Since March 2015 you have lived here.",
            None,
            AUGUST,
            "Since March 2015 you have lived here.",
        ),
    ],
)
def test_dates_of_birth_become_ages(
    text: str, born: dt.date | None, as_of: dt.date | None, expected: str
) -> None:
    assert replace_birth_dates(text, born, as_of) == expected


# Numbered in the record's order: the child, the IRO, the team manager, then who was invited.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dear Amira,", "Dear A,"),
        ("This letter is for Amira Khan.", "This letter is for Child A."),
        ("AMIRA KHAN", "Child A"),
        ("I'm Priya, your IRO. Priya Shah", "I'm Professional 1, your IRO. Professional 1"),
        ("at Sue and Dave's house", "at Carer 1 and Carer 2's house"),
        ("Sue Fielding and Dave Fielding", "Carer 1 and Carer 2"),
        ("- Mr Okafor, your teacher", "- Professional 4, your teacher"),
        ("Copy to: Sarah Khan (Mum)", "Copy to: Parent 1 (Mum)"),
        ("Jo will ask Marcus Bell.", "Professional 3 will ask Professional 2."),
        ("You want more time with Mum.", "You want more time with Mum."),
        ("Jones and Joanna came.", "Jones and Joanna came."),
        ("Ring Priya on 01632 960301.", "Ring Professional 1 on [phone removed]."),
        ("Thank you...Amira!", "Thank you...A!"),
        ("Amira was born on 14 March 2015.", "A was aged 11."),
    ],
)
def test_record_names_are_replaced(text: str, expected: str) -> None:
    assert Pseudonymiser(use_ner=False).pseudonymise(text, AMIRA).text == expected


# Names spaCy finds stay names when the same word is also used in lower case.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Your sister Grace came to your meeting. The grace period for your bus pass ends soon.",
            "Your sister Person 1 came to your meeting. The grace period for your bus pass ends soon.",
        ),
        (
            "Your friend Rose brought a rose for you.",
            "Your friend Person 1 brought a rose for you.",
        ),
        ("Your cousin Faith has faith in you.", "Your cousin Person 1 has faith in you."),
        ("Your brother Bill paid the bill.", "Your brother Person 1 paid the bill."),
    ],
)
def test_a_name_that_is_also_a_word_is_still_replaced(text: str, expected: str) -> None:
    assert Pseudonymiser().pseudonymise(text).text == expected


# The child's record id, from the record or the register, whatever its case or escaping.
@pytest.mark.parametrize(
    ("text", "references", "expected"),
    [
        ("Our ref: EX-100231", (), "Our ref: [reference removed]"),
        ("our ref ex-100231.", (), "our ref [reference removed]."),
        ("Case EX-100231/2026-08-10/2", (), "Case [reference removed]/2026-08-10/2"),
        ("Ref: EX-1002310", (), "Ref: EX-1002310"),
        (
            "Ref: GEN\\_00042 and GEN_00042",
            ("GEN_00042",),
            "Ref: [reference removed] and [reference removed]",
        ),
        ("Ref: anon-1a2b3c4d5e6f", ("anon-1a2b3c4d5e6f", " "), "Ref: [reference removed]"),
    ],
)
def test_the_childs_record_id_is_removed(
    text: str, references: tuple[str, ...], expected: str
) -> None:
    result = Pseudonymiser(use_ner=False).pseudonymise(text, AMIRA, references=references)
    assert result.text == expected


def with_owner(owner: str) -> ReviewRecord:
    """Return Amira's record with one more decision, for `owner` to do."""
    extra = Decision(action="Take Amira fishing.", owner=owner, due=dt.date(2026, 9, 1))
    return AMIRA.model_copy(update={"decisions": [*AMIRA.decisions, extra]})


# Who will do a decision may be a person no other field names.
@pytest.mark.parametrize(
    ("owner", "names", "text", "expected"),
    [
        (
            "Grandad Wilf",
            ["Wilf"],
            "Wilf will take you fishing.",
            "Relative 1 will take you fishing.",
        ),
        ("Wilf Hart", ["Wilf Hart"], "Wilf Hart and Wilf came.", "Person 1 and Person 1 came."),
        ("Wilf and Jo", ["Wilf", "Jo"], "Wilf and Jo will.", "Person 1 and Professional 3 will."),
        ("Carers", [], "The Carers will.", "The Carers will."),
        ("Social worker", [], "Ask your Social worker.", "Ask your Social worker."),
        ("Designated teacher", [], "Designated teacher", "Designated teacher"),
        ("Mum and Dad", [], "Mum and Dad will.", "Mum and Dad will."),
        (
            "Virtual School Head",
            [],
            "The Virtual School Head will.",
            "The Virtual School Head will.",
        ),
    ],
)
def test_a_decision_owner_who_is_a_person_is_a_name(
    owner: str, names: list[str], text: str, expected: str
) -> None:
    record = with_owner(owner)
    assert decision_owner_names(owner) == names
    assert record_names(record)[10:] == names
    result = Pseudonymiser(use_ner=False).pseudonymise(text, record)
    assert result.text == expected


def test_the_key_holds_every_name_and_what_replaced_it() -> None:
    result = Pseudonymiser().pseudonymise(golden_letter("amira-second-review"), AMIRA)
    assert result.key == {
        "Amira": "A",
        "Amira Khan": "Child A",
        "Khan": "Child A",
        "Priya Shah": "Professional 1",
        "Priya": "Professional 1",
        "Shah": "Professional 1",
        "Marcus Bell": "Professional 2",
        "Marcus": "Professional 2",
        "Bell": "Professional 2",
        "Sarah Khan": "Parent 1",
        "Sarah": "Parent 1",
        "Sue Fielding": "Carer 1",
        "Sue": "Carer 1",
        "Fielding": "Carer 1",
        "Dave Fielding": "Carer 2",
        "Dave": "Carer 2",
        "Jo Mensah": "Professional 3",
        "Jo": "Professional 3",
        "Mensah": "Professional 3",
        "Okafor": "Professional 4",
        "Noor": "Relative 1",  # found by spaCy, not in any name field
    }
    lines = result.text.splitlines()
    assert lines[0] == "Dear A,"
    assert (
        "If that cannot happen, the back-up plan is for you to live with your Auntie Relative 1, "
        "if she is able to look after you. Professional 3 is talking with her about this."
    ) in lines
    assert "- Phone me on [phone removed]" in lines
    assert "- Email me at [email removed]" in lines
    assert "Independent Reviewing Service, Exampleshire Council" in lines
    assert "Copy to: Parent 1 (Mum)" in lines


def test_the_childs_own_words_for_family_stay() -> None:
    record = load_record(SAMPLES / "nadia-views-sent.yaml")
    text = Pseudonymiser().pseudonymise(golden_letter("nadia-views-sent"), record).text
    assert (
        "- You are happy living with Babcia, and Babcia says you are a great helper in the kitchen."
        in text
    )
    assert "- You are going to Polish Saturday school." in text
    assert "Copy to: Parent 1 (Mama)" in text
    leo = load_record(SAMPLES / "leo-first-review.yaml")
    text = Pseudonymiser().pseudonymise(golden_letter("leo-first-review"), leo).text
    # Ellie is only in the child's words for siblings; Gran and Mummy are not names.
    assert (
        'You said: "I like living at Gran\'s. I want to see Mummy more and I miss Relative 1."'
        in text
    )


def test_the_same_person_has_the_same_pseudonym_across_a_pack() -> None:
    pack = Pseudonymiser()
    first = pack.pseudonymise(golden_letter("amira-second-review"), AMIRA)
    second = pack.pseudonymise(golden_letter("ruby-pre-adoptive"), RUBY)
    assert first.key["Priya Shah"] == second.key["Priya Shah"] == "Professional 1"
    assert second.key["Ruby"] == "B"
    assert second.key["Ruby Shaw"] == "Child B"
    assert second.key["Ben Shaw"] == "Carer 3"
    assert second.text.splitlines()[2] == "Dear B,"
    assert "Professional 1  " in second.text.splitlines()


def test_a_letter_without_its_record_is_pseudonymised_from_what_is_found() -> None:
    result = Pseudonymiser().pseudonymise(
        golden_letter("amira-second-review"), as_of=AUGUST, people=[("Priya Shah", "iro")]
    )
    assert result.key == {
        "Priya Shah": "Professional 1",
        "Priya": "Professional 1",
        "Shah": "Professional 1",
        "Amira": "A",
        "Okafor": "Person 1",
        "Sue": "Person 2",
        "Dave": "Person 3",
        "Jo": "Person 4",
        "Noor": "Relative 1",
        "Sarah Khan": "Person 5",
        "Sarah": "Person 5",
        "Khan": "Person 5",
    }
    assert leaks(result.text, name_words(AMIRA)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dear Mr Okafor,\nThank you.", "Dear Person 1,\nThank you."),
        ("Dr Patel said Mrs Jane Smith agreed.", "Person 1 said Person 2 agreed."),
        ("Dear Amira,\nAmira is settled.", "Dear A,\nA is settled."),
    ],
)
def test_titles_and_the_salutation_name_people(text: str, expected: str) -> None:
    assert Pseudonymiser(use_ner=False).pseudonymise(text).text == expected


def test_the_salutation_names_the_child_even_by_a_name_the_record_lacks() -> None:
    result = Pseudonymiser(use_ner=False).pseudonymise("Dear Mira,\nHello Mira.", AMIRA)
    assert result.text == "Dear A,\nHello A."
    assert result.key["Mira"] == "A"


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
def test_no_name_from_the_record_is_left_in_any_sample_letter(sample: Path) -> None:
    record = load_record(sample)
    text = Pseudonymiser().pseudonymise(golden_letter(sample.stem), record).text
    assert leaks(text, name_words(record)) == []
    assert "@" not in text
    assert not re.search(r"\d{5} \d{6}", text)


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Amira Khan", ["Amira", "Khan"]),
        ("Mr Okafor", ["Okafor"]),
        ("Auntie Noor", ["Noor"]),
        ("Mary-Jane O'Brien", ["Mary-Jane", "Mary", "Jane", "O'Brien"]),
        ("Dr J. Patel", ["Patel"]),
        ("Nana Mensah", ["Nana", "Mensah"]),
        ("Sue and Dave's", ["Sue", "Dave"]),
        ("Jo Mensah (SW)", ["Jo", "Mensah"]),
        ("Mum (Sarah)", ["Sarah"]),
    ],
)
def test_name_parts(name: str, parts: list[str]) -> None:
    assert name_parts(name) == parts


@pytest.mark.parametrize(
    ("role", "category"),
    [
        ("child", "child"),
        ("mother", "parent"),
        ("father", "parent"),
        ("stepfather", "parent"),
        ("carer", "carer"),
        ("kinship_carer", "carer"),
        ("foster_carer", "carer"),
        ("special_guardian", "carer"),
        ("grandmother", "relative"),
        ("sibling", "relative"),
        ("maternal aunt", "relative"),
        ("social_worker", "professional"),
        ("designated_teacher", "professional"),
        ("advocate", "professional"),
        ("iro", "professional"),
    ],
)
def test_role_category(role: str, category: str) -> None:
    assert role_category(role) == category


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("iro=Priya Shah", "iro=Professional 1"),
        ("iro=Priya Shah|review_number=2", "iro=Professional 1|review_number=2"),
        ("iro=Tom Reilly", "iro=Tom Reilly"),
        ("Mrs Priya Shah", "Professional 1"),
        # Markdown-escaped names are names too.
        ("Hello Mary\\_Jane", "Hello Person 1"),
        ("Hello Mary_Jane", "Hello Person 1"),
        ("Hello Mary\\_Janet", "Hello Mary\\_Janet"),
    ],
)
def test_substitute(text: str, expected: str) -> None:
    key = {"Priya Shah": "Professional 1", "Priya": "Professional 1", "Mary_Jane": "Person 1"}
    assert substitute(text, key) == expected


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Mary_Jane came", ["Mary_Jane"]),
        ("Mary\\_Jane came", ["Mary_Jane"]),
        ("Amira came", ["Amira"]),
        ("amira came", []),
        ("Amiras came", []),
    ],
)
def test_leaks_finds_names_escaped_or_not(text: str, found: list[str]) -> None:
    assert leaks(text, ["Mary_Jane", "Amira"]) == found


def test_name_fields_of_a_record() -> None:
    assert record_names(AMIRA) == [
        "Amira Khan",
        "Amira",
        "Priya Shah",
        "Marcus Bell",
        "Amira",
        "Sarah Khan",
        "Sue Fielding",
        "Dave Fielding",
        "Jo Mensah",
        "Mr Okafor",
    ]
    assert name_words(AMIRA) == {
        "Amira", "Khan", "Priya", "Shah", "Marcus", "Bell", "Sarah", "Sue", "Fielding",
        "Dave", "Jo", "Mensah", "Okafor",
    }  # fmt: skip
    assert name_categories(AMIRA) == {
        "Amira": "child", "Khan": "child", "Priya": "professional", "Shah": "professional",
        "Marcus": "professional", "Bell": "professional", "Sarah": "parent", "Sue": "carer",
        "Fielding": "carer", "Dave": "carer", "Jo": "professional", "Mensah": "professional",
        "Okafor": "professional",
    }  # fmt: skip
    tyler = load_record(SAMPLES / "tyler-chairs-own-review.yaml")
    assert record_names(tyler)[-1] == "Ty"  # "owner: Ty" of a decision
