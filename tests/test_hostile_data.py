"""Hostile and careless data: paths out of their folder, spreadsheet formulas, terminal escapes,
broken indexes and forms, and audit forms imported again. Each case names its expected outcome."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from letters.audit.pack import form_csv, import_scores, load_rubric
from letters.cli import app
from letters.errors import ExitCode, InvalidFileError, Problem
from letters.register.db import open_register, session
from letters.register.store import read_index, sha256_of
from letters.register.tables import Document, Review, Sample, Score
from letters.safetext import cell_value, csv_cell, csv_text, terminal_text

from .test_audit import ALL_CRITERIA, filled_csv, scoring_template, settings  # noqa: F401
from .test_register import LETTER_A, LETTER_B

runner = CliRunner()
SAMPLE = ["sample", "--from", "2026-01-01", "--to", "2026-12-31"]

HEADER = "file,child_record_id,iro,team,review_date,review_number,age_band,review_record\n"
ROW_A = "a.txt,EX-1,Priya Shah,North,2026-03-02,2,5-10,\n"
ROW_B = "b.md,EX-2,Tom Reilly,South,2026-03-09,1,11-15,\n"
SHADOW = "root:*:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n"


def import_folder(tmp_path: Path, rows: str = ROW_A + ROW_B) -> tuple[Path, Path]:
    """Write the letters folder `old` with a.txt and b.md, a private folder beside it, the index."""
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "a.txt").write_text(LETTER_A, encoding="utf-8")
    (folder / "b.md").write_text(LETTER_B, encoding="utf-8")
    private = tmp_path / "private"
    private.mkdir()
    (private / "notes.txt").write_text("Private notes about a family.\n", encoding="utf-8")
    (private / "shadow").write_text(SHADOW, encoding="utf-8")
    index = folder / "index.csv"
    index.write_text(HEADER + rows, encoding="utf-8")
    return folder, index


def run_import(folder: Path, index: Path, target: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["register", "import", str(folder), "--index", str(index), "--db", target]
    )
    # The progress bar's label goes to stderr too; the messages are the rest.
    errors = "".join(
        line for line in result.stderr.splitlines(keepends=True) if line.strip() != "Checking"
    )
    return result.exit_code, result.stdout, errors


def review_count(target: str) -> int:
    engine = open_register(target)
    try:
        with session(engine) as db:
            return int(db.scalar(select(func.count()).select_from(Review)) or 0)
    finally:
        engine.dispose()


# ---- paths from an index ---------------------------------------------------------------------


def _link(name: str, to: str) -> Callable[[Path], None]:
    def make(tmp_path: Path) -> None:
        (tmp_path / "old" / name).symlink_to(tmp_path / to)

    return make


def _nothing(tmp_path: Path) -> None:
    pass


PATH_CASES = [
    # (id, index row, set-up, the problem after 'index.csv:2: row 2: ')
    (
        "dot-dot",
        "../private/notes.txt,EX-1,Priya Shah,North,2026-03-02,2,5-10,\n",
        _nothing,
        "file: '../private/notes.txt' leads out of the folder {old}; only files inside it are "
        "imported",
    ),
    (
        "dot-dot-inside-first",
        "sub/../../private/notes.txt,EX-1,Priya Shah,North,2026-03-02,2,5-10,\n",
        _nothing,
        "file: 'sub/../../private/notes.txt' leads out of the folder {old}; only files inside "
        "it are imported",
    ),
    (
        "absolute",
        "{tmp}/private/notes.txt,EX-1,Priya Shah,North,2026-03-02,2,5-10,\n",
        _nothing,
        "file: '{tmp}/private/notes.txt' is an absolute path; give the file's place inside the "
        "folder {old}",
    ),
    (
        "symlink-out",
        "link.txt,EX-1,Priya Shah,North,2026-03-02,2,5-10,\n",
        _link("link.txt", "private/notes.txt"),
        "file: 'link.txt' is a link to a file outside the folder {old}; only files inside it "
        "are imported",
    ),
    (
        "record-dot-dot",
        "a.txt,EX-1,Priya Shah,North,2026-03-02,2,5-10,../../../etc/shadow\n",
        _nothing,
        "review_record: '../../../etc/shadow' leads out of the folder {old}; only files inside "
        "it are imported",
    ),
    (
        "record-symlink-out",
        "a.txt,EX-1,Priya Shah,North,2026-03-02,2,5-10,record.yaml\n",
        _link("record.yaml", "private/shadow"),
        "review_record: 'record.yaml' is a link to a file outside the folder {old}; only files "
        "inside it are imported",
    ),
    (
        "record-not-yaml",
        "a.txt,EX-1,Priya Shah,North,2026-03-02,2,5-10,b.md\n",
        _nothing,
        "review_record: is not a review record (a .yaml file); leave it blank if there is none",
    ),
]


@pytest.mark.parametrize(
    ("row", "setup", "problem"), [c[1:] for c in PATH_CASES], ids=[c[0] for c in PATH_CASES]
)
def test_a_path_out_of_the_index_folder_is_refused_and_nothing_imported(
    tmp_path: Path,
    register_target: str,
    row: str,
    setup: Callable[[Path], None],
    problem: str,
) -> None:
    folder, index = import_folder(tmp_path, row.replace("{tmp}", str(tmp_path)))
    setup(tmp_path)
    code, stdout, stderr = run_import(folder, index, register_target)
    expected = problem.replace("{old}", str(folder)).replace("{tmp}", str(tmp_path))
    assert (code, stdout) == (ExitCode.INVALID_INPUT, "")
    assert stderr == (
        f"Error: {index}: this index has 1 problem:\n  {index}:2: row 2: {expected}\n"
    )
    assert "Private notes" not in stderr and "root:" not in stderr
    assert review_count(register_target) == 0


def test_an_index_with_a_terminal_escape_is_refused_as_not_plain_text(
    tmp_path: Path, register_target: str
) -> None:
    row = "\x1b[2J../private/notes.txt,EX-1,Priya Shah,North,2026-03-02,2,5-10,\n"
    folder, index = import_folder(tmp_path, row)
    code, stdout, stderr = run_import(folder, index, register_target)
    assert (code, stdout) == (ExitCode.INVALID_INPUT, "")
    assert stderr == (
        f"Error: {index}: this index has 1 problem:\n  {index}: line 2 has a control character "
        "(U+001B) that does not belong in text; delete it, or save the file again as plain text\n"
    )
    assert "\x1b" not in stderr
    assert review_count(register_target) == 0


def test_a_path_that_goes_up_but_stays_inside_is_imported(
    tmp_path: Path, register_target: str
) -> None:
    folder, index = import_folder(
        tmp_path, "sub/../a.txt,EX-1,Priya Shah,North,2026-03-02,2,5-10,\n"
    )
    code, stdout, _ = run_import(folder, index, register_target)
    assert code == ExitCode.OK
    assert stdout.splitlines()[-1].endswith("; 0 already there; 0 could not be read.")
    engine = open_register(register_target)
    with session(engine) as db:
        document = db.scalars(select(Document)).one()
        assert (document.path, document.folder) == (str(folder / "a.txt"), str(folder))
    engine.dispose()


# ---- what is already in a register: a pack copies nothing from outside ------------------------


def _sample(target: str, out: Path) -> tuple[int, str, str]:
    result = runner.invoke(
        app,
        [*SAMPLE, "--n", "5", "--seed", "1", "--out", str(out), "--db", target],
    )
    return result.exit_code, result.stdout, result.stderr


def _older_letter_outside(tmp_path: Path, db: Any) -> str:
    """An older version registered ../private/notes.txt as the letter, with no folder."""
    notes = tmp_path / "private" / "notes.txt"
    db.execute(
        update(Document)
        .where(Document.review_id == "EX-1/2026-03-02/2", Document.kind == "letter")
        .values(path=str(notes), folder=None, sha256=sha256_of(notes))
    )
    return (
        f"S1-001: the letter {notes} was imported by an older version of iro-letters, which "
        f"did not record the folder it came from, and it is outside the working folder "
        f"{tmp_path / 'work'}; import it again from its folder (letters register import FOLDER "
        "--index INDEX), then make the pack. Nothing was written."
    )


def _letter_moved_outside(tmp_path: Path, db: Any) -> str:
    """A register whose letter's path was changed to a file outside the folder recorded."""
    notes = tmp_path / "private" / "notes.txt"
    db.execute(
        update(Document)
        .where(Document.review_id == "EX-1/2026-03-02/2", Document.kind == "letter")
        .values(path=str(notes), sha256=sha256_of(notes))
    )
    return (
        f"S1-001: the letter {notes} is outside the folder it was registered from "
        f"({tmp_path / 'old'}); a pack copies only registered files. Nothing was written."
    )


