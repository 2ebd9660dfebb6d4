"""Open the register: an SQLite file by default, or PostgreSQL by URL, migrated on open."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..errors import LettersError

T = TypeVar("T")

DEFAULT_DATABASE = "letters.db"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_OUR_TABLES = {"reviews", "documents", "letter_checks", "samples", "sample_items", "scores"}
_MIGRATION_LOCK = 7243401  # any constant: PostgreSQL advisory lock while migrating
_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


class RegisterError(LettersError):
    """The register cannot be opened or used."""


class NoRegister(RegisterError):
    """A command that only reads the register was pointed at one that does not exist."""

    def __init__(self, target: str | Path) -> None:
        where = "the URL" if "://" in str(target) else "the path"
        super().__init__(
            f"no register at {describe(target)}: check {where}, or draft or import letters first"
        )


def database_url(target: str | Path) -> str:
    """Return an SQLAlchemy URL for a file path or a database URL; refuse other databases."""
    text = str(target)
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    scheme, rest = text.split("://", 1)
    scheme = scheme.lower()
    if scheme in _POSTGRES_SCHEMES:
        return "postgresql+psycopg://" + rest
    if scheme == "sqlite" and rest.startswith("/") and rest.strip("/"):
        return f"sqlite:///{Path(rest[1:]).expanduser().resolve()}"
    raise RegisterError(
        f"{describe(target)}: the register must be a file (such as letters.db) or a PostgreSQL "
        f"URL (such as postgresql://user@host/letters); {scheme}:// is not supported"
    )


def describe(target: str | Path) -> str:
    """Return how to name the register in a message, without any password in its URL."""
    text = str(target)
    if "://" in text and "@" in text:
        scheme, rest = text.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return text


def _check_sqlite_file(path: Path, target: str | Path, create: bool) -> None:
    if path.is_dir():
        raise RegisterError(f"{path}: is a folder, not a register database")
    if not path.exists() or path.stat().st_size == 0:
        if not create:
            raise NoRegister(target)
        if not path.parent.exists():
            raise RegisterError(f"{path}: the folder {path.parent} does not exist")
        return
    try:
        with path.open("rb") as stream:
            head = stream.read(16)
    except OSError as exc:
        raise RegisterError(f"{path}: cannot be read ({exc.strerror})") from None
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


def _state(connection: Any) -> tuple[str | None, set[str]]:
    """Return the register's schema revision and the database's tables."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import inspect

    current = MigrationContext.configure(connection).get_current_revision()
    tables = set(inspect(connection).get_table_names()) if current is None else set()
    return current, tables


def _refuse(target: str | Path, current: str | None, tables: set[str], known: set[str]) -> None:
    """Refuse a register from a newer version, or a database that is something else."""
    if current is not None and current not in known:
        raise RegisterError(
            f"{describe(target)}: this register was made by a newer version of iro-letters "
            f"(schema {current}); upgrade iro-letters to use it. It was not touched."
        )
    if current is None and tables and not tables & _OUR_TABLES:
        raise RegisterError(
            f"{describe(target)}: is a database, but not a letters register (it has "
            f"tables {', '.join(sorted(tables)[:5])}); it was not touched"
        )


