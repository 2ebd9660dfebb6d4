"""Turn the rendered Markdown into a Word document with real headings, lists and tables."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

from .errors import OutputError


@cache
def parser() -> Any:
    """Return the one Markdown parser: CommonMark with tables."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def _add_inline(paragraph: Any, token: Any) -> None:
    """Add an inline token's text to `paragraph` as runs, keeping bold and italic."""
    bold = italic = False
    for child in token.children or []:
        kind = child.type
        if kind == "strong_open":
            bold = True
        elif kind == "strong_close":
            bold = False
        elif kind == "em_open":
            italic = True
        elif kind == "em_close":
            italic = False
        elif kind in ("text", "code_inline", "html_inline"):
            run = paragraph.add_run(child.content)
            run.bold = bold or None
            run.italic = italic or None
        elif kind == "softbreak":
            paragraph.add_run(" ")
        elif kind == "hardbreak":
            paragraph.add_run().add_break()


def inline_text(token: Any, keep_breaks: bool = False) -> str:
    """Return the plain text of an inline Markdown token (escapes undone)."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n" if keep_breaks else " ")
    return "".join(parts)


def markdown_to_docx(markdown: str, letterhead: Path | None = None) -> bytes:
    """Return the bytes of a .docx holding `markdown`, built on `letterhead` if given."""
    from docx import Document

    try:
        document = Document(str(letterhead)) if letterhead else Document()
    except Exception as exc:  # python-docx raises several kinds for a bad package
        raise OutputError(f"{letterhead}: cannot be used as a letterhead ({exc})") from None
    tokens = parser().parse(markdown)
    # A council letterhead may lack some of Word's built-in styles: fall back to plain text.
    styles = {style.name: style for style in document.styles}
    list_style = styles.get("List Bullet")
    ordered_style = styles.get("List Number", list_style)
    table_style = styles.get("Table Grid")
    quote_style = styles.get("Quote")
    lists: list[str] = []
    in_quote = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind = token.type
        if kind == "heading_open":
            level = int(token.tag[1])
            inline = tokens[index + 1]
            style = styles.get(f"Heading {level}")
            heading = document.add_paragraph(style=style) if style else document.add_paragraph()
            _add_inline(heading, inline)
            if not style:
                for run in heading.runs:
                    run.bold = True
            index += 3
            continue
        if kind == "bullet_list_open":
            lists.append("bullet")
        elif kind == "ordered_list_open":
            lists.append("ordered")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "blockquote_open":
            in_quote = True
        elif kind == "blockquote_close":
            in_quote = False
        elif kind == "paragraph_open":
            inline = tokens[index + 1]
            if lists:
                style = ordered_style if lists[-1] == "ordered" else list_style
            elif in_quote:
                style = quote_style
            else:
                style = None
            paragraph = document.add_paragraph(style=style) if style else document.add_paragraph()
            if lists and not style:
                paragraph.add_run("• ")
            _add_inline(paragraph, inline)
            index += 3
            continue
        elif kind == "table_open":
            index = _add_table(document, tokens, index, table_style)
            continue
        elif kind == "hr":
            document.add_paragraph("")
        index += 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_table(document: Any, tokens: list[Any], start: int, style: Any) -> int:
    """Add the Markdown table starting at `tokens[start]`; return the index after it."""
    rows: list[list[str]] = []
    header_rows = 0
    in_head = False
    index = start + 1
    while tokens[index].type != "table_close":
        kind = tokens[index].type
        if kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            rows.append([])
            if in_head:
                header_rows += 1
        elif kind == "inline":
            rows[-1].append(inline_text(tokens[index]))
        index += 1
    # A table whose header cells are all empty is a two-column list of facts: drop the header.
    if header_rows and not any(cell.strip() for cell in rows[0]):
        rows = rows[1:]
        header_rows = 0
    if rows:
        columns = max(len(r) for r in rows)
        table = document.add_table(rows=len(rows), cols=columns)
        if style:
            table.style = style
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                cell = table.cell(r, c)
                cell.text = text
                if r < header_rows or (header_rows == 0 and c == 0 and columns == 2):
                    for run in cell.paragraphs[0].runs:
                        run.bold = True
        document.add_paragraph("")
    return index + 1


def docx_text(path_or_bytes: Path | bytes) -> list[str]:
    """Return a document's paragraphs and table cells as text, in order, for tests and checks."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    document = Document(source)
    out: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            if block.text.strip():
                out.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                out.append(" | ".join(cell.text for cell in row.cells))
    return out
