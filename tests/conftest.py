"""Shared fixtures: the samples, their settings, and golden files updated only on request."""

from __future__ import annotations

from pathlib import Path

import pytest

from letters.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="Rewrite the golden files from what the code renders now (review the diff!).",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def sample_settings() -> Settings:
    return load_settings(SAMPLES / "letters.toml")


# The register_target fixture: an SQLite file, and PostgreSQL when a server is given.
from .registers import register_target  # noqa: E402, F401