def migrate(engine: Any, target: str | Path, create: bool = True) -> bool:
    """Bring the register's schema up to date; return whether it was created just now.

    A schema newer than this program, or a database that is not a register, is refused;
    so is a database with no register in it unless `create`.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    config = _alembic_config()
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    known = {rev.revision for rev in script.walk_revisions()}
    with engine.connect() as connection:
        current, tables = _state(connection)
    _refuse(target, current, tables, known)
    if current == head:
        return False
    if current is None and not tables and not create:
        raise NoRegister(target)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        current, tables = _state(connection)  # again: someone may have migrated meanwhile
        _refuse(target, current, tables, known)
        created = current is None and not tables
        if current != head:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    return created


def _open(target: str | Path, create: bool) -> tuple[Any, bool]:
    from sqlalchemy.exc import DatabaseError, OperationalError

    url = database_url(target)
    if url.startswith("sqlite:///"):
        _check_sqlite_file(Path(url[len("sqlite:///") :]), target, create)
    engine = make_engine(target)
    try:
        created = migrate(engine, target, create)
    except RegisterError:
        engine.dispose()
        raise
    except DatabaseError as exc:
        engine.dispose()
        detail = _detail(exc)
        if _read_only(detail) or _disk_full(detail):
            raise database_error(exc, describe(target)) from None
        if isinstance(exc, OperationalError):
            raise RegisterError(f"{describe(target)}: cannot be opened ({detail})") from None
        raise RegisterError(f"{describe(target)}: is not a letters register ({detail})") from None
    return engine, created


def open_register(target: str | Path, create: bool = True) -> Any:
    """Open and migrate the register, creating it only if `create`; return its engine."""
    return _open(target, create)[0]


@dataclass(frozen=True)
class Register:
    """An open register for one command: its engine, its name for messages, if it is new."""

    engine: Any
    name: str
    created: bool


@contextlib.contextmanager
def opened(target: str | Path, create: bool) -> Iterator[Register]:
    """Open the register for one command, and say in words what goes wrong while it is used.

    Only commands that add to the register pass `create`: the others refuse a register that
    does not exist rather than make an empty one.
    """
    from sqlalchemy.exc import SQLAlchemyError

    engine, created = _open(target, create)
    try:
        yield Register(engine, describe(target), created)
    except SQLAlchemyError as exc:
        raise database_error(exc, describe(target)) from None
    finally:
        engine.dispose()


def _detail(exc: BaseException) -> str:
    """Return the first line of what the database said, without the SQL."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def _read_only(detail: str) -> bool:
    return "readonly" in detail.lower() or "read-only" in detail.lower()


def _disk_full(detail: str) -> bool:
    return "disk is full" in detail.lower() or "no space left" in detail.lower()


def database_error(exc: Exception, name: str) -> RegisterError:
    """Return a database's refusal of a change as an error a person can act on."""
    from sqlalchemy.exc import DataError, IntegrityError

    detail = _detail(exc)
    if _read_only(detail):
        return RegisterError(
            f"{name}: the register is read-only ({detail}); the change was not saved. Ask for "
            "write access to it, or give another register with --db"
        )
    if _disk_full(detail):
        return RegisterError(
            f"{name}: the disk is full ({detail}); the change was not saved. Free some space "
            "and run the command again"
        )
    if isinstance(exc, IntegrityError):
        return RegisterError(
            f"{name}: someone saved the same review at the same moment ({detail}); the change "
            "was not saved. Run the command again"
        )
    if isinstance(exc, DataError):
        return RegisterError(f"{name}: {detail}; the change was not saved")
    return RegisterError(
        f"{name}: the register cannot be used ({detail}); the change was not saved"
    )


class ValueTooBig(ValueError):
    """A value longer or larger than its column in the register holds."""


def _check_sizes(db: Any, _context: Any, _instances: Any) -> None:
    """Refuse, naming the column, a value PostgreSQL would refuse, on SQLite as well."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import DataError
    from sqlalchemy.types import BigInteger, Integer, String

    for obj in [*db.new, *db.dirty]:
        mapper = inspect(obj).mapper
        for prop in mapper.column_attrs:
            column = prop.columns[0]
            value = getattr(obj, prop.key, None)
            where = f"{mapper.local_table.name}.{column.name}"
            problem = None
            if isinstance(column.type, String) and column.type.length and isinstance(value, str):
                if len(value) > column.type.length:
                    problem = (
                        f"{where} is {len(value)} characters long; the register keeps at most "
                        f"{column.type.length}"
                    )
            elif isinstance(column.type, Integer) and isinstance(value, int):
                # PostgreSQL's integer and bigint; SQLite is held to the same.
                limit = 2**63 - 1 if isinstance(column.type, BigInteger) else 2**31 - 1
                if not -limit - 1 <= value <= limit:
                    problem = f"{where} is {len(str(value))} digits long; too big for the register"
            if problem:
                raise DataError("(checked before saving)", None, ValueTooBig(problem))


@contextlib.contextmanager
def session(engine: Any) -> Iterator[Any]:
    """Yield a session whose work is one transaction: all of it is saved, or none."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    with Session(engine, expire_on_commit=False) as db:
        event.listen(db, "before_flush", _check_sizes)
        with db.begin():
            yield db


def retrying(engine: Any, work: Callable[[Any], T], attempts: int = 3) -> T:
    """Run `work` in one transaction; run it again if someone else added the same row first.

    Two IROs drafting the same review at the same moment on PostgreSQL both find no review
    and both add it; the second is refused by the primary key, and on the next try finds it.
    """
    from sqlalchemy.exc import IntegrityError

    for attempt in range(1, attempts + 1):
        try:
            with session(engine) as db:
                return work(db)
        except IntegrityError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")
