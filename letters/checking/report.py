"""Format check reports for a terminal, for JSON, or as an HTML page a person would read."""

from __future__ import annotations

import html
import json
from itertools import pairwise
from typing import Any

from ..safetext import terminal_text
from .findings import Finding, LetterReport
from .rules import LEVELS


def finding_line(report: LetterReport, finding: Finding) -> str:
    """Return `file:line:col level rule message (suggestion)`, marked if accepted."""
    line = (
        f"{report.path}:{finding.line}:{finding.column} {finding.level} {finding.rule} "
        f"{finding.message}"
    )
    if finding.suggestion:
        line += f" ({finding.suggestion})"
    if finding.accepted:
        line += " [accepted]"
    return terminal_text(line)  # the file's name, the letter's words and the child's


def readability_line(report: LetterReport) -> str:
    """Return a one-line readability summary of a letter against its target."""
    r = report.readability
    if r is None:
        return f"{terminal_text(report.path)}: readability: no sentences to score"
    text = (
        f"{terminal_text(report.path)}: reading ease {r.flesch_reading_ease:.1f}, grade "
        f"{r.flesch_kincaid_grade:.1f} (reading age {r.reading_age:.1f}), "
        f"{r.average_sentence_length:.1f} words a sentence, longest {r.longest_sentence}"
    )
    if r.age_band is None:
        return text + "; no age band (give --review or --age-band to judge it)"
    verdict = "meets" if r.meets_target else "does not meet"
    return text + f"; {verdict} the target for ages {r.age_band}"


def summary_rows(reports: list[LetterReport]) -> list[list[str]]:
    """Return a table row per letter: file, counts by level, accepted, reading age, target."""
    rows = [["file", "errors", "warnings", "suggestions", "accepted", "reading age", "target"]]
    for report in reports:
        if report.error:
            rows.append([str(report.path), "-", "-", "-", "-", "-", "unreadable"])
            continue
        r = report.readability
        accepted = sum(1 for f in report.findings if f.accepted)
        rows.append(
            [
                str(report.path),
                str(report.count("error")),
                str(report.count("warning")),
                str(report.count("suggestion")),
                str(accepted),
                f"{r.reading_age:.1f}" if r else "-",
                ("met" if r.meets_target else "not met")
                if r and r.meets_target is not None
                else "-",
            ]
        )
    return rows


