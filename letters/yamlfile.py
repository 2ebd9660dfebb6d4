"""Read YAML files keeping the line of every value, so errors can point at it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InvalidFileError, Problem

Loc = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """Parsed YAML data with the line (1-based) of each value, keyed by its path."""

    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """Return the line of `loc`, or of its nearest parent that exists in the file."""
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def field_path(loc: Sequence[str | int]) -> str:
    """Write a location as people read it: 'decisions[0].owner'."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item == "[key]":
            continue
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts)


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int], problems: list[Problem]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                dotted = ".".join(str(p) for p in (*loc, key))
                problems.append(Problem(dotted, f"appears twice (first on line {seen[key]})", line))
            seen[key] = line
            _walk(value_node, (*loc, key), lines, problems)
            # A key's own line is more useful than where its value starts (block values).
            lines[(*loc, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), lines, problems)


def read_text(path: Path, what: str) -> str:
    """Read a UTF-8 text file, or raise an error that says why it cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidFileError(path, [Problem("", "no such file")], what) from None
    except IsADirectoryError:
        raise InvalidFileError(path, [Problem("", "is a folder, not a file")], what) from None
    except OSError as exc:
        raise InvalidFileError(
            path, [Problem("", f"cannot be read ({exc.strerror})")], what
        ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidFileError(
            path,
            [Problem("", "is not a text file saved as UTF-8 (is it a Word or PDF file?)")],
            what,
        ) from None


def load_yaml(
    path: Path,
    what: str,
    error: Callable[[Path, list[Problem]], InvalidFileError] | None = None,
) -> YamlDocument:
    """Parse a YAML file into data and line numbers; raise `error` naming the file and line."""

    def fail(problems: list[Problem]) -> InvalidFileError:
        if error is None:
            return InvalidFileError(path, problems, what)
        return error(path, problems)

    try:
        text = read_text(path, what)
    except InvalidFileError as exc:
        raise fail(exc.problems) from None
    if not text.strip():
        raise fail([Problem("", "is empty")])
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or exc.context or "cannot be parsed"
        raise fail([Problem("", f"is not valid YAML: {reason}", line)]) from None
    except yaml.YAMLError as exc:
        raise fail([Problem("", f"is not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    problems: list[Problem] = []
    if node is not None:
        _walk(node, (), lines, problems)
    if problems:
        raise fail(problems)
    return YamlDocument(data, lines)
