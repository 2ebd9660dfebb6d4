"""Audit packs from a real register, and scores back in: exact files, forms, rows and refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from letters.audit.pack import (
    AuditFormError,
    FileImport,
    PackError,
    Rubric,
    RubricError,
    build_pack,
    form_csv,
    form_docx,
    import_scores,
    load_rubric,
)
from letters.audit.pseudonymise import name_words
from letters.checking.check import Checker, CheckRequest
from letters.checking.report import to_html
from letters.config import Settings
from letters.docx_out import docx_text
from letters.drafting.draft import make_draft
from letters.errors import RefusedOverwrite
from letters.records import age_band, load_record
from letters.register.db import open_register, session
from letters.register.tables import Document, Pseudonym, Review, Sample, SampleItem, Score
from letters.textio import markdown_letter_text, read_letter

from .conftest import SAMPLES

ALL_CRITERIA = (
    "written_to_child",
    "childs_voice",
    "decisions_clear",
    "own_words",
    "easy_to_read",
    "permanence_explained",
    "next_steps_and_contacts",
    "warm_and_strengths_based",
)
FIRST_REVIEW_CRITERIA = tuple(c for c in ALL_CRITERIA if c != "permanence_explained")


@dataclass(frozen=True)
class Register:
    engine: Any
    sample_id: int
    folder: Path
    letters: dict[str, Path]  # code -> letter file


def review_id(name: str) -> str:
    record = load_record(SAMPLES / f"{name}.yaml")
    return f"{record.child.record_id}-{record.review.date}"


def make_register(
    folder: Path,
    settings: Settings,
    letters: list[tuple[str, str]],
    pseudonymised: bool = False,
    with_record: bool = True,
) -> Register:
    """Register each sample's drafted letter (in the given format) and sample them all."""
    folder.mkdir(parents=True, exist_ok=True)
    engine = open_register(folder / "letters.db")
    written: dict[str, Path] = {}
    with session(engine) as db:
        sample = Sample(
            date_from=dt.date(2026, 4, 1),
            date_to=dt.date(2026, 12, 31),
            strata="iro",
            seed=42,
            frame="[]",
            pseudonymised=pseudonymised,
        )
        db.add(sample)
        db.flush()
        for number, (name, suffix) in enumerate(letters, start=1):
            record_path = SAMPLES / f"{name}.yaml"
            record = load_record(record_path)
            draft = make_draft(record, settings)
            path = folder / "letters" / name / f"letter{suffix}"
            path.parent.mkdir(parents=True)
            markdown = draft.documents["letter"].text
            content = {
                ".md": markdown.encode("utf-8"),
                ".docx": draft.docx["letter"],
                ".txt": markdown_letter_text(markdown).encode("utf-8"),
            }[suffix]
            path.write_bytes(content)
            review = Review(
                id=review_id(name),
                child_ref=record.child.record_id or name,
                iro=record.review.iro.name,
                review_date=record.review.date,
                review_number=record.review.number,
                age_band=age_band(record.age),
                decisions_due=draft.times.decisions_due,
                record_due=draft.times.record_due,
                source="draft",
            )
            review.documents.append(
                Document(kind="letter", path=str(path), sha256=hashlib.sha256(content).hexdigest())
            )
            if with_record:
                review.documents.append(
                    Document(kind="record", path=str(record_path), sha256="0" * 64)
                )
            db.add(review)
            db.flush()
            code = f"S{sample.id}-{number:03d}"
            db.add(
                SampleItem(
                    sample_id=sample.id,
                    review_id=review.id,
                    code=code,
                    stratum=f"iro={record.review.iro.name}; review={'second' if record.review.number == 2 else 'other'}",
                )
            )
            written[code] = path
        sample_id = sample.id
    return Register(engine, sample_id, folder, written)


def rewrite_letter(register: Register, code: str, content: bytes) -> Path:
    """Replace a sampled letter's file and register it again (its new SHA-256)."""
    path = register.letters[code]
    path.write_bytes(content)
    with session(register.engine) as db:
        document = db.scalars(
            select(Document).where(Document.path == str(path), Document.kind == "letter")
        ).one()
        document.sha256 = hashlib.sha256(content).hexdigest()
    return path


def add_to_letter(register: Register, code: str, line: str) -> None:
    """Add a paragraph to a sampled .txt or .md letter, just after 'Dear ...'."""
    path = register.letters[code]
    dear, rest = path.read_text(encoding="utf-8").split("\n\n", 1)
    rewrite_letter(register, code, f"{dear}\n\n{line}\n\n{rest}".encode())


def text_of(path: Path) -> str:
    """Return what a person could read in a pack file."""
    if path.suffix == ".docx":
        return "\n".join(docx_text(path))
    return path.read_bytes().decode("utf-8-sig")


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric()


@pytest.fixture(scope="module")
def settings() -> Settings:
    from letters.config import load_settings

    return load_settings(SAMPLES / "letters.toml")


PLAIN_LETTERS = [
    ("amira-second-review", ".md"),
    ("leo-first-review", ".docx"),
    ("samuel-sixteen-plus", ".txt"),
]


@pytest.fixture(scope="module")
def plain(
    tmp_path_factory: pytest.TempPathFactory, settings: Settings, rubric: Rubric
) -> tuple[Register, list[Path]]:
    register = make_register(tmp_path_factory.mktemp("plain"), settings, PLAIN_LETTERS)
    files = build_pack(register.engine, register.sample_id, register.folder / "PACK", rubric)
    return register, files


@pytest.fixture(scope="module")
def pseudo(
    tmp_path_factory: pytest.TempPathFactory, settings: Settings, rubric: Rubric
) -> tuple[Register, list[Path]]:
    names = sorted(p.stem for p in SAMPLES.glob("*.yaml"))
    formats = [".md", ".docx", ".txt"]
    letters = [(name, formats[i % 3]) for i, name in enumerate(names)]
    register = make_register(
        tmp_path_factory.mktemp("pseudo"), settings, letters, pseudonymised=True
    )
    files = build_pack(register.engine, register.sample_id, register.folder / "PACK", rubric)
    return register, files


