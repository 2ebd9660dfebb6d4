"""Read a letter (.docx, .md or .txt) into the plain text that checks and offsets refer to."""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import InvalidFileError, Problem

LETTER_SUFFIXES = (".docx", ".md", ".txt")
# Encrypted .docx files and old .doc files start so (an OLE2 compound file).
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# Size limits for what people hand the tool. A review record is a few kilobytes; a letter a few
# dozen (a Word letter with a picture a few megabytes); an index of a service's old letters a few.
MAX_RECORD_BYTES = 1_000_000
MAX_LETTER_BYTES = 20_000_000
MAX_TABLE_BYTES = 50_000_000
# Characters of text in a letter: well under spaCy's limit of 1,000,000, and far above any letter.
MAX_LETTER_CHARS = 500_000
MAX_DOCX_UNPACKED = 200_000_000  # bytes a .docx may unpack to


def _megabytes(size: int, limit: int | None = None) -> str:
    """'1.5 MB', or the exact bytes when rounding would make a size look the same as the limit."""
    if limit is not None and size > limit and f"{size / 1_000_000:g}" == f"{limit / 1_000_000:g}":
        return f"{size:,} bytes"
    return f"{size / 1_000_000:g} MB"


def read_bytes(path: Path, what: str, limit: int) -> bytes:
    """Read a regular file of at most `limit` bytes, or raise `InvalidFileError` saying why."""

    def refuse(message: str) -> InvalidFileError:
        return InvalidFileError(path, [Problem("", message)], what)

    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise refuse("no such file") from None
    except OSError as exc:
        raise refuse(f"cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise refuse("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        # A pipe or a device such as /dev/zero would be read for ever.
        raise refuse("is not an ordinary file (a pipe or a device?)")
    if info.st_size > limit:
        raise refuse(
            f"is too large ({_megabytes(info.st_size, limit)}; the limit is {_megabytes(limit)})"
        )
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except IsADirectoryError:
        raise refuse("is a folder, not a file") from None
    except OSError as exc:
        raise refuse(f"cannot be read ({exc.strerror})") from None
    if len(raw) > limit:  # the file grew while we read it
        raise refuse(f"is too large (the limit is {_megabytes(limit)})")
    return raw


class UnreadableLetter(InvalidFileError):
    """A letter file that cannot be read as text."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(path, [Problem("", problem)], what="letter")

    def __str__(self) -> str:
        return f"{self.path}: {self.problems[0].message}"


@dataclass(frozen=True)
class LetterText:
    """A letter's plain text: blocks (paragraphs, headings, list items) split by blank lines."""

    path: Path
    text: str


def text_blocks(text: str) -> list[tuple[int, str]]:
    """Return (offset, text) of each non-blank block of a letter, split at blank lines."""
    out = []
    offset = 0
    for block in text.split("\n\n"):
        start = text.index(block, offset)
        offset = start + len(block)
        if block.strip():
            out.append((start, block))
    return out


# Control characters that do not belong in a text file (tab, newline, carriage return and form
# feed do). Raw bytes are looked at for C0 controls (no UTF-8 or Windows-1252 text has them);
# decoded text also for C1 controls and the non-characters U+FFFE and U+FFFF.
_C0 = "\x00-\x08\x0b\x0e-\x1f\x7f"
_CONTROL_RAW = re.compile(f"[{_C0}]")
_CONTROL_TEXT = re.compile(f"[{_C0}\x80-\x84\x86-\x9f\ufffe\uffff]")
_SAMPLE = 4096  # bytes looked at to tell UTF-16 without a BOM, and binary from text


def _refuse(path: Path, what: str, message: str) -> InvalidFileError:
    if what == "letter":
        return UnreadableLetter(path, message)
    return InvalidFileError(path, [Problem("", message)], what)


def _utf16_without_bom(raw: bytes) -> str | None:
    """Return the UTF-16 codec `raw` is written in when it has no BOM, judged by its NULs."""
    if len(raw) < 2 or len(raw) % 2:
        return None
    sample = raw[:_SAMPLE]
    even, odd = sample[0::2], sample[1::2]
    nul_even, nul_odd = even.count(0), odd.count(0)
    # Text that is mostly ASCII has a NUL in every other byte: after (LE) or before (BE) it.
    if nul_odd * 3 >= len(odd) and nul_even * 50 <= len(even):
        return "utf-16-le"
    if nul_even * 3 >= len(even) and nul_odd * 50 <= len(odd):
        return "utf-16-be"
    return None


def _check_controls(path: Path, what: str, text: str, pattern: re.Pattern[str]) -> None:
    """Refuse binary data, or text with a stray control character in it, naming the line."""
    found = pattern.search(text)
    if found is None:
        return
    start = text[: _SAMPLE * 4]
    controls = len(pattern.findall(start))
    if "\x00" in text or (controls > 8 and controls * 100 > len(start)):
        raise _refuse(path, what, "is not a text file (is it a Word or PDF file?)")
    line = text[: found.start()].count("\n") + 1
    raise _refuse(
        path,
        what,
        f"line {line} has a control character (U+{ord(found.group()):04X}) that does not "
        "belong in text; delete it, or save the file again as plain text",
    )


def decode_text(path: Path, raw: bytes, what: str = "letter", *, windows_1252: bool = False) -> str:
    """Decode a text file (UTF-8, or UTF-16 with or without a BOM), or refuse it saying why.

    With `windows_1252`, text that is not UTF-8 is read as Windows-1252 (what Excel's "CSV"
    saves); otherwise it is refused with advice to save it as UTF-8. Binary files are refused
    without quoting them. A letter's error is an `UnreadableLetter`; any other `what` an
    `InvalidFileError` naming it ("review record", "index", "audit form" ...).
    """
    if raw.startswith(codecs.BOM_UTF8):
        codec: str | None = "utf-8-sig"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    else:
        codec = _utf16_without_bom(raw)
    if codec is not None and codec != "utf-8-sig":
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            if codec == "utf-16":
                raise _refuse(path, what, "is damaged UTF-16 text") from None
        else:
            if codec != "utf-16" and _CONTROL_TEXT.search(text):
                # Guessed from its NULs, and not text after all.
                raise _refuse(path, what, "is not a text file (is it a Word or PDF file?)")
            _check_controls(path, what, text, _CONTROL_TEXT)
            return text
    _check_controls(path, what, raw.decode("latin-1"), _CONTROL_RAW)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if windows_1252:
            try:  # Excel's "CSV (Comma delimited)" saves in the Windows code page
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                pass
            else:
                _check_controls(path, what, text, _CONTROL_TEXT)
                return text
        line = raw[: exc.start].count(b"\n") + 1
        raise _refuse(
            path,
            what,
            f"is not saved as UTF-8 (line {line} has a character in another encoding, such as "
            "Windows-1252); save it again as UTF-8",
        ) from None
    _check_controls(path, what, text, _CONTROL_TEXT)
    return text


def _docx_blocks(path: Path, raw: bytes) -> list[str]:
    if raw.startswith(OLE2_SIGNATURE):
        raise UnreadableLetter(
            path,
            "is password-protected, or an old .doc file; save it from Word as .docx "
            "without a password",
        )
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise UnreadableLetter(path, "is not a Word (.docx) file, though its name ends in .docx")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableLetter(path, f"is a damaged Word file ({exc})") from None
    if unpacked > MAX_DOCX_UNPACKED:  # a "zip bomb", or a letter with a film in it
        raise UnreadableLetter(
            path,
            f"is too large once unpacked ({_megabytes(unpacked)}; the limit is "
            f"{_megabytes(MAX_DOCX_UNPACKED)})",
        )
    from .docx_out import docx_text

    try:
        return docx_text(raw)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableLetter(path, f"is a damaged Word file ({exc})") from None
    except Exception as exc:  # lxml and python-docx raise many kinds for broken parts
        raise UnreadableLetter(path, f"is a damaged Word file ({type(exc).__name__})") from None


def markdown_blocks(markdown: str) -> list[str]:
    """Return the text of each heading, paragraph, list item and table row in `markdown`."""
    from .docx_out import inline_text, parser

    blocks: list[str] = []
    row: list[str] | None = None
    for token in parser().parse(markdown):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            if any(cell.strip() for cell in row):
                blocks.append(" | ".join(row))
            row = None
        elif token.type == "inline":
            text = inline_text(token, keep_breaks=True)
            if row is not None:
                row.append(text)
            elif text.strip():
                blocks.append(text)
    return blocks


def markdown_letter_text(markdown: str) -> str:
    """Return the plain text of a Markdown letter, as `letters check` extracts it."""
    return "\n\n".join(markdown_blocks(markdown)) + "\n"


def read_letter(path: Path) -> LetterText:
    """Read a letter file into plain text, or raise `UnreadableLetter` saying why not."""
    suffix = path.suffix.lower()
    if suffix not in LETTER_SUFFIXES:
        raise UnreadableLetter(path, "is not a letter file: use .docx, .md or .txt")
    try:
        raw = read_bytes(path, "letter", MAX_LETTER_BYTES)
    except UnreadableLetter:
        raise
    except InvalidFileError as exc:
        raise UnreadableLetter(path, exc.problems[0].message) from None
    if not raw.strip():
        raise UnreadableLetter(path, "is empty")
    if suffix == ".docx":
        blocks = _docx_blocks(path, raw)
    else:
        text = decode_text(path, raw)
        _check_length(path, text)
        if suffix == ".md":
            blocks = markdown_blocks(text)
        else:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            blocks = [b.strip("\n") for b in text.split("\n\n") if b.strip()]
    if not any(b.strip() for b in blocks):
        raise UnreadableLetter(path, "has no text in it")
    letter = LetterText(path, "\n\n".join(blocks) + "\n")
    _check_length(path, letter.text)
    return letter


def _check_length(path: Path, text: str) -> None:
    if len(text) > MAX_LETTER_CHARS:
        raise UnreadableLetter(
            path,
            f"is too long to check ({len(text):,} characters; the limit is "
            f"{MAX_LETTER_CHARS:,}, and a letter to a child is a few thousand)",
        )