def format_table(rows: list[list[str]]) -> str:
    """Return rows as a plain aligned text table, control characters in cells escaped."""
    rows = [[terminal_text(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def to_text(reports: list[LetterReport]) -> str:
    """Return the plain-text report: one line a finding, a readability line a letter."""
    lines: list[str] = []
    for report in reports:
        if report.error:
            continue  # already said on stderr, as it happened
        lines += [finding_line(report, f) for f in report.findings]
        lines.append(readability_line(report))
    if len(reports) > 1:
        lines += ["", format_table(summary_rows(reports))]
    models = {r.model for r in reports if r.model}
    if models:
        lines.append(f"Checked with {', '.join(sorted(models))}.")
    return "\n".join(lines) + "\n"


def to_json_data(reports: list[LetterReport], with_text: bool = False) -> list[dict[str, Any]]:
    """Return the JSON structure of `letters check --format json`."""
    out = []
    for report in reports:
        item: dict[str, Any] = {
            "file": str(report.path),
            "findings": [f.to_json() for f in report.findings],
            "readability": report.readability.to_json() if report.readability else None,
        }
        if report.error:
            item["error"] = report.error
        else:
            item["model"] = report.model
        if with_text:
            item["text"] = report.text
        out.append(item)
    return out


def to_json(reports: list[LetterReport], with_text: bool = False) -> str:
    """Return the JSON report as text."""
    return json.dumps(to_json_data(reports, with_text), indent=2, ensure_ascii=False) + "\n"


_CSS = """
body { font-family: system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #f6f6f4; }
header { background: #23395d; color: white; padding: 1rem 2rem; }
header h1 { margin: 0; font-size: 1.4rem; }
main { padding: 1rem 2rem; }
section.letter { background: white; border-radius: 8px; padding: 1rem 1.5rem; margin-bottom: 2rem;
  box-shadow: 0 1px 3px rgba(0,0,0,.15); }
.columns { display: flex; gap: 2rem; align-items: flex-start; }
.text { flex: 3; white-space: pre-wrap; line-height: 1.6; font-size: 1.05rem; }
aside { flex: 2; position: sticky; top: 1rem; }
mark { border-radius: 3px; padding: 0 1px; cursor: help; }
mark.error { background: #ffc9c9; border-bottom: 2px solid #c92a2a; }
mark.warning { background: #ffe8a3; border-bottom: 2px solid #e67700; }
mark.suggestion { background: #d0ebff; border-bottom: 2px dotted #1971c2; }
span.hard { background: #fff3bf; }
span.very_hard { background: #ffd8a8; }
mark.accepted, span.accepted { background: #e9ecef; border-bottom: 2px solid #868e96; }
ol.findings { padding-left: 1.2rem; }
ol.findings li { margin-bottom: .5rem; }
.level { font-weight: 600; text-transform: uppercase; font-size: .75rem; padding: 1px 5px;
  border-radius: 3px; }
.level.error { background: #c92a2a; color: white; }
.level.warning { background: #e67700; color: white; }
.level.suggestion { background: #1971c2; color: white; }
.accepted-tag { font-size: .75rem; color: #495057; border: 1px solid #adb5bd; border-radius: 3px;
  padding: 0 4px; }
code { font-size: .85rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
td, th { border: 1px solid #ced4da; padding: 3px 8px; text-align: left; }
.met { color: #2b8a3e; font-weight: 600; } .not-met { color: #c92a2a; font-weight: 600; }
"""


def _segments(text: str, findings: list[Finding]) -> str:
    """Return the letter as HTML with each finding highlighted where it is."""
    inline = [(i, f) for i, f in enumerate(findings, start=1) if f.end > f.start]
    cuts = sorted({0, len(text), *(f.start for _, f in inline), *(f.end for _, f in inline)})
    parts = []
    for a, b in pairwise(cuts):
        piece = html.escape(text[a:b])
        covering = [(i, f) for i, f in inline if f.start <= a and b <= f.end]
        sentence = [(i, f) for i, f in covering if f.rule.startswith("readability.")]
        words = [(i, f) for i, f in covering if not f.rule.startswith("readability.")]
        for i, f in sentence:
            kind = "very_hard" if "very_hard" in f.rule or "long" in f.rule else "hard"
            extra = " accepted" if f.accepted else ""
            piece = (
                f'<span class="{kind}{extra}" title="{html.escape(_title(f))}" '
                f'data-finding="{i}">{piece}</span>'
            )
        if words:
            best = min(words, key=lambda item: LEVELS.index(item[1].level))
            level = "accepted" if all(f.accepted for _, f in words) else best[1].level
            title = " | ".join(_title(f) for _, f in words)
            numbers = ",".join(str(i) for i, _ in words)
            piece = (
                f'<mark class="{level}" title="{html.escape(title)}" data-finding="{numbers}">'
                f"{piece}</mark>"
            )
        parts.append(piece)
    return "".join(parts)


def _title(f: Finding) -> str:
    text = f"{f.level}: {f.message}"
    if f.suggestion:
        text += f" Try: {f.suggestion}"
    if f.accepted:
        text += " (accepted)"
    return text


def _readability_table(report: LetterReport) -> str:
    r = report.readability
    if r is None:
        return "<p>No sentences to score.</p>"
    target = r.target or {}

    def row(name: str, value: str, goal: str) -> str:
        return f"<tr><td>{name}</td><td>{value}</td><td>{goal}</td></tr>"

    verdict = (
        "<p>No age band: give <code>--review</code> or <code>--age-band</code> to judge it.</p>"
        if r.meets_target is None
        else (
            f'<p class="{"met" if r.meets_target else "not-met"}">'
            f"{'Meets' if r.meets_target else 'Does not meet'} the target for ages "
            f"{html.escape(str(r.age_band))}.</p>"
        )
    )
    goal = {k: f"{v:g}" for k, v in target.items()}
    return (
        "<table><tr><th>Measure</th><th>This letter</th><th>Target</th></tr>"
        + row("Flesch reading ease", f"{r.flesch_reading_ease:.1f}",
              f"at least {goal['flesch_reading_ease_min']}" if goal else "-")
        + row("Flesch-Kincaid grade", f"{r.flesch_kincaid_grade:.1f}",
              f"at most {goal['flesch_kincaid_grade_max']}" if goal else "-")
        + row("UK reading age", f"{r.reading_age:.1f}", "-")
        + row("Words a sentence", f"{r.average_sentence_length:.1f}",
              f"at most {goal['average_sentence_length_max']}" if goal else "-")
        + row("Longest sentence", str(r.longest_sentence),
              f"at most {goal['longest_sentence_max']}" if goal else "-")
        + "</table>"
        + verdict
    )  # fmt: skip


def _letter_section(report: LetterReport) -> str:
    name = html.escape(str(report.path))
    if report.error:
        return (
            f'<section class="letter"><h2>{name}</h2>'
            f'<p class="not-met">{html.escape(report.error)}</p></section>'
        )
    items = []
    for i, f in enumerate(report.findings, start=1):
        where = f"line {f.line}" if f.end > f.start else "whole letter"
        quoted = f" &ldquo;{html.escape(f.text)}&rdquo;" if f.text and len(f.text) < 60 else ""
        suggestion = f"<br>Try: <em>{html.escape(f.suggestion)}</em>" if f.suggestion else ""
        accepted = ' <span class="accepted-tag">accepted</span>' if f.accepted else ""
        items.append(
            f'<li id="f{i}"><span class="level {f.level}">{f.level}</span> '
            f"<code>{html.escape(f.rule)}</code>{accepted} ({where}){quoted}<br>"
            f"{html.escape(f.message)}{suggestion}</li>"
        )
    findings = f'<ol class="findings">{"".join(items)}</ol>' if items else "<p>Nothing found.</p>"
    return (
        f'<section class="letter"><h2>{name}</h2>'
        f'<div class="columns"><div class="text">{_segments(report.text, report.findings)}</div>'
        f"<aside><h3>Readability</h3>{_readability_table(report)}"
        f"<h3>Findings ({len(report.findings)})</h3>{findings}</aside></div></section>"
    )


def to_html(reports: list[LetterReport]) -> str:
    """Return a self-contained HTML page: each letter with its findings highlighted in place."""
    rows = summary_rows(reports)
    table = ""
    if len(reports) > 1:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in rows[1:]
        )
        table = f"<table><tr>{head}</tr>{body}</table>"
    models = sorted({r.model for r in reports if r.model})
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Letter check</title>"
        f"<style>{_CSS}</style></head><body><header><h1>Letter check</h1>"
        f"<p>{len(reports)} letter{'s' if len(reports) != 1 else ''}. Hover over a highlight "
        f"to see what was found. Checked with {html.escape(', '.join(models))}.</p></header><main>"
        + table
        + "".join(_letter_section(r) for r in reports)
        + "</main></body></html>\n"
    )