def _older_record_outside(tmp_path: Path, db: Any) -> str:
    """An older version registered ../../../etc/shadow (here: private/shadow) as the record."""
    shadow = tmp_path / "private" / "shadow"
    db.add(
        Document(review_id="EX-1/2026-03-02/2", kind="record", path=str(shadow), sha256="0" * 64)
    )
    return (
        f"S1-001: the review record {shadow} was imported by an older version of iro-letters, "
        f"which did not record the folder it came from, and it is outside the working folder "
        f"{tmp_path / 'work'}; import it again from its folder (letters register import FOLDER "
        "--index INDEX), then make the pack. Nothing was written."
    )


def _record_not_a_record(tmp_path: Path, db: Any) -> str:
    """A registered record inside the folder that is not a review record at all."""
    record = tmp_path / "old" / "record.yaml"
    record.write_text(SHADOW, encoding="utf-8")
    db.add(
        Document(
            review_id="EX-1/2026-03-02/2",
            kind="record",
            path=str(record),
            folder=str(tmp_path / "old"),
            sha256="0" * 64,
        )
    )
    return (
        f"S1-001: the registered review record {record} is not a valid review record (see why "
        f"with: letters validate {record}). Nothing was written."
    )


def _letter_swapped_for_a_link(tmp_path: Path, db: Any) -> str:
    """The registered letter replaced by a link to a file elsewhere, with the same bytes."""
    letter = tmp_path / "old" / "a.txt"
    copy = tmp_path / "private" / "a.txt"
    copy.write_bytes(letter.read_bytes())
    letter.unlink()
    letter.symlink_to(copy)
    return (
        f"S1-001: the letter {letter} is outside the folder it was registered from "
        f"({tmp_path / 'old'}); a pack copies only registered files. Nothing was written."
    )


