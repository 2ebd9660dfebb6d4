"""Hostile and careless registers: each ends in success or exit 2 with a clear message, never
exit 4, and `letters draft` is all or nothing across its files and the register."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import DataError
from typer.testing import CliRunner

from letters.cli import app
from letters.drafting.draft import make_draft
from letters.errors import ExitCode
from letters.output import STALE_AFTER_SECONDS, clear_stale_temporaries, write_files
from letters.records import load_record
from letters.register.db import RegisterError, describe, open_register, opened, session
from letters.register.store import register_draft
from letters.register.tables import Document, Review, Sample, Score

from .conftest import SAMPLES
from .registers import ADMIN_URL, _psycopg_url

runner = CliRunner()
AMIRA = SAMPLES / "amira-second-review.yaml"
LEO = SAMPLES / "leo-first-review.yaml"
CONFIG = SAMPLES / "letters.toml"
DOCUMENTS = sorted(f"{d}.{x}" for d in ("letter", "minutes", "decisions") for x in ("docx", "md"))
AMIRA_ID = "EX-100231/2026-08-10/2"


def draft(out: Path, db: str, sample: Path = AMIRA, *extra: str) -> list[str]:
    """Return the arguments of `letters draft` for a sample (checked lightly: --no-check)."""
    return ["draft", str(sample), "--out", str(out), "--db", db, "--config", str(CONFIG), *extra]


def reviews_in(target: str | Path) -> list[str]:
    engine = open_register(target, create=False)
    try:
        with session(engine) as db:
            return sorted(db.scalars(select(Review.id)))
    finally:
        engine.dispose()


def tables_of(target: str) -> set[str]:
    from letters.register.db import make_engine

    engine = make_engine(target)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """Mount a small tmpfs at `path` (a real file system that can be filled or made read-only)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    path.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount_read_only(path: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)


def fill(folder: Path) -> None:
    """Fill the file system `folder` is on, until there is no space left."""
    handle = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            while os.write(handle, b"\0" * 4096):
                pass
    finally:
        os.close(handle)


# ---------------------------------------------------------------------------------------
# Commands that only read the register refuse one that does not exist; they make nothing.

READERS = {
    "due": ["due", "--as-of", "2026-11-25"],
    "permanence": ["permanence", "--period", "2026-Q3"],
    "permanence --csv": ["permanence", "--period", "2026-Q3", "--csv"],
    "sample": ["sample", "--from", "2026-04-01", "--to", "2026-09-30", "--n", "2", "--seed", "1",
               "--out", "{tmp}/pack"],
    "audit report": ["audit", "report", "--period", "2026-H1", "--out", "{tmp}/report.html"],
    "register sent": ["register", "sent", AMIRA_ID, "--decisions", "2026-08-14"],
    "audit import": ["audit", "import", "{tmp}/S1-001-form.csv"],
}  # fmt: skip


def _reader(name: str, tmp_path: Path) -> list[str]:
    (tmp_path / "S1-001-form.csv").write_text("code,reviewer,criterion,score\n", encoding="utf-8")
    return [word.replace("{tmp}", str(tmp_path)) for word in READERS[name]]


@pytest.mark.parametrize("command", READERS)
@pytest.mark.parametrize("where", ["typo.db", "missing-folder/letters.db", "empty-file"])
def test_a_reader_refuses_a_missing_sqlite_register(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, where: str
) -> None:
    monkeypatch.chdir(tmp_path)
    if where == "empty-file":
        where = "letters.db"
        (tmp_path / where).write_bytes(b"")
    result = runner.invoke(app, [*_reader(command, tmp_path), "--db", where])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == (
        f"Error: no register at {where}: check the path, or draft or import letters first\n"
    )
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        {"S1-001-form.csv", *(["letters.db"] if where == "letters.db" else [])}
    )
    if where == "letters.db":
        assert (tmp_path / where).read_bytes() == b""


def test_a_reader_with_no_db_option_names_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["due"])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == (
        "Error: no register at letters.db: check the path, or draft or import letters first\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", READERS)
