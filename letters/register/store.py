"""Put reviews and their letters in the register: from drafting, or imported from elsewhere."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..checking.findings import LetterReport
from ..config import TimescaleSettings
from ..errors import InvalidFileError, LettersError, Problem
from ..records import AGE_BANDS, ParticipationCode, PermanencePlan, ReviewRecord, age_band
from ..safetext import csv_error_message, terminal_text
from ..textio import MAX_LETTER_BYTES, MAX_TABLE_BYTES, read_bytes
from ..timescales import LATER_REVIEW_MONTHS, SECOND_REVIEW_MONTHS, Timescales, add_working_days
from ..yamlfile import field_path


def sha256_of(path: Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def child_ref(record: ReviewRecord) -> str:
    """Return the child's record id; without one, a one-way reference, never the name."""
    if record.child.record_id:
        return record.child.record_id
    seed = f"{record.child.name}|{record.child.date_of_birth}".encode()
    return "anon-" + hashlib.sha256(seed).hexdigest()[:12]


def review_id(child: str, date: dt.date, number: int) -> str:
    """Return the stable id of a review: the child's record id, the date and the number."""
    return f"{child}/{date.isoformat()}/{number}"


def check_summary(
    report: LetterReport, review_number: int, has_contingency: bool
) -> dict[str, Any]:
    """Return the figures of a letter check that the register keeps."""
    from ..checking.report import to_json_data

    def unaccepted(level: str) -> int:
        return report.count(level)

    rules = {f.rule for f in report.findings if not f.accepted}
    second = review_number >= 2
    r = report.readability
    return {
        "errors": unaccepted("error"),
        "warnings": unaccepted("warning"),
        "suggestions": unaccepted("suggestion"),
        "jargon": sum(
            1
            for f in report.findings
            if not f.accepted
            and f.rule.startswith(("child_friendly.", "permanence."))
            and f.rule not in ("permanence.plan_explained", "permanence.contingency_explained")
        ),
        "readability_findings": sum(
            1 for f in report.findings if f.rule.startswith("readability.") and not f.accepted
        ),
        "flesch_reading_ease": r.flesch_reading_ease if r else None,
        "flesch_kincaid_grade": r.flesch_kincaid_grade if r else None,
        "reading_age": r.reading_age if r else None,
        "meets_target": r.meets_target if r else None,
        "plan_explained": ("permanence.plan_explained" not in rules) if second else None,
        "contingency_explained": (
            ("permanence.contingency_explained" not in rules)
            if second and has_contingency
            else None
        ),
        "model": report.model,
        "findings": json.dumps(to_json_data([report])[0]["findings"]),
    }


def _add_document(db: Any, review: Any, kind: str, path: Path, sha: str, folder: Path) -> Any:
    from sqlalchemy import select

    from .tables import Document

    existing = db.scalar(
        select(Document).where(
            Document.review_id == review.id, Document.kind == kind, Document.sha256 == sha
        )
    )
    if existing is not None:
        existing.path = str(path)
        existing.folder = str(folder)
        return existing, False
    document = Document(
        review_id=review.id, kind=kind, path=str(path), folder=str(folder), sha256=sha
    )
    db.add(document)
    db.flush()
    return document, True


def _put_review(db: Any, review: Any, rid: str, values: dict[str, Any]) -> Any:
    """Add the review `rid`, or update `review` (the one already there) with `values`."""
    from .tables import Review

    if review is None:
        review = Review(id=rid, **values)
        db.add(review)
    else:
        for key, value in values.items():
            setattr(review, key, value)
    return review


def _set_check(document: Any, summary: dict[str, Any]) -> None:
    """Give a letter document its check figures, replacing any it had."""
    from .tables import LetterCheck

    if document.check is None:
        document.check = LetterCheck(**summary)
    else:
        for key, value in summary.items():
            setattr(document.check, key, value)


