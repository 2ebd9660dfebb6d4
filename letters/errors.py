"""Errors raised by the library, each worded for the person who has to fix the input."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from .safetext import terminal_text


class ExitCode(IntEnum):
    """Exit codes of the `letters` command, as documented in `letters --help`."""

    OK = 0
    FINDINGS = 1  # a checked letter has error-level findings
    INVALID_INPUT = 2  # a file could not be read or failed validation; bad usage
    REFUSED_OVERWRITE = 3  # an output file exists and --force was not given
    INTERNAL = 4  # a bug: please report it


class LettersError(Exception):
    """Base class of every error the library raises for a person to read."""

    exit_code: ExitCode = ExitCode.INVALID_INPUT


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: where it is and what is wrong."""

    field: str
    message: str
    line: int | None = None
    column: int | None = None  # given where it helps, as for a YAML syntax error

    def describe(self, path: Path | str) -> str:
        """Return the problem as `file:line: field: message` (`file:line:column:` if known)."""
        where = f"{path}:{self.line}" if self.line else f"{path}"
        if self.line and self.column:
            where += f":{self.column}"
        return terminal_text(
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class InvalidFileError(LettersError):
    """A file that could not be read or failed validation; lists every problem found."""

    def __init__(self, path: Path | str, problems: list[Problem], what: str = "file") -> None:
        self.path = Path(path)
        self.problems = problems
        self.what = what
        count = len(problems)
        head = f"{terminal_text(path)}: this {what} has {count} problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *(f"  {p.describe(path)}" for p in problems)]))


class InvalidRecordError(InvalidFileError):
    """A review record that is not valid YAML or does not match the review record schema."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        super().__init__(path, problems, what="review record")


class ConfigError(InvalidFileError):
    """A `letters.toml` settings file that cannot be used."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        super().__init__(path, problems, what="settings file")


class UsageProblem(LettersError):
    """A command was given options that do not fit together."""


class TemplateProblem(LettersError):
    """A letter, minutes or decisions template that cannot be rendered."""


class RefusedOverwrite(LettersError):
    """Output files already exist and overwriting was not asked for."""

    exit_code = ExitCode.REFUSED_OVERWRITE

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        names = ", ".join(str(p) for p in paths)
        super().__init__(
            f"not overwriting existing file{'s' if len(paths) != 1 else ''}: {names} "
            "(use --force to replace them)"
        )


class OutputError(LettersError):
    """An output file could not be written."""
