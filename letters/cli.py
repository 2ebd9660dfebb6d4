"""The `letters` command: a thin shell that reads files, calls the library and prints."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from .errors import ExitCode, LettersError, UsageProblem

if TYPE_CHECKING:
    from .config import Settings
    from .draft import Draft
    from .timescales import Timescales

T = TypeVar("T")

EXIT_CODES = (
    "Exit codes: 0 done, nothing wrong; 1 a checked letter has error-level findings; "
    "2 a file could not be read or is not valid (the message names the file, field and line); "
    "3 an output file exists and --force was not given; 4 an internal error (please report it)."
)

app = typer.Typer(
    name="letters",
    help="Draft letters to children in care, review minutes and decisions from a review record."
    f"\n\n{EXIT_CODES}",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Settings file (default: letters.toml in the working folder, if there is one).",
        dir_okay=False,
    ),
]


def _run(action: Callable[[], T]) -> T:
    """Run `action`; turn library errors into a message on stderr and the documented exit code."""
    try:
        return action()
    except LettersError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(int(exc.exit_code)) from None
    except BrokenPipeError:
        # Whoever read our output stopped early (`| head`): not a failure of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(int(ExitCode.OK)) from None
    except KeyboardInterrupt:
        typer.echo("Stopped.", err=True)
        raise typer.Exit(int(ExitCode.INTERNAL)) from None
    except Exception as exc:  # a bug: say so plainly rather than print a traceback at an IRO
        typer.echo(
            f"Internal error: {type(exc).__name__}: {exc}. "
            "Please report this with the command you ran.",
            err=True,
        )
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


def _settings(config: Path | None) -> Settings:
    from .config import load_settings

    return load_settings(config)


def _timescale_lines(times: Timescales) -> list[str]:
    from .render import long_date

    lines = [
        f"Review held:                   {long_date(times.review_date)}",
    ]
    if times.this_review_due:
        lines.append(
            f"This review due by:            {long_date(times.this_review_due)} "
            f"({times.this_review_rule})"
        )
    lines += [
        f"Decisions to team manager by:  {long_date(times.decisions_due)} "
        f"({times.decisions_days} working days)",
        f"Record (minutes) due by:       {long_date(times.record_due)} "
        f"({times.record_days} working days)",
    ]
    if times.record_target_due:
        lines.append(
            f"Local target for the record:   {long_date(times.record_target_due)} "
            f"({times.record_target_days} working days)"
        )
    lines += [
        f"Next review due by:            {long_date(times.next_review_due)} "
        f"({times.next_review_rule})",
        f"Next review planned:           {long_date(times.next_review_planned)}",
    ]
    lines += [f"Warning: {w}" for w in times.warnings]
    return lines


@app.command()
def draft(
    review: Annotated[Path, typer.Argument(help="The review record (YAML).", dir_okay=False)],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder to write the documents into.", file_okay=False),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace documents already in the folder.")
    ] = False,
    no_check: Annotated[
        bool, typer.Option("--no-check", help="Do not check the drafted letter.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Draft the letter to the child, the minutes and the decisions sheet (Word and Markdown).

    The drafted letter is then checked (as `letters check --review`) and the summary printed.

    Example: letters draft samples/amira-second-review.yaml --out drafts/amira
    """
    from .draft import make_draft, write_draft
    from .records import load_record

    def action() -> None:
        settings = _settings(config)
        record = load_record(review)
        result = make_draft(record, settings)
        written = write_draft(result, out, force=force)
        typer.echo(
            f"Drafted for {record.child.known_as} (age {record.age}; "
            f"letter for ages {result.age_band}) into {out}:"
        )
        for path in written:
            typer.echo(f"  {path.name}")
        for line in _timescale_lines(result.times):
            typer.echo(line)
        if not no_check:
            _check_draft(result, out / "letter.md", settings)

    _run(action)


def _check_draft(result: Draft, path: Path, settings: Settings) -> None:
    """Check a letter just drafted and print what was found."""
    from .check import checker_for, request_for
    from .report import finding_line, readability_line
    from .textio import markdown_letter_text

    text = markdown_letter_text(result.documents["letter"].text)
    request = request_for(path, text, settings, result.record)
    report = checker_for(settings).check([request])[0]
    counts = ", ".join(
        f"{report.count(level)} {level}{'s' if report.count(level) != 1 else ''}"
        for level in ("error", "warning", "suggestion")
    )
    typer.echo(f"Check of the letter: {counts}")
    for finding in report.findings:
        if not finding.accepted and finding.level != "suggestion":
            typer.echo(f"  {finding_line(report, finding)}")
    typer.echo(f"  {readability_line(report)}")


class Format(StrEnum):
    """Report formats for `letters check`."""

    text = "text"
    json = "json"
    html = "html"


def _letter_files(paths: list[Path]) -> list[Path]:
    """Expand folders into the letters inside them (.docx, .md, .txt), in name order."""
    from .textio import LETTER_SUFFIXES

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in LETTER_SUFFIXES
                and not p.name.startswith((".", "~$"))
            )
        else:
            files.append(path)
    return files


