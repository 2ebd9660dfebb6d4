"""Hostile and careless letters and text files: read correctly, or refused naming the file.

The one decoder (`textio.decode_text`) for letters, records, indexes and forms; `read_letter`
with its size limits; and `letters check`, which refuses each bad file and checks the rest.
"""

from __future__ import annotations

import codecs
import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from letters.cli import app
from letters.errors import ExitCode, InvalidFileError
from letters.textio import (
    MAX_LETTER_CHARS,
    UnreadableLetter,
    decode_text,
    read_letter,
)

runner = CliRunner()

LETTER = "Dear Zoë,\n\nThank you for coming to your meeting.\n"
READ = "Dear Zoë,\n\nThank you for coming to your meeting.\n"
BINARY = "is not a text file (is it a Word or PDF file?)"
NOT_UTF8 = (
    "is not saved as UTF-8 (line 1 has a character in another encoding, such as "
    "Windows-1252); save it again as UTF-8"
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("a.txt", LETTER.encode("utf-8"), id="utf8"),
        pytest.param("a.txt", LETTER.encode("utf-8-sig"), id="utf8-with-bom"),
        pytest.param("a.txt", LETTER.encode("utf-16"), id="utf16-with-bom"),
        pytest.param("a.md", codecs.BOM_UTF16_BE + LETTER.encode("utf-16-be"), id="utf16-be-with-bom-md"),
        pytest.param("a.txt", LETTER.encode("utf-16-le"), id="utf16-le-without-bom"),
        pytest.param("a.md", LETTER.encode("utf-16-be"), id="utf16-be-without-bom-md"),
        pytest.param("a.txt", LETTER.replace("\n", "\r\n").encode("utf-16-le"), id="utf16-windows-lines"),
        pytest.param("a.txt", LETTER.replace("\n", "\r").encode("utf-8"), id="old-mac-lines"),
    ],
)  # fmt: skip
def test_letters_in_every_text_encoding_are_read(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert read_letter(path).text == READ


def _file(name: str, content: bytes) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return make


def _sparse(name: str, size: int) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        path = tmp_path / name
        with path.open("wb") as handle:
            handle.truncate(size)
        return path

    return make


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "letter.txt"
    os.mkfifo(path)
    return path


def _folder(tmp_path: Path) -> Path:
    path = tmp_path / "letter.md"
    path.mkdir()
    return path


def _docx(paragraph: str) -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph(paragraph)
    document.save(buffer)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * 201_000_000)
    return buffer.getvalue()


TOO_LONG = (
    f"is too long to check ({MAX_LETTER_CHARS + 12:,} characters; the limit is 500,000, and a "
    "letter to a child is a few thousand)"
)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(_file("a.txt", b"Dear Sam,\n\x00\x00\x00\x01\x02"), BINARY, id="nul-bytes"),
        pytest.param(_file("a.md", bytes(range(256)) * 8), BINARY, id="every-byte"),
        pytest.param(_file("a.txt", b"%PDF-1.7\n\x00\x01stream\n"), BINARY, id="a-pdf-called-txt"),
        pytest.param(_file("a.txt", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00"), BINARY, id="a-word-file-called-txt"),
        pytest.param(_file("a.txt", b"Dear Sam,\n\nHello\x0bthere.\n"),
                     "line 3 has a control character (U+000B) that does not belong in text; delete it, or save the file again as plain text",
                     id="vertical-tab"),
        pytest.param(_file("a.txt", "Dear Zoë,".encode("cp1252")), NOT_UTF8, id="windows-1252"),
        pytest.param(_file("a.txt", codecs.BOM_UTF16_LE + b"D\x00\x00\xd8"), "is damaged UTF-16 text", id="damaged-utf16"),
        pytest.param(_file("a.txt", b""), "is empty", id="empty"),
        pytest.param(_file("a.txt", b"Dear Sam,\n\n" + b"x" * (MAX_LETTER_CHARS + 1)), TOO_LONG, id="text-over-500000-characters"),
        pytest.param(_file("a.md", b"# Dear Sam,\n\n" + b"x" * (MAX_LETTER_CHARS - 1)), TOO_LONG, id="markdown-over-500000-characters"),
        pytest.param(_file("a.docx", _docx("x" * (MAX_LETTER_CHARS + 11))), TOO_LONG, id="word-over-500000-characters"),
        pytest.param(_file("a.docx", _zip_bomb()), "is too large once unpacked (201 MB; the limit is 200 MB)", id="word-zip-bomb"),
        pytest.param(_sparse("a.txt", 20_000_001), "is too large (20,000,001 bytes; the limit is 20 MB)", id="over-20-mb"),
        pytest.param(_sparse("a.docx", 30_000_000), "is too large (30 MB; the limit is 20 MB)", id="word-over-20-mb"),
        pytest.param(_fifo, "is not an ordinary file (a pipe or a device?)", id="a-fifo"),
        pytest.param(_folder, "is a folder, not a file", id="a-folder"),
        pytest.param(lambda tmp_path: tmp_path / "gone.txt", "no such file", id="missing"),
        pytest.param(lambda tmp_path: Path("/dev/zero"), "is not a letter file: use .docx, .md or .txt", id="dev-zero"),
    ],
)  # fmt: skip
def test_hostile_letters(tmp_path: Path, make: Callable[[Path], Path], message: str) -> None:
    path = make(tmp_path)
    with pytest.raises(UnreadableLetter) as caught:
        read_letter(path)
    assert str(caught.value) == f"{path}: {message}"


