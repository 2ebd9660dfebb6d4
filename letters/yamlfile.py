"""Read YAML files keeping the line of every value, so errors can point at it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InvalidFileError, Problem
from .textio import MAX_RECORD_BYTES, decode_text, read_bytes

Loc = tuple[str | int, ...]

# A review record has a few hundred values, five levels deep; a rule pack a few thousand. These
# limits stop YAML alias bombs ("billion laughs") and nesting that would exhaust the stack.
MAX_NODES = 50_000
MAX_DEPTH = 32
MAX_KEY_LENGTH = 200  # a key is a name; a longer one is not worth printing in a message

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_MERGE = _TAG + "merge"
# Scalars PyYAML turns into numbers, booleans or dates: if one cannot be (31 February, an integer
# of thousands of digits, `!!bool maybe`), it is kept as the text it is, for the schema to judge.
_CONVERTED = frozenset(_TAG + t for t in ("int", "float", "bool", "timestamp"))
_PLAIN = {
    yaml.ScalarNode: frozenset({_STR, _TAG + "null"}) | _CONVERTED,
    yaml.SequenceNode: frozenset({_TAG + "seq"}),
    yaml.MappingNode: frozenset({_TAG + "map"}),
}


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


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark | None) -> None:
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, stopping at a nesting depth and remembering the last event."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.last_event: yaml.Event | None = None

    def get_event(self) -> Any:
        event = super().get_event()  # type: ignore[no-untyped-call]
        self.last_event = event
        return event

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise _TooDeep(event.start_mark if event is not None else None)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _measure(root: yaml.Node) -> tuple[int, int, int] | None:
    """Return the distinct nodes, the nodes and the depth with aliases expanded; None if cyclic."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # depth-first without recursion: aliases can make the graph very deep
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            kids = _children(node)
            size[key] = min(MAX_NODES + 1, 1 + sum(size[id(k)] for k in kids))
            depth[key] = min(MAX_DEPTH + 1, 1 + max((depth[id(k)] for k in kids), default=0))
            continue
        if key in size:
            continue
        if key in on_path:
            return None  # an alias inside the anchor it refers to
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)
    return len(size), size[id(root)], depth[id(root)]


def _check_scalar(loader: _Loader, node: yaml.ScalarNode) -> None:
    """Keep a scalar PyYAML cannot convert (31 February, a huge integer) as its text."""
    if node.tag in _CONVERTED:
        try:
            loader.yaml_constructors[node.tag](loader, node)
        except Exception:  # ValueError for 2026-02-31 and long integers, KeyError for !!bool
            node.tag = _STR