def test_a_reader_refuses_a_postgresql_database_with_no_register(
    tmp_path: Path, register_target: str, command: str
) -> None:
    if "://" not in register_target:
        pytest.skip("the SQLite cases are above")
    result = runner.invoke(app, [*_reader(command, tmp_path), "--db", register_target])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == (
        f"Error: no register at {describe(register_target)}: check the URL, or draft or "
        "import letters first\n"
    )
    assert tables_of(register_target) == set()


@pytest.mark.parametrize("writer", ["draft", "register import"])
def test_a_writer_makes_the_register_and_says_so_once(
    tmp_path: Path, register_target: str, writer: str
) -> None:
    from .test_register import write_import

    def run(n: int) -> list[str]:
        if writer == "draft":
            args = draft(tmp_path / f"d{n}", register_target, AMIRA, "--no-check")
        else:
            index = write_import(tmp_path / "old")
            args = ["register", "import", str(tmp_path / "old"), "--index", str(index)]
            args += ["--db", register_target]
        result = runner.invoke(app, args)
        assert result.exit_code == ExitCode.OK, result.output
        return result.stdout.splitlines()

    name = describe(register_target)
    first, second = run(1), run(2)
    assert f"Created a new register at {name}." in first
    assert not any(line.startswith("Created a new register") for line in second)
    last = f"Registered as {AMIRA_ID} in {name}." if writer == "draft" else None
    if last:
        assert first[-2:] == [f"Created a new register at {name}.", last]
        assert second[-1] == last


# ---------------------------------------------------------------------------------------
# Registers that are not ours, or that we cannot open: refused, and draft writes nothing.

UNSUPPORTED = [
    ("mysql://iro@db.example/letters", "mysql://…@db.example/letters", "mysql"),
    ("http://example.org/letters.db", "http://example.org/letters.db", "http"),
    ("postgresql+asyncpg://iro@db/letters", "postgresql+asyncpg://…@db/letters",
     "postgresql+asyncpg"),
    ("sqlite://", "sqlite://", "sqlite"),
    ("sqlite:///", "sqlite:///", "sqlite"),
    ("mssql+pyodbc://db/letters", "mssql+pyodbc://db/letters", "mssql+pyodbc"),
    ("oracle://iro:secret@db/letters", "oracle://…@db/letters", "oracle"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "shown", "scheme"), UNSUPPORTED, ids=[u[0] for u in UNSUPPORTED])
@pytest.mark.parametrize("command", ["draft", "due", "register import"])
def test_an_unsupported_database_url_is_refused(
    tmp_path: Path, url: str, shown: str, scheme: str, command: str
) -> None:
    out = tmp_path / "drafts"
    if command == "draft":
        args = draft(out, url, AMIRA, "--no-check")
    elif command == "due":
        args = ["due", "--db", url]
    else:
        from .test_register import write_import

        index = write_import(tmp_path / "old")
        args = ["register", "import", str(tmp_path / "old"), "--index", str(index), "--db", url]
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == (
        f"Error: {shown}: the register must be a file (such as letters.db) or a PostgreSQL URL "
        f"(such as postgresql://user@host/letters); {scheme}:// is not supported\n"
    )
    assert "secret" not in result.output
    assert not out.exists()


def test_an_sqlite_url_with_an_absolute_path_is_a_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/letters.db"  # sqlite:////tmp/... : four slashes
    result = runner.invoke(app, draft(tmp_path / "d", url, AMIRA, "--no-check"))
    assert result.exit_code == ExitCode.OK, result.output
    assert reviews_in(tmp_path / "letters.db") == [AMIRA_ID]


def test_a_postgres_url_spelt_postgres_works(tmp_path: Path, register_target: str) -> None:
    if "://" not in register_target:
        pytest.skip("PostgreSQL only")
    url = "postgres://" + register_target.split("://", 1)[1]
    result = runner.invoke(app, draft(tmp_path / "d", url, AMIRA, "--no-check"))
    assert result.exit_code == ExitCode.OK, result.output
    assert reviews_in(register_target) == [AMIRA_ID]


def _notes(path: Path) -> str:
    path.write_text("my notes, not a database\n", encoding="utf-8")
    return f"{path}: is not a letters register (not an SQLite database); it was not touched"


