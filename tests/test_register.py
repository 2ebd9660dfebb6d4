"""The register: drafting registers, imports are idempotent, bad files are refused untouched."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from letters.cli import app
from letters.errors import ExitCode, InvalidFileError
from letters.register.db import RegisterError, open_register, session
from letters.register.store import read_index
from letters.register.tables import Document, LetterCheck, Review

from .conftest import SAMPLES

runner = CliRunner()
CONFIG = SAMPLES / "letters.toml"


def draft(sample: str, out: Path, target: str) -> str:
    result = runner.invoke(
        app,
        [
            "draft",
            str(SAMPLES / sample),
            "--out",
            str(out),
            "--db",
            target,
            "--config",
            str(CONFIG),
        ],
    )
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[-1]


def test_draft_registers_review_documents_and_check(tmp_path: Path, register_target: str) -> None:
    line = draft("amira-second-review.yaml", tmp_path / "amira", register_target)
    assert line.startswith("Registered as EX-100231/2026-08-10/2 in ")
    engine = open_register(register_target)
    with session(engine) as db:
        review = db.get(Review, "EX-100231/2026-08-10/2")
        assert review is not None
        assert (review.child_ref, review.iro, review.review_number, review.age_band) == (
            "EX-100231", "Priya Shah", 2, "11-15",
        )  # fmt: skip
        assert (review.permanence_plan, review.contingency, review.participation) == (
            "long_term_fostering", "special_guardianship", "PN1",
        )  # fmt: skip
        assert str(review.decisions_due) == "2026-08-17"
        assert str(review.record_due) == "2026-09-08"
        assert str(review.record_target_due) == "2026-09-01"
        kinds = sorted(d.kind for d in review.documents)
        assert kinds == ["decisions", "letter", "minutes", "record"]
        letter = next(d for d in review.documents if d.kind == "letter")
        assert len(letter.sha256) == 64
        check = letter.check
        assert check is not None
        assert (check.errors, check.meets_target, check.plan_explained, check.contingency_explained) == (
            0, True, True, True,
        )  # fmt: skip
        assert "Amira" not in review.id and "Khan" not in review.child_ref
    engine.dispose()


INDEX = """file,child_record_id,iro,team,review_date,review_number,age_band,permanence_plan,contingency,decisions_sent,record_sent
a.txt,EX-1,Priya Shah,North,2026-03-02,2,5-10,adoption,long_term_fostering,2026-03-05,2026-03-20
b.md,EX-2,Tom Reilly,South,2026-03-09,1,11-15,,,,
"""

LETTER_A = """Dear Jo,

Thank you for coming to your meeting. The plan is for you to be adopted by a new family who will love you.

If that cannot happen, the back-up plan is for you to grow up with a foster family.

