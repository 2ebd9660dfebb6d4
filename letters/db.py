"""Open the register: an SQLite file by default, or PostgreSQL by URL, migrated on open."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import LettersError

DEFAULT_DATABASE = "letters.db"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_OUR_TABLES = {"reviews", "documents", "letter_checks", "samples", "sample_items", "scores"}
_MIGRATION_LOCK = 7243401  # any constant: PostgreSQL advisory lock while migrating


class RegisterError(LettersError):
    """The register cannot be opened or used."""


def database_url(target: str | Path) -> str:
    """Return an SQLAlchemy URL for a file path or a database URL."""
    text = str(target)
    if "://" in text:
        if text.startswith("postgresql://"):
            return "postgresql+psycopg://" + text[len("postgresql://") :]
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def describe(target: str | Path) -> str:
    """Return how to name the register in a message, without any password in its URL."""
    text = str(target)
    if "://" in text and "@" in text:
        scheme, rest = text.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return text


def _check_sqlite_file(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        if not path.parent.exists():
            raise RegisterError(f"{path}: the folder {path.parent} does not exist")
        return
    if path.is_dir():
        raise RegisterError(f"{path}: is a folder, not a register database")
    with path.open("rb") as stream:
        head = stream.read(16)
    if head != _SQLITE_MAGIC:
        raise RegisterError(
            f"{path}: is not a letters register (not an SQLite database); it was not touched"
        )


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


def make_engine(target: str | Path) -> Any:
    """Create an engine for the register, without checking or migrating it."""
    from sqlalchemy import create_engine, event

    url = database_url(target)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        # SQLite: every transaction takes the write lock at once (BEGIN IMMEDIATE), so two
        # IROs drafting at the same moment queue for a moment instead of one failing.
        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Any, target: str | Path) -> None:
    """Bring the register's schema up to date; refuse a schema newer than this program."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    config = _alembic_config()
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    known = {rev.revision for rev in script.walk_revisions()}
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        current = MigrationContext.configure(connection).get_current_revision()
        if current is not None and current not in known:
            raise RegisterError(
                f"{describe(target)}: this register was made by a newer version of iro-letters "
                f"(schema {current}); upgrade iro-letters to use it. It was not touched."
            )
        if current is None:
            tables = set(inspect(connection).get_table_names())
            if tables and not tables & _OUR_TABLES:
                raise RegisterError(
                    f"{describe(target)}: is a database, but not a letters register (it has "
                    f"tables {', '.join(sorted(tables)[:5])}); it was not touched"
                )
        if current != head:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


def open_register(target: str | Path) -> Any:
    """Open (creating if need be) and migrate the register; return its engine."""
    from sqlalchemy.exc import DatabaseError, OperationalError

    url = database_url(target)
    if url.startswith("sqlite:///"):
        _check_sqlite_file(Path(url[len("sqlite:///") :]))
    engine = make_engine(target)
    try:
        migrate(engine, target)
    except RegisterError:
        engine.dispose()
        raise
    except OperationalError as exc:
        engine.dispose()
        raise RegisterError(f"{describe(target)}: cannot be opened ({exc.orig})") from None
    except DatabaseError as exc:
        engine.dispose()
        raise RegisterError(f"{describe(target)}: is not a letters register ({exc.orig})") from None
    return engine


@contextlib.contextmanager
def session(engine: Any) -> Iterator[Any]:
    """Yield a session whose work is one transaction: all of it is saved, or none."""
    from sqlalchemy.orm import Session

    with Session(engine, expire_on_commit=False) as db, db.begin():
        yield db