@app.command()
def check(
    letters: Annotated[
        list[Path], typer.Argument(help="Letters (.docx, .md, .txt) or folders of letters.")
    ],
    review: Annotated[
        Path | None,
        typer.Option(
            "--review",
            help="The review record the letter was written from: checks the child's own words, "
            "what the letter must say, and readability for the child's age.",
            dir_okay=False,
        ),
    ] = None,
    output_format: Annotated[
        Format, typer.Option("--format", help="text, json or html.")
    ] = Format.text,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the report to this file.", dir_okay=False)
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --out file.")] = False,
    accept: Annotated[
        list[str] | None,
        typer.Option(
            "--accept",
            help="Accept findings of this rule (or rule prefix); they stay in the report, "
            "marked accepted. Repeat for more.",
        ),
    ] = None,
    band: Annotated[
        str | None,
        typer.Option("--age-band", help="under-5, 5-10, 11-15 or 16+, when there is no --review."),
    ] = None,
    with_text: Annotated[
        bool, typer.Option("--with-text", help="JSON: include each letter's extracted text.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Check letters for jargon, the child's own words, what they must say, and readability.

    Exit code 1 if any error-level finding is not accepted; 2 if a file cannot be read.

    Example: letters check drafts/amira/letter.docx --review samples/amira-second-review.yaml
    """
    from .render import AGE_BANDS

    def action() -> int:
        from .check import checker_for, request_for
        from .findings import LetterReport
        from .records import load_record
        from .report import to_html, to_json, to_text
        from .textio import UnreadableLetter, read_letter

        if band is not None and band not in AGE_BANDS:
            raise UsageProblem(f"--age-band must be one of {', '.join(AGE_BANDS)}, not '{band}'")
        settings = _settings(config)
        record = load_record(review) if review else None
        files = _letter_files(letters)
        if not files:
            raise UsageProblem("no letters found (.docx, .md or .txt)")
        requests = []
        unreadable: dict[int, str] = {}
        for index, path in enumerate(files):
            try:
                letter = read_letter(path)
            except UnreadableLetter as exc:
                unreadable[index] = str(exc)
                typer.echo(f"Error: {exc}", err=True)
                continue
            requests.append(
                request_for(path, letter.text, settings, record, band, tuple(accept or ()))
            )
        checker = checker_for(settings)
        if len(requests) > 1:
            with typer.progressbar(length=len(requests), label="Checking", file=sys.stderr) as bar:
                checked = checker.check(requests, progress=bar.update)
        else:
            checked = checker.check(requests)
        by_path = iter(checked)
        reports = [
            LetterReport(path, "", [], None, "", error=unreadable[i])
            if i in unreadable
            else next(by_path)
            for i, path in enumerate(files)
        ]
        if output_format is Format.json:
            rendered = to_json(reports, with_text)
        elif output_format is Format.html:
            rendered = to_html(reports)
        else:
            rendered = to_text(reports)
        if out is not None:
            from .output import write_files

            write_files({out: rendered.encode("utf-8")}, force=force)
            typer.echo(f"Wrote {out}.")
        else:
            typer.echo(rendered, nl=False)
        if unreadable:
            return int(ExitCode.INVALID_INPUT)
        return int(ExitCode.FINDINGS if any(r.has_errors for r in reports) else ExitCode.OK)

    code = _run(action)
    raise typer.Exit(code)


@app.command()
def new(
    review: Annotated[
        Path, typer.Argument(help="Where to write the blank record.", dir_okay=False)
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """Write a blank, commented review record for an IRO to fill in.

    Example: letters new reviews/2026-08-10-amira.yaml
    """
    from .output import write_files
    from .resources import data_dir

    def action() -> None:
        blank = (data_dir("templates") / "review_record.yaml").read_bytes()
        write_files({review: blank}, force=force)
        typer.echo(f"Wrote a blank review record to {review}. Fill it in, then run:")
        typer.echo(f"  letters draft {review} --out DRAFTS_FOLDER")

    _run(action)


@app.command()
def due(
    review: Annotated[Path, typer.Argument(help="The review record (YAML).", dir_okay=False)],
    config: ConfigOption = None,
) -> None:
    """Print the statutory dates that follow from a review: decisions, record, next review.

    Example: letters due samples/amira-second-review.yaml
    """
    from .draft import timescales_for
    from .records import load_record

    def action() -> None:
        settings = _settings(config)
        record = load_record(review)
        from .render import ordinal

        typer.echo(f"{record.child.name}: {ordinal(record.review.number)} review")
        for line in _timescale_lines(timescales_for(record, settings)):
            typer.echo(line)

    _run(action)


@app.command()
def validate(
    reviews: Annotated[
        list[Path], typer.Argument(help="One or more review records (YAML).", dir_okay=False)
    ],
) -> None:
    """Check review records against the schema and report every problem in each.

    Example: letters validate samples/*.yaml
    """
    from .records import load_record

    failed = False
    for path in reviews:
        try:
            load_record(path)
        except LettersError as exc:
            typer.echo(f"Error: {exc}", err=True)
            failed = True
        else:
            typer.echo(f"{path}: valid")
    if failed:
        raise typer.Exit(int(ExitCode.INVALID_INPUT))


def main() -> None:
    """Run the `letters` command line."""
    app()
