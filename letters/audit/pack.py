"""Peer review of letters: the rubric, the audit pack for reviewers, and their scores back in."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import os
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ..errors import InvalidFileError, LettersError, Problem
from ..resources import data_dir
from ..safetext import cell_value, csv_error_message, csv_text, terminal_text
from ..textio import (
    LETTER_SUFFIXES,
    MAX_LETTER_BYTES,
    MAX_TABLE_BYTES,
    OLE2_SIGNATURE,
    decode_text,
    read_bytes,
)
from ..yamlfile import YamlDocument, field_path, load_yaml

if TYPE_CHECKING:
    from ..checking.check import CheckRequest
    from ..config import Settings
    from ..records import ReviewRecord
    from .pseudonymise import Pseudonymiser

RUBRIC_FILE = "audit_rubric.yaml"
SCALE = (1, 2, 3, 4)
FORM_COLUMNS = ("letter", "reviewer", "criterion", "score", "comment")
FORM_TABLE_HEADER = ("Criterion", "Question", "Score (1-4)", "Comment")
INDEX_COLUMNS = ("code", "review_number", "review_month", "age_band", "stratum")
INDEX_COLUMNS_NAMED = (
    "code",
    "review_id",
    "iro",
    "review_date",
    "review_number",
    "review_month",
    "age_band",
    "stratum",
    "letter",
)
_REQUIRED_COLUMNS = ("letter", "reviewer", "criterion", "score")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_REVIEWER = 200  # the register's column for a reviewer's name
MAX_COMMENT = 4000  # a comment on one criterion: a few paragraphs at most

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class RubricError(InvalidFileError):
    """An audit rubric that cannot be used: bad YAML, a missing field, a scale that is not 1-4."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        super().__init__(path, problems, what="audit rubric")


class AuditFormError(InvalidFileError):
    """A completed audit form that cannot be imported; nothing from it was imported."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        super().__init__(path, problems, what="audit form")


class PackError(LettersError):
    """An audit pack that cannot be built from the register."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaleLevel(_Model):
    """One point of the four-point scale: its score, label and what it means."""

    score: int
    label: Text
    descriptor: Text


class Criterion(_Model):
    """One thing reviewers score a letter on."""

    id: Text
    title: Text
    question: Text
    applies_to: Literal["all", "second_review"]
    source: Text
    checks: list[Text] = Field(default_factory=list)  # automatic check rule ids or prefixes

    def applies(self, review_number: int) -> bool:
        """Return whether the criterion is scored for a letter after review `review_number`."""
        return self.applies_to == "all" or review_number == 2


class Rubric(_Model):
    """The peer-review rubric: the scale and the criteria."""

    rubric: Text
    description: Text
    scale: list[ScaleLevel]
    criteria: list[Criterion] = Field(min_length=1)

    def criteria_for(self, review_number: int) -> list[Criterion]:
        """Return the criteria scored for a letter after review `review_number`."""
        return [c for c in self.criteria if c.applies(review_number)]

    def criterion(self, criterion_id: str) -> Criterion | None:
        """Return the criterion with this id, or None."""
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def label(self, score: int) -> str:
        """Return the scale's label for `score` ('Good')."""
        return next(level.label for level in self.scale if level.score == score)


def _rubric_problems(exc: ValidationError, doc: YamlDocument) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if err["type"] == "missing":
            message = "is missing"
        elif err["type"] == "extra_forbidden":
            message = "is not a key of the rubric here (check the spelling)"
        elif err["type"] == "literal_error":
            message = f"{err['input']!r} is not allowed; use {err['ctx']['expected']}"
        elif err["type"] in ("string_too_short", "string_type") and err.get("input") in ("", None):
            message = "must not be empty"
        elif err["type"] == "model_type" and not loc:
            message = "is not an audit rubric: it should have 'rubric:', 'scale:' and 'criteria:'"
        else:
            message = str(err["msg"])
        out.append(Problem(field_path(loc), message, doc.line_of(loc)))
    return out


def _rubric_checks(rubric: Rubric, doc: YamlDocument) -> list[Problem]:
    problems = []
    scores = [level.score for level in rubric.scale]
    if scores != list(SCALE):
        problems.append(
            Problem(
                "scale",
                f"must give the scores 1, 2, 3 and 4 in order, not {', '.join(map(str, scores))}",
                doc.line_of(("scale",)),
            )
        )
    seen: dict[str, int] = {}
    for index, criterion in enumerate(rubric.criteria):
        line = doc.line_of(("criteria", index, "id"))
        if not _ID.match(criterion.id):
            problems.append(
                Problem(
                    f"criteria[{index}].id",
                    f"'{criterion.id}' must be lower_snake_case (letters, digits and _)",
                    line,
                )
            )
        if criterion.id in seen:
            problems.append(
                Problem(
                    f"criteria[{index}].id",
                    f"'{criterion.id}' is used twice (first in criteria[{seen[criterion.id]}])",
                    line,
                )
            )
        seen.setdefault(criterion.id, index)
    return problems


def load_rubric(path: Path | None = None) -> Rubric:
    """Load and check the audit rubric (the built-in one if no path), or raise `RubricError`."""
    path = path or data_dir("style_rules") / RUBRIC_FILE
    doc = load_yaml(path, "audit rubric", RubricError)
    try:
        rubric = Rubric.model_validate(doc.data)
    except ValidationError as exc:
        raise RubricError(path, _rubric_problems(exc, doc)) from None
    problems = _rubric_checks(rubric, doc)
    if problems:
        raise RubricError(path, problems)
    return rubric


def rubric_for(settings: Settings) -> Rubric:
    """Load the council's rubric from its rules folder if it has one, else the built-in one."""
    folder = settings.check.rules
    local = folder / RUBRIC_FILE if folder else None
    return load_rubric(local if local is not None and local.is_file() else None)