@pytest.mark.parametrize(
    "tamper",
    [
        _older_letter_outside,
        _letter_moved_outside,
        _older_record_outside,
        _record_not_a_record,
        _letter_swapped_for_a_link,
    ],
)
def test_a_pack_does_not_copy_a_registered_file_from_outside_its_folder(
    tmp_path: Path,
    register_target: str,
    monkeypatch: pytest.MonkeyPatch,
    tamper: Callable[[Path, Any], str],
) -> None:
    folder, index = import_folder(tmp_path)
    assert run_import(folder, index, register_target)[0] == ExitCode.OK
    engine = open_register(register_target)
    with session(engine) as db:
        message = tamper(tmp_path, db)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    out = tmp_path / "pack"
    code, stdout, stderr = _sample(register_target, out)
    assert (code, stdout, stderr) == (ExitCode.INVALID_INPUT, "", f"Error: {message}\n")
    assert not out.exists() or not any(out.iterdir())
    with session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Sample)) == 0  # no sample without pack
    engine.dispose()


# ---- CSV the tool writes: no formulas for a spreadsheet --------------------------------------

PAYLOADS = [
    '=HYPERLINK("http://x")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_cell_a_spreadsheet_would_run_is_quoted_and_read_back_as_written(payload: str) -> None:
    assert csv_cell(payload) == "'" + payload
    assert cell_value(csv_cell(payload)) == payload
    written = csv_text([["letter", payload]])
    assert next(csv.reader(io.StringIO(written, newline=""))) == ["letter", "'" + payload]


@pytest.mark.parametrize(
    "value", ["2026-08-10", "Priya Shah", "S1-001", "3", "", "O'Neill", "'quoted already"]
)
def test_a_cell_a_spreadsheet_shows_as_text_is_written_unchanged(value: str) -> None:
    assert csv_cell(value) == value
    assert cell_value(value) == value


@pytest.fixture(scope="module")
def payload_register(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A register of seven second reviews, each with a formula as its IRO's name, and a pack."""
    tmp = tmp_path_factory.mktemp("payloads")
    folder = tmp / "old"
    folder.mkdir()
    rows = ""
    for number, payload in enumerate(PAYLOADS, start=1):
        (folder / f"a{number}.txt").write_text(LETTER_A, encoding="utf-8")
        iro = payload.strip().replace('"', '""')
        rows += f'a{number}.txt,EX-{number},"{iro}",North,2026-03-0{number},2,5-10,\n'
    (folder / "index.csv").write_text(HEADER + rows, encoding="utf-8")
    target = str(tmp / "letters.db")
    assert run_import(folder, folder / "index.csv", target)[0] == ExitCode.OK
    result = runner.invoke(
        app,
        [
            *SAMPLE,
            "--n",
            "7",
            "--by",
            "iro",
            "--seed",
            "1",
            "--out",
            str(tmp / "pack"),
            "--db",
            target,
        ],
    )
    assert result.exit_code == 0, result.output
    return tmp, Path(target)


def _permanence_csv(tmp: Path, target: Path) -> list[dict[str, str]]:
    result = runner.invoke(app, ["permanence", "--period", "2026", "--csv", "--db", str(target)])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout, newline="")))


