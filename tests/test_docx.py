"""Word output: real headings, tables and lists; record text kept exactly as written."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from letters.config import Settings
from letters.docx_out import docx_text, markdown_to_docx
from letters.drafting.draft import make_draft
from letters.records import load_record

from .conftest import SAMPLES
from .test_records import BASE, write


def headings(data: bytes) -> list[tuple[str, str]]:
    import io

    document = Document(io.BytesIO(data))
    return [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
    ]


def test_minutes_docx_has_headings_and_decision_table(sample_settings: Settings) -> None:
    draft = make_draft(load_record(SAMPLES / "amira-second-review.yaml"), sample_settings)
    minutes = draft.docx["minutes"]
    assert headings(minutes) == [
        ("Heading 1", "Child in Care Review: record of the meeting"),
        ("Heading 2", "Attendance"),
        ("Heading 2", "The child's preferred words"),
        ("Heading 2", "Views"),
        ("Heading 3", "Child: Amira Khan"),
        ("Heading 3", "Mother: Sarah Khan"),
        ("Heading 3", "Carer: Sue Fielding"),
        ("Heading 3", "Social worker: Jo Mensah"),
        ("Heading 2", "Discussion"),
        ("Heading 3", "Education"),
        ("Heading 3", "Family time"),
        ("Heading 3", "Health"),
        ("Heading 2", "Permanence plan"),
        ("Heading 2", "Decisions"),
        ("Heading 2", "Timescales"),
    ]
    import io

    tables = Document(io.BytesIO(minutes)).tables
    decisions = next(t for t in tables if t.rows[0].cells[0].text == "No.")
    rows = [[c.text for c in row.cells] for row in decisions.rows]
    assert rows == [
        ["No.", "Action", "Owner", "Due"],
        ["1", "Arrange a dental check-up.", "Carers", "30 September 2026"],
        [
            "2",
            "Review frequency and timing of family time, including a weekend session.",
            "Social worker",
            "31 August 2026",
        ],
        [
            "3",
            "Complete the viability assessment of maternal aunt as the contingency carer.",
            "Social worker",
            "16 October 2026",
        ],
    ]
    assert decisions.style.name == "Table Grid"


def test_letter_docx_matches_the_markdown(sample_settings: Settings) -> None:
    draft = make_draft(load_record(SAMPLES / "leo-first-review.yaml"), sample_settings)
    text = docx_text(draft.docx["letter"])
    assert text[:3] == [
        "Dear Leo,",
        "My name is Tom. I run your meetings. My job is to check that your plan is right for "
        "you, and that grown-ups listen to you.",
        "We had your big meeting on Friday 2 October 2026, at Gran's kitchen. This letter tells "
        "you what we talked about and what we decided.",
    ]
    assert "Who came" in text
    assert "You will see Ellie every two weeks. Sam will make this happen by 30 October 2026." in (
        text
    )
    assert text[-3:] == [
        "From Tom",
        "Tom Reilly\nIndependent Reviewing Service, Exampleshire Council",
        "Copy to: Kelly Barnes (Mummy)",
    ]


TRICKY = [
    ("  venue: Sue and Dave's house\n", "  venue: Mr & Mrs Khan's house\n"),
    (
        "  child: I like living with Sue and Dave.\n",
        '  child: "I like it here <3 & I want *more* time with Mum_Dad [sometimes] | 1 > 0 &amp; `x`"\n',
    ),
    ("  - action: Arrange a dental check-up.\n", "  - action: '# Book 1. dentist <b>now</b>'\n"),
]


def test_record_text_comes_out_exactly_as_written(tmp_path: Path) -> None:
    text = BASE
    for old, new in TRICKY:
        text = text.replace(old, new)
    record = load_record(write(tmp_path, text))
    draft = make_draft(record, Settings())
    view = "I like it here <3 & I want *more* time with Mum_Dad [sometimes] | 1 > 0 &amp; `x`"
    for name in ("letter", "minutes", "decisions"):
        paragraphs = "\n".join(docx_text(draft.docx[name]))
        assert "Mr & Mrs Khan's house" in paragraphs or name == "decisions"
        assert "# Book 1. dentist <b>now</b>" in paragraphs
        if name != "decisions":
            assert view in paragraphs
    # The paragraph after the tricky text survives (docxtpl's default would drop it).
    letter = docx_text(draft.docx["letter"])
    quote = letter.index(f'You said: "{view}"')
    assert letter[quote + 1] == "What we decided"


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("Plain \\*text\\* \\& \\<tag\\>", ["Plain *text* & <tag>"]),
        ("# Title\n\n- one\n- two\n", ["Title", "one", "two"]),
        ("| | |\n|---|---|\n| A | B \\| C |\n", ["A | B | C"]),
        ("Line one  \nline two", ["Line one\nline two"]),
    ],
)
def test_markdown_to_docx(markdown: str, expected: list[str]) -> None:
    assert docx_text(markdown_to_docx(markdown)) == expected


def test_council_letterhead_is_used(tmp_path: Path) -> None:
    letterhead = Document()
    letterhead.sections[0].header.paragraphs[0].text = "Exampleshire Council, Town Hall"
    letterhead.add_paragraph("OFFICIAL-SENSITIVE")
    path = tmp_path / "letterhead.docx"
    letterhead.save(str(path))
    import io

    out = Document(io.BytesIO(markdown_to_docx("# Hello\n\nDear Amira,", path)))
    assert out.sections[0].header.paragraphs[0].text == "Exampleshire Council, Town Hall"
    assert [p.text for p in out.paragraphs] == ["OFFICIAL-SENSITIVE", "Hello", "Dear Amira,"]
