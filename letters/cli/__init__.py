"""The `letters` command: a thin shell that reads files, calls the library and prints."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand

from ..errors import ExitCode, LettersError, UsageProblem
from ..safetext import terminal_text
from ..wording import period_dates

if TYPE_CHECKING:
    from ..checking.findings import LetterReport
    from ..config import Settings
    from ..drafting.draft import Draft
    from ..timescales import Timescales

T = TypeVar("T")

EXIT_CODES = (
    "Exit codes: 0 done, nothing wrong; 1 a checked letter has error-level findings; "
    "2 a file could not be read or is not valid (the message names the file, field and line); "
    "3 an output file exists and --force was not given; 4 an internal error (please report it)."
)
DATES = "Dates are written YYYY-MM-DD, such as 2026-08-10."
INTERNAL = "an internal error: please report it with the command you ran"


def help_end(examples: list[str], codes: dict[int, str]) -> str:
    """Return the end of a command's help: examples as typed, how to write dates, exit codes.

    Click rewraps help text to the terminal's width except in a paragraph that starts with
    a line holding only \\b, so the examples and the exit codes stay one to a line.
    """
    lines = ["\b", "Examples:" if len(examples) > 1 else "Example:"]
    lines += [f"  {line}" for example in examples for line in example.splitlines()]
    lines += ["", DATES, "", "\b", "Exit codes:"]
    for code, meaning in {**codes, 4: INTERNAL}.items():
        lines += [f"  {code}  {meaning}".replace("\n", "\n  ")]
    return "\n".join(lines)


class Command(TyperCommand):
    """A command whose help names its arguments as a person would write them, not by type.

    typer adds a Python type to each argument (`REVIEW <file>`, `LETTER... <list[Path]>`)
    and braces in the usage line; here an argument is its metavar, in brackets if optional.
    """

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """Return the usage line's pieces: [OPTIONS], then each argument by name."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = _argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
            else:
                pieces += param.get_usage_pieces(ctx)
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        """Write the Arguments and Options sections, arguments without their Python type."""
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((_argument_name(param), record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _argument_name(param: Any) -> str:
    return param.metavar or (param.name or "").upper()


app = typer.Typer(
    name="letters",
    help="Draft letters to children in care, review minutes and decisions from a review record."
    f"\n\n{DATES}\n\n{EXIT_CODES}",
    epilog=help_end(
        [
            "letters new reviews/amira.yaml",
            "letters draft samples/amira-second-review.yaml --out drafts/amira",
            "letters COMMAND --help",
        ],
        {
            0: "done, nothing wrong",
            1: "a checked letter has error-level findings",
            2: "a file could not be read or is not valid; bad usage",
            3: "an output file exists and --force was not given",
        },
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def package_version() -> str:
    """Return the installed version of iro-letters, or the package's own when not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("iro-letters")
    except PackageNotFoundError:
        from .. import __version__

        return __version__


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"iro-letters {package_version()}")
        raise typer.Exit(int(ExitCode.OK))


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and stop.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    pass


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Settings file (default: letters.toml in the working folder, if there is one).",
        dir_okay=False,
        metavar="FILE",
    ),
]


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The register: a file (default letters.db here, or letters.toml [register]) or a "
        "PostgreSQL URL such as postgresql://user@host/letters.",
        metavar="FILE_OR_URL",
    ),
]


def _date(value: str, option: str) -> dt.date:
    """Parse a YYYY-MM-DD date given to `option`, or stop with a clear message."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageProblem(f"{option} '{value}' is not a date written as YYYY-MM-DD") from None


def _dates(
    date_from: str | None, date_to: str | None, period: str | None
) -> tuple[dt.date, dt.date]:
    if period:
        return period_dates(period)
    if not date_from or not date_to:
        raise UsageProblem("give --from and --to, or --period")
    return _date(date_from, "--from"), _date(date_to, "--to")


def _run(action: Callable[[], T]) -> T:
    """Run `action`; turn library errors into a message on stderr and the documented exit code."""
    try:
        return action()
    except LettersError as exc:
        typer.echo(f"Error: {terminal_text(str(exc), keep_newlines=True)}", err=True)
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
    from ..config import load_settings

    return load_settings(config)


def _timescale_lines(times: Timescales) -> list[str]:
    from ..wording import long_date

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


@app.command(
    cls=Command,
    epilog=help_end(
        [
            "letters draft samples/amira-second-review.yaml --out drafts/amira",
            "letters draft reviews/leo.yaml --out drafts/leo --force --db letters.db",
        ],
        {
            0: "drafted, checked and registered",
            1: "drafted and registered, but the check found an error in the letter",
            2: "a file is not valid or the register cannot be used: nothing written",
            3: "a document is in the folder already and --force was not given",
        },
    ),
)
def draft(
    review: Annotated[
        Path, typer.Argument(help="The review record (YAML).", dir_okay=False, metavar="REVIEW")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Folder to write the documents into.",
            file_okay=False,
            metavar="FOLDER",
        ),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace documents already in the folder.")
    ] = False,
    no_check: Annotated[
        bool, typer.Option("--no-check", help="Do not check the drafted letter.")
    ] = False,
    no_register: Annotated[
        bool, typer.Option("--no-register", help="Do not record the draft in the register.")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Draft the letter to the child, the minutes and the decisions sheet (Word and Markdown).

    The drafted letter is checked (as `letters check --review`) and the summary printed;
    then the review is recorded in the register. The register is opened before anything is
    written, and if it refuses the draft, the documents are taken back: all or nothing.
    """
    from ..drafting.draft import DOCUMENTS, make_draft, write_draft, writing_draft
    from ..records import load_record

    def action() -> int:
        settings = _settings(config)
        record = load_record(review)
        result = make_draft(record, settings)
        report = None if no_check else _check_letter(result, out / "letter.md", settings)
        registered: list[str] = []
        if no_register:
            written = write_draft(result, out, force=force)
        else:
            from ..register.db import opened
            from ..register.store import register_draft

            # The register is opened (and migrated) before any file is written; if it then
            # refuses the draft, the files are taken back: all of it is saved, or none.
            target = _database(db, settings)
            with opened(target, create=True) as register:
                with writing_draft(result, out, force=force) as written:
                    files = {name: out / f"{name}.docx" for name in DOCUMENTS}
                    rid = register_draft(
                        register.engine,
                        record,
                        result.times,
                        files,
                        report,
                        review,
                        settings.registry.team,
                    )
                if register.created:
                    registered.append(f"Created a new register at {register.name}.")
                registered.append(f"Registered as {rid} in {register.name}.")
        typer.echo(
            f"Drafted for {terminal_text(record.child.known_as)} (age {record.age}; "
            f"letter for ages {result.age_band}) into {out}:"
        )
        for path in written:
            typer.echo(f"  {path.name}")
        for line in _timescale_lines(result.times):
            typer.echo(line)
        if report is not None:
            _print_check(report)
        for line in registered:
            typer.echo(line)
        if report is not None and report.has_errors:
            errors = report.count("error")
            typer.echo(
                f"The check found {errors} error{'s' if errors != 1 else ''} in the letter "
                f"(above). The files are written{'' if no_register else ' and registered'}: "
                "change the letter, or accept the finding in the record's `accepted:` list.",
                err=True,
            )
            return int(ExitCode.FINDINGS)
        return int(ExitCode.OK)

    raise typer.Exit(_run(action))


def _database(db: str | None, settings: Settings) -> str:
    """Return the register to use: --db, else letters.toml, else letters.db here."""
    from ..register.db import DEFAULT_DATABASE

    return db or settings.registry.database or DEFAULT_DATABASE


def _check_letter(result: Draft, path: Path, settings: Settings) -> LetterReport:
    """Check a letter just drafted (in memory, before it is written) and return the report."""
    from ..checking.check import checker_for, request_for
    from ..textio import markdown_letter_text

    text = markdown_letter_text(result.documents["letter"].text)
    request = request_for(path, text, settings, result.record)
    return checker_for(settings).check([request])[0]


def _print_check(report: LetterReport) -> None:
    """Print what the check of a drafted letter found."""
    from ..checking.report import finding_line, readability_line

    counts = ", ".join(
        f"{report.count(level)} {level}{'s' if report.count(level) != 1 else ''}"
        for level in ("error", "warning", "suggestion")
    )
    typer.echo(f"Check of the letter: {counts}")
    for finding in report.findings:
        if not finding.accepted and finding.level != "suggestion":
            typer.echo(f"  {finding_line(report, finding)}")
    typer.echo(f"  {readability_line(report)}")


def _accepted(accept: list[str] | None, settings: Settings) -> tuple[str, ...]:
    """Return the rule ids given to --accept, split on commas; refuse ones we do not know."""
    from ..checking.check import unknown_rules

    ids = tuple(part.strip() for given in accept or () for part in given.split(","))
    ids = tuple(part for part in ids if part)
    problems = unknown_rules(ids, settings.check.rules)
    if problems:
        raise UsageProblem("\n".join(f"--accept {problem}" for problem in problems))
    return ids


class Format(StrEnum):
    """Report formats for `letters check`."""

    text = "text"
    json = "json"
    html = "html"


def _letter_files(paths: list[Path]) -> list[Path]:
    """Expand folders into the letters inside them (.docx, .md, .txt), in name order."""
    from ..textio import LETTER_SUFFIXES

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


@app.command(
    cls=Command,
    epilog=help_end(
        [
            "letters check drafts/amira/letter.docx \\\n"
            "    --review samples/amira-second-review.yaml",
            "letters check old-letters/ --age-band 11-15 --format html --out report.html",
            "letters check letter.md --accept plain_english,child_friendly.contact",
        ],
        {
            0: "no error-level finding that is not accepted",
            1: "a letter has an error-level finding that is not accepted",
            2: "a file could not be read (the others are still checked); bad usage",
            3: "the --out file exists and --force was not given",
        },
    ),
)
def check(
    letters: Annotated[
        list[Path],
        typer.Argument(
            help="Letters (.docx, .md, .txt) or folders of letters.", metavar="LETTER..."
        ),
    ],
    review: Annotated[
        Path | None,
        typer.Option(
            "--review",
            help="The review record the letter was written from: checks the child's own words, "
            "what the letter must say, and readability for the child's age.",
            dir_okay=False,
            metavar="REVIEW",
        ),
    ] = None,
    output_format: Annotated[
        Format, typer.Option("--format", help="text, json or html.", metavar="FORMAT")
    ] = Format.text,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the report to this file.", dir_okay=False, metavar="FILE"
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --out file.")] = False,
    accept: Annotated[
        list[str] | None,
        typer.Option(
            "--accept",
            help="Accept findings of this rule id or prefix; they stay in the report, marked "
            "accepted. Repeat it for more, or give several separated by commas.",
            metavar="RULE",
        ),
    ] = None,
    band: Annotated[
        str | None,
        typer.Option(
            "--age-band",
            help="under-5, 5-10, 11-15 or 16+, when there is no --review.",
            metavar="BAND",
        ),
    ] = None,
    with_text: Annotated[
        bool, typer.Option("--with-text", help="JSON: include each letter's extracted text.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Check letters for jargon, the child's own words, what they must say, and readability."""
    from ..records import AGE_BANDS

    def action() -> int:
        from ..checking.check import checker_for, request_for
        from ..checking.findings import LetterReport
        from ..checking.report import to_html, to_json, to_text
        from ..records import load_record
        from ..textio import UnreadableLetter, read_letter

        if band is not None and band not in AGE_BANDS:
            raise UsageProblem(f"--age-band must be one of {', '.join(AGE_BANDS)}, not '{band}'")
        settings = _settings(config)
        accepted = _accepted(accept, settings)
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
                typer.echo(f"Error: {terminal_text(str(exc))}", err=True)
                continue
            requests.append(request_for(path, letter.text, settings, record, band, accepted))
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
            from ..output import write_files

            write_files({out: rendered.encode("utf-8")}, force=force)
            typer.echo(f"Wrote {out}.")
        else:
            typer.echo(rendered, nl=False)
        if unreadable:
            return int(ExitCode.INVALID_INPUT)
        return int(ExitCode.FINDINGS if any(r.has_errors for r in reports) else ExitCode.OK)

    code = _run(action)
    raise typer.Exit(code)


register_app = typer.Typer(
    help="The register of reviews and letters: import letters written elsewhere, record "
    "when decisions and records were sent.",
    no_args_is_help=True,
)
app.add_typer(register_app, name="register")


@register_app.command(
    "import",
    cls=Command,
    epilog=help_end(
        ["letters register import old-letters/ --index old-letters/index.csv"],
        {
            0: "every letter imported, or there already",
            2: "the index is not valid (nothing imported), a letter is unreadable\n"
            "   (the others are imported), or the register cannot be used",
        },
    ),
)
def register_import(
    folder: Annotated[
        Path,
        typer.Argument(
            help="Folder of letters (.docx, .md, .txt).", file_okay=False, metavar="FOLDER"
        ),
    ],
    index: Annotated[
        Path,
        typer.Option(
            "--index",
            help="CSV with a row per letter: file, child_record_id, iro, team, review_date, "
            "review_number, age_band, and optionally legal_status, participation, "
            "permanence_plan, contingency, previous_review, decisions_sent, record_sent, "
            "review_record (a YAML path). Dates in it are YYYY-MM-DD.",
            dir_okay=False,
            metavar="CSV",
        ),
    ],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Bring letters written elsewhere into the register, checking each one.

    Importing the same letters again changes nothing. Makes the register if there is none.
    """

    def action() -> int:
        from ..checking.check import checker_for
        from ..register.db import opened
        from ..register.store import import_folder

        settings = _settings(config)
        checker = checker_for(settings)
        with (
            opened(_database(db, settings), create=True) as register,
            typer.progressbar(length=0, label="Checking", file=sys.stderr) as bar,
        ):
            result = import_folder(
                register.engine,
                folder,
                index,
                checker,
                progress=bar.update,
                local=settings.timescales,
            )
        for problem in result.unreadable:
            typer.echo(f"Error: {problem}", err=True)
        if register.created:
            typer.echo(f"Created a new register at {register.name}.")
        typer.echo(
            f"Imported {len(result.added)} letter{'s' if len(result.added) != 1 else ''} into "
            f"{register.name}; {len(result.unchanged)} already there; "
            f"{len(result.unreadable)} could not be read."
        )
        return int(ExitCode.INVALID_INPUT if result.unreadable else ExitCode.OK)

    raise typer.Exit(_run(action))


@register_app.command(
    "sent",
    cls=Command,
    epilog=help_end(
        [
            "letters register sent EX-100231/2026-08-10/2 --decisions 2026-08-14",
            "letters register sent EX-100231/2026-08-10/2 --record 2026-09-01",
        ],
        {
            0: "recorded",
            2: "no such review or no register; a date not YYYY-MM-DD, before the\n"
            "   review or after today",
        },
    ),
)
def register_sent(
    review_id: Annotated[
        str,
        typer.Argument(help="The review id, as `letters draft` printed it.", metavar="REVIEW_ID"),
    ],
    decisions: Annotated[
        str | None,
        typer.Option(
            "--decisions",
            help="Date the decisions went to the team manager.",
            metavar="YYYY-MM-DD",
        ),
    ] = None,
    record: Annotated[
        str | None,
        typer.Option(
            "--record", help="Date the record (minutes) was finished.", metavar="YYYY-MM-DD"
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Record when a review's decisions and record were sent, for timeliness figures."""

    def action() -> None:
        from ..register.db import opened
        from ..register.store import SentBeforeReview, mark_sent

        if decisions is None and record is None:
            raise UsageProblem("give --decisions DATE, --record DATE or both")
        dates = {
            option: _date(value, option)
            for option, value in (("--decisions", decisions), ("--record", record))
            if value is not None
        }
        today = dt.date.today()
        for option, day in dates.items():
            if day > today:
                raise UsageProblem(
                    f"{option} {day.isoformat()} is after today ({today.isoformat()}): record "
                    "the date once it has been sent"
                )
        with opened(_database(db, _settings(config)), create=False) as register:
            try:
                mark_sent(
                    register.engine, review_id, dates.get("--decisions"), dates.get("--record")
                )
            except SentBeforeReview as exc:
                option = f"--{exc.what}"
                raise UsageProblem(
                    f"{option} {exc.day.isoformat()} is before the review, held on "
                    f"{exc.review_date.isoformat()}: give the date it was sent"
                ) from None
        typer.echo(f"Recorded for {review_id}.")

    _run(action)


@app.command(
    cls=Command,
    epilog=help_end(
        [
            "letters sample --from 2026-04-01 --to 2026-09-30 --n 20 --by iro \\\n"
            "    --seed 7 --out pack/",
            "letters sample --from 2026-04-01 --to 2026-09-30 --percent 10 \\\n"
            "    --all-second-reviews --seed 7 --out pack-b/ --pseudonymise",
        ],
        {
            0: "the sample is drawn and its pack written",
            2: "a date or option is not valid, no letters in the period, no register",
            3: "the --out folder has files in it and --force was not given",
        },
    ),
)
def sample(
    date_from: Annotated[
        str, typer.Option("--from", help="First review date.", metavar="YYYY-MM-DD")
    ],
    date_to: Annotated[str, typer.Option("--to", help="Last review date.", metavar="YYYY-MM-DD")],
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            help="The random seed, a whole number from 0 to 9223372036854775807: record it "
            "with the sample.",
            metavar="SEED",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder for the audit pack.", file_okay=False, metavar="FOLDER"),
    ],
    n: Annotated[
        int | None, typer.Option("--n", help="How many letters (1 or more).", metavar="N")
    ] = None,
    percent: Annotated[
        float | None,
        typer.Option(
            "--percent",
            help="Or what percentage of the letters (0.1 to 100).",
            metavar="PERCENT",
        ),
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            help="Stratify by iro, review_number, age_band or team (repeat).",
            metavar="FIELD",
        ),
    ] = None,
    all_second_reviews: Annotated[
        bool, typer.Option("--all-second-reviews", help="Include every second review as well.")
    ] = False,
    exclude_recent: Annotated[
        bool,
        typer.Option("--exclude-recent", help="Leave out letters sampled in the last period."),
    ] = False,
    pseudonymise: Annotated[
        bool,
        typer.Option(
            "--pseudonymise",
            help="For an external auditor: names replaced, dates of birth made ages, addresses "
            "and phone numbers removed. The key stays in the register.",
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace files in --out.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Draw a fair, reproducible dip-sample of letters and write an audit pack.

    The same command with the same seed draws the same letters; the seed and the frame are
    kept in the register.
    """

    def action() -> None:
        from ..audit.pack import build_pack, rubric_for
        from ..errors import RefusedOverwrite
        from ..register.db import opened
        from ..register.sampling import SampleRequest, discard_sample, draw_sample, sample_reviews

        if not 0 <= seed <= 2**63 - 1:
            raise UsageProblem(f"--seed {seed}: give a whole number from 0 to {2**63 - 1}")
        if n is not None and n < 1:
            raise UsageProblem(f"--n {n}: give how many letters, 1 or more")
        if percent is not None and not 0.1 <= percent <= 100:
            raise UsageProblem(f"--percent {percent:g}: give a percentage from 0.1 to 100")
        request = SampleRequest(
            date_from=_date(date_from, "--from"),
            date_to=_date(date_to, "--to"),
            seed=seed,
            size=n,
            percent=percent,
            by=tuple(by or ()),
            all_second_reviews=all_second_reviews,
            exclude_recent=exclude_recent,
            pseudonymise=pseudonymise,
        )
        settings = _settings(config)
        rubric = rubric_for(settings)
        if out.exists() and any(out.iterdir()):
            if pseudonymise:
                # An external auditor's pack goes in an empty folder: --force must never leave
                # an earlier pack's named letters beside the pseudonymised ones.
                raise UsageProblem(f"{out}: a pseudonymised pack needs an empty folder")
            if not force:
                raise RefusedOverwrite([out])
        with opened(_database(db, settings), create=False) as register:
            engine = register.engine
            sample_id = draw_sample(engine, request)
            try:
                written = build_pack(engine, sample_id, out, rubric, force=force, settings=settings)
            except BaseException:
                discard_sample(engine, sample_id)  # no sample without its pack
                raise
            items = sample_reviews(engine, sample_id)
        typer.echo(
            f"Sample {sample_id}: {len(items)} letter{'s' if len(items) != 1 else ''} "
            f"(seed {seed}); pack of {len(written)} files in {out}."
        )
        for code, rid, stratum in items:
            shown = code if pseudonymise else f"{code}  {rid}"
            typer.echo(terminal_text(f"  {shown}  [{stratum}]"))

    _run(action)


audit_app = typer.Typer(
    help="Peer review: bring reviewers' scores in, and report what they found.",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")


@audit_app.command(
    "import",
    cls=Command,
    epilog=help_end(
        ["letters audit import pack/S3-001-form.csv reviewer-b/S3-001-form.docx"],
        {
            0: "every form imported",
            2: "a form is unreadable or refused (the others are imported); no register",
        },
    ),
)
def audit_import(
    forms: Annotated[
        list[Path],
        typer.Argument(help="Completed audit forms (.csv or .docx).", metavar="FORM..."),
    ],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Bring reviewers' completed audit forms (CSV or Word) into the register.

    Each file is all or nothing: an unknown letter, a score off the scale or a reviewer
    scoring the same letter twice is named with its file and row, and nothing from that file
    goes in. The other files are still imported.
    """

    def action() -> int:
        from ..audit.pack import import_line, import_scores, rubric_for
        from ..register.db import opened

        settings = _settings(config)
        rubric = rubric_for(settings)
        # The forms score letters of a sample drawn from the register, so there must be one.
        with opened(_database(db, settings), create=False) as register:
            summary = import_scores(register.engine, forms, rubric)
        for done in summary.imported:
            typer.echo(terminal_text(import_line(done)))
        for problem in summary.failed:
            typer.echo(f"Error: {problem}", err=True)
        return int(ExitCode.OK if summary.ok else ExitCode.INVALID_INPUT)

    raise typer.Exit(_run(action))


class ReportFormat(StrEnum):
    """Formats of the audit report."""

    html = "html"
    docx = "docx"
    md = "md"


@audit_app.command(
    "report",
    cls=Command,
    epilog=help_end(
        [
            "letters audit report --period 2026-H1 --format docx --out audit-2026-h1.docx",
            "letters audit report --from 2026-04-01 --to 2026-09-30 --format md",
        ],
        {
            0: "the report is written",
            2: "a date or period is not valid, or no register",
            3: "the report file exists and --force was not given",
        },
    ),
)
def audit_report(
    date_from: Annotated[
        str | None, typer.Option("--from", help="First review date.", metavar="YYYY-MM-DD")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last review date.", metavar="YYYY-MM-DD")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="Or a period: a year, half, quarter or month (2026, 2026-H1, 2026-Q3, 2026-09).",
            metavar="PERIOD",
        ),
    ] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="html, docx or md.", metavar="FORMAT")
    ] = ReportFormat.html,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="File to write (default audit-report.html, .docx or .md here).",
            dir_okay=False,
            metavar="FILE",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the report file.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Report what peer reviewers found: by criterion, by IRO, over time, and agreement."""

    def action() -> None:
        from ..audit import report as reports
        from ..audit.pack import rubric_for
        from ..output import write_files
        from ..register.db import opened

        first, last = _dates(date_from, date_to, period)
        settings = _settings(config)
        rubric = rubric_for(settings)
        with opened(_database(db, settings), create=False) as register:
            report = reports.build_audit_report(
                register.engine, first, last, [(c.id, c.title) for c in rubric.criteria]
            )
        target = out or Path(f"audit-report.{output_format.value}")
        files: dict[Path, bytes] = {}
        if output_format is ReportFormat.html:
            files[target] = reports.to_html(report).encode("utf-8")
        elif output_format is ReportFormat.docx:
            files[target] = reports.to_docx(report)
        else:
            charts = reports.charts(report)
            names = {key: f"{target.stem}-{name}" for key, name in reports.CHART_FILES.items()}
            files[target] = reports.to_markdown(report, {k: names[k] for k in charts}).encode()
            files.update((target.parent / names[k], png) for k, png in charts.items())
        write_files(files, force=force)
        typer.echo(
            f"Wrote {target}: {report.scores} scores of {report.letters} letters by "
            f"{report.reviewers} reviewer{'s' if report.reviewers != 1 else ''}."
        )

    _run(action)


@app.command(
    cls=Command,
    epilog=help_end(
        ["letters new reviews/2026-08-10-amira.yaml"],
        {
            0: "written",
            2: "the file cannot be written",
            3: "the file exists and --force was not given",
        },
    ),
)
def new(
    review: Annotated[
        Path,
        typer.Argument(help="Where to write the blank record.", dir_okay=False, metavar="REVIEW"),
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """Write a blank, commented review record for an IRO to fill in."""
    from ..output import write_files
    from ..resources import data_dir

    def action() -> None:
        blank = (data_dir("templates") / "review_record.yaml").read_bytes()
        write_files({review: blank}, force=force)
        typer.echo(f"Wrote a blank review record to {review}. Fill it in, then run:")
        typer.echo(f"  letters draft {review} --out DRAFTS_FOLDER")

    _run(action)


@app.command(
    cls=Command,
    epilog=help_end(
        [
            "letters due samples/amira-second-review.yaml",
            "letters due --as-of 2026-11-25 --db letters.db",
        ],
        {
            0: "printed",
            2: "the record is not valid, a date is not YYYY-MM-DD, or no register",
        },
    ),
)
def due(
    review: Annotated[
        Path | None,
        typer.Argument(
            help="A review record (YAML): its dates. Without one: the register's timeliness.",
            dir_okay=False,
            metavar="REVIEW",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="The day to judge from (default: today).", metavar="YYYY-MM-DD"
        ),
    ] = None,
    year_from: Annotated[
        str | None,
        typer.Option(
            "--year-from",
            help="Start of the year's figures (default: 12 months back).",
            metavar="YYYY-MM-DD",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Print what is due: one review's statutory dates, or the register's timeliness.

    From the register, per IRO: decisions not sent within 5 working days, records not
    finished within 20 (or the local target), next reviews due in the coming 4 weeks or
    overdue; and the year's figures for the annual report.
    """

    def action() -> None:
        settings = _settings(config)
        if review is not None:
            from ..drafting.draft import timescales_for
            from ..records import load_record
            from ..wording import ordinal

            record = load_record(review)
            typer.echo(
                f"{terminal_text(record.child.name)}: {ordinal(record.review.number)} review"
            )
            for line in _timescale_lines(timescales_for(record, settings)):
                typer.echo(line)
            return
        from ..register.db import opened
        from ..register.timeliness import due_report, to_text

        day = _date(as_of, "--as-of") if as_of else dt.date.today()
        start = _date(year_from, "--year-from") if year_from else None
        with opened(_database(db, settings), create=False) as register:
            text = to_text(due_report(register.engine, day, start))
        typer.echo(text, nl=False)

    _run(action)


@app.command(
    cls=Command,
    epilog=help_end(
        ["letters permanence --period 2026-Q3", "letters permanence --period 2026 --csv"],
        {0: "printed", 2: "a date or period is not valid, or no register"},
    ),
)
def permanence(
    date_from: Annotated[
        str | None, typer.Option("--from", help="First review date.", metavar="YYYY-MM-DD")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last review date.", metavar="YYYY-MM-DD")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="Or a period: a year, half, quarter or month (2026, 2026-H1, 2026-Q3, 2026-09).",
            metavar="PERIOD",
        ),
    ] = None,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """List second reviews: is the permanence plan and its contingency recorded and explained?

    The ones that fall short come first: no plan or contingency recorded, a letter that does
    not explain them (from the automatic check) or uses permanence jargon, or a review held
    late.
    """

    def action() -> None:
        from ..register.db import opened
        from ..register.permanence import second_reviews, to_csv, to_text

        first, last = _dates(date_from, date_to, period)
        with opened(_database(db, _settings(config)), create=False) as register:
            rows = second_reviews(register.engine, first, last)
        typer.echo((to_csv if csv_out else to_text)(rows), nl=False)

    _run(action)


@app.command(
    cls=Command,
    epilog=help_end(
        ["letters validate samples/*.yaml"],
        {0: "every record is valid", 2: "a record could not be read or is not valid"},
    ),
)
def validate(
    reviews: Annotated[
        list[Path],
        typer.Argument(
            help="One or more review records (YAML).", dir_okay=False, metavar="REVIEW..."
        ),
    ],
) -> None:
    """Check review records against the schema and report every problem in each."""
    from ..records import load_record

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