def _pack_index(tmp: Path, target: Path) -> list[dict[str, str]]:
    text = (tmp / "pack" / "index.csv").read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("output", [_permanence_csv, _pack_index], ids=["permanence", "pack"])
def test_every_csv_output_quotes_a_formula_from_the_data(
    payload_register: tuple[Path, Path],
    output: Callable[[Path, Path], list[dict[str, str]]],
    payload: str,
) -> None:
    rows = output(*payload_register)
    assert len(rows) == len(PAYLOADS)
    number = PAYLOADS.index(payload) + 1
    row = next(r for r in rows if r["review_id"] == f"EX-{number}/2026-03-0{number}/2")
    assert row["iro"] == "'" + payload.strip()  # the index's cells are trimmed of spaces
    # No cell of the file starts as a formula would.
    assert not [c for r in rows for c in r.values() if c.startswith(("=", "+", "-", "@"))]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_audit_csv_form_quotes_a_formula(payload: str) -> None:
    content = form_csv(payload, 1, load_rubric()).decode("utf-8-sig")
    first = list(csv.reader(io.StringIO(content, newline="")))[1]
    assert first[0] == "'" + payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_comment_quoted_in_a_form_is_imported_as_written(
    scoring_copy: Any, tmp_path: Path, payload: str
) -> None:
    rows = [["letter", "reviewer", "criterion", "score", "comment"]]
    rows += [["S1-001", "Jane Smith", c, "3", payload + " said"] for c in ALL_CRITERIA]
    (tmp_path / "form.csv").write_text(csv_text(rows), encoding="utf-8")
    summary = import_scores(scoring_copy, [tmp_path / "form.csv"])
    assert summary.ok, [str(e) for e in summary.failed]
    with session(scoring_copy) as db:
        assert set(db.scalars(select(Score.comment))) == {payload + " said"}


# ---- text that reaches the terminal -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("over\rwrite", "over\\rwrite"),
        ("back\bspace", "back\\bspace"),
        ("bell\x07", "bell\\x07"),
        ("line\nbreak", "line\\nbreak"),
        ("tab\there", "tab\\there"),
        ("nul\x00", "nul\\x00"),
        ("c1\x9b31m", "c1\\x9b31m"),
        ("delete\x7f", "delete\\x7f"),
        ("bidi \u202eevil", "bidi \\u202eevil"),
        ("line\u2028sep", "line\\u2028sep"),
        ("Zoë O'Neill — 🙂", "Zoë O'Neill — 🙂"),
    ],
)
def test_control_characters_are_shown_as_escapes(text: str, shown: str) -> None:
    assert terminal_text(text) == shown


def test_a_problem_escapes_the_file_name_and_the_value() -> None:
    problem = Problem("row 2: iro", "'\x1b[2JEvil' is not known", 2)
    assert (
        problem.describe("in\rdex.csv") == "in\\rdex.csv:2: row 2: iro: '\\x1b[2JEvil' is not known"
    )
    error = InvalidFileError("in\x1bdex.csv", [problem], "index")
    assert str(error).splitlines()[0] == "in\\x1bdex.csv: this index has 1 problem:"