def _recipes(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    return (
        f"{path}: is a database, but not a letters register (it has tables recipes); "
        "it was not touched"
    )


def _newer(path: Path) -> str:
    open_register(path).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    return (
        f"{path}: this register was made by a newer version of iro-letters (schema 9999); "
        "upgrade iro-letters to use it. It was not touched."
    )


def _folder(path: Path) -> str:
    path.mkdir()
    return f"{path}: is a folder, not a register database"


@pytest.mark.parametrize("make", [_notes, _recipes, _newer, _folder])
def test_draft_writes_nothing_when_the_register_cannot_be_used(
    tmp_path: Path, make: object
) -> None:
    db = tmp_path / "letters.db"
    message = make(db)  # type: ignore[operator]
    before = db.read_bytes() if db.is_file() else None
    out = tmp_path / "drafts"
    result = runner.invoke(app, draft(out, str(db), AMIRA, "--no-check"))
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == f"Error: {message}\n"
    assert result.stdout == ""
    assert not out.exists()
    assert (db.read_bytes() if db.is_file() else None) == before


def test_draft_writes_nothing_when_postgresql_has_other_tables(
    tmp_path: Path, register_target: str
) -> None:
    if "://" not in register_target:
        pytest.skip("PostgreSQL only")
    import psycopg

    with psycopg.connect(_psycopg_url(register_target), autocommit=True) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    out = tmp_path / "drafts"
    result = runner.invoke(app, draft(out, register_target, AMIRA, "--no-check"))
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == (
        f"Error: {describe(register_target)}: is a database, but not a letters register (it "
        "has tables recipes); it was not touched\n"
    )
    assert not out.exists()
    assert tables_of(register_target) == {"recipes"}


def test_draft_refused_overwrite_leaves_files_and_register_alone(
    tmp_path: Path, register_target: str
) -> None:
    out = tmp_path / "drafts"
    out.mkdir()
    (out / "minutes.md").write_text("my edits", encoding="utf-8")
    result = runner.invoke(app, draft(out, register_target, AMIRA, "--no-check"))
    assert result.exit_code == ExitCode.REFUSED_OVERWRITE
    assert sorted(p.name for p in out.iterdir()) == ["minutes.md"]
    assert (out / "minutes.md").read_text(encoding="utf-8") == "my edits"
    assert reviews_in(register_target) == []


# ---------------------------------------------------------------------------------------
# A read-only register: reading works; drafting says so and takes its files back.

READ_ONLY = (
    "the register is read-only (attempt to write a readonly database); the change was not "
    "saved. Ask for write access to it, or give another register with --db"
)


@pytest.fixture
def read_only_sqlite(tmp_path: Path) -> Iterator[Path]:
    """Yield an SQLite register holding Amira's review, on a file system mounted read-only."""
    with tmpfs(tmp_path / "ro", "8m") as folder:
        db = folder / "letters.db"
        done = runner.invoke(app, draft(tmp_path / "first", str(db), AMIRA, "--no-check"))
        assert done.exit_code == ExitCode.OK, done.output
        remount_read_only(folder)
        yield db


def test_draft_into_a_read_only_sqlite_register_writes_nothing(
    tmp_path: Path, read_only_sqlite: Path
) -> None:
    before = read_only_sqlite.read_bytes()
    out = tmp_path / "drafts"
    result = runner.invoke(app, draft(out, str(read_only_sqlite), LEO, "--no-check"))
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == f"Error: {read_only_sqlite}: {READ_ONLY}\n"
    assert not out.exists()
    assert read_only_sqlite.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "code", "stderr"),
    [
        (["due", "--as-of", "2026-08-20"], ExitCode.OK, ""),
        (["permanence", "--period", "2026-Q3"], ExitCode.OK, ""),
        (["register", "sent", AMIRA_ID, "--decisions", "2026-08-14"], ExitCode.INVALID_INPUT,
         READ_ONLY),
    ],
    ids=["due", "permanence", "register sent"],
)  # fmt: skip
def test_other_commands_on_a_read_only_sqlite_register(
    read_only_sqlite: Path, args: list[str], code: int, stderr: str
) -> None:
    result = runner.invoke(app, [*args, "--db", str(read_only_sqlite)])
    assert result.exit_code == code, result.output
    assert result.stderr == (f"Error: {read_only_sqlite}: {stderr}\n" if stderr else "")
    if code == ExitCode.OK:
        assert result.stdout