def register_draft(
    engine: Any,
    record: ReviewRecord,
    times: Timescales,
    files: dict[str, Path],
    report: LetterReport | None,
    review_file: Path | None = None,
    team: str | None = None,
) -> str:
    """Register a drafted review, its documents and the letter's check; return the review id."""
    from .db import retrying
    from .tables import Review

    child = child_ref(record)
    rid = review_id(child, record.review.date, record.review.number)
    plan = record.permanence
    values = {
        "child_ref": child,
        "iro": record.review.iro.name,
        "team": record.review.iro.team or team,
        "review_date": record.review.date,
        "review_number": record.review.number,
        "review_kind": record.review.kind,
        "age_band": age_band(record.age),
        "legal_status": record.child.legal_status,
        "permanence_plan": plan.plan if plan else None,
        "contingency": plan.contingency if plan else None,
        "participation": record.review.participation,
        "this_review_due": times.this_review_due,
        "decisions_due": times.decisions_due,
        "record_due": times.record_due,
        "record_target_due": times.record_target_due,
        "next_review_due": times.next_review_due,
        "next_review_planned": times.next_review_planned,
        "source": "draft",
    }

    def put(db: Any) -> None:
        review = _put_review(db, db.get(Review, rid), rid, values)
        db.flush()
        if review_file is not None:
            record_path = review_file.resolve()
            _add_document(
                db, review, "record", record_path, sha256_of(review_file), record_path.parent
            )
        for kind, path in files.items():
            resolved = path.resolve()
            document, _ = _add_document(
                db, review, kind, resolved, sha256_of(path), resolved.parent
            )
            if kind == "letter" and report is not None:
                has_contingency = bool(plan and plan.contingency)
                _set_check(document, check_summary(report, record.review.number, has_contingency))

    retrying(engine, put)  # the same review drafted twice at once: the second finds the first
    return rid


class SentBeforeReview(LettersError):
    """A date given for sending a review's decisions or record is before the review."""

    def __init__(self, what: str, day: dt.date, review_date: dt.date) -> None:
        self.what, self.day, self.review_date = what, day, review_date
        super().__init__(
            f"the {what} cannot have been sent on {day.isoformat()}, before the review on "
            f"{review_date.isoformat()}"
        )


def mark_sent(
    engine: Any, rid: str, decisions: dt.date | None = None, record: dt.date | None = None
) -> None:
    """Record the dates the decisions and the record (minutes) were sent."""
    from .db import RegisterError, session
    from .tables import Review

    with session(engine) as db:
        review = db.get(Review, rid)
        if review is None:
            raise RegisterError(f"no review '{rid}' in the register")
        for what, day in (("decisions", decisions), ("record", record)):
            if day is not None and day < review.review_date:
                raise SentBeforeReview(what, day, review.review_date)
        if decisions is not None:
            review.decisions_sent = decisions
        if record is not None:
            review.record_sent = record


# Dates in an index are of reviews held by services that exist: anything else is a typing slip.
FIRST_YEAR, LAST_YEAR = 1900, 2100
MAX_REVIEW_NUMBER = 99  # a child in care from birth to 18 has about forty reviews