def _insert_review(target: str, iro: str) -> None:
    engine = open_register(target)
    with session(engine) as db:
        db.add(
            Review(
                id="EX-9/2026-03-02/2",
                child_ref="EX-9",
                iro=iro,
                review_date=dt.date(2026, 3, 2),
                review_number=2,
                age_band="5-10",
                decisions_due=dt.date(2026, 3, 9),
                record_due=dt.date(2026, 3, 30),
                next_review_due=dt.date(2026, 9, 2),
                source="import",
            )
        )
    engine.dispose()


@pytest.mark.parametrize(
    "command",
    [["due", "--as-of", "2026-11-25"], ["permanence", "--period", "2026"]],
    ids=["due", "permanence"],
)
def test_register_listings_escape_names_from_the_register(
    register_target: str, command: list[str]
) -> None:
    _insert_review(register_target, "\x1b]0;owned\x07Priya")
    result = runner.invoke(app, [*command, "--db", register_target])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b]0;owned\\x07Priya" in result.stdout


def test_letters_check_escapes_the_file_name_in_its_findings(tmp_path: Path) -> None:
    letter = tmp_path / "a\x1b[2Jb.txt"
    letter.write_text(LETTER_B, encoding="utf-8")
    empty = tmp_path / "e\rmpty.txt"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["check", str(letter), str(empty), "--age-band", "11-15"])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "\x1b" not in result.stdout and "\r" not in result.output
    shown = str(tmp_path / "a\\x1b[2Jb.txt")
    assert result.stdout.splitlines()[0].startswith(f"{shown}:3:6 warning child_friendly.")
    assert result.stderr == f"Error: {tmp_path / 'e'}\\rmpty.txt: is empty\n"


def test_an_unreadable_letter_named_in_an_index_is_escaped(
    tmp_path: Path, register_target: str
) -> None:
    folder, index = import_folder(tmp_path)
    (folder / "b.md").unlink()
    (folder / "b\u202e.md").write_bytes(b"")
    index.write_text(HEADER + ROW_A + ROW_B.replace("b.md", "b\u202e.md"), encoding="utf-8")
    code, stdout, stderr = run_import(folder, index, register_target)
    assert code == ExitCode.INVALID_INPUT
    assert stderr == f"Error: {folder}/b\\u202e.md: is empty\n"
    assert "Imported 1 letter into" in stdout


# ---- broken indexes: row errors and file errors, never a crash --------------------------------

INDEX_ROW_CASES = [
    (
        "cell-over-csv-limit",
        'a.txt,EX-1,"' + "x" * 200_000 + '",North,2026-03-02,2,5-10,\n',
        'index.csv:2: row 2: has a cell longer than 131,072 characters (an unclosed quote (") '
        "can make one): nothing after it can be read",
    ),
    (
        "31-february",
        "a.txt,EX-1,Priya Shah,North,2026-02-31,2,5-10,\n",
        "index.csv:2: row 2: review_date: '2026-02-31' is not a day on the calendar (check the "
        "day and the month)",
    ),
    (
        "date-as-written-in-uk",
        "a.txt,EX-1,Priya Shah,North,02/03/2026,2,5-10,\n",
        "index.csv:2: row 2: review_date: '02/03/2026' is not a date written as YYYY-MM-DD, "
        "such as 2026-08-10",
    ),
    (
        "before-1900",
        "a.txt,EX-1,Priya Shah,North,1899-12-31,2,5-10,\n",
        "index.csv:2: row 2: review_date: 1899-12-31 is not between 1900 and 2100",
    ),
    (
        "year-9999",
        "a.txt,EX-1,Priya Shah,North,9999-12-31,2,5-10,\n",
        "index.csv:2: row 2: review_date: 9999-12-31 is not between 1900 and 2100",
    ),
    (
        "review-number-0",
        "a.txt,EX-1,Priya Shah,North,2026-03-02,0,5-10,\n",
        "index.csv:2: row 2: review_number: must be a whole number from 1 to 99",
    ),
    (
        "review-number-minus-1",
        "a.txt,EX-1,Priya Shah,North,2026-03-02,-1,5-10,\n",
        "index.csv:2: row 2: review_number: must be a whole number from 1 to 99",
    ),
    (
        "review-number-10-to-the-100",
        f"a.txt,EX-1,Priya Shah,North,2026-03-02,{10**100},5-10,\n",
        "index.csv:2: row 2: review_number: must be a whole number from 1 to 99",
    ),
    (
        "review-number-5000-digits",
        "a.txt,EX-1,Priya Shah,North,2026-03-02," + "9" * 5000 + ",5-10,\n",
        "index.csv:2: row 2: review_number: must be a whole number from 1 to 99",
    ),
    (
        "review-number-2.5",
        "a.txt,EX-1,Priya Shah,North,2026-03-02,2.5,5-10,\n",
        "index.csv:2: row 2: review_number: must be a whole number from 1 to 99",
    ),
    (
        "more-cells-than-columns",
        "a.txt,EX-1,Priya Shah,North,2026-03-02,2,5-10,,surplus\n",
        "index.csv:2: row 2: has more cells than the first row has column names",
    ),
    (
        "iro-too-long",
        "a.txt,EX-1," + "P" * 201 + ",North,2026-03-02,2,5-10,\n",
        "index.csv:2: row 2: iro: is 201 characters long; it can be at most 200",
    ),
]


