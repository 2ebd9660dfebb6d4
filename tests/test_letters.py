"""Letters, minutes and decisions for every sample: golden files and what each must say."""

from __future__ import annotations

from pathlib import Path

import pytest

from letters.config import Settings
from letters.drafting.draft import make_draft
from letters.records import age_band, load_record

from .conftest import GOLDEN, SAMPLE_FILES, SAMPLES


def test_samples_cover_what_the_issue_asks_for() -> None:
    records = [load_record(path) for path in SAMPLE_FILES]
    assert len(records) >= 6
    assert {age_band(r.age) for r in records} == {"under-5", "5-10", "11-15", "16+"}
    numbers = {r.review.number for r in records}
    assert {1, 2} <= numbers and max(numbers) >= 3
    plans = {r.permanence.plan for r in records if r.permanence}
    assert len(plans) >= 4
    assert any(r.review.chair == "child" for r in records)
    assert any(r.review.participation in ("PN5", "PN6") for r in records)
    assert any(r.review.participation == "PN0" for r in records)
    assert any(r.child.interpreter for r in records)
    assert any(r.child.preferred_terms for r in records)


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("document", ["letter", "minutes", "decisions"])
def test_golden(
    sample: Path, document: str, sample_settings: Settings, update_goldens: bool
) -> None:
    draft = make_draft(load_record(sample), sample_settings)
    text = draft.documents[document].text
    golden = GOLDEN / sample.stem / f"{document}.md"
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}: run pytest --update-goldens and review it"
    assert text == golden.read_text(encoding="utf-8")


def letter_for(name: str, settings: Settings) -> str:
    return make_draft(load_record(SAMPLES / name), settings).documents["letter"].text


# What each age band's letter must say: name, own words, decisions, next meeting, IRO contact.
@pytest.mark.parametrize(
    ("sample", "template", "must_say"),
    [
        pytest.param(
            "maisie-under-four.yaml",
            "letter_under_5.md.j2",
            [
                "*This letter is for Maisie to keep. Maisie is too young to read it now. It is "
                "written so that Maisie can read it, or have someone read it to her, in the "
                "years to come.*",
                "Dear Maisie,",
                "You were 2 then.",
                "- Lucy will tell families about you, to find the right forever family. Lucy "
                "will make this happen by 11 December 2026.",
                "The plan is for you to be adopted. This means you will have a new family who "
                "will love you and look after you for ever.",
                "The back-up plan is for you to grow up with a foster family who will look "
                "after you until you are an adult.",
                "on or before Friday 7 May 2027",
                "- Phone: 01632 960325",
                "Helen Marsh",
            ],
            id="under-5",
        ),
        pytest.param(
            "leo-first-review.yaml",
            "letter_5_to_10.md.j2",
            [
                "Dear Leo,",
                "We had your big meeting on Friday 2 October 2026, at Gran's kitchen.",
                "- Gran\n- Mummy\n- Sam\n",
                'You said: "I like living at Gran\'s. I want to see Mummy more and I miss Ellie."',
                "- You will see Ellie every two weeks. Sam will make this happen by 30 October "
                "2026.",
                "We will have your big meeting again on or before Thursday 31 December 2026.",
                "- Phone me on 01632 960312",
                "- Email me at tom.reilly@example.gov.uk",
                "You can also ask for one yourself. Phone Exampleshire Children's Advocacy "
                "Service on 01632 960100, or email advocacy@example.org.uk.",
                "Copy to: Kelly Barnes (Mummy)",
            ],
            id="5-10",
        ),
        pytest.param(
            "amira-second-review.yaml",
            "letter_11_to_15.md.j2",
            [
                "Dear Amira,",
                "- Mum\n- Sue\n- Dave\n- Jo, your social worker\n",
                "- Sue will take you to the dentist. Sue and Dave will do this by 30 September "
                "2026.",
                "The plan is for you to stay living with Sue and Dave and grow up with them, "
                "until you are an adult.",
                "If that cannot happen, the back-up plan is for you to live with your Auntie "
                "Noor, if she is able to look after you.",
                "We will have your meeting again on or before Monday 8 February 2027.",
                "- Phone me on 01632 960301",
            ],
            id="11-15",
        ),
        pytest.param(
            "samuel-sixteen-plus.yaml",
            "letter_16_plus.md.j2",
            [
                "Dear Sami,",
                "You did not come to your meeting this time. You told Joy what you think, and "
                "they told us.",
                "- Mehari, who helped us talk in your language",
                "## Your plan for the future",
                "The plan is for you to keep living with Linda and Ray after you turn 18, for "
                "as long as it is right for you, up to when you are 21.",
                "The back-up plan is for you to get ready to live on your own, step by step",
                "I'm Helen, your IRO.",
                "You have the right to:\n\n- have your say in every decision about you\n",
                "- Email me at helen.marsh@example.gov.uk",
            ],
            id="16-plus",
        ),
    ],
)
def test_letter_by_age_band(
    sample: str, template: str, must_say: list[str], sample_settings: Settings
) -> None:
    draft = make_draft(load_record(SAMPLES / sample), sample_settings)
    letter = draft.documents["letter"]
    assert letter.template == template
    for words in must_say:
        assert words in letter.text


def test_child_chairing_is_thanked(sample_settings: Settings) -> None:
    text = letter_for("tyler-chairs-own-review.yaml", sample_settings)
    assert "Thank you for chairing your review yourself. You did it really well." in text


def test_first_review_has_no_permanence_section(sample_settings: Settings) -> None:
    text = letter_for("leo-first-review.yaml", sample_settings)
    assert "Where you will live" not in text
    assert "back-up plan" not in text


def test_avoided_words_and_jargon_do_not_appear_in_letters(sample_settings: Settings) -> None:
    for sample in SAMPLE_FILES:
        record = load_record(sample)
        text = letter_for(sample.name, sample_settings).lower()
        for words in record.child.avoid_terms:
            assert words.lower() not in text, (sample.name, words)
        for jargon in ("contact", "placement order", "permanence", "looked after", "lac "):
            assert jargon not in text.replace("work placement", ""), (sample.name, jargon)


def test_default_settings_leave_no_gaps() -> None:
    text = letter_for("leo-first-review.yaml", Settings())
    assert "If you would like one, tell me or Sam." in text
    assert "You can also make a complaint." in text
    assert "Independent Reviewing Service, the council" in text
    assert "None" not in text