class IndexRow(BaseModel):
    """One row of an import index: a letter written elsewhere, and its review's details."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    file: str = Field(min_length=1, max_length=1000)
    child_record_id: str = Field(min_length=1, max_length=64)
    iro: str = Field(min_length=1, max_length=200)
    team: str | None = Field(default=None, max_length=200)
    review_date: dt.date
    review_number: int
    age_band: str
    legal_status: str | None = Field(default=None, max_length=60)
    participation: ParticipationCode | None = None
    permanence_plan: PermanencePlan | None = None
    contingency: PermanencePlan | None = None
    previous_review: dt.date | None = None
    decisions_sent: dt.date | None = None
    record_sent: dt.date | None = None
    # The review record YAML, if there is one (for packs).
    review_record: str | None = Field(default=None, max_length=1000)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator(
        "file", "child_record_id", "iro", "team", "legal_status", "review_record", mode="after"
    )
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        odd = next((c for c in value or "" if unicodedata.category(c) in ("Cc", "Cs")), None)
        if odd is not None:
            raise ValueError(
                f"holds a control character (U+{ord(odd):04X}) that the register cannot keep; "
                "type it again"
            )
        return value

    @field_validator("review_number", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        # Checked as text first: int() of thousands of digits is refused, and 10**100 would
        # not fit the register's column.
        text = str(value).strip() if value is not None else ""
        digits = text.lstrip("0")
        if (
            not (text.isascii() and text.isdigit())
            or len(digits) > len(str(MAX_REVIEW_NUMBER))
            or not 1 <= int(digits or "0") <= MAX_REVIEW_NUMBER
        ):
            raise ValueError(f"must be a whole number from 1 to {MAX_REVIEW_NUMBER}")
        return int(digits)

    @field_validator("review_date", "previous_review", "decisions_sent", "record_sent")
    @classmethod
    def _sensible_year(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"{value.isoformat()} is not between {FIRST_YEAR} and {LAST_YEAR}")
        return value

    @field_validator("age_band")
    @classmethod
    def _known_band(cls, value: str) -> str:
        if value not in AGE_BANDS:
            raise ValueError(f"must be one of {', '.join(AGE_BANDS)}")
        return value


@dataclass
class ImportResult:
    """What an import did: letters added, letters already there, files that could not be read."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


class OutsideFolder(ValueError):
    """A path from data that leads out of the folder it is relative to."""


def resolve_inside(folder: Path, name: str) -> Path:
    """Return `name` resolved inside `folder`, or raise `OutsideFolder` saying why not."""
    shown = terminal_text(name if len(name) <= 80 else name[:80] + "...")
    if "\x00" in name:
        raise OutsideFolder(f"'{shown}' holds a NUL character; it is not a file's name")
    given = Path(name)
    if given.is_absolute() or given.drive or name.startswith("\\"):
        raise OutsideFolder(
            f"'{shown}' is an absolute path; give the file's place inside the folder {folder}"
        )
    root = folder.resolve()
    try:
        resolved = (root / given).resolve()
    except (OSError, RuntimeError):  # a loop of symbolic links
        raise OutsideFolder(f"'{shown}' cannot be followed (a loop of links?)") from None
    if not resolved.is_relative_to(root):
        how = "leads out of" if ".." in given.parts else "is a link to a file outside"
        raise OutsideFolder(
            f"'{shown}' {how} the folder {folder}; only files inside it are imported"
        )
    return resolved


def _index_message(err: Any) -> str:
    """Return a pydantic error about an index cell in a person's words."""
    kind = err["type"]
    if kind == "extra_forbidden":
        return "is not a column we know"
    if kind == "missing":
        return "is missing"
    if kind == "value_error":
        return str(err["ctx"]["error"])
    if kind == "string_too_short":
        return "must not be blank"
    if kind == "string_too_long":
        most = err["ctx"]["max_length"]
        return f"is {len(err['input'])} characters long; it can be at most {most}"
    if kind.startswith("date"):
        given = str(err.get("input", ""))
        shown = given if len(given) <= 40 else given[:40] + "..."
        if "outside expected range" in str(err["msg"]):
            return f"'{shown}' is not a day on the calendar (check the day and the month)"
        return f"'{shown}' is not a date written as YYYY-MM-DD, such as 2026-08-10"
    return str(err["msg"])


def _decode_index(path: Path, raw: bytes) -> str:
    """Decode an index: UTF-8, UTF-16 (Excel's "Unicode text") or Windows-1252 (Excel's "CSV")."""
    from ..textio import decode_text

    return decode_text(path, raw, "index", windows_1252=True)


def _delimiter(header: str) -> str:
    """Return the delimiter of a spreadsheet's CSV: a comma, a tab or a semicolon."""
    for delimiter in (",", "\t", ";"):
        if delimiter in header:
            return delimiter
    return ","