# ---- the pack -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    """What the pack needs of one sampled letter, read from the register."""

    code: str
    stratum: str
    review_id: str
    child_ref: str
    iro: str
    review_date: dt.date
    review_number: int
    age_band: str
    letter: Path
    letter_sha256: str  # as registered: the pack refuses a letter changed since
    record: Path | None
    # The folders the letter and the record must be inside; None: only the file itself.
    letter_folder: Path | None = None
    record_folder: Path | None = None
    folder_unknown: bool = False  # imported by a version that did not record the folder


@dataclass
class _Built:
    """One item's pack files, its check request, and its pseudonym key."""

    item: _Item
    letter_name: str
    request: CheckRequest
    files: dict[str, bytes] = field(default_factory=dict)
    key: dict[str, str] = field(default_factory=dict)


def _month(value: dt.date) -> str:
    return f"{value:%B %Y}"


def _csv_bytes(rows: list[list[str]]) -> bytes:
    """Return rows as CSV that Excel opens as UTF-8 (with a byte-order mark), never as formulas."""
    return csv_text(rows, lineterminator="\r\n").encode("utf-8-sig")


def _read_items(engine: Any, sample_id: int) -> tuple[Any, list[_Item]]:
    from ..register.db import session
    from ..register.tables import Sample

    with session(engine) as db:
        sample = db.get(Sample, sample_id)
        if sample is None:
            raise PackError(f"there is no sample {sample_id} in the register")
        items = []
        for entry in sample.items:
            review = entry.review
            letters = [d for d in review.documents if d.kind == "letter"]
            records = [d for d in review.documents if d.kind == "record"]
            if not letters:
                raise PackError(
                    f"{entry.code}: review {review.id} has no letter in the register, so it "
                    "cannot go in a pack"
                )
            imported = review.source == "import"
            items.append(
                _Item(
                    code=entry.code,
                    stratum=entry.stratum,
                    review_id=review.id,
                    child_ref=review.child_ref,
                    iro=review.iro,
                    review_date=review.review_date,
                    review_number=review.review_number,
                    age_band=review.age_band,
                    letter=Path(letters[-1].path),
                    letter_sha256=letters[-1].sha256,
                    record=Path(records[-1].path) if records else None,
                    letter_folder=_folder_of(letters[-1], imported),
                    record_folder=_folder_of(records[-1], imported) if records else None,
                    folder_unknown=imported
                    and any(d.folder is None for d in (letters[-1], *records[-1:])),
                )
            )
        if not items:
            raise PackError(f"sample {sample_id} has no letters in it")
        return sample, items


def _folder_of(document: Any, imported: bool) -> Path | None:
    """Return the folder a registered file must be inside to go in a pack."""
    if document.folder is not None:
        return Path(document.folder)
    # Registered by a version that did not record it. Drafted files were written by the tool
    # where the IRO said; an imported one could have come from anywhere an index pointed, so
    # it must be in the working folder.
    return Path.cwd() if imported else None


def _check_place(code: str, what: str, path: Path, folder: Path | None, unknown: bool) -> None:
    """Refuse a registered file outside its folder, reached by a link, or not a plain file."""
    shown = terminal_text(path)
    if not path.is_absolute():
        raise PackError(f"{code}: the {what} {shown} is registered without its full path")
    try:
        resolved = path.resolve()
        info = os.stat(resolved)
    except FileNotFoundError:
        return  # reading it says it is missing, naming it
    except (OSError, RuntimeError):
        raise PackError(f"{code}: the {what} {shown} cannot be found (a loop of links?)") from None
    if folder is not None and not resolved.is_relative_to(folder.resolve()):
        if unknown:
            raise PackError(
                f"{code}: the {what} {shown} was imported by an older version of iro-letters, "
                f"which did not record the folder it came from, and it is outside the working "
                f"folder {terminal_text(folder)}; import it again from its folder (letters "
                "register import FOLDER --index INDEX), then make the pack. Nothing was written."
            )
        raise PackError(
            f"{code}: the {what} {shown} is outside the folder it was registered from "
            f"({terminal_text(folder)}); a pack copies only registered files. Nothing was written."
        )
    if resolved != path:
        raise PackError(
            f"{code}: the {what} {shown} is now a link to {terminal_text(resolved)}; a pack "
            "copies only the file registered. Nothing was written."
        )
    if not stat.S_ISREG(info.st_mode):
        raise PackError(f"{code}: the {what} {shown} is not an ordinary file. Nothing was written.")
    if info.st_size > MAX_LETTER_BYTES:
        raise PackError(
            f"{code}: the {what} {shown} is too large to be a {what}. Nothing was written."
        )


def _check_places(item: _Item) -> None:
    """Refuse an item whose letter or record is not where the register says it may be."""
    _check_place(item.code, "letter", item.letter, item.letter_folder, item.folder_unknown)
    if item.letter.suffix.lower() not in LETTER_SUFFIXES:
        raise PackError(
            f"{item.code}: the registered letter {terminal_text(item.letter)} is not a letter "
            "file (.docx, .md or .txt). Nothing was written."
        )
    if item.record is not None:
        _check_place(
            item.code, "review record", item.record, item.record_folder, item.folder_unknown
        )
        if item.record.suffix.lower() not in (".yaml", ".yml"):
            raise PackError(
                f"{item.code}: the registered review record {terminal_text(item.record)} is not "
                "a review record (a .yaml file). Nothing was written."
            )


def _load_registered_record(item: _Item, path: Path) -> ReviewRecord:
    """Load a registered review record; if it is not valid, say so without quoting it."""
    from ..records import load_record

    try:
        return load_record(path)
    except InvalidFileError:
        # Its problems would quote its lines, and it may not be a review record at all.
        raise PackError(
            f"{item.code}: the registered review record {terminal_text(path)} is not a valid "
            f"review record (see why with: letters validate {terminal_text(path)}). "
            "Nothing was written."
        ) from None