@pytest.fixture
def read_only_postgresql(tmp_path: Path, register_target: str) -> str:
    """Return a PostgreSQL register holding Amira's review, whose database is read-only."""
    if "://" not in register_target:
        pytest.skip("PostgreSQL only")
    import psycopg

    done = runner.invoke(app, draft(tmp_path / "first", register_target, AMIRA, "--no-check"))
    assert done.exit_code == ExitCode.OK, done.output
    name = register_target.rsplit("/", 1)[1]
    assert ADMIN_URL is not None
    with psycopg.connect(_psycopg_url(ADMIN_URL), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    return register_target


@pytest.mark.parametrize("command", ["draft", "register sent", "due"])
def test_a_read_only_postgresql_register(
    tmp_path: Path, read_only_postgresql: str, command: str
) -> None:
    out = tmp_path / "drafts"
    if command == "draft":
        args = draft(out, read_only_postgresql, LEO, "--no-check")
    elif command == "register sent":
        args = ["register", "sent", AMIRA_ID, "--record", "2026-09-01"]
        args += ["--db", read_only_postgresql]
    else:
        args = ["due", "--as-of", "2026-08-20", "--db", read_only_postgresql]
    result = runner.invoke(app, args)
    if command == "due":
        assert result.exit_code == ExitCode.OK, result.output
        return
    assert result.exit_code == ExitCode.INVALID_INPUT
    detail = "INSERT" if command == "draft" else "UPDATE"
    assert result.stderr == (
        f"Error: {describe(read_only_postgresql)}: the register is read-only (cannot execute "
        f"{detail} in a read-only transaction); the change was not saved. Ask for write access "
        "to it, or give another register with --db\n"
    )
    assert not out.exists()
    assert reviews_in(read_only_postgresql) == [AMIRA_ID]


# ---------------------------------------------------------------------------------------
# A full disk: under the register, or under the drafts; nothing half-written either way.

FULL = (
    "the disk is full (database or disk is full); the change was not saved. Free some space "
    "and run the command again"
)


@pytest.mark.parametrize("force", [False, True], ids=["new-files", "with-force"])
def test_a_full_disk_under_the_register_takes_the_drafts_back(tmp_path: Path, force: bool) -> None:
    out = tmp_path / "drafts"
    before: dict[str, bytes] = {}
    if force:  # an earlier draft of Leo's review, which --force would replace
        done = runner.invoke(app, ["draft", str(LEO), "--out", str(out), "--no-register"])
        assert done.exit_code == ExitCode.OK
        (out / "letter.md").write_text("the IRO's own edits", encoding="utf-8")
        before = {p.name: p.read_bytes() for p in out.iterdir()}
    with tmpfs(tmp_path / "disk", "400k") as disk:
        db = disk / "letters.db"
        open_register(db).dispose()
        fill(disk)
        register = db.read_bytes()
        extra = ["--no-check", *(["--force"] if force else [])]
        result = runner.invoke(app, draft(out, str(db), LEO, *extra))
        assert result.exit_code == ExitCode.INVALID_INPUT
        assert result.stderr == f"Error: {db}: {FULL}\n"
        assert db.read_bytes() == register
    if force:
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    else:
        assert not out.exists()


def test_a_full_disk_under_the_drafts_registers_nothing(
    tmp_path: Path, register_target: str
) -> None:
    with tmpfs(tmp_path / "disk", "64k") as disk:
        fill(disk)
        out = disk / "drafts"
        result = runner.invoke(app, draft(out, register_target, AMIRA, "--no-check"))
        assert result.exit_code == ExitCode.INVALID_INPUT
        assert result.stderr == (
            f"Error: {out / 'letter.docx'}: cannot be written (No space left on device)\n"
        )
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]
    assert reviews_in(register_target) == []


# ---------------------------------------------------------------------------------------
# Values too long or too big for the register: the same limits on SQLite as on PostgreSQL.

