"""Local settings from `letters.toml`: the council's names, numbers, targets and templates."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .errors import ConfigError, InvalidFileError, Problem
from .yamlfile import read_text

CONFIG_NAME = "letters.toml"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Authority(_Section):
    """The council and its IRO service."""

    name: Text = "the council"
    iro_service: Text = "Independent Reviewing Service"


class Advocacy(_Section):
    """The advocacy service a child can ask for."""

    name: Text | None = None
    phone: Text | None = None
    email: Text | None = None
    website: Text | None = None


class Complaints(_Section):
    """How a child or family can complain."""

    contact: Text | None = None
    phone: Text | None = None
    email: Text | None = None


class TimescaleSettings(_Section):
    """Working-day timescales; the statutory ones, plus a local target if the service has one."""

    decisions_working_days: int = Field(default=5, ge=1, le=60)
    record_working_days: int = Field(default=20, ge=1, le=60)
    record_target_working_days: int | None = Field(default=None, ge=1, le=60)


class TemplateSettings(_Section):
    """Where a council keeps its own templates and letterhead."""

    folder: Path | None = None  # files here replace the built-in templates of the same name
    letterhead: Path | None = None  # a .docx whose styles, header and footer the documents use


class CheckSettings(_Section):
    """How letters are checked: a council's own rule packs, and rules switched off."""

    rules: Path | None = None  # a folder of packs; a rule with a built-in rule's id replaces it
    disable: list[Text] = []  # rule ids or prefixes, e.g. "plain_english" or "child_friendly.case"


class RegisterSettings(_Section):
    """Where the register of letters is: a file path or a PostgreSQL URL."""

    database: Text | None = None  # default: letters.db in the working folder
    team: Text | None = None  # the team recorded for reviews drafted here


class Settings(_Section):
    """All local settings, with defaults that work with no `letters.toml` at all."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    authority: Authority = Authority()
    advocacy: Advocacy = Advocacy()
    complaints: Complaints = Complaints()
    timescales: TimescaleSettings = TimescaleSettings()
    templates: TemplateSettings = TemplateSettings()
    check: CheckSettings = CheckSettings()
    # "register" is a name pydantic models already have, so the field is called `registry`.
    registry: RegisterSettings = Field(default=RegisterSettings(), alias="register")
    source: Path | None = None  # the file these settings came from


def load_settings(path: Path | None = None, folder: Path | None = None) -> Settings:
    """Load `path`, or `letters.toml` in `folder` (default: the working folder) if it exists."""
    if path is None:
        candidate = (folder or Path.cwd()) / CONFIG_NAME
        if not candidate.is_file():
            return Settings()
        path = candidate
    try:
        text = read_text(path, "settings file")
    except InvalidFileError as exc:
        raise ConfigError(path, exc.problems) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [Problem("", f"is not valid TOML: {exc}")]) from None
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                ".".join(str(p) for p in err["loc"]),
                "is not a setting we know (check the spelling)"
                if err["type"] == "extra_forbidden"
                else err["msg"],
            )
            for err in exc.errors()
        ]
        raise ConfigError(path, problems) from None
    base = path.parent
    templates = settings.templates
    resolved = TemplateSettings(
        folder=(base / templates.folder) if templates.folder else None,
        letterhead=(base / templates.letterhead) if templates.letterhead else None,
    )
    check = settings.check.model_copy(
        update={"rules": (base / settings.check.rules) if settings.check.rules else None}
    )
    problems = []
    if check.rules is not None and not check.rules.is_dir():
        problems.append(Problem("check.rules", f"{check.rules} is not a folder"))
    if resolved.folder is not None and not resolved.folder.is_dir():
        problems.append(Problem("templates.folder", f"{resolved.folder} is not a folder"))
    if resolved.letterhead is not None and not resolved.letterhead.is_file():
        problems.append(Problem("templates.letterhead", f"{resolved.letterhead} does not exist"))
    if problems:
        raise ConfigError(path, problems)
    registry = settings.registry
    if registry.database and "://" not in registry.database:
        registry = registry.model_copy(update={"database": str(base / registry.database)})
    return settings.model_copy(
        update={"templates": resolved, "check": check, "registry": registry, "source": path}
    )