def _walk(
    loader: _Loader,
    node: yaml.Node,
    loc: Loc,
    lines: dict[Loc, int],
    problems: list[Problem],
    what: str,
) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "value":
        node.tag = _STR  # a lone '=' is text, not PyYAML's unsupported 'value' tag
    if node.tag not in _PLAIN[type(node)]:
        problems.append(
            Problem(
                field_path(loc),
                f"has a YAML tag (a word starting with '!'), which a {what} does not use; "
                "delete it",
                node.start_mark.line + 1,
            )
        )
        return
    if isinstance(node, yaml.ScalarNode):
        _check_scalar(loader, node)
    elif isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(
                    Problem(
                        field_path(loc),
                        "has a key that is a list or a set of 'key: value' lines; a key is a "
                        "name, such as 'name:'",
                        line,
                    )
                )
                continue
            if key_node.tag == _MERGE:
                _walk(loader, value_node, (*loc, "<<"), lines, problems, what)
                continue
            # A key is a name, even when YAML would read it as a number, a date or null.
            key_node.tag = _STR
            key = str(key_node.value)
            if not key.strip():
                problems.append(Problem(field_path(loc), "has a key with no name before ':'", line))
                continue
            if len(key) > MAX_KEY_LENGTH:
                problems.append(
                    Problem(
                        field_path(loc),
                        f"has a key of {len(key):,} characters; a key is a short name, such as "
                        "'name:' (is a ':' in the wrong place?)",
                        line,
                    )
                )
                continue
            if key in seen:
                dotted = ".".join(str(p) for p in (*loc, key))
                problems.append(Problem(dotted, f"appears twice (first on line {seen[key]})", line))
            seen[key] = line
            _walk(loader, value_node, (*loc, key), lines, problems, what)
            # A key's own line is more useful than where its value starts (block values).
            lines[(*loc, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(loader, item, (*loc, index), lines, problems, what)


def read_text(path: Path, what: str, limit: int = MAX_RECORD_BYTES) -> str:
    """Read a text file (UTF-8 or UTF-16) of at most `limit` bytes, or raise saying why not."""
    return decode_text(path, read_bytes(path, what, limit), what)


_BREAKS = re.compile("[\n\r\x85\u2028\u2029]")  # what PyYAML counts as line breaks


def _line_before(text: str, index: int) -> str:
    """Return the part of the line that comes before `index`."""
    start = max((m.end() for m in _BREAKS.finditer(text, 0, index)), default=0)
    return text[start:index]


def _key_on_line(text: str, index: int) -> str:
    """Return 'the key' name at the start of `index`'s line, quoted, or 'this line'."""
    start = index - len(_line_before(text, index))
    found = re.match(r"[ \t]*(?:- )?([A-Za-z_][\w-]{0,39}):", text[start : start + 60])
    return f"'{found.group(1)}'" if found else "this line"


def _syntax_problem(
    exc: yaml.MarkedYAMLError, text: str, last: yaml.Event | None, what: str
) -> Problem:
    """Say where a YAML syntax error starts and, for the common mistakes, how to fix it."""
    problem, context = exc.problem or "", exc.context or ""
    pm, cm = exc.problem_mark, exc.context_mark

    def at(mark: Any, message: str, column: int | None = None) -> Problem:
        mark = mark or pm or cm
        if mark is None:
            return Problem("", f"is not valid YAML: {message}")
        return Problem(
            "",
            f"is not valid YAML: {message}",
            mark.line + 1,
            column if column is not None else mark.column + 1,
        )

    if (
        pm is not None
        and isinstance(last, yaml.ScalarEvent)
        and last.style in ("'", '"')
        and last.end_mark is not None
        and last.end_mark.index == pm.index
        and 0 < pm.index <= len(text)
        and text[pm.index - 1] == last.style
    ):
        quote = last.style
        start = last.start_mark
        if start is not None and start.line != pm.line:
            return at(
                start,
                f"the quote ({quote}) opened here is not closed on this line, so the text runs "
                f"on to line {pm.line + 1}; close the quote at the end of the text"
                + (", or put text with an apostrophe in double quotes" if quote == "'" else ""),
            )
        if quote == "'":
            return at(
                pm,
                "an apostrophe inside single quotes ends the text early; put the text in "
                "double quotes instead, or write the apostrophe twice ('')",
                pm.column,
            )
        return at(
            pm,
            "a double quote inside double quotes ends the text early; put the text in single "
            'quotes instead, or write \\" for each double quote inside it',
            pm.column,
        )
    if problem == "found unexpected end of stream" and "quoted scalar" in context and cm:
        quote = text[cm.index] if cm.index < len(text) else "'"
        return at(cm, f"the quote ({quote}) opened here is never closed; close it")
    if "escape" in problem and "double-quoted scalar" in context and pm is not None:
        backslash = text.rfind("\\", pm.index - len(_line_before(text, pm.index)), pm.index + 1)
        return at(
            pm,
            "a backslash (\\) in double quotes starts an escape; write \\\\ for a backslash, "
            "or put the text in single quotes",
            len(_line_before(text, backslash)) + 1 if backslash >= 0 else None,
        )
    if problem.startswith("found character '\\t'"):
        return at(pm, "a tab is used here; indent with spaces, not tabs")
    if problem in ("found character '@' that cannot start any token",
                   "found character '`' that cannot start any token"):  # fmt: skip
        return at(pm, f"a value cannot start with {problem[16:19]}; put the value in quotes")
    if problem == "mapping values are not allowed here" and pm is not None:
        if ": " in _line_before(text, pm.index).strip():
            return at(pm, "this text has ': ' in it; put the whole text in quotes")
        return at(
            pm,
            f"wrong indentation: line up {_key_on_line(text, pm.index)} with the key above it",
            len(_line_before(text, pm.index)) - len(_line_before(text, pm.index).lstrip()) + 1,
        )
    if problem.startswith("expected <block end>, but found") and pm is not None:
        if problem.endswith(("'-'", "'<block sequence start>'")):
            return at(pm, "wrong indentation: line up this '- ' item with the others in its list")
        return at(
            pm, f"wrong indentation: line up {_key_on_line(text, pm.index)} with the key above it"
        )
    if problem == "could not find expected ':'" and "simple key" in context and cm:
        return at(
            cm,
            "this line is not a 'key: value' line; add the ':' after the key, or indent text "
            "that carries on from the line above",
        )
    if problem.startswith("expected ','") and cm is not None:
        if "flow sequence" in context:
            return at(cm, "the list opened with '[' here is not closed with ']'")
        if "flow mapping" in context:
            return at(cm, "the '{' opened here is not closed with '}'")
    if problem == "second occurrence" and "duplicate anchor" in context and cm:
        return at(
            pm,
            f"an anchor ('&') of the same name is already on line {cm.line + 1}; give each "
            "anchor its own name",
        )
    if problem.startswith("found undefined alias"):
        return at(pm, "an alias ('*') refers to an anchor ('&') that is not defined before it")
    if "while scanning an alias" in context or "while scanning an anchor" in context:
        return at(
            cm,
            "'*' and '&' start an alias or an anchor and need a name after them; put text that "
            "starts with them in quotes",
        )
    if problem == "but found another document":
        return at(
            pm,
            f"a second document starts here ('---'); a {what} is one document: delete this "
            "line and what follows, or split the file",
        )
    return at(pm, problem or context or "cannot be parsed")


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
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        problems: list[Problem] = []
        lines: dict[Loc, int] = {}
        if node is not None:
            problems = _shape_problems(node, what)
            if not problems:
                _walk(loader, node, (), lines, problems, what)
        if problems:
            raise fail(problems)
        data = loader.construct_document(node) if node is not None else None
    except _TooDeep as exc:
        line = exc.mark.line + 1 if exc.mark else None
        raise fail([_too_deep(what, line)]) from None
    except yaml.MarkedYAMLError as exc:
        if loader is None:  # pragma: no cover - the loader only reads once it parses
            raise
        raise fail([_syntax_problem(exc, text, loader.last_event, what)]) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise fail(
            [Problem("", f"has a character YAML does not allow (U+{code:04X}); delete it", line)]
        ) from None
    except yaml.YAMLError:
        raise fail([Problem("", "is not valid YAML")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDocument(data, lines)


def _too_deep(what: str, line: int | None) -> Problem:
    return Problem(
        "",
        f"is nested too deeply (more than {MAX_DEPTH} levels of lists and 'key: value' "
        f"lines inside each other) to be a {what}",
        line,
    )


def _shape_problems(node: yaml.Node, what: str) -> list[Problem]:
    """Refuse self-referring aliases and documents too big or too deep once aliases expand."""
    measured = _measure(node)
    if measured is None:
        return [
            Problem(
                "",
                "has an alias ('*') inside the anchor ('&') it refers to, which never ends; "
                "write the values out instead",
            )
        ]
    distinct, total, depth = measured
    if total > MAX_NODES:
        if distinct <= MAX_NODES:
            return [
                Problem(
                    "",
                    f"has anchors ('&') and aliases ('*') that repeat its values more than "
                    f"{MAX_NODES:,} times; write the values out instead",
                )
            ]
        return [Problem("", f"has too many values (more than {MAX_NODES:,}) to be a {what}")]
    if depth > MAX_DEPTH:
        return [_too_deep(what, None)]
    return []