VALUES = {
    "id": AMIRA_ID, "child_ref": "EX-100231", "iro": "Priya Shah", "review_date": dt.date(2026, 8, 10),
    "review_number": 2, "age_band": "11-15", "decisions_due": dt.date(2026, 8, 17),
    "record_due": dt.date(2026, 9, 8), "source": "draft",
}  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("iro", "P" * 201, "reviews.iro is 201 characters long; the register keeps at most 200"),
        ("child_ref", "E" * 65,
         "reviews.child_ref is 65 characters long; the register keeps at most 64"),
        ("id", "X" * 161, "reviews.id is 161 characters long; the register keeps at most 160"),
        ("legal_status", "s" * 61,
         "reviews.legal_status is 61 characters long; the register keeps at most 60"),
        ("team", "Ü" * 201, "reviews.team is 201 characters long; the register keeps at most 200"),
        ("review_number", 2**31, "reviews.review_number is 10 digits long; too big for the register"),
        ("review_number", -(2**31) - 1,
         "reviews.review_number is 11 digits long; too big for the register"),
        ("review_number", 10**4000,
         "reviews.review_number is 4001 digits long; too big for the register"),
    ],
    ids=["iro", "child_ref", "id", "legal_status", "team-unicode", "int-2^31", "int-negative",
         "int-4000-digits"],
)  # fmt: skip
def test_a_value_too_big_for_the_register_is_named(
    register_target: str, field: str, value: object, problem: str
) -> None:
    sys.set_int_max_str_digits(0)  # 10**4000 must be printable to be measured
    engine = open_register(register_target)
    try:
        with pytest.raises(DataError) as caught, session(engine) as db:
            db.add(Review(**{**VALUES, field: value}))
        assert str(caught.value.orig) == problem
        with (
            pytest.raises(RegisterError) as words,
            opened(register_target, False) as register,
            session(register.engine) as db,
        ):
            db.add(Review(**{**VALUES, field: value}))
        assert (
            str(words.value) == f"{describe(register_target)}: {problem}; the change was not saved"
        )
        with session(engine) as db:
            assert db.scalar(select(func.count()).select_from(Review)) == 0
    finally:
        engine.dispose()
        sys.set_int_max_str_digits(4300)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (lambda: Sample(date_from=dt.date(2026, 4, 1), date_to=dt.date(2026, 9, 30), strata="",
                        seed=2**63, frame="[]"),
         "samples.seed is 19 digits long; too big for the register"),
        (lambda: Score(sample_id=1, review_id=AMIRA_ID, reviewer="R" * 201, criterion="c",
                       score=1, source_file="f.csv"),
         "scores.reviewer is 201 characters long; the register keeps at most 200"),
        (lambda: Document(review_id=AMIRA_ID, kind="letter", path="/" + "p" * 1000, sha256="0"),
         "documents.path is 1001 characters long; the register keeps at most 1000"),
    ],
    ids=["bigint-seed", "reviewer", "path"],
)  # fmt: skip
def test_other_tables_have_the_same_limits(register_target: str, row: object, problem: str) -> None:
    engine = open_register(register_target)
    try:
        with pytest.raises(DataError) as caught, session(engine) as db:
            db.add(row())  # type: ignore[operator]
        assert str(caught.value.orig) == problem
    finally:
        engine.dispose()


def test_drafting_into_a_folder_too_deep_for_the_register_writes_nothing(
    tmp_path: Path, register_target: str
) -> None:
    out = tmp_path.joinpath(*["d" * 200] * 5)
    letter = str((out / "letter.docx").resolve())
    result = runner.invoke(app, draft(out, register_target, AMIRA, "--no-check"))
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == (
        f"Error: {describe(register_target)}: documents.path is {len(letter)} characters long; "
        "the register keeps at most 1000; the change was not saved\n"
    )
    assert not (tmp_path / ("d" * 200)).exists()
    assert reviews_in(register_target) == []


# ---------------------------------------------------------------------------------------
# Two drafts of the same review at the same moment: both succeed, one review is kept.