@pytest.mark.parametrize(
    ("row", "problem"),
    [c[1:] for c in INDEX_ROW_CASES],
    ids=[c[0] for c in INDEX_ROW_CASES],
)
def test_a_broken_index_row_is_a_row_error(
    tmp_path: Path, register_target: str, row: str, problem: str
) -> None:
    folder, index = import_folder(tmp_path, ROW_B + row)
    problem = problem.replace(":2:", ":3:").replace("row 2", "row 3")
    code, stdout, stderr = run_import(folder, index, register_target)
    assert (code, stdout) == (ExitCode.INVALID_INPUT, "")
    assert (
        stderr
        == f"Error: {index}: this index has 1 problem:\n  {problem.replace('index.csv', str(index))}\n"
    )
    assert review_count(register_target) == 0


def test_a_duplicated_column_is_a_file_error(tmp_path: Path) -> None:
    folder, index = import_folder(tmp_path)
    index.write_text("iro," + HEADER + "X," + ROW_A, encoding="utf-8")
    with pytest.raises(InvalidFileError) as caught:
        read_index(index, folder)
    assert str(caught.value) == (
        f"{index}: this index has 1 problem:\n  {index}:1: has the column 'iro' twice"
    )


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.mkdir()


def _huge(size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with path.open("wb") as stream:
            stream.truncate(size)  # sparse: takes no room on the disk

    return make


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (_fifo, "is not an ordinary file (a pipe or a device?)"),
        (_folder, "is a folder, not a file"),
        (_huge(50_000_001), "is too large (50,000,001 bytes; the limit is 50 MB)"),
        (lambda path: None, "no such file"),
    ],
    ids=["fifo", "folder", "huge", "missing"],
)
def test_an_index_that_is_not_a_readable_file_is_refused(
    tmp_path: Path, make: Callable[[Path], None], problem: str
) -> None:
    folder, _ = import_folder(tmp_path)
    index = tmp_path / "bad-index.csv"
    make(index)
    with pytest.raises(InvalidFileError) as caught:
        read_index(index, folder)
    assert str(caught.value) == f"{index}: this index has 1 problem:\n  {index}: {problem}"