def _check_unchanged(item: _Item) -> None:
    """Refuse a letter whose file is not the one registered: its check and scores would lie."""
    from ..register.store import sha256_of

    try:
        sha = sha256_of(item.letter)
    except OSError:
        return  # reading the letter says why it cannot be read, naming it
    if sha != item.letter_sha256:
        raise PackError(
            f"{item.code}: the letter {item.letter} has changed since it was registered (its "
            "SHA-256 is not the registered one); register it again, then make the pack"
        )


def _record_for(item: _Item) -> ReviewRecord | None:
    if item.record is None or not item.record.exists():
        return None
    return _load_registered_record(item, item.record)


def _records_to_pseudonymise(items: list[_Item]) -> dict[str, ReviewRecord]:
    """Load every item's review record, which names the people to find; refuse without one."""

    missing = [i.code for i in items if i.record is None]
    if missing:
        one = len(missing) == 1
        raise PackError(
            f"{', '.join(missing)} {'has' if one else 'have'} no review record in the register; "
            f"a pseudonymised pack needs {'it' if one else 'them'} to find every name — import "
            f"the {'letter' if one else 'letters'} with a review_record column"
        )
    records = {}
    for item in items:
        if item.record is None:
            continue  # refused above
        if not item.record.exists():
            raise PackError(
                f"{item.code}: the review record {item.record} is missing; a pseudonymised "
                "pack needs it to find every name, so the pack was not written"
            )
        records[item.code] = _load_registered_record(item, item.record)
    return records