def read_index(path: Path, folder: Path | None = None) -> list[IndexRow]:
    """Read an import index CSV, or raise naming the file, row and column of every problem.

    With `folder`, every `file` and `review_record` must be inside it.
    """
    text = _decode_index(path, read_bytes(path, "index", MAX_TABLE_BYTES))
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InvalidFileError(
            path, [Problem("", csv_error_message(csv.Error("NUL")), line)], "index"
        )
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    table: list[dict[Any, Any]] = []
    try:
        table.extend(reader)
    except csv.Error as exc:
        at = len(table) + 2  # the header is row 1
        raise InvalidFileError(
            path, [Problem(f"row {at}", csv_error_message(exc), at)], "index"
        ) from None
    if not reader.fieldnames:
        raise InvalidFileError(path, [Problem("", "is empty")], "index")
    header = [name.strip() for name in reader.fieldnames]
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        names = ", ".join(repr(terminal_text(n)) for n in twice)
        raise InvalidFileError(path, [Problem("", f"has the column {names} twice", 1)], "index")
    rows: list[IndexRow] = []
    problems: list[Problem] = []
    for number, raw in enumerate(table, start=2):
        where = f"row {number}"
        if None in raw:
            problems.append(
                Problem(where, "has more cells than the first row has column names", number)
            )
            continue
        cells = {str(key).strip(): value for key, value in raw.items()}
        try:
            row = IndexRow.model_validate(cells)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(str(part) for part in err["loc"])
                problems.append(Problem(f"{where}: {field_path(loc)}", _index_message(err), number))
            continue
        if folder is not None:
            outside = False
            for name in ("file", "review_record"):
                value = getattr(row, name)
                if value is None:
                    continue
                try:
                    resolve_inside(folder, value)
                except OutsideFolder as exc:
                    outside = True
                    problems.append(Problem(f"{where}: {name}", str(exc), number))
            if (
                not outside
                and row.review_record
                and Path(row.review_record).suffix.lower() not in (".yaml", ".yml")
            ):
                problems.append(
                    Problem(
                        f"{where}: review_record",
                        "is not a review record (a .yaml file); leave it blank if there is none",
                        number,
                    )
                )
        rows.append(row)
    if problems:
        raise InvalidFileError(path, problems, "index")
    return rows


@dataclass(frozen=True)
class CheckedLetter:
    """A letter from an import index, read and checked, ready to register."""

    row: IndexRow
    path: Path
    report: LetterReport