You can phone me on 01632 960301. An advocate can help you too.
"""

LETTER_B = "Dear Kai,\n\nYour placement is going well and your LAC review is in March.\n"


def write_import(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "a.txt").write_text(LETTER_A, encoding="utf-8")
    (folder / "b.md").write_text(LETTER_B, encoding="utf-8")
    index = folder / "index.csv"
    index.write_text(INDEX, encoding="utf-8")
    return index


def test_import_checks_each_letter_and_is_idempotent(tmp_path: Path, register_target: str) -> None:
    index = write_import(tmp_path / "old")
    args = [
        "register",
        "import",
        str(tmp_path / "old"),
        "--index",
        str(index),
        "--db",
        register_target,
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[-1].startswith("Imported 2 letters into ")
    again = runner.invoke(app, args)
    assert again.stdout.splitlines()[-1].endswith("; 2 already there; 0 could not be read.")
    engine = open_register(register_target)
    with session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Document)) == 2
        checks = {d.review_id: d.check for d in db.scalars(select(Document)) if d.check is not None}
        a, b = checks["EX-1/2026-03-02/2"], checks["EX-2/2026-03-09/1"]
        assert (a.errors, a.plan_explained, a.contingency_explained) == (0, True, True)
        assert (b.errors, b.jargon, b.plan_explained) == (1, 2, None)
        review = db.get(Review, "EX-1/2026-03-02/2")
        assert review is not None and str(review.decisions_sent) == "2026-03-05"
    engine.dispose()


def test_import_with_an_unreadable_letter_imports_the_rest(tmp_path: Path) -> None:
    index = write_import(tmp_path / "old")
    (tmp_path / "old" / "b.md").write_bytes(b"")
    target = str(tmp_path / "letters.db")
    result = runner.invoke(
        app, ["register", "import", str(tmp_path / "old"), "--index", str(index), "--db", target]
    )
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert f"Error: {tmp_path / 'old' / 'b.md'}: is empty" in result.stderr
    assert "Imported 1 letter into" in result.stdout


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "2026-03-09,1,11-15",
            "2026-13-09,1,11-15",
            "index.csv:3: row 3: review_date: '2026-13-09' is not a day on the calendar (check the day and the month)",
        ),
        (
            "2026-03-09,1,11-15",
            "2026-03-09,1,teen",
            "index.csv:3: row 3: age_band: must be one of under-5, 5-10, 11-15, 16+",
        ),
        (
            ",adoption,long_term",
            ",adopted,long_term",
            "index.csv:2: row 2: permanence_plan: Input should be 'return_home', 'special_guardianship', 'child_arrangements_order', 'adoption', 'long_term_fostering', 'residential', 'staying_put', 'independence' or 'other'",
        ),
    ],
)
def test_bad_index_rows_are_named(tmp_path: Path, old: str, new: str, problem: str) -> None:
    index = write_import(tmp_path / "old")
    index.write_text(INDEX.replace(old, new), encoding="utf-8")
    with pytest.raises(InvalidFileError) as caught:
        read_index(index)
    assert [p.describe(index.name) for p in caught.value.problems] == [problem]


def test_not_a_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "letters.db"
    path.write_text("these are my notes, not a database\n", encoding="utf-8")
    with pytest.raises(RegisterError) as caught:
        open_register(path)
    assert (
        str(caught.value)
        == f"{path}: is not a letters register (not an SQLite database); it was not touched"
    )
    assert path.read_text(encoding="utf-8") == "these are my notes, not a database\n"


def test_some_other_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    before = path.read_bytes()
    with pytest.raises(RegisterError) as caught:
        open_register(path)
    assert str(caught.value) == (
        f"{path}: is a database, but not a letters register (it has tables recipes); "
        "it was not touched"
    )
    assert path.read_bytes() == before


def test_newer_schema_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "letters.db"
    open_register(path).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = path.read_bytes()
    with pytest.raises(RegisterError) as caught:
        open_register(path)
    assert str(caught.value) == (
        f"{path}: this register was made by a newer version of iro-letters (schema 9999); "
        "upgrade iro-letters to use it. It was not touched."
    )
    assert path.read_bytes() == before


def test_older_register_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    from alembic import command

    from letters.register.db import _alembic_config, make_engine

    path = tmp_path / "letters.db"
    engine = make_engine(path)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql(
            "INSERT INTO reviews (id, child_ref, iro, review_date, review_number, review_kind, "
            "age_band, decisions_due, record_due, source, registered_at) VALUES ('EX-9/2026-01-05/1', "
            "'EX-9', 'Priya Shah', '2026-01-05', 1, 'statutory', '5-10', '2026-01-12', "
            "'2026-02-02', 'import', '2026-01-05 10:00:00')"
        )
    engine.dispose()
    engine = open_register(path)
    with engine.connect() as connection:
        version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        columns = [row[1] for row in connection.exec_driver_sql("PRAGMA table_info(samples)")]
        iro = connection.exec_driver_sql("SELECT iro FROM reviews").scalar()
    assert (version, "pack" in columns, iro) == ("0004", True, "Priya Shah")
    engine.dispose()


def test_two_iros_drafting_at_once_are_both_registered(
    tmp_path: Path, register_target: str
) -> None:
    letters_bin = Path(sys.executable).with_name("letters")
    commands = [
        [str(letters_bin), "draft", str(SAMPLES / sample), "--out", str(tmp_path / sample),
         "--db", register_target, "--config", str(CONFIG), "--no-check"]
        for sample in ("leo-first-review.yaml", "nadia-views-sent.yaml", "tyler-chairs-own-review.yaml")
    ]  # fmt: skip
    running = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in commands
    ]
    outcomes = [(*p.communicate(timeout=120), p.returncode) for p in running]
    assert [rc for _, _, rc in outcomes] == [0, 0, 0], [e.decode() for _, e, _ in outcomes]
    engine = open_register(register_target)
    with session(engine) as db:
        assert sorted(db.scalars(select(Review.child_ref))) == [
            "EX-099815",
            "EX-100415",
            "EX-100574",
        ]
        assert db.scalar(select(func.count()).select_from(Document)) == 12
        assert db.scalar(select(func.count()).select_from(LetterCheck)) == 0
    engine.dispose()


def test_a_crash_mid_import_leaves_the_register_as_it_was(
    tmp_path: Path, register_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from letters.register import store as register

    index = write_import(tmp_path / "old")
    real = register.check_summary
    calls: list[int] = []

    def crash_on_second(*args: object, **kwargs: object) -> dict[str, object]:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(register, "check_summary", crash_on_second)
    result = runner.invoke(
        app,
        [
            "register",
            "import",
            str(tmp_path / "old"),
            "--index",
            str(index),
            "--db",
            register_target,
        ],
    )
    assert result.exit_code == ExitCode.INTERNAL
    engine = open_register(register_target)
    with session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Review)) == 0
        assert db.scalar(select(func.count()).select_from(Document)) == 0
    engine.dispose()