def test_a_fifo_index_is_refused_by_the_command(tmp_path: Path, register_target: str) -> None:
    folder, _ = import_folder(tmp_path)
    index = tmp_path / "pipe.csv"
    os.mkfifo(index)
    assert run_import(folder, index, register_target) == (
        ExitCode.INVALID_INPUT,
        "",
        f"Error: {index}: this index has 1 problem:\n"
        f"  {index}: is not an ordinary file (a pipe or a device?)\n",
    )


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF16_LE + text.replace(",", "\t").encode("utf-16-le"),
        lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        lambda text: text.encode("utf-8-sig"),
        lambda text: text.replace(",", ";").encode("utf-8"),
    ],
    ids=["excel-unicode-text", "utf-16-be-comma", "csv-utf-8", "semicolons"],
)
def test_an_index_saved_by_a_spreadsheet_is_read(
    tmp_path: Path, register_target: str, encode: Callable[[str], bytes]
) -> None:
    folder, index = import_folder(tmp_path)
    index.write_bytes(encode(HEADER + ROW_A + ROW_B))
    code, stdout, stderr = run_import(folder, index, register_target)
    assert (code, stderr) == (ExitCode.OK, "")
    assert stdout.splitlines()[-1].endswith("; 0 already there; 0 could not be read.")
    assert review_count(register_target) == 2


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (_fifo, "is not an ordinary file (a pipe or a device?)"),
        (_huge(20_000_001), "is too large (20,000,001 bytes; the limit is 20 MB)"),
        (
            lambda path: path.write_text("Dear Kai,\n\n" + "Word " * 220_000, encoding="utf-8"),
            "is too long to check (1,100,011 characters; the limit is 500,000, and a letter to "
            "a child is a few thousand)",
        ),
    ],
    ids=["fifo", "huge", "over-a-million-characters"],
)
def test_a_letter_named_in_an_index_that_is_too_large_is_refused_by_name(
    tmp_path: Path, register_target: str, make: Callable[[Path], None], problem: str
) -> None:
    folder, index = import_folder(tmp_path)
    (folder / "b.md").unlink()
    make(folder / "b.md")
    code, stdout, stderr = run_import(folder, index, register_target)
    assert code == ExitCode.INVALID_INPUT
    assert stderr == f"Error: {folder / 'b.md'}: {problem}\n"
    assert "Imported 1 letter into" in stdout
    assert review_count(register_target) == 1


# ---- broken audit forms -----------------------------------------------------------------------


@pytest.fixture
def scoring_copy(tmp_path: Path, scoring_template: Path) -> Iterator[Any]:  # noqa: F811
    """A fresh SQLite copy of test_audit's scoring register (S1-001 second review, S1-002 first)."""
    shutil.copy(scoring_template, tmp_path / "letters.db")
    engine = open_register(tmp_path / "letters.db")
    yield engine
    engine.dispose()


FORM_ROW_CASES = [
    (
        "cell-over-csv-limit",
        filled_csv(
            "S1-001", ALL_CRITERIA, row3='S1-001,Jane Smith,childs_voice,3,"' + "x" * 200_000
        ),
        'form.csv:3: has a cell longer than 131,072 characters (an unclosed quote (") can make '
        "one): nothing after it can be read",
    ),
    (
        "score-7",
        filled_csv("S1-001", ALL_CRITERIA, row3="S1-001,Jane Smith,childs_voice,7,"),
        "form.csv:3: score: '7' is off the scale (1-4)",
    ),
    (
        "score-minus-1",
        filled_csv("S1-001", ALL_CRITERIA, row3="S1-001,Jane Smith,childs_voice,-1,"),
        "form.csv:3: score: '-1' is not a score: write a whole number from 1 to 4",
    ),
    (
        "score-10-to-the-100",
        filled_csv("S1-001", ALL_CRITERIA, row3=f"S1-001,Jane Smith,childs_voice,{10**100},"),
        "form.csv:3: score: '1000000000000000000000000000000000000000...' is off the scale (1-4)",
    ),
    (
        "score-5000-digits",
        filled_csv(
            "S1-001", ALL_CRITERIA, row3="S1-001,Jane Smith,childs_voice," + "9" * 5000 + ","
        ),
        "form.csv:3: score: '9999999999999999999999999999999999999999...' is off the scale (1-4)",
    ),
    (
        "letter-code-with-nul",
        filled_csv("S1-001", ALL_CRITERIA, row3="S1-0\x0001,Jane Smith,childs_voice,3,"),
        "form.csv: is not a text file (is it a Word or PDF file?)",
    ),
    (
        "letter-code-with-escape",
        filled_csv("S1-001", ALL_CRITERIA, row3="S1-\x1b[2J001,Jane Smith,childs_voice,3,"),
        "form.csv: line 3 has a control character (U+001B) that does not belong in text; delete "
        "it, or save the file again as plain text",
    ),
]


