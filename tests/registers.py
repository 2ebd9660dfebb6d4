"""Registers for tests: an SQLite file, and a fresh PostgreSQL database when a server is given.

CI starts a PostgreSQL server (`.ci/postgres.sh`) and sets LETTERS_TEST_POSTGRES_URL and
LETTERS_REQUIRE_POSTGRES=1, so there the PostgreSQL tests run and cannot be skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ADMIN_URL = os.environ.get("LETTERS_TEST_POSTGRES_URL")
REQUIRED = os.environ.get("LETTERS_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgresql"]


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(params=BACKENDS)
def register_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield a register target (a file path or a PostgreSQL URL) for each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "letters.db")
        return
    if not ADMIN_URL:
        if REQUIRED:
            pytest.fail("LETTERS_REQUIRE_POSTGRES=1 but LETTERS_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL server (set LETTERS_TEST_POSTGRES_URL; CI does)")
    import psycopg

    name = f"letters_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_psycopg_url(ADMIN_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(_psycopg_url(ADMIN_URL), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