# ---- the rubric ------------------------------------------------------------------------------


def test_the_built_in_rubric(rubric: Rubric) -> None:
    assert tuple(c.id for c in rubric.criteria) == ALL_CRITERIA
    assert [(s.score, s.label) for s in rubric.scale] == [
        (1, "Inadequate"),
        (2, "Requires improvement"),
        (3, "Good"),
        (4, "Outstanding"),
    ]
    assert tuple(c.id for c in rubric.criteria_for(1)) == FIRST_REVIEW_CRITERIA
    assert tuple(c.id for c in rubric.criteria_for(2)) == ALL_CRITERIA
    assert tuple(c.id for c in rubric.criteria_for(3)) == FIRST_REVIEW_CRITERIA
    assert all(c.source and c.question.endswith("?") for c in rubric.criteria)


GOOD_RUBRIC = """\
rubric: audit_rubric
description: Test rubric.
scale:
  - {score: 1, label: Inadequate, descriptor: Not done.}
  - {score: 2, label: Requires improvement, descriptor: Partly done.}
  - {score: 3, label: Good, descriptor: Done.}
  - {score: 4, label: Outstanding, descriptor: Done very well.}
criteria:
  - id: written_to_child
    title: Written to the child
    question: Is it written to the child?
    applies_to: all
    source: Medway
"""


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        (
            ("    question: Is it written to the child?\n", ""),
            ["rubric.yaml:9: criteria[0].question: is missing"],
        ),
        (
            ("    source: Medway\n", "    source: Medway\n    weight: 2\n"),
            [
                "rubric.yaml:14: criteria[0].weight: is not a key of the rubric here (check the spelling)"
            ],
        ),
        (
            ("applies_to: all", "applies_to: sometimes"),
            [
                "rubric.yaml:12: criteria[0].applies_to: 'sometimes' is not allowed; use 'all' or 'second_review'"
            ],
        ),
        (
            ("{score: 4,", "{score: 5,"),
            ["rubric.yaml:3: scale: must give the scores 1, 2, 3 and 4 in order, not 1, 2, 3, 5"],
        ),
        (
            ("id: written_to_child", "id: Written to child"),
            [
                "rubric.yaml:9: criteria[0].id: 'Written to child' must be lower_snake_case (letters, digits and _)"
            ],
        ),
        (
            ("    source: Medway\n", "    source: Medway\n" + GOOD_RUBRIC.split("criteria:\n")[1]),
            [
                "rubric.yaml:14: criteria[1].id: 'written_to_child' is used twice (first in criteria[0])"
            ],
        ),
        (
            ("rubric: audit_rubric\n", "rubric: audit_rubric\nrubric: again\n"),
            ["rubric.yaml:2: rubric: appears twice (first on line 1)"],
        ),
    ],
)
def test_a_bad_rubric_names_the_file_line_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: tuple[str, str], problems: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    old, new = change
    assert old in GOOD_RUBRIC
    Path("rubric.yaml").write_text(GOOD_RUBRIC.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load_rubric(Path("rubric.yaml"))
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    assert str(caught.value) == "\n".join(
        [f"rubric.yaml: this audit rubric has {count}:", *(f"  {p}" for p in problems)]
    )


def test_a_good_rubric_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "rubric.yaml"
    path.write_text(GOOD_RUBRIC, encoding="utf-8")
    assert [c.id for c in load_rubric(path).criteria] == ["written_to_child"]


# ---- a pack with names ----------------------------------------------------------------------


def test_the_pack_holds_each_letter_its_check_and_its_forms(
    plain: tuple[Register, list[Path]],
) -> None:
    register, files = plain
    pack = register.folder / "PACK"
    assert [f.relative_to(pack).as_posix() for f in files] == [
        "S1-001-letter.md",
        "S1-001-check.html",
        "S1-001-form.docx",
        "S1-001-form.csv",
        "S1-002-letter.docx",
        "S1-002-check.html",
        "S1-002-form.docx",
        "S1-002-form.csv",
        "S1-003-letter.txt",
        "S1-003-check.html",
        "S1-003-form.docx",
        "S1-003-form.csv",
        "index.csv",
        "README.md",
    ]
    assert sorted(p.name for p in pack.iterdir()) == sorted(f.name for f in files)
    for code, letter in register.letters.items():
        copied = pack / f"{code}-letter{letter.suffix}"
        assert copied.read_bytes() == letter.read_bytes()


def test_the_check_report_is_the_letters_check_with_its_record(
    plain: tuple[Register, list[Path]],
) -> None:
    register, _ = plain
    pack = register.folder / "PACK"
    letter = register.letters["S1-001"]
    request = CheckRequest(
        path=Path("S1-001-letter.md"),
        text=read_letter(letter).text,
        record=load_record(SAMPLES / "amira-second-review.yaml"),
    )
    expected = to_html(Checker().check([request]))
    assert (pack / "S1-001-check.html").read_text(encoding="utf-8") == expected
    assert str(register.folder) not in expected


def test_the_csv_forms_have_a_row_per_criterion_that_applies(
    plain: tuple[Register, list[Path]],
) -> None:
    pack = plain[0].folder / "PACK"
    second = (pack / "S1-001-form.csv").read_bytes()
    assert second.startswith(b"\xef\xbb\xbf")  # so Excel opens it as UTF-8
    assert second.decode("utf-8-sig").splitlines() == [
        "letter,reviewer,criterion,score,comment",
        *(f"S1-001,,{c},," for c in ALL_CRITERIA),
    ]
    assert (pack / "S1-002-form.csv").read_text(encoding="utf-8-sig").splitlines() == [
        "letter,reviewer,criterion,score,comment",
        *(f"S1-002,,{c},," for c in FIRST_REVIEW_CRITERIA),
    ]


def test_the_word_form(plain: tuple[Register, list[Path]], rubric: Rubric) -> None:
    pack = plain[0].folder / "PACK"
    rows = [
        f"{c.title}\n({c.id}) | {c.question} |  | "
        for c in rubric.criteria
        if c.id in FIRST_REVIEW_CRITERIA
    ]
    assert docx_text(pack / "S1-002-form.docx") == [
        "Letter audit form",
        "Letter: S1-002",
        "Review date: 2 October 2026",
        "Review number: 1",
        "Reviewer: ______________________________",
        "Read the letter (S1-002-letter.docx) as the child would, then its check report "
        "(S1-002-check.html). Give each criterion a score from 1 to 4, using the scale below "
        "the table, and say why in the comment.",
        "Criterion | Question | Score (1-4) | Comment",
        *rows,
        "The scale",
        "1 Inadequate: The letter does not do this, or does it in a way that could confuse or upset the child.",
        "2 Requires improvement: The letter tries to do this, but important parts are missing, unclear or not written for the child.",
        "3 Good: The letter does this clearly, in words the child can understand.",
        "4 Outstanding: The letter does this so well that it could be shared as an example of good practice.",
    ]
    assert len(rows) == 7
    second = docx_text(pack / "S1-001-form.docx")
    assert "Permanence and contingency explained kindly\n(permanence_explained)" in "\n".join(
        second
    )


def test_the_index_and_readme(plain: tuple[Register, list[Path]]) -> None:
    register, _ = plain
    pack = register.folder / "PACK"
    assert (pack / "index.csv").read_text(encoding="utf-8-sig").splitlines() == [
        "code,review_id,iro,review_date,review_number,review_month,age_band,stratum,letter",
        "S1-001,EX-100231-2026-08-10,Priya Shah,2026-08-10,2,August 2026,11-15,iro=Priya Shah; review=second,S1-001-letter.md",
        "S1-002,EX-100574-2026-10-02,Tom Reilly,2026-10-02,1,October 2026,5-10,iro=Tom Reilly; review=other,S1-002-letter.docx",
        "S1-003,EX-100122-2026-08-24,Helen Marsh,2026-08-24,4,August 2026,16+,iro=Helen Marsh; review=other,S1-003-letter.txt",
    ]
    readme = (pack / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[0] == "# Letter audit pack: sample 1"
    assert "pseudonymised" not in " ".join(readme)
    assert (
        "| S1-002 | 1 | 5-10 | `S1-002-check.html`, `S1-002-form.csv`, `S1-002-form.docx`, `S1-002-letter.docx` |"
        in readme
    )
    with session(register.engine) as db:
        assert db.get(Sample, register.sample_id).pack == str(pack)
        assert db.scalars(select(Pseudonym)).all() == []


# ---- a pseudonymised pack -------------------------------------------------------------------


def test_a_pseudonymised_pack_has_pseudonymised_letters_and_no_originals(
    pseudo: tuple[Register, list[Path]],
) -> None:
    register, files = pseudo
    pack = register.folder / "PACK"
    assert len(register.letters) == 7
    expected = [
        f"S1-{number:03d}-{part}"
        for number in range(1, 8)
        for part in ("letter.md", "letter.docx", "check.html", "form.docx", "form.csv")
    ]
    assert [f.relative_to(pack).as_posix() for f in files] == [*expected, "index.csv", "README.md"]
    assert sorted(p.name for p in pack.iterdir()) == sorted(f.name for f in files)


@pytest.mark.parametrize(
    ("letters", "message"),
    [
        (
            [("amira-second-review", ".docx")],
            "S1-001 has no review record in the register; a pseudonymised pack needs it to find "
            "every name — import the letter with a review_record column",
        ),
        (
            [("amira-second-review", ".md"), ("leo-first-review", ".txt")],
            "S1-001, S1-002 have no review record in the register; a pseudonymised pack needs "
            "them to find every name — import the letters with a review_record column",
        ),
    ],
)
def test_a_pseudonymised_pack_of_letters_without_their_records_is_refused(
    tmp_path: Path,
    settings: Settings,
    rubric: Rubric,
    letters: list[tuple[str, str]],
    message: str,
) -> None:
    register = make_register(tmp_path, settings, letters, pseudonymised=True, with_record=False)
    with pytest.raises(PackError) as caught:
        build_pack(register.engine, register.sample_id, tmp_path / "PACK", rubric)
    assert str(caught.value) == message
    assert not (tmp_path / "PACK").exists()
    with session(register.engine) as db:
        assert db.scalars(select(Pseudonym)).all() == []
        assert db.get(Sample, register.sample_id).pack is None


def test_a_pseudonymised_pack_contains_no_name_from_any_review_record(
    pseudo: tuple[Register, list[Path]],
) -> None:
    register, files = pseudo
    records = [load_record(p) for p in sorted(SAMPLES.glob("*.yaml"))]
    words = set().union(*(name_words(r) for r in records))
    ids = {r.child.record_id for r in records if r.child.record_id}
    assert {"Amira", "Khan", "Okafor", "Sami", "Tesfaye", "Ty", "Reilly"} <= words
    for path in files:
        text = text_of(path)
        found = sorted(w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text))
        assert found == [], f"{path.name} names {found}"
        assert [i for i in ids if i in text] == [], path.name
        assert "@" not in text, path.name
        assert str(register.folder) not in text, path.name
    # Found by spaCy, not in a name field, and gone too.
    assert "Noor" not in text_of(register.folder / "PACK" / "S1-001-letter.md")


def test_a_pseudonymised_letter_keeps_its_shape(pseudo: tuple[Register, list[Path]]) -> None:
    pack = pseudo[0].folder / "PACK"
    # S1-002 was a Word letter (leo-first-review): headings and lists survive as Markdown.
    lines = (pack / "S1-002-letter.md").read_text(encoding="utf-8").splitlines()
    assert lines[:13] == [
        "Dear B,",
        "",
        "My name is Professional 5. I run your meetings. My job is to check that your plan is right for you, and that grown-ups listen to you.",
        "",
        "We had your big meeting on Friday 2 October 2026, at Gran's kitchen. This letter tells you what we talked about and what we decided.",
        "",
        "## Who came",
        "",
        "You came, and so did:",
        "",
        "- Gran",
        "",
        "- Mummy",
    ]
    assert docx_text(pack / "S1-001-letter.docx")[0] == "Dear A,"


def test_a_pseudonymised_check_report_is_made_without_the_record(
    pseudo: tuple[Register, list[Path]],
) -> None:
    pack = pseudo[0].folder / "PACK"
    text = markdown_letter_text((pack / "S1-001-letter.md").read_text(encoding="utf-8"))
    request = CheckRequest(path=Path("S1-001-letter.md"), text=text, band="11-15")
    expected = to_html(Checker().check([request]))
    assert (pack / "S1-001-check.html").read_text(encoding="utf-8") == expected


def test_a_pseudonymised_index_and_form_give_only_the_month(
    pseudo: tuple[Register, list[Path]],
) -> None:
    pack = pseudo[0].folder / "PACK"
    assert (pack / "index.csv").read_text(encoding="utf-8-sig").splitlines() == [
        "code,review_number,review_month,age_band,stratum",
        "S1-001,2,August 2026,11-15,iro=Professional 1; review=second",
        "S1-002,1,October 2026,5-10,iro=Professional 5; review=other",
        "S1-003,3,November 2026,under-5,iro=Professional 8; review=other",
        "S1-004,2,June 2026,5-10,iro=Professional 5; review=second",
        "S1-005,4,October 2026,under-5,iro=Professional 1; review=other",
        "S1-006,4,August 2026,16+,iro=Professional 8; review=other",
        "S1-007,5,July 2026,11-15,iro=Professional 1; review=other",
    ]
    assert docx_text(pack / "S1-003-form.docx")[1:4] == [
        "Letter: S1-003",
        "Review month: November 2026",
        "Review number: 3",
    ]
    readme = (pack / "README.md").read_text(encoding="utf-8")
    assert "The letters are pseudonymised." in readme


def test_the_pseudonym_key_stays_in_the_register(pseudo: tuple[Register, list[Path]]) -> None:
    register, files = pseudo
    with session(register.engine) as db:
        rows = db.scalars(select(Pseudonym).order_by(Pseudonym.id)).all()
        key = {(r.review_id, r.real): r.pseudonym for r in rows}
        assert {r.sample_id for r in rows} == {register.sample_id}
    amira = review_id("amira-second-review")
    ruby = review_id("ruby-pre-adoptive")
    assert key[(amira, "Amira")] == "A"
    assert key[(amira, "Amira Khan")] == "Child A"
    assert key[(amira, "Noor")] == "Relative 1"
    assert key[(amira, "Priya Shah")] == key[(ruby, "Priya Shah")] == "Professional 1"
    assert key[(ruby, "Ruby Shaw")] == "Child E"
    pack_text = "\n".join(text_of(p) for p in files)
    assert "Amira Khan" not in pack_text
    assert "Dear E," in pack_text


def test_an_escaped_email_address_leaves_nothing_behind(
    tmp_path: Path, settings: Settings, rubric: Rubric
) -> None:
    register = make_register(tmp_path, settings, [("leo-first-review", ".txt")], pseudonymised=True)
    # A .txt letter is Markdown-escaped before it is pseudonymised: priya\\_shah@...
    add_to_letter(register, "S1-001", "Or email Priya at priya_shah@example.gov.uk today.")
    build_pack(register.engine, register.sample_id, tmp_path / "PACK", rubric)
    for name in ("S1-001-letter.md", "S1-001-letter.docx", "S1-001-check.html"):
        text = text_of(tmp_path / "PACK" / name)
        assert "[email removed] today." in text, name
        assert [w for w in ("priya", "shah", "\\[email") if w in text.lower()] == [], name


def test_the_childs_record_id_is_removed_from_the_pack(
    tmp_path: Path, settings: Settings, rubric: Rubric
) -> None:
    register = make_register(tmp_path, settings, [("leo-first-review", ".md")], pseudonymised=True)
    add_to_letter(register, "S1-001", "Our ref: EX-100574. You were born in February 2019.")
    build_pack(register.engine, register.sample_id, tmp_path / "PACK", rubric)
    letter = (tmp_path / "PACK" / "S1-001-letter.md").read_text(encoding="utf-8")
    assert "\n\nOur ref: [reference removed]. You were aged 7.\n\n" in letter


def _patched(name: str, extra: str) -> Any:
    """Return a fixture step that makes the pack builder's `name` add `extra` to its file."""

    def inject(register: Register, monkeypatch: pytest.MonkeyPatch) -> None:
        import letters.audit.pack as audit

        original = getattr(audit, name)

        def leaky(*args: Any, **kwargs: Any) -> Any:
            content = original(*args, **kwargs)
            if name != "form_docx":
                return content + extra.encode("utf-8")
            from docx import Document as WordDocument

            document = WordDocument(io.BytesIO(content))
            document.sections[0].footer.paragraphs[0].text = extra  # not in the body
            buffer = io.BytesIO()
            document.save(buffer)
            return buffer.getvalue()

        monkeypatch.setattr(audit, name, leaky)

    return inject


def _added(line: str) -> Any:
    def inject(register: Register, monkeypatch: pytest.MonkeyPatch) -> None:
        add_to_letter(register, "S1-002", line)

    return inject


LEAK_HEAD = (
    "the pseudonymised pack was not written: its files still hold details from the review "
    "records (not shown here):"
)


# The pack is checked whole: every file, against every name and record id of every record.
@pytest.mark.parametrize(
    ("inject", "lines"),
    [
        (
            _added("We rang the Bell at school."),  # Amira's team manager, in Leo's letter
            [
                "S1-002-letter.md: a professional's name from the review record of S1-001",
                "S1-002-letter.docx: a professional's name from the review record of S1-001",
                "S1-002-check.html: a professional's name from the review record of S1-001",
            ],
        ),
        (
            _added("Our ref: EX-100231"),  # Amira's record id, in Leo's letter
            [
                "S1-002-letter.md: the child's record id from the review record of S1-001",
                "S1-002-letter.docx: the child's record id from the review record of S1-001",
                "S1-002-check.html: the child's record id from the review record of S1-001",
            ],
        ),
        (
            _patched("_readme", "Thanks to Fielding."),
            ["README.md: a carer's name from the review record of S1-001"],
        ),
        (
            _patched("_index_csv", "Leo\r\n"),
            ["index.csv: the child's name from the review record of S1-002"],
        ),
        (
            _patched("form_csv", "ex-100574\r\n"),
            [
                "S1-001-form.csv: the child's record id from the review record of S1-002",
                "S1-002-form.csv: the child's record id from the review record of S1-002",
            ],
        ),
        (
            _patched("form_docx", "Okafor"),
            [
                "S1-001-form.docx: a professional's name from the review record of S1-001",
                "S1-002-form.docx: a professional's name from the review record of S1-001",
            ],
        ),
    ],
)
def test_a_pseudonymised_pack_that_still_holds_a_name_is_refused_whole(
    tmp_path: Path,
    settings: Settings,
    rubric: Rubric,
    monkeypatch: pytest.MonkeyPatch,
    inject: Any,
    lines: list[str],
) -> None:
    register = make_register(
        tmp_path,
        settings,
        [("amira-second-review", ".md"), ("leo-first-review", ".txt")],
        pseudonymised=True,
    )
    inject(register, monkeypatch)
    with pytest.raises(PackError) as caught:
        build_pack(register.engine, register.sample_id, tmp_path / "PACK", rubric)
    assert str(caught.value) == "\n".join([LEAK_HEAD, *(f"  {line}" for line in lines)])
    assert not (tmp_path / "PACK").exists()
    with session(register.engine) as db:
        assert db.scalars(select(Pseudonym)).all() == []


# ---- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("pseudonymised", [False, True], ids=["named", "pseudonymised"])
@pytest.mark.parametrize(
    ("suffix", "change"),
    [
        (".md", lambda raw: raw + b"\nOne more line.\n"),
        (".txt", lambda raw: raw.replace(b"Dear", b"Hello", 1)),
        (".docx", lambda raw: raw + b"\0"),
    ],
)
def test_a_letter_changed_since_it_was_registered_is_refused(
    tmp_path: Path,
    settings: Settings,
    rubric: Rubric,
    pseudonymised: bool,
    suffix: str,
    change: Any,
) -> None:
    register = make_register(
        tmp_path,
        settings,
        [("amira-second-review", ".md"), ("leo-first-review", suffix)],
        pseudonymised=pseudonymised,
    )
    letter = register.letters["S1-002"]
    letter.write_bytes(change(letter.read_bytes()))
    with pytest.raises(PackError) as caught:
        build_pack(register.engine, register.sample_id, tmp_path / "PACK", rubric)
    assert str(caught.value) == (
        f"S1-002: the letter {letter} has changed since it was registered (its SHA-256 is not "
        "the registered one); register it again, then make the pack"
    )
    assert not (tmp_path / "PACK").exists()


def test_a_pack_is_not_overwritten_unless_forced(
    tmp_path: Path, settings: Settings, rubric: Rubric
) -> None:
    register = make_register(tmp_path, settings, [("leo-first-review", ".md")])
    out = tmp_path / "PACK"
    first = build_pack(register.engine, register.sample_id, out, rubric)
    (out / "README.md").write_text("changed", encoding="utf-8")
    with pytest.raises(RefusedOverwrite) as caught:
        build_pack(register.engine, register.sample_id, out, rubric)
    assert caught.value.paths == first
    assert (out / "README.md").read_text(encoding="utf-8") == "changed"
    assert build_pack(register.engine, register.sample_id, out, rubric, force=True) == first
    assert (out / "README.md").read_text(encoding="utf-8").startswith("# Letter audit pack")


@pytest.mark.parametrize(
    ("sample_id", "message"),
    [
        (99, "there is no sample 99 in the register"),
    ],
)
def test_a_pack_of_no_sample_is_refused(
    tmp_path: Path, settings: Settings, rubric: Rubric, sample_id: int, message: str
) -> None:
    register = make_register(tmp_path, settings, [("leo-first-review", ".md")])
    with pytest.raises(PackError) as caught:
        build_pack(register.engine, sample_id, tmp_path / "PACK", rubric)
    assert str(caught.value) == message
    assert not (tmp_path / "PACK").exists()


def test_a_pseudonymised_pack_needs_the_record_it_was_drafted_from(
    tmp_path: Path, settings: Settings, rubric: Rubric
) -> None:
    register = make_register(tmp_path, settings, [("leo-first-review", ".md")], pseudonymised=True)
    with session(register.engine) as db:
        record = db.scalars(select(Document).where(Document.kind == "record")).one()
        record.path = str(tmp_path / "gone.yaml")
    with pytest.raises(PackError) as caught:
        build_pack(register.engine, register.sample_id, tmp_path / "PACK", rubric)
    assert str(caught.value) == (
        f"S1-001: the review record {tmp_path / 'gone.yaml'} is missing; a pseudonymised pack "
        "needs it to find every name, so the pack was not written"
    )
    assert not (tmp_path / "PACK").exists()


# ---- scores back in -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scoring_template(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Path:
    """A register with a sampled second review (S1-001) and first review (S1-002)."""
    folder = tmp_path_factory.mktemp("scoring")
    register = make_register(
        folder, settings, [("amira-second-review", ".md"), ("leo-first-review", ".md")]
    )
    register.engine.dispose()
    return folder / "letters.db"


@pytest.fixture
def scoring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scoring_template: Path) -> Register:
    """A fresh copy of the scoring register, in a working folder of its own."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(scoring_template, tmp_path / "letters.db")
    return Register(open_register(tmp_path / "letters.db"), 1, tmp_path, {})


def filled_csv(
    code: str, criteria: tuple[str, ...], reviewer: str = "Jane Smith", **changes: str
) -> str:
    """Return a completed CSV form: every criterion scored 3; `row4='...'` replaces row 4."""
    lines = ["letter,reviewer,criterion,score,comment"]
    lines += [f"{code},{reviewer},{c},3,Clear and kind." for c in criteria]
    for key, line in changes.items():
        lines[int(key[3:]) - 1] = line
    return "\n".join(lines) + "\n"


def fill_docx(content: bytes, reviewer: str, scores: dict[int, str]) -> bytes:
    """Return a Word form filled in: reviewer line, and a score (3 unless given) and comment."""
    from docx import Document as WordDocument

    document = WordDocument(io.BytesIO(content))
    for paragraph in document.paragraphs:
        if paragraph.text.startswith("Reviewer:"):
            paragraph.text = f"Reviewer: {reviewer}"
    for number, row in enumerate(document.tables[0].rows[1:], start=2):
        row.cells[2].text = scores.get(number, "3")
        row.cells[3].text = "Warm."
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def stored_scores(engine: Any) -> list[tuple[str, str, str, int, str | None, str]]:
    with session(engine) as db:
        return [
            (s.review_id, s.reviewer, s.criterion, s.score, s.comment, s.source_file)
            for s in db.scalars(select(Score).order_by(Score.id))
        ]


def test_a_completed_csv_form_imports(scoring: Register) -> None:
    Path("amira.csv").write_text(filled_csv("S1-001", ALL_CRITERIA), encoding="utf-8")
    summary = import_scores(scoring.engine, [Path("amira.csv")])
    assert summary.ok
    assert summary.imported == (FileImport(Path("amira.csv"), 8, ("S1-001",), ("Jane Smith",)),)
    amira = review_id("amira-second-review")
    assert stored_scores(scoring.engine) == [
        (amira, "Jane Smith", c, 3, "Clear and kind.", "amira.csv") for c in ALL_CRITERIA
    ]


def test_a_completed_word_form_imports(scoring: Register, rubric: Rubric) -> None:
    blank = form_docx("S1-002", dt.date(2026, 10, 2), 1, rubric, "S1-002-letter.md")
    Path("leo.docx").write_bytes(fill_docx(blank, "Sam Lee", {2: "4", 4: "2 Requires improvement"}))
    summary = import_scores(scoring.engine, [Path("leo.docx")])
    assert summary.imported == (FileImport(Path("leo.docx"), 7, ("S1-002",), ("Sam Lee",)),)
    assert summary.failed == ()
    leo = review_id("leo-first-review")
    expected = dict.fromkeys(FIRST_REVIEW_CRITERIA, 3) | {
        "written_to_child": 4,
        "decisions_clear": 2,
    }
    assert stored_scores(scoring.engine) == [
        (leo, "Sam Lee", c, expected[c], "Warm.", "leo.docx") for c in FIRST_REVIEW_CRITERIA
    ]


def test_the_pack_forms_can_be_filled_in_and_imported(
    plain: tuple[Register, list[Path]],
) -> None:
    register, _ = plain
    pack = register.folder / "PACK"
    lines = (pack / "S1-003-form.csv").read_text(encoding="utf-8-sig").splitlines()
    filled = [lines[0]] + [
        line.replace(",,", ",Ann Cole,", 1).rstrip(",") + ",4,Lovely." for line in lines[1:]
    ]
    path = register.folder / "S1-003-filled.csv"
    path.write_text("\n".join(filled) + "\n", encoding="utf-8")
    summary = import_scores(register.engine, [path])
    assert summary.imported == (FileImport(path, 7, ("S1-003",), ("Ann Cole",)),)


@pytest.mark.parametrize(
    ("form", "problems"),
    [
        (
            filled_csv("S1-001", ALL_CRITERIA, row4="S1-001,Jane Smith,decisions_clear,5,Great."),
            ["form.csv:4: score: '5' is off the scale (1-4)"],
        ),
        (
            filled_csv("S1-001", ALL_CRITERIA, row3="S1-001,Jane Smith,childs_voice,,"),
            ["form.csv:3: score: is blank: give a score from 1 to 4"],
        ),
        (
            filled_csv("S1-001", ALL_CRITERIA, row2="S1-001,Jane Smith,written_to_child,good,"),
            ["form.csv:2: score: 'good' is not a score: write a whole number from 1 to 4"],
        ),
        (
            filled_csv(
                "S1-001", ALL_CRITERIA, row2="S1-001,Jane Smith,written_to_child,3 Outstanding,"
            ),
            ["form.csv:2: score: '3 Outstanding': 3 is 'Good' on the scale, not 'Outstanding'"],
        ),
        (
            filled_csv("S9-001", ALL_CRITERIA),
            [
                "form.csv:2: letter: 'S9-001' is not the code of a letter in any sample in this register"
            ],
        ),
        (
            filled_csv("S1-001", ALL_CRITERIA, row5="S1-001,Jane Smith,spelling,3,"),
            [
                "form.csv:5: criterion: 'spelling' is not a criterion of the rubric (use one of: "
                + ", ".join(ALL_CRITERIA)
                + ")"
            ],
        ),
        (
            filled_csv("S1-001", ALL_CRITERIA, row6="S1-001,jane  smith,decisions_clear,2,"),
            [
                "form.csv:6: criterion: jane smith scores S1-001 on 'decisions_clear' twice (first in row 4)"
            ],
        ),
        (
            filled_csv("S1-002", (*FIRST_REVIEW_CRITERIA, "permanence_explained")),
            [
                "form.csv:9: criterion: 'permanence_explained' is only scored for second reviews, and S1-002 is review 1"
            ],
        ),
        (
            filled_csv("S1-001", ALL_CRITERIA, reviewer=""),
            ["form.csv:2: reviewer: is blank: write who scored S1-001 in every row"],
        ),
        (
            filled_csv(
                "S1-001",
                ALL_CRITERIA,
                row3="S1-001,Ann Cole,childs_voice,3,",
                row4="S1-001,,decisions_clear,3,",
            ),
            [
                "form.csv:4: reviewer: is blank, and 2 people scored S1-001 in this file: write who gave this score"
            ],
        ),
        (
            "letter,criterion,score\nS1-001,written_to_child,3\n",
            [
                "form.csv:1: has no 'reviewer' column; the first row must name the columns letter, reviewer, criterion, score, comment"
            ],
        ),
        (
            filled_csv(
                "S1-001",
                ALL_CRITERIA,
                row4="S1-001,Jane Smith,decisions_clear,0,",
                row7="S1-001,Jane Smith,permanence_explained,4.5,",
            ),
            [
                "form.csv:4: score: '0' is off the scale (1-4)",
                "form.csv:7: score: '4.5' is not a score: write a whole number from 1 to 4",
            ],
        ),
        (
            filled_csv("S1-001", ALL_CRITERIA, row3="S1-001," + "R" * 201 + ",childs_voice,3,"),
            ["form.csv:3: reviewer: is 201 characters long; a reviewer's name can be at most 200"],
        ),
        (
            filled_csv(
                "S1-001", ALL_CRITERIA, row4="S1-001,Jane Smith,decisions_clear,3," + "x" * 4001
            ),
            ["form.csv:4: comment: is 4001 characters long; a comment can be at most 4000"],
        ),
        (
            filled_csv("S1-001", ALL_CRITERIA, row5="S1-001,Jane Smith,own_words,3,Fine\x00"),
            ["form.csv: is not a text file (is it a Word or PDF file?)"],
        ),
        (
            filled_csv("S1-001", ALL_CRITERIA, reviewer="Jane\x1bSmith"),
            [
                "form.csv: line 2 has a control character (U+001B) that does not belong in text; delete it, or save the file again as plain text"
            ],
        ),
    ],
)
def test_a_bad_csv_form_names_the_file_and_row_and_imports_nothing(
    scoring: Register, form: str, problems: list[str]
) -> None:
    Path("form.csv").write_text(form, encoding="utf-8")
    Path("good.csv").write_text(filled_csv("S1-002", FIRST_REVIEW_CRITERIA), encoding="utf-8")
    summary = import_scores(scoring.engine, [Path("form.csv"), Path("good.csv")])
    assert not summary.ok
    assert [str(e) for e in summary.failed] == [
        "\n".join(
            [
                f"form.csv: this audit form has {len(problems)} problem{'s' if len(problems) != 1 else ''}:",
                *(f"  {p}" for p in problems),
            ]
        )
    ]
    assert isinstance(summary.failed[0], AuditFormError)
    # The good file still imports; nothing from the bad one does.
    assert summary.imported == (FileImport(Path("good.csv"), 7, ("S1-002",), ("Jane Smith",)),)
    assert {row[-1] for row in stored_scores(scoring.engine)} == {"good.csv"}


def test_a_long_name_and_comment_within_the_limits_import(scoring: Register) -> None:
    reviewer = "R" * 200
    form = filled_csv("S1-002", FIRST_REVIEW_CRITERIA, reviewer=reviewer)
    comment = "Line one.\n\tLine two." + "x" * (4000 - 20)
    form = form.replace("written_to_child,3,Clear and kind.", f'written_to_child,3,"{comment}"')
    Path("form.csv").write_text(form, encoding="utf-8")
    summary = import_scores(scoring.engine, [Path("form.csv")])
    assert summary.failed == ()
    assert summary.imported == (FileImport(Path("form.csv"), 7, ("S1-002",), (reviewer,)),)
    assert stored_scores(scoring.engine)[0][4] == comment


def test_a_too_long_reviewer_on_a_word_form_is_named_once(
    scoring: Register, rubric: Rubric
) -> None:
    blank = form_docx("S1-002", dt.date(2026, 10, 2), 1, rubric, "S1-002-letter.md")
    Path("form.docx").write_bytes(fill_docx(blank, "R" * 250, {}))
    summary = import_scores(scoring.engine, [Path("form.docx")])
    assert [str(e) for e in summary.failed] == [
        "form.docx: this audit form has 1 problem:\n"
        "  form.docx: table row 2: reviewer: is 250 characters long; a reviewer's name can be at "
        "most 200"
    ]
    assert stored_scores(scoring.engine) == []


AGAIN = "nothing from it was imported, so import it again"


# Whatever the database says, only the file being imported fails, and nothing of it stays.
@pytest.mark.parametrize(
    ("error", "problem"),
    [
        (
            sqlite3.OperationalError("database is locked"),  # SQLAlchemy wraps it
            f"the register could not store its scores (database is locked); {AGAIN}",
        ),
        (
            OperationalError(
                "INSERT INTO scores",
                {},
                psycopg.errors.SerializationFailure(
                    "could not serialize access due to concurrent update"
                ),
            ),
            "the register could not store its scores (could not serialize access due to "
            f"concurrent update); {AGAIN}",
        ),
        (
            DataError(
                "INSERT INTO scores",
                {},
                psycopg.errors.StringDataRightTruncation(
                    "value too long for type character varying(200)"
                ),
            ),
            "the register could not store its scores (value too long for type character "
            f"varying(200)); {AGAIN}",
        ),
        (
            IntegrityError(
                "INSERT INTO scores", {}, sqlite3.IntegrityError("UNIQUE constraint failed")
            ),
            "some of its scores were imported from another file at the same moment; import it "
            "again to see which",
        ),
    ],
)
def test_a_database_error_fails_that_file_only(
    scoring: Register, error: Exception, problem: str
) -> None:
    errors = [error]

    @event.listens_for(scoring.engine, "before_cursor_execute")
    def fail_once(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.startswith("INSERT INTO scores") and errors:
            raise errors.pop()

    Path("form.csv").write_text(filled_csv("S1-001", ALL_CRITERIA), encoding="utf-8")
    Path("good.csv").write_text(filled_csv("S1-002", FIRST_REVIEW_CRITERIA), encoding="utf-8")
    summary = import_scores(scoring.engine, [Path("form.csv"), Path("good.csv")])
    assert [str(e) for e in summary.failed] == [
        f"form.csv: this audit form has 1 problem:\n  form.csv: {problem}"
    ]
    assert summary.imported == (FileImport(Path("good.csv"), 7, ("S1-002",), ("Jane Smith",)),)
    assert {row[-1] for row in stored_scores(scoring.engine)} == {"good.csv"}


def test_a_password_protected_word_form_is_refused(scoring: Register) -> None:
    from letters.textio import OLE2_SIGNATURE  # one signature, shared with reading letters

    Path("form.docx").write_bytes(OLE2_SIGNATURE + b"\0" * 504)
    summary = import_scores(scoring.engine, [Path("form.docx")])
    assert [str(e) for e in summary.failed] == [
        "form.docx: this audit form has 1 problem:\n  form.docx: is password-protected, or an "
        "old .doc file; save it from Word as .docx"
    ]


def test_a_reviewer_named_once_in_a_csv_form_counts_for_the_letter(scoring: Register) -> None:
    form = filled_csv("S1-002", FIRST_REVIEW_CRITERIA, reviewer="")
    form = form.replace("S1-002,,written_to_child", "S1-002,Jane Smith,written_to_child")
    Path("form.csv").write_text(form, encoding="utf-8")
    summary = import_scores(scoring.engine, [Path("form.csv")])
    assert summary.imported == (FileImport(Path("form.csv"), 7, ("S1-002",), ("Jane Smith",)),)


def test_a_bad_word_form_names_the_file_and_table_row(scoring: Register, rubric: Rubric) -> None:
    blank = form_docx("S1-001", dt.date(2026, 8, 10), 2, rubric, "S1-001-letter.md")
    Path("form.docx").write_bytes(fill_docx(blank, "", {3: "5", 9: ""}))
    summary = import_scores(scoring.engine, [Path("form.docx")])
    assert [str(e) for e in summary.failed] == [
        "form.docx: this audit form has 3 problems:\n"
        "  form.docx: reviewer: is blank: write your name on the 'Reviewer:' line\n"
        "  form.docx: table row 3: score: '5' is off the scale (1-4)\n"
        "  form.docx: table row 9: score: is blank: give a score from 1 to 4"
    ]
    assert stored_scores(scoring.engine) == []


def test_the_same_form_imported_again_is_already_imported_and_a_changed_score_is_refused(
    scoring: Register,
) -> None:
    Path("amira.csv").write_text(filled_csv("S1-001", ALL_CRITERIA), encoding="utf-8")
    Path("again.csv").write_text(
        filled_csv("S1-001", ALL_CRITERIA, reviewer="JANE SMITH"), encoding="utf-8"
    )
    Path("changed.csv").write_text(
        filled_csv("S1-001", ALL_CRITERIA, row3="S1-001,Jane Smith,childs_voice,2,Clear and kind."),
        encoding="utf-8",
    )
    first = import_scores(scoring.engine, [Path("amira.csv")])
    assert first.ok
    second = import_scores(
        scoring.engine, [Path("amira.csv"), Path("again.csv"), Path("changed.csv")]
    )
    assert second.imported == (
        FileImport(Path("amira.csv"), 0, ("S1-001",), ("Jane Smith",), already=8),
        FileImport(Path("again.csv"), 0, ("S1-001",), ("JANE SMITH",), already=8),
    )
    assert [str(e) for e in second.failed] == [
        "changed.csv: this audit form has 1 problem:\n"
        "  changed.csv:3: criterion: Jane Smith has already scored S1-001 on 'childs_voice' as "
        "3, and this form gives 2 (imported from amira.csv); a score in the register is not "
        "changed by importing another form"
    ]
    assert len(stored_scores(scoring.engine)) == 8


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        (
            "notes.txt",
            b"hello",
            "notes.txt: is not an audit form: use the .csv or .docx form from the pack",
        ),
        (
            "form.xlsx",
            b"PK",
            "form.xlsx: is not an audit form: use the .csv or .docx form from the pack",
        ),
        ("empty.csv", b"", "empty.csv: is empty"),
        (
            "form.docx",
            b"not a zip",
            "form.docx: is not a Word (.docx) file, though its name ends in .docx",
        ),
        (
            "header.csv",
            b"letter,reviewer,criterion,score,comment\n",
            "header.csv: has no scores in it",
        ),
    ],
)
def test_a_file_that_is_not_a_form_is_refused(
    scoring: Register, name: str, content: bytes, problem: str
) -> None:
    Path(name).write_bytes(content)
    summary = import_scores(scoring.engine, [Path(name), Path("missing.csv")])
    assert [str(e) for e in summary.failed] == [
        f"{name}: this audit form has 1 problem:\n  {problem}",
        "missing.csv: this audit form has 1 problem:\n  missing.csv: no such file",
    ]


def test_the_csv_form_builder(rubric: Rubric) -> None:
    assert form_csv("S2-010", 3, rubric).decode("utf-8-sig").splitlines() == [
        "letter,reviewer,criterion,score,comment",
        *(f"S2-010,,{c},," for c in FIRST_REVIEW_CRITERIA),
    ]