def _text_to_markdown(text: str) -> str:
    """Return plain letter text as Markdown that shows exactly that text."""
    from ..wording import md_escape

    blocks = []
    for block in text.split("\n\n"):
        lines = [md_escape(line) for line in block.splitlines() if line.strip()]
        if lines:
            blocks.append("  \n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _docx_to_markdown(path: Path) -> str:
    """Return a Word letter as Markdown, keeping its headings and lists."""
    from docx import Document
    from docx.table import Table

    from ..wording import md_escape

    blocks = []
    for block in Document(str(path)).iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [md_escape(cell.text) for cell in row.cells]
                if any(cells):
                    blocks.append(" \\| ".join(cells))
            continue
        lines = [md_escape(line) for line in block.text.splitlines() if line.strip()]
        if not lines:
            continue
        text = "  \n".join(lines)
        style = block.style.name if block.style is not None else ""
        if style.startswith("Heading") or style == "Title":
            level = int(style[-1]) if style[-1:].isdigit() else 1
            text = "#" * min(level, 6) + " " + " ".join(lines)
        elif style.startswith("List"):
            text = "- " + text
        blocks.append(text)
    return "\n\n".join(blocks) + "\n"


def _plain_item(item: _Item, settings: Settings | None) -> _Built:
    from ..textio import read_letter

    record = _record_for(item)
    letter = read_letter(item.letter)
    name = f"{item.code}-letter{item.letter.suffix.lower()}"
    built = _Built(item, name, _request(Path(name), letter.text, record, item, settings))
    built.files[name] = item.letter.read_bytes()
    return built


def _pseudonymised_item(
    item: _Item, record: ReviewRecord, settings: Settings | None, pseudonymiser: Pseudonymiser
) -> _Built:
    from ..docx_out import markdown_to_docx
    from ..textio import decode_text, markdown_letter_text, read_letter

    letter = read_letter(item.letter)  # refuses an unreadable or empty letter, naming it
    suffix = item.letter.suffix.lower()
    if suffix == ".md":
        markdown = decode_text(item.letter, item.letter.read_bytes())
    elif suffix == ".docx":
        markdown = _docx_to_markdown(item.letter)
    else:
        markdown = _text_to_markdown(letter.text)
    result = pseudonymiser.pseudonymise(
        markdown,
        record,
        as_of=item.review_date,
        people=[(item.iro, "iro")],
        references=[item.child_ref],
    )
    name = f"{item.code}-letter.md"
    text = markdown_letter_text(result.text)
    built = _Built(item, name, _request(Path(name), text, None, item, settings), key=result.key)
    built.files[name] = result.text.encode("utf-8")
    built.files[f"{item.code}-letter.docx"] = markdown_to_docx(result.text)
    return built


def _request(
    path: Path, text: str, record: ReviewRecord | None, item: _Item, settings: Settings | None
) -> CheckRequest:
    from ..checking.check import CheckRequest, request_for

    band = None if record is not None else item.age_band
    if settings is not None:
        return request_for(path, text, settings, record=record, band=band)
    return CheckRequest(path=path, text=text, record=record, band=band)


def form_docx(
    code: str,
    review_date: dt.date,
    review_number: int,
    rubric: Rubric,
    letter_name: str,
    month_only: bool = False,
) -> bytes:
    """Return the Word audit form for one letter: its details, a Reviewer line and the table."""
    from docx import Document
    from docx.shared import Pt, RGBColor

    from ..wording import short_date

    document = Document()
    document.add_heading("Letter audit form", level=1)
    document.add_paragraph(f"Letter: {code}")
    document.add_paragraph(
        f"Review month: {_month(review_date)}"
        if month_only
        else f"Review date: {short_date(review_date)}"
    )
    document.add_paragraph(f"Review number: {review_number}")
    document.add_paragraph("Reviewer: " + "_" * 30)
    document.add_paragraph(
        f"Read the letter ({letter_name}) as the child would, then its check report "
        f"({code}-check.html). Give each criterion a score from 1 to 4, using the scale "
        "below the table, and say why in the comment."
    )
    criteria = rubric.criteria_for(review_number)
    table = document.add_table(rows=1 + len(criteria), cols=len(FORM_TABLE_HEADER))
    styles = {style.name for style in document.styles}
    if "Table Grid" in styles:
        table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, FORM_TABLE_HEADER, strict=True):
        cell.text = heading
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row, criterion in zip(table.rows[1:], criteria, strict=True):
        cell = row.cells[0]
        cell.text = criterion.title
        cell.paragraphs[0].runs[0].bold = True
        ident = cell.add_paragraph().add_run(f"({criterion.id})")
        ident.font.size = Pt(8)
        ident.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        row.cells[1].text = criterion.question
    document.add_heading("The scale", level=2)
    for level in rubric.scale:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{level.score} {level.label}").bold = True
        paragraph.add_run(f": {level.descriptor}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def form_csv(code: str, review_number: int, rubric: Rubric) -> bytes:
    """Return the CSV audit form for one letter: a row per criterion to score."""
    rows = [list(FORM_COLUMNS)]
    rows += [[code, "", c.id, "", ""] for c in rubric.criteria_for(review_number)]
    return _csv_bytes(rows)


def _index_csv(built: list[_Built], pseudonymised: bool) -> bytes:
    from .pseudonymise import substitute

    if pseudonymised:
        rows = [list(INDEX_COLUMNS)]
        for b in built:
            i = b.item
            stratum = substitute(i.stratum, b.key)
            rows.append([i.code, str(i.review_number), _month(i.review_date), i.age_band, stratum])
        return _csv_bytes(rows)
    rows = [list(INDEX_COLUMNS_NAMED)]
    for b in built:
        i = b.item
        rows.append(
            [
                i.code,
                i.review_id,
                i.iro,
                i.review_date.isoformat(),
                str(i.review_number),
                _month(i.review_date),
                i.age_band,
                i.stratum,
                b.letter_name,
            ]
        )
    return _csv_bytes(rows)


def _readme(sample: Any, built: list[_Built], rubric: Rubric) -> bytes:
    from ..wording import short_date

    count = len(built)
    period = f"{short_date(sample.date_from)} to {short_date(sample.date_to)}"
    lines = [
        f"# Letter audit pack: sample {sample.id}",
        "",
        f"This pack holds {count} letter{'s' if count != 1 else ''} to children after their "
        f"review, drawn at random from the letters register (reviews from {period}), for peer "
        "review. `index.csv` lists them.",
        "",
    ]
    if sample.pseudonymised:
        lines += [
            "The letters are pseudonymised. Each child is called Child A, Child B and so on "
            '("A" for short), and everyone else Parent 1, Relative 1, Carer 1, Professional 1 '
            "or Person 1; the same person has the same pseudonym in every letter. Dates of "
            "birth are given as ages, and addresses, postcodes, phone numbers and email "
            'addresses are taken out ("[phone removed]"). Please do not try to find out who '
            "anyone is.",
            "",
        ]
    lines += [
        "## What to do",
        "",
        "1. Read each letter (`<code>-letter`) as the child would read it, or as it would be "
        "read to them.",
        "2. Look at its automatic check report (`<code>-check.html`, open it in a web "
        "browser). It highlights jargon, hard sentences and things a good letter says; it "
        "helps, but your judgement decides the score.",
        "3. Fill in one audit form for the letter: the Word form (`<code>-form.docx`) or the "
        "CSV form (`<code>-form.csv`), not both. Write your name on the Reviewer line (in "
        "the CSV, in the reviewer column), give each criterion a score from 1 to 4, and say "
        "why in the comment. Do not change the letter code or the criteria.",
        "4. Send the completed forms back. They are imported with `letters audit import`; a "
        "form with a mistake in it is sent back with the row to put right, and nothing from "
        "it is counted until it is right.",
        "",
        "## The scale",
        "",
        "| Score | Label | What it means |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {s.score} | {s.label} | {s.descriptor} |" for s in rubric.scale]
    lines += ["", "## The criteria", ""]
    for c in rubric.criteria:
        only = " Second reviews only." if c.applies_to == "second_review" else ""
        lines.append(f"- **{c.title}** (`{c.id}`): {c.question}{only}")
    lines += [
        "",
        "## The letters",
        "",
        "| Letter | Review | Age band | Files |",
        "| --- | --- | --- | --- |",
    ]
    for b in built:
        i = b.item
        files = ", ".join(f"`{name}`" for name in sorted(b.files))
        lines.append(f"| {i.code} | {i.review_number} | {i.age_band} | {files} |")
    return ("\n".join(lines) + "\n").encode("utf-8")


_MOST_LEAKS_SHOWN = 20
# An address the email pattern took only the end of leaves its start glued to the placeholder.
_PARTLY_REMOVED = re.compile(r"[\w\\]\[email removed\]")


def _readable_text(name: str, content: bytes) -> str:
    """Return what a pack file shows a person, and what its markup carries besides."""
    if name.endswith(".docx"):
        from ..docx_out import docx_text

        parts = ["\n".join(docx_text(content))]
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for part in archive.namelist():
                if part.endswith((".xml", ".rels")):
                    xml = archive.read(part).decode("utf-8", errors="replace")
                    xml = re.sub(r"</w:p>", "\n", xml)
                    parts.append(html.unescape(re.sub(r"<[^>]*>", "", xml)))
        return "\n".join(parts)
    text = content.decode("utf-8-sig", errors="replace")
    if name.endswith(".html"):
        return html.unescape(text) + "\n" + html.unescape(re.sub(r"<[^>]*>", "", text))
    return text


def _refuse_leaks(
    files: dict[Path, bytes], items: list[_Item], records: dict[str, ReviewRecord]
) -> None:
    """Refuse a pseudonymised pack if any file holds a name or record id from any record."""
    from .pseudonymise import (
        CARER,
        CHILD,
        PARENT,
        PERSON,
        PROFESSIONAL,
        RELATIVE,
        name_categories,
        name_parts,
        unescape,
        word_pattern,
    )

    whose = {
        CHILD: "the child's name",
        PARENT: "a parent's name",
        RELATIVE: "a relative's name",
        CARER: "a carer's name",
        PROFESSIONAL: "a professional's name",
        PERSON: "a person's name",
    }
    names: dict[str, tuple[str, str]] = {}  # word -> (the code of its record, whose it is)
    refs: dict[str, str] = {}  # record id, lower case -> the code of its record
    for item in items:
        record = records[item.code]
        for word, category in name_categories(record).items():
            names.setdefault(word, (item.code, whose[category]))
        for word in name_parts(item.iro):
            names.setdefault(word, (item.code, whose[PROFESSIONAL]))
        for ref in (item.child_ref, record.child.record_id or ""):
            if ref.strip():
                refs.setdefault(ref.strip().lower(), item.code)
    name_pattern = word_pattern(names)
    ref_pattern = word_pattern(refs, ignore_case=True)
    found: dict[str, None] = {}
    for path, content in files.items():
        text = _readable_text(path.name, content)
        for match in name_pattern.finditer(text):
            code, what = names[unescape(match.group(0))]
            found[f"{path.name}: {what} from the review record of {code}"] = None
        for match in ref_pattern.finditer(text):
            code = refs[unescape(match.group(0)).lower()]
            found[f"{path.name}: the child's record id from the review record of {code}"] = None
        if _PARTLY_REMOVED.search(text):
            found[f"{path.name}: part of an email address beside '[email removed]'"] = None
    if found:
        lines = list(found)
        more = len(lines) - _MOST_LEAKS_SHOWN
        shown = lines[:_MOST_LEAKS_SHOWN] + ([f"... and {more} more"] if more > 0 else [])
        raise PackError(
            "the pseudonymised pack was not written: its files still hold details from the "
            "review records (not shown here):\n" + "\n".join(f"  {line}" for line in shown)
        )


def build_pack(
    engine: Any,
    sample_id: int,
    out: Path,
    rubric: Rubric,
    force: bool = False,
    *,
    settings: Settings | None = None,
) -> list[Path]:
    """Write the audit pack of a sample into `out`; return the files written.

    For each letter: the letter, its check report and its audit forms (Word and CSV), plus
    `index.csv` and `README.md`. A pseudonymised sample gets pseudonymised letters, and the
    key goes into the register, never into the pack. Nothing is written if any file exists
    (unless `force`), any letter cannot be read or has changed since it was registered, or,
    when pseudonymised, a letter has no review record or any file still holds a name or
    record id from one.
    """
    from sqlalchemy import delete

    from ..checking.check import Checker, checker_for
    from ..checking.report import to_html
    from ..output import write_files
    from ..register.db import session
    from ..register.tables import Pseudonym, Sample
    from .pseudonymise import Pseudonymiser

    sample, items = _read_items(engine, sample_id)
    for item in items:
        _check_places(item)
        _check_unchanged(item)
    pseudonymised = bool(sample.pseudonymised)
    records: dict[str, ReviewRecord] = {}
    if pseudonymised:
        records = _records_to_pseudonymise(items)
        pseudonymiser = Pseudonymiser()
        built = [
            _pseudonymised_item(item, records[item.code], settings, pseudonymiser) for item in items
        ]
    else:
        built = [_plain_item(item, settings) for item in items]
    checker = checker_for(settings) if settings is not None else Checker()
    reports = checker.check([b.request for b in built])
    for b, report in zip(built, reports, strict=True):
        i = b.item
        b.files[f"{i.code}-check.html"] = to_html([report]).encode("utf-8")
        b.files[f"{i.code}-form.docx"] = form_docx(
            i.code, i.review_date, i.review_number, rubric, b.letter_name, pseudonymised
        )
        b.files[f"{i.code}-form.csv"] = form_csv(i.code, i.review_number, rubric)
    files: dict[Path, bytes] = {}
    for b in built:
        files.update((out / name, content) for name, content in b.files.items())
    files[out / "index.csv"] = _index_csv(built, pseudonymised)
    files[out / "README.md"] = _readme(sample, built, rubric)
    if pseudonymised:
        _refuse_leaks(files, items, records)
    with session(engine) as db:
        stored = db.get(Sample, sample_id)
        if stored is None:  # deleted while the pack was being built
            raise PackError(f"there is no sample {sample_id} in the register")
        stored.pack = str(out.resolve())
        if pseudonymised:
            db.execute(delete(Pseudonym).where(Pseudonym.sample_id == sample_id))
            db.add_all(
                Pseudonym(
                    sample_id=sample_id,
                    review_id=b.item.review_id,
                    real=real,
                    pseudonym=pseudonym,
                )
                for b in built
                for real, pseudonym in b.key.items()
            )
        db.flush()
        # Written inside the transaction: a refused overwrite leaves the register unchanged.
        return write_files(files, force=force)


# ---- scores back in -------------------------------------------------------------------------


@dataclass(frozen=True)
class FormRow:
    """One criterion's score as a reviewer wrote it on a form, before it is checked."""

    row: int  # the spreadsheet row (the header is row 1), or the Word table's row
    letter: str
    reviewer: str
    criterion: str
    score: str
    comment: str


@dataclass(frozen=True)
class Form:
    """A completed audit form as read from a CSV or Word file."""

    path: Path
    kind: Literal["csv", "docx"]
    rows: tuple[FormRow, ...]

    def problem(self, row: int, name: str, message: str) -> Problem:
        """Return a problem at a row: the CSV line, or the row of the Word table."""
        if self.kind == "csv":
            return Problem(name, message, row)
        return Problem(f"table row {row}: {name}", message)


@dataclass(frozen=True)
class FileImport:
    """What one form file added to the register."""

    path: Path
    scores: int
    letters: tuple[str, ...]
    reviewers: tuple[str, ...]
    already: int = 0  # scores on the form that are in the register already, the same

    @property
    def already_imported(self) -> bool:
        """Return whether every score on the form was in the register already."""
        return self.scores == 0 and self.already > 0


def import_line(done: FileImport) -> str:
    """Return what importing one form did, as `letters audit import` prints it."""
    count = done.already if done.already_imported else done.scores
    letters = len(done.letters)
    what = (
        f"{count} score{'s' if count != 1 else ''} for {letters} "
        f"letter{'s' if letters != 1 else ''} by {', '.join(done.reviewers)}"
    )
    if done.already_imported:
        return f"{done.path}: already imported ({what}); nothing changed"
    if done.already:
        return f"{done.path}: {what}; {done.already} already imported"
    return f"{done.path}: {what}"


@dataclass(frozen=True)
class ImportSummary:
    """What `import_scores` imported, file by file, and the files it refused, with why."""

    imported: tuple[FileImport, ...]
    failed: tuple[InvalidFileError, ...]

    @property
    def ok(self) -> bool:
        """Return whether every file was imported."""
        return not self.failed


def _decode_csv(path: Path, raw: bytes) -> str:
    """Decode a form: UTF-8, UTF-16 (Excel's "Unicode text") or Windows-1252 (Excel's "CSV")."""
    try:
        return decode_text(path, raw, "audit form", windows_1252=True)
    except InvalidFileError as exc:
        raise AuditFormError(path, exc.problems) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise AuditFormError(
            path, [Problem("", "is not a text file saved as UTF-8; save it again as CSV UTF-8")]
        ) from None


def _delimiter(first_line: str) -> str:
    """Return the delimiter a spreadsheet used: a comma, a semicolon, or a tab."""
    if "," in first_line:
        return ","
    if "\t" in first_line:  # Excel's "Unicode text"
        return "\t"
    return ";" if ";" in first_line else ","


def _read_csv(path: Path, raw: bytes) -> Form:
    text = _decode_csv(path, raw)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    table: list[list[str]] = []
    try:
        table.extend(reader)
    except csv.Error as exc:
        row = len(table) + 1  # the row it could not read
        raise AuditFormError(path, [Problem("", csv_error_message(exc), row)]) from None
    if not table:
        raise AuditFormError(path, [Problem("", "is empty")])
    header, body = table[0], table[1:]
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    missing = [name for name in _REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise AuditFormError(
            path,
            [
                Problem(
                    "",
                    f"has no {', '.join(repr(m) for m in missing)} column; the first row must "
                    f"name the columns {', '.join(FORM_COLUMNS)}",
                    1,
                )
            ],
        )

    def cell(values: list[str], name: str) -> str:
        index = columns.get(name)
        if index is None or index >= len(values):
            return ""
        # The pack's forms quote a cell that a spreadsheet would take for a formula.
        return cell_value(values[index].strip())

    rows = []
    for number, values in enumerate(body, start=2):
        if not any(v.strip() for v in values):
            continue
        rows.append(
            FormRow(
                row=number,
                letter=cell(values, "letter"),
                reviewer=" ".join(cell(values, "reviewer").split()),
                criterion=cell(values, "criterion"),
                score=cell(values, "score"),
                comment=cell(values, "comment"),
            )
        )
    return Form(path, "csv", tuple(rows))


def _line_value(text: str) -> str:
    return " ".join(text.split(":", 1)[1].replace("_", " ").split())


def _read_docx(path: Path, raw: bytes) -> Form:
    if raw.startswith(OLE2_SIGNATURE):
        raise AuditFormError(
            path,
            [Problem("", "is password-protected, or an old .doc file; save it from Word as .docx")],
        )
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise AuditFormError(
            path, [Problem("", "is not a Word (.docx) file, though its name ends in .docx")]
        )
    from docx import Document

    try:
        document = Document(io.BytesIO(raw))
    except Exception as exc:  # python-docx and lxml raise many kinds for a broken file
        raise AuditFormError(
            path, [Problem("", f"is a damaged Word file ({type(exc).__name__})")]
        ) from None
    letter = reviewer = ""
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        lowered = text.lower()
        if lowered.startswith("letter") and ":" in text and not letter:
            letter = _line_value(text)
        elif lowered.startswith("reviewer") and ":" in text and not reviewer:
            reviewer = _line_value(text)
    table = next(
        (
            t
            for t in document.tables
            if t.rows
            and t.rows[0].cells
            and t.rows[0].cells[0].text.strip().startswith("Criterion")
        ),
        None,
    )
    if table is None:
        raise AuditFormError(
            path,
            [
                Problem(
                    "",
                    "has no table whose first column is headed 'Criterion': is it an audit form?",
                )
            ],
        )
    header = [c.text.strip().lower() for c in table.rows[0].cells]
    score_at = next((i for i, h in enumerate(header) if h.startswith("score")), None)
    comment_at = next((i for i, h in enumerate(header) if h.startswith("comment")), None)
    if score_at is None:
        raise AuditFormError(
            path, [Problem("", "its table has no 'Score' column: is it an audit form?")]
        )
    problems = []
    if not letter:
        problems.append(Problem("letter", "the 'Letter:' line with the letter's code is missing"))
    if problems:
        raise AuditFormError(path, problems)
    rows = []
    for number, row in enumerate(table.rows[1:], start=2):
        cells = [c.text.strip() for c in row.cells]
        if not any(cells):
            continue
        rows.append(
            FormRow(
                row=number,
                letter=letter,
                reviewer=reviewer,
                criterion=cells[0],
                score=cells[score_at] if score_at < len(cells) else "",
                comment=cells[comment_at]
                if comment_at is not None and comment_at < len(cells)
                else "",
            )
        )
    return Form(path, "docx", tuple(rows))


def read_form(path: Path) -> Form:
    """Read a completed audit form (CSV or Word), or raise `AuditFormError` saying why not."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".docx"):
        raise AuditFormError(
            path, [Problem("", "is not an audit form: use the .csv or .docx form from the pack")]
        )
    try:
        raw = read_bytes(path, "audit form", MAX_TABLE_BYTES)
    except InvalidFileError as exc:  # a folder, a pipe, too large, cannot be read
        raise AuditFormError(path, exc.problems) from None
    if not raw.strip():
        raise AuditFormError(path, [Problem("", "is empty")])
    return _read_docx(path, raw) if suffix == ".docx" else _read_csv(path, raw)


def _criterion_id(text: str, rubric: Rubric) -> str | None:
    """Return the criterion a form's cell names: by its id, or by its title."""
    ids = {c.id for c in rubric.criteria}
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        bare = line.strip("()[] ")
        if bare in ids:
            return bare
    titles = {" ".join(c.title.split()).casefold(): c.id for c in rubric.criteria}
    for candidate in [" ".join(text.split()), *lines]:
        found = titles.get(" ".join(candidate.split()).casefold())
        if found:
            return found
    return None


def _shown(text: str, most: int = 40) -> str:
    """Return a cell's text as a message quotes it: cut short if long."""
    return text if len(text) <= most else text[:most] + "..."


def _score(text: str, rubric: Rubric) -> tuple[int | None, str | None]:
    """Return the score written in a cell, or what is wrong with it."""
    written = " ".join(text.split())
    if not written:
        return None, "is blank: give a score from 1 to 4"
    match = re.fullmatch(r"(\d+)(?:\.0+)?(?:\s*[-–:]?\s*([^\W\d_].*))?", written)
    if match is None:
        return None, f"'{_shown(written)}' is not a score: write a whole number from 1 to 4"
    digits = match.group(1).lstrip("0") or "0"
    if len(digits) > 1:  # int() of thousands of digits is refused, and all are off the scale
        return None, f"'{_shown(written)}' is off the scale (1-4)"
    score = int(digits)
    if score not in SCALE:
        return None, f"'{written}' is off the scale (1-4)"
    label = match.group(2)
    if label and label.strip().casefold() != rubric.label(score).casefold():
        return (
            None,
            f"'{_shown(written)}': {score} is '{rubric.label(score)}' on the scale, "
            f"not '{_shown(label)}'",
        )
    return score, None


_ScoreKey = tuple[int, str, str, str]  # sample id, review id, reviewer (casefolded), criterion


def _sample_items(db: Any, form: Form) -> dict[str, Any]:
    """Return each letter code on the form: its sample item, or how many items have it."""
    from sqlalchemy import func, select

    from ..register.tables import SampleItem

    items: dict[str, Any] = {}
    for code in dict.fromkeys(r.letter.upper() for r in form.rows if r.letter):
        if not code.isprintable():  # no code has a control character; PostgreSQL refuses NUL
            items[code] = 0
            continue
        found = db.scalars(select(SampleItem).where(func.upper(SampleItem.code) == code)).all()
        items[code] = found[0] if len(found) == 1 else len(found)
    return items


@dataclass(frozen=True)
class _Stored:
    """A score already in the register: what it is, and the file it came from."""

    score: int
    comment: str | None
    source_file: str


def _existing_scores(db: Any, items: dict[str, Any]) -> dict[_ScoreKey, _Stored]:
    """Return the scores already in the register for these letters, and where they came from."""
    from sqlalchemy import select

    from ..register.tables import Score

    existing: dict[_ScoreKey, _Stored] = {}
    for item in (i for i in items.values() if not isinstance(i, int)):
        query = select(Score).where(
            Score.sample_id == item.sample_id, Score.review_id == item.review_id
        )
        for score in db.scalars(query.order_by(Score.id)):
            key = (score.sample_id, score.review_id, score.reviewer.casefold(), score.criterion)
            existing.setdefault(key, _Stored(score.score, score.comment, score.source_file))
    return existing


@dataclass
class _Checked:
    """The scores of a form that passed, and the problems of the rows that did not."""

    scores: list[Any] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    already: int = 0  # scores in the register already, the same as on the form
    already_codes: list[str] = field(default_factory=list)
    already_reviewers: list[str] = field(default_factory=list)


def _text_problem(value: str, most: int, name: str) -> str | None:
    """Return what is wrong with a reviewer's name or comment the register is to keep."""
    if len(value) > most:
        what = "a reviewer's name" if name == "reviewer" else "a comment"
        return f"is {len(value)} characters long; {what} can be at most {most}"
    odd = next(
        (c for c in value if unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n\r"),
        None,
    )
    if odd is not None:
        return (
            f"holds a control character (U+{ord(odd):04X}) that the register cannot keep; "
            "type it again"
        )
    return None


def _check_rows(
    form: Form, rubric: Rubric, items: dict[str, Any], existing: dict[_ScoreKey, _Stored]
) -> _Checked:
    """Check every row of a form against the rubric, the sample and the scores already in."""
    from ..register.tables import Score

    out = _Checked()
    named: dict[str, set[str]] = {}
    for r in form.rows:
        if r.reviewer:
            named.setdefault(r.letter.upper(), set()).add(r.reviewer)
    if form.kind == "docx" and not any(r.reviewer for r in form.rows):
        out.problems.append(
            Problem("reviewer", "is blank: write your name on the 'Reviewer:' line")
        )
    said: set[str] = set()  # unknown letter codes already reported
    told_reviewer = False  # a problem with the reviewer's name already reported
    unnamed: set[str] = set()  # letters already reported as scored by nobody
    seen: dict[_ScoreKey, int] = {}
    for r in form.rows:
        code = r.letter.upper()
        item = items.get(code)
        if not r.letter:
            out.problems.append(form.problem(r.row, "letter", "is blank: give the letter's code"))
            continue
        if item is None or isinstance(item, int):
            if code not in said:
                said.add(code)
                why = (
                    f"is the code of {item} letters in different samples"
                    if item
                    else "is not the code of a letter in any sample in this register"
                )
                out.problems.append(form.problem(r.row, "letter", f"'{_shown(r.letter)}' {why}"))
            continue
        review_number = item.review.review_number
        criterion_id = _criterion_id(r.criterion, rubric)
        criterion = rubric.criterion(criterion_id) if criterion_id else None
        if criterion is None:
            shown = _shown(r.criterion.splitlines()[0]) if r.criterion.strip() else ""
            message = (
                f"'{shown}' is not a criterion of the rubric (use one of: "
                f"{', '.join(c.id for c in rubric.criteria)})"
                if shown
                else "is blank: give the criterion's id"
            )
            out.problems.append(form.problem(r.row, "criterion", message))
            continue
        if not criterion.applies(review_number):
            if r.score:  # a criterion that does not apply may be left blank
                out.problems.append(
                    form.problem(
                        r.row,
                        "criterion",
                        f"'{criterion.id}' is only scored for second reviews, and "
                        f"{item.code} is review {review_number}",
                    )
                )
            continue
        score, wrong = _score(r.score, rubric)
        if wrong:
            out.problems.append(form.problem(r.row, "score", wrong))
        wrong = _text_problem(r.reviewer, MAX_REVIEWER, "reviewer")
        if wrong and (form.kind == "csv" or not told_reviewer):
            told_reviewer = True  # a Word form has one 'Reviewer:' line: say so once
            out.problems.append(form.problem(r.row, "reviewer", wrong))
        wrong = _text_problem(r.comment, MAX_COMMENT, "comment")
        if wrong:
            out.problems.append(form.problem(r.row, "comment", wrong))
        others = named.get(code, set())
        reviewer = r.reviewer or (next(iter(others)) if len(others) == 1 else "")
        if not reviewer:
            if form.kind == "csv" and not others and code not in unnamed:
                unnamed.add(code)
                out.problems.append(
                    form.problem(
                        r.row, "reviewer", f"is blank: write who scored {item.code} in every row"
                    )
                )
            elif form.kind == "csv" and others:
                out.problems.append(
                    form.problem(
                        r.row,
                        "reviewer",
                        f"is blank, and {len(others)} people scored {item.code} in this file: "
                        "write who gave this score",
                    )
                )
            continue
        key = (item.sample_id, item.review_id, reviewer.casefold(), criterion.id)
        if key in seen:
            message = (
                f"{reviewer} scores {item.code} on '{criterion.id}' twice "
                f"(first in row {seen[key]})"
            )
            out.problems.append(form.problem(r.row, "criterion", message))
            continue
        seen[key] = r.row
        stored = existing.get(key)
        if stored is not None:
            if score is None:
                continue  # what is wrong with the score is said above
            if stored.score == score and (stored.comment or "") == r.comment:
                # The same form (or the same scores) imported again: nothing to change.
                out.already += 1
                out.already_codes.append(item.code)
                out.already_reviewers.append(reviewer)
                continue
            differs = (
                f"as {stored.score}, and this form gives {score}"
                if stored.score != score
                else "with a different comment"
            )
            message = (
                f"{reviewer} has already scored {item.code} on '{criterion.id}' {differs} "
                f"(imported from {stored.source_file}); a score in the register is not changed "
                "by importing another form"
            )
            out.problems.append(form.problem(r.row, "criterion", message))
            continue
        if score is not None:
            out.codes.append(item.code)
            out.scores.append(
                Score(
                    sample_id=item.sample_id,
                    review_id=item.review_id,
                    reviewer=reviewer,
                    criterion=criterion.id,
                    score=score,
                    comment=r.comment or None,
                    source_file=str(form.path),
                )
            )
    return out


def _import_file(engine: Any, path: Path, rubric: Rubric) -> FileImport:
    from ..register.db import session

    form = read_form(path)
    if not form.rows:
        raise AuditFormError(path, [Problem("", "has no scores in it")])
    with session(engine) as db:
        items = _sample_items(db, form)
        checked = _check_rows(form, rubric, items, _existing_scores(db, items))
        if checked.problems:
            raise AuditFormError(path, checked.problems)
        db.add_all(checked.scores)
        db.flush()
    return FileImport(
        path=path,
        scores=len(checked.scores),
        letters=tuple(dict.fromkeys(checked.codes + checked.already_codes)),
        reviewers=tuple(
            dict.fromkeys([s.reviewer for s in checked.scores] + checked.already_reviewers)
        ),
        already=checked.already,
    )


def _database_problem(exc: Exception) -> Problem:
    """Return a database error as a problem of the file being imported, in a person's words."""
    from sqlalchemy.exc import IntegrityError

    if isinstance(exc, IntegrityError):
        return Problem(
            "",
            "some of its scores were imported from another file at the same moment; import it "
            "again to see which",
        )
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    detail = lines[0][:200] if lines else type(cause).__name__
    return Problem(
        "",
        f"the register could not store its scores ({detail}); nothing from it was imported, "
        "so import it again",
    )


def import_scores(engine: Any, paths: list[Path], rubric: Rubric | None = None) -> ImportSummary:
    """Import completed audit forms, each file in one transaction: all its scores, or none.

    A file that cannot be read or checked, or that the database refuses (locked, a
    serialisation failure, a value too long), is reported as failed; the others are still tried.
    """
    from sqlalchemy.exc import SQLAlchemyError

    rubric = rubric or load_rubric()
    imported: list[FileImport] = []
    failed: list[InvalidFileError] = []
    for path in paths:
        try:
            imported.append(_import_file(engine, path, rubric))
        except InvalidFileError as exc:
            failed.append(exc)
        except SQLAlchemyError as exc:  # the file's transaction was rolled back
            failed.append(AuditFormError(path, [_database_problem(exc)]))
    return ImportSummary(tuple(imported), tuple(failed))
