"""Make text from input safe where it goes: a spreadsheet cell, or a line on a terminal."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from pathlib import Path

# A spreadsheet reads a cell that starts so as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Shown as a backslash escape rather than acted on by a terminal.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\x1b": "\\x1b"}


def csv_cell(value: object) -> str:
    """Return a value as a CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: Iterable[Iterable[object]], lineterminator: str = "\r\n") -> str:
    """Return rows as CSV text, every cell made safe for a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def cell_value(text: str) -> str:
    """Return what a CSV cell written by `csv_cell` held: without the quote it was given."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def csv_error_message(exc: csv.Error) -> str:
    """Return what the csv module could not read, in a person's words."""
    if "field larger than field limit" in str(exc):
        return (
            f"has a cell longer than {csv.field_size_limit():,} characters (an unclosed quote "
            '(") can make one): nothing after it can be read'
        )
    if "NUL" in str(exc):
        return "holds a NUL character: is it a CSV file?"
    return f"cannot be read as CSV ({exc})"


def _escaped(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# Bidirectional controls make a line read differently from what it holds ("Trojan Source").
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unsafe(char: str) -> bool:
    # Cc: C0 and C1 controls and DEL; Zl and Zp break lines; Cs: lone surrogates.
    return char in _BIDI or unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs")


def terminal_text(text: str | Path, keep_newlines: bool = False) -> str:
    """Return text with control characters shown as escapes (`\\x1b`), safe to print."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(
        char if (keep_newlines and char == "\n") or not _unsafe(char) else _escaped(char)
        for char in text
    )