def test_check_refuses_each_bad_letter_and_checks_the_rest(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_bytes(LETTER.encode("utf-16"))
    long = tmp_path / "long.txt"
    long.write_bytes(b"Dear Sam,\n\n" + b"x" * (MAX_LETTER_CHARS + 1))
    binary = tmp_path / "binary.md"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    fifo = _fifo(tmp_path)
    result = runner.invoke(app, ["check", str(good), str(long), str(binary), str(fifo)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr.splitlines() == [
        f"Error: {long}: {TOO_LONG}",
        f"Error: {binary}: {BINARY}",
        f"Error: {fifo}: is not an ordinary file (a pipe or a device?)",
    ]
    assert result.stdout.startswith(f"{good}: reading ease")
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("raw", "windows_1252", "expected"),
    [
        pytest.param("Zoë,3".encode("cp1252"), True, "Zoë,3", id="windows-1252-accepted"),
        pytest.param("“quoted”".encode("cp1252"), True, "“quoted”", id="windows-1252-smart-quotes"),
        pytest.param("Zoë,3".encode(), True, "Zoë,3", id="utf8-stays-utf8"),
        pytest.param("Zoë,3".encode("utf-16"), True, "Zoë,3", id="utf16-from-excel"),
        pytest.param(b"\xef\xbb\xbfZo\xc3\xab", False, "Zoë", id="utf8-bom-removed"),
    ],
)
def test_decode_text(raw: bytes, windows_1252: bool, expected: str) -> None:
    assert decode_text(Path("x.csv"), raw, "index", windows_1252=windows_1252) == expected


@pytest.mark.parametrize(
    ("raw", "what", "windows_1252", "message"),
    [
        pytest.param("Zoë".encode("cp1252"), "index", False, NOT_UTF8, id="windows-1252-refused"),
        pytest.param(b"a,b\x81\x8d", "audit form", True, NOT_UTF8, id="not-even-windows-1252"),
        pytest.param(b"a,b\x00\x00c", "index", True, BINARY, id="binary-csv"),
        pytest.param(b"PK\x03\x04\x00\x00", "review record", False, BINARY, id="binary-record"),
        pytest.param(b"a\x1bb", "settings file", False,
                     "line 1 has a control character (U+001B) that does not belong in text; delete it, or save the file again as plain text",
                     id="escape-in-settings"),
    ],
)  # fmt: skip
def test_decode_text_refuses_naming_what(
    raw: bytes, what: str, windows_1252: bool, message: str
) -> None:
    path = Path("x.csv")
    with pytest.raises(InvalidFileError) as caught:
        decode_text(path, raw, what, windows_1252=windows_1252)
    assert type(caught.value) is InvalidFileError
    assert caught.value.what == what
    assert [p.describe(path) for p in caught.value.problems] == [f"x.csv: {message}"]


def test_a_letter_error_is_an_unreadable_letter() -> None:
    with pytest.raises(UnreadableLetter) as caught:
        decode_text(Path("a.txt"), b"\x00\x01")
    assert str(caught.value) == f"a.txt: {BINARY}"


def test_settings_file_is_read_with_the_one_decoder(tmp_path: Path) -> None:
    from letters.config import load_settings

    path = tmp_path / "letters.toml"
    path.write_bytes('[authority]\nname = "Exampleshire Council"\n'.encode("utf-16"))
    assert load_settings(path).authority.name == "Exampleshire Council"
    os.remove(path)
    os.mkfifo(path)
    result = runner.invoke(app, ["due", "samples/leo-first-review.yaml", "--config", str(path)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == (
        f"Error: {path}: this settings file has 1 problem:\n"
        f"  {path}: is not an ordinary file (a pipe or a device?)\n"
    )