def test_the_same_review_registered_at_once_by_eight_iros(
    tmp_path: Path, register_target: str, sample_settings: object
) -> None:
    record = load_record(AMIRA)
    drafted = make_draft(record, sample_settings)  # type: ignore[arg-type]
    out = tmp_path / "drafts"
    write_files(drafted.files(out))
    files = {name: out / f"{name}.docx" for name in ("letter", "minutes", "decisions")}
    open_register(register_target).dispose()
    engines = [open_register(register_target) for _ in range(8)]
    start = threading.Barrier(len(engines))
    results: list[object] = []

    def register(engine: object) -> None:
        start.wait()
        try:
            results.append(register_draft(engine, record, drafted.times, files, None, AMIRA))
        except Exception as exc:  # what went wrong is the test's result
            results.append(exc)

    threads = [threading.Thread(target=register, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()
    assert results == [AMIRA_ID] * 8
    engine = open_register(register_target)
    with session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Review)) == 1
        kinds = sorted(db.scalars(select(Document.kind)))
        assert kinds == ["decisions", "letter", "minutes", "record"]
    engine.dispose()


def test_the_same_review_drafted_at_once_in_four_processes(
    tmp_path: Path, register_target: str
) -> None:
    open_register(register_target).dispose()
    letters_bin = Path(sys.executable).with_name("letters")
    if not letters_bin.exists():
        pytest.skip("the letters command is not installed beside this Python")
    running = [
        subprocess.Popen(
            [str(letters_bin), *draft(tmp_path / f"d{n}", register_target, AMIRA, "--no-check")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        )
        for n in range(4)
    ]
    outcomes = [(p.communicate(timeout=180)[1].decode(), p.returncode) for p in running]
    assert outcomes == [("", 0)] * 4
    assert reviews_in(register_target) == [AMIRA_ID]


# ---------------------------------------------------------------------------------------
# register sent: dates before the review, or after today, are refused naming the option.


@pytest.fixture
def one_review(register_target: str) -> str:
    """Return a register with one review, held on 2021-03-02."""
    engine = open_register(register_target)
    with session(engine) as db:
        db.add(Review(**{**VALUES, "id": "EX-1/2021-03-02/1", "review_date": dt.date(2021, 3, 2)}))
    engine.dispose()
    return register_target


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--decisions", "2021-03-01"], ExitCode.INVALID_INPUT,
         "Error: --decisions 2021-03-01 is before the review, held on 2021-03-02: give the date "
         "it was sent\n"),
        (["--record", "2020-12-31"], ExitCode.INVALID_INPUT,
         "Error: --record 2020-12-31 is before the review, held on 2021-03-02: give the date it "
         "was sent\n"),
        (["--decisions", "2021-03-05", "--record", "2021-01-05"], ExitCode.INVALID_INPUT,
         "Error: --record 2021-01-05 is before the review, held on 2021-03-02: give the date it "
         "was sent\n"),
        (["--decisions", "2099-01-01"], ExitCode.INVALID_INPUT,
         f"Error: --decisions 2099-01-01 is after today ({dt.date.today().isoformat()}): record "
         "the date once it has been sent\n"),
        (["--record", "2021-02-30"], ExitCode.INVALID_INPUT,
         "Error: --record '2021-02-30' is not a date written as YYYY-MM-DD\n"),
        (["--decisions", "05/03/2021"], ExitCode.INVALID_INPUT,
         "Error: --decisions '05/03/2021' is not a date written as YYYY-MM-DD\n"),
        ([], ExitCode.INVALID_INPUT, "Error: give --decisions DATE, --record DATE or both\n"),
        (["--decisions", "2021-03-02"], ExitCode.OK, ""),
        (["--decisions", "2021-03-05", "--record", "2021-03-26"], ExitCode.OK, ""),
    ],
    ids=["decisions-before", "record-before", "one-of-two-before", "after-today",
         "impossible-date", "not-iso", "no-dates", "same-day", "both-fine"],
)  # fmt: skip
def test_register_sent_dates(one_review: str, args: list[str], code: int, message: str) -> None:
    rid = "EX-1/2021-03-02/1"
    result = runner.invoke(app, ["register", "sent", rid, *args, "--db", one_review])
    assert result.exit_code == code, result.output
    assert result.stderr == message
    engine = open_register(one_review)
    with session(engine) as db:
        review = db.get(Review, rid)
        assert review is not None
        sent = (review.decisions_sent, review.record_sent)
    engine.dispose()
    if code == ExitCode.OK:
        assert result.stdout == f"Recorded for {rid}.\n"
        assert sent[0] is not None
    else:
        assert sent == (None, None)


