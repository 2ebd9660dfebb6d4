"""Read a letter (.docx, .md or .txt) into the plain text that checks and offsets refer to."""

from __future__ import annotations

import codecs
import io
import os
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


def _megabytes(size: int) -> str:
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
        raise refuse(f"is too large ({_megabytes(info.st_size)}; the limit is {_megabytes(limit)})")
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


def decode_text(path: Path, raw: bytes) -> str:
    """Decode a text file: UTF-8 (with or without BOM), or UTF-16 with a BOM, else refuse."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableLetter(path, "is damaged UTF-16 text") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UnreadableLetter(
            path,
            f"is not saved as UTF-8 (line {line} has a character in another encoding, such as "
            "Windows-1252); save it again as UTF-8",
        ) from None


def _docx_blocks(path: Path, raw: bytes) -> list[str]:
    if raw.startswith(OLE2_SIGNATURE):
        raise UnreadableLetter(
            path,
            "is password-protected, or an old .doc file; save it from Word as .docx "
            "without a password",
        )
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise UnreadableLetter(path, "is not a Word (.docx) file, though its name ends in .docx")
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
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableLetter(path, "no such file") from None
    except IsADirectoryError:
        raise UnreadableLetter(path, "is a folder, not a file") from None
    except OSError as exc:
        raise UnreadableLetter(path, f"cannot be read ({exc.strerror})") from None
    if not raw.strip():
        raise UnreadableLetter(path, "is empty")
    if suffix == ".docx":
        blocks = _docx_blocks(path, raw)
    elif suffix == ".md":
        blocks = markdown_blocks(decode_text(path, raw))
    else:
        text = decode_text(path, raw).replace("\r\n", "\n").replace("\r", "\n")
        blocks = [b.strip("\n") for b in text.split("\n\n") if b.strip()]
    if not any(b.strip() for b in blocks):
        raise UnreadableLetter(path, "has no text in it")
    return LetterText(path, "\n\n".join(blocks) + "\n")