@pytest.mark.parametrize(
    ("form", "problem"), [c[1:] for c in FORM_ROW_CASES], ids=[c[0] for c in FORM_ROW_CASES]
)
def test_a_broken_form_row_is_a_row_error(
    scoring_copy: Any, tmp_path: Path, form: str, problem: str
) -> None:
    path = tmp_path / "form.csv"
    path.write_text(form, encoding="utf-8")
    summary = import_scores(scoring_copy, [path])
    assert summary.imported == ()
    assert [str(e) for e in summary.failed] == [
        f"{path}: this audit form has 1 problem:\n  {problem.replace('form.csv', str(path))}"
    ]


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (_fifo, "is not an ordinary file (a pipe or a device?)"),
        (_folder, "is a folder, not a file"),
        (_huge(50_000_001), "is too large (50,000,001 bytes; the limit is 50 MB)"),
    ],
    ids=["fifo", "folder", "huge"],
)
def test_a_form_that_is_not_a_readable_file_is_refused(
    scoring_copy: Any, tmp_path: Path, make: Callable[[Path], None], problem: str
) -> None:
    path = tmp_path / "form.csv"
    make(path)
    summary = import_scores(scoring_copy, [path])
    assert [str(e) for e in summary.failed] == [
        f"{path}: this audit form has 1 problem:\n  {path}: {problem}"
    ]


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF16_LE + text.replace(",", "\t").encode("utf-16-le"),
        lambda text: text.encode("utf-16-le"),
        lambda text: text.encode("utf-16-be"),
        lambda text: text.encode("cp1252"),
    ],
    ids=["excel-unicode-text", "utf-16-le-no-bom", "utf-16-be-no-bom", "windows-1252"],
)
def test_a_form_saved_by_a_spreadsheet_is_read(
    scoring_copy: Any, tmp_path: Path, encode: Callable[[str], bytes]
) -> None:
    path = tmp_path / "form.csv"
    path.write_bytes(encode(filled_csv("S1-001", ALL_CRITERIA).replace("Clear", "Zoë: clear")))
    summary = import_scores(scoring_copy, [path])
    assert summary.ok, [str(e) for e in summary.failed]
    with session(scoring_copy) as db:
        assert set(db.scalars(select(Score.comment))) == {"Zoë: clear and kind."}


# ---- audit forms imported again ---------------------------------------------------------------


def test_audit_forms_imported_again_are_already_imported(
    tmp_path: Path, register_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, index = import_folder(tmp_path)
    assert run_import(folder, index, register_target)[0] == ExitCode.OK
    monkeypatch.chdir(tmp_path)
    assert _sample(register_target, tmp_path / "pack")[0] == ExitCode.OK
    # Fill in the pack's own CSV forms, as a reviewer would.
    forms = []
    for blank in sorted((tmp_path / "pack").glob("*-form.csv")):
        rows = list(csv.reader(io.StringIO(blank.read_text(encoding="utf-8-sig"), newline="")))
        filled = [rows[0]] + [[r[0], "Ann Cole", r[2], "3", "-ish, said Jo"] for r in rows[1:]]
        path = tmp_path / blank.name.replace("-form", "-filled")
        path.write_text(csv_text(filled), encoding="utf-8")
        forms.append(path)
    args = ["audit", "import", *map(str, forms), "--db", register_target]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        f"{forms[0]}: 8 scores for 1 letter by Ann Cole",
        f"{forms[1]}: 7 scores for 1 letter by Ann Cole",
    ]
    again = runner.invoke(app, args)
    assert (again.exit_code, again.stderr) == (0, "")
    assert again.stdout.splitlines() == [
        f"{forms[0]}: already imported (8 scores for 1 letter by Ann Cole); nothing changed",
        f"{forms[1]}: already imported (7 scores for 1 letter by Ann Cole); nothing changed",
    ]
    # A different score for a letter the same reviewer scored stays refused.
    changed = forms[0].read_text(encoding="utf-8").replace(",3,", ",2,", 1)
    forms[0].write_text(changed, encoding="utf-8")
    refused = runner.invoke(app, ["audit", "import", str(forms[0]), "--db", register_target])
    assert refused.exit_code == ExitCode.INVALID_INPUT
    criterion = changed.splitlines()[1].split(",")[2]
    assert refused.stderr.splitlines()[:2] == [
        f"Error: {forms[0]}: this audit form has 1 problem:",
        f"  {forms[0]}:2: criterion: Ann Cole has already scored S1-001 on '{criterion}' as 3, "
        f"and this form gives 2 (imported from {forms[0]}); a score in the register is not "
        "changed by importing another form",
    ]
    engine = open_register(register_target)
    with session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Score)) == 15
        assert set(db.scalars(select(Score.comment))) == {"-ish, said Jo"}
    engine.dispose()