def check_imports(
    folder: Path, index: Path, checker: Any, progress: Any = None
) -> tuple[list[CheckedLetter], list[str]]:
    """Read and check every letter an index lists; return them and the unreadable ones."""
    from ..checking.check import CheckRequest
    from ..checking.required import permanence_findings
    from ..checking.rules import rule_book
    from ..textio import UnreadableLetter, read_letter

    rows = read_index(index, folder)
    unreadable: list[str] = []
    texts: list[tuple[IndexRow, Path, str]] = []
    for row in rows:
        path = resolve_inside(folder, row.file)  # read_index has refused any outside it
        try:
            # A pipe, a device or a file too large is refused before it is read as a letter.
            read_bytes(path, "letter", MAX_LETTER_BYTES)
            text = read_letter(path).text
        except UnreadableLetter as exc:
            unreadable.append(terminal_text(str(exc)))
            continue
        except InvalidFileError as exc:
            unreadable.append(terminal_text(f"{path}: {exc.problems[0].message}"))
            continue
        texts.append((row, path, text))
    reports = checker.check(
        [CheckRequest(path=path, text=text, band=row.age_band) for row, path, text in texts],
        progress=progress,
    )
    book = rule_book(checker.rules_folder)
    checked = []
    for (row, path, text), report in zip(texts, reports, strict=True):
        # The permanence checks need only the plan, so they run on imported letters too.
        extra = permanence_findings(
            text, row.review_number, row.permanence_plan, row.contingency, book
        )
        full = LetterReport(
            path=report.path,
            text=report.text,
            findings=report.findings + extra,
            readability=report.readability,
            model=report.model,
        )
        checked.append(CheckedLetter(row, path, full))
    return checked, unreadable


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def store_imports(
    engine: Any,
    folder: Path,
    letters: list[CheckedLetter],
    local: TimescaleSettings | None = None,
) -> ImportResult:
    """Register checked letters and their reviews, all in one transaction."""
    from sqlalchemy import select

    from .db import session
    from .tables import Document, Review

    local = local or TimescaleSettings()
    result = ImportResult()
    ids = [
        review_id(i.row.child_record_id, i.row.review_date, i.row.review_number) for i in letters
    ]
    with session(engine) as db:
        # What is there already, in a few queries rather than one a letter.
        reviews: dict[str, Any] = {}
        documents: dict[tuple[str, str, str], Any] = {}
        for chunk in _chunks(sorted(set(ids))):
            reviews.update(
                (r.id, r) for r in db.scalars(select(Review).where(Review.id.in_(chunk)))
            )
            for d in db.scalars(select(Document).where(Document.review_id.in_(chunk))):
                documents[(d.review_id, d.kind, d.sha256)] = d
        for rid, item in zip(ids, letters, strict=True):
            row = item.row
            months = SECOND_REVIEW_MONTHS if row.review_number == 1 else LATER_REVIEW_MONTHS
            this_due = None
            if row.previous_review is not None:
                gap = SECOND_REVIEW_MONTHS if row.review_number == 2 else LATER_REVIEW_MONTHS
                this_due = row.previous_review + relativedelta(months=gap)
            target = local.record_target_working_days
            record_target_due = (
                add_working_days(row.review_date, target)
                if target is not None and target != local.record_working_days
                else None
            )
            values = {
                "child_ref": row.child_record_id,
                "iro": row.iro,
                "team": row.team,
                "review_date": row.review_date,
                "review_number": row.review_number,
                "age_band": row.age_band,
                "legal_status": row.legal_status,
                "permanence_plan": row.permanence_plan,
                "contingency": row.contingency,
                "participation": row.participation,
                "this_review_due": this_due,
                "decisions_due": add_working_days(row.review_date, local.decisions_working_days),
                "record_due": add_working_days(row.review_date, local.record_working_days),
                "record_target_due": record_target_due,
                "next_review_due": row.review_date + relativedelta(months=months),
                "decisions_sent": row.decisions_sent,
                "record_sent": row.record_sent,
                "source": "import",
            }
            review = reviews[rid] = _put_review(db, reviews.get(rid), rid, values)
            files = [("letter", item.path)]
            if row.review_record:
                record = resolve_inside(folder, row.review_record)  # refused when outside
                if record.is_file():
                    files.insert(0, ("record", record))
            root = str(folder.resolve())
            for kind, path in files:
                sha = sha256_of(path)
                document = documents.get((rid, kind, sha))
                added = document is None
                if document is None:
                    document = Document(
                        review=review, kind=kind, path=str(path), folder=root, sha256=sha
                    )
                    documents[(rid, kind, sha)] = document
                    db.add(document)
                document.path = str(path)
                document.folder = root
                if kind == "letter":
                    summary = check_summary(item.report, row.review_number, bool(row.contingency))
                    _set_check(document, summary)
                    (result.added if added else result.unchanged).append(rid)
    return result


def import_folder(
    engine: Any,
    folder: Path,
    index: Path,
    checker: Any,
    progress: Any = None,
    local: TimescaleSettings | None = None,
) -> ImportResult:
    """Import letters written elsewhere, checking each; the register part is one transaction.

    Re-importing the same letters changes nothing: a letter is known by its review and its
    SHA-256. A letter that cannot be read is reported and left out; the rest are imported.
    """
    checked, unreadable = check_imports(folder, index, checker, progress)
    result = store_imports(engine, folder, checked, local)
    result.unreadable = unreadable
    return result