def test_register_sent_for_an_unknown_review(one_review: str) -> None:
    result = runner.invoke(
        app,
        ["register", "sent", "EX-2/2021-03-02/1", "--decisions", "2021-03-05", "--db", one_review],
    )
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == "Error: no review 'EX-2/2021-03-02/1' in the register\n"


# ---------------------------------------------------------------------------------------
# Temporary files left by a process that was killed are ours by name, and cleared next time.


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.parametrize(
    ("name", "age", "cleared"),
    [
        (".letters-tmp-{dead}-0123456789abcdef.letter.md", 0, True),
        (".letters-tmp-{dead}-0123456789abcdef.minutes.docx", 0, True),
        (".letters-tmp-{live}-0123456789abcdef.letter.md", 0, False),
        (".letters-tmp-{live}-0123456789abcdef.letter.md", STALE_AFTER_SECONDS + 60, True),
        (".letters-tmp-{dead}-0123456789ABCDEF.letter.md", 0, False),
        (".letters-tmp-{dead}-0123.letter.md", 0, False),
        (".letters-tmp-x-0123456789abcdef.letter.md", 0, False),
        ("letters-tmp-{dead}-0123456789abcdef.letter.md", 0, False),
        (".letter.md.tmp", 0, False),
        ("notes.md", STALE_AFTER_SECONDS * 100, False),
        (".letters-tmp-{dead}-0123456789abcdef", 0, False),
    ],
    ids=["dead-letter", "dead-minutes", "live", "live-but-old", "upper-case", "short-random",
         "no-pid", "not-hidden", "other-temp", "someone-else's", "no-target-name"],
)  # fmt: skip
def test_only_our_temporary_files_of_dead_processes_are_cleared(
    tmp_path: Path, name: str, age: int, cleared: bool
) -> None:
    path = tmp_path / name.format(dead=_dead_pid(), live=os.getppid())
    path.write_bytes(b"half a letter")
    then = time.time() - age
    os.utime(path, (then, then))
    result = runner.invoke(app, ["draft", str(AMIRA), "--out", str(tmp_path), "--no-register"])
    assert result.exit_code == ExitCode.OK, result.output
    assert path.exists() is not cleared
    assert sorted(p.name for p in tmp_path.iterdir() if p != path) == DOCUMENTS


def test_folders_and_links_named_like_ours_are_left_alone(tmp_path: Path) -> None:
    dead = _dead_pid()
    folder = tmp_path / f".letters-tmp-{dead}-0123456789abcdef.keep"
    folder.mkdir()
    target = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    target.write_text("not ours", encoding="utf-8")
    link = tmp_path / f".letters-tmp-{dead}-fedcba9876543210.letter.md"
    link.symlink_to(target)
    assert clear_stale_temporaries(tmp_path) == []
    assert (
        folder.is_dir() and link.is_symlink() and target.read_text(encoding="utf-8") == "not ours"
    )


def test_a_write_killed_halfway_leaves_a_temporary_file_the_next_write_clears(
    tmp_path: Path,
) -> None:
    code = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from letters import output\n"
        "def stuck(src, dst):\n"
        "    print('staged', flush=True)\n"
        "    time.sleep(120)\n"
        "output.os.replace = stuck\n"
        "folder = Path(sys.argv[1])\n"
        "output.write_files({folder / 'letter.md': b'Dear Amira', folder / 'minutes.md': b'x'})\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, env=env
    )
    assert child.stdout is not None
    assert child.stdout.readline() == b"staged\n"
    child.send_signal(signal.SIGKILL)
    child.wait()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert [n.startswith(f".letters-tmp-{child.pid}-") for n in left] == [True, True]
    assert sorted(n.rsplit(".", 2)[-2:][0] for n in left) == ["letter", "minutes"]
    write_files({tmp_path / "letter.md": b"Dear Amira"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter.md"]
