"""The command line as a new user meets it: --help, --version, rule ids, dates, exit codes."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from letters.cli import app, package_version
from letters.errors import ExitCode

from .conftest import ROOT, SAMPLES
from .test_cli import all_commands
from .test_records import BASE, write

runner = CliRunner()
AMIRA = SAMPLES / "amira-second-review.yaml"
CONFIG = SAMPLES / "letters.toml"
WIDTHS = [60, 200]
# What typer shows when a parameter has no metavar: Python types and number ranges.
PYTHON_TYPES = re.compile(
    r"<[^>\s]+>|list\[|\bPath\b|<=x|x>=|x<=|\b(INTEGER|TEXT|FLOAT|BOOLEAN|RANGE|DIRECTORY)\b"
)


def _command(words: list[str]) -> Any:
    """Return the click command that `letters WORDS` runs."""
    command: Any = typer.main.get_command(app)
    for word in words:
        command = command.commands[word]
    return command


def _block(epilog: str, title: str) -> list[str]:
    """Return the lines of the `title` block of a help epilog, as written in the code."""
    lines = epilog.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    block = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        block.append(line.strip())
    return block


def _examples(words: list[str]) -> list[str]:
    """Return each example of a command, continuation lines joined, as a person would type it."""
    joined: list[str] = []
    pending = ""
    for line in _block(_command(words).epilog or "", "Example"):
        pending += line
        if pending.endswith("\\"):
            pending = pending[:-1]
        else:
            joined.append(pending)
            pending = ""
    return joined


def _help(words: list[str], width: int) -> str:
    """Return a command's --help as a terminal `width` columns wide shows it."""
    # A real process: typer's CliRunner fixes the width at 80 columns.
    env = {**os.environ, "COLUMNS": str(width), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "letters", *words, "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("words", all_commands(), ids=" ".join)
def test_every_command_help_is_whole_at_any_width(words: list[str], width: int) -> None:
    text = _help(words, width)
    lines = [line.strip() for line in text.splitlines()]
    epilog = _command(words).epilog or ""
    examples = _block(epilog, "Example")
    codes = _block(epilog, "Exit codes:")
    # The examples and the exit codes come out line for line, never rewrapped.
    for line in examples + codes:
        assert line in lines, f"{line!r} was rewrapped at {width} columns"
    assert any(line.startswith(f"letters {' '.join(words)} ") for line in examples)
    assert codes[0].startswith("0  ") and codes[-1].startswith("4  an internal error")
    assert "Dates are written YYYY-MM-DD, such as 2026-08-10." in lines
    assert PYTHON_TYPES.findall(text) == []
    # Everything else is wrapped to the terminal (at most 78 columns, as click does).
    limit = min(width, 80) - 2
    kept = set(examples + codes)
    usage = text.split("\n\n", 1)[0]
    rest = text[len(usage) :].splitlines()
    assert [line for line in rest if len(line) > limit and line.strip() not in kept] == []
    # The examples themselves fit in an 80-column terminal.
    assert max(len(line) for line in text.splitlines() if line.strip() in kept) <= 80


@pytest.mark.parametrize(
    ("words", "example"),
    [(words, example) for words in all_commands() for example in _examples(words)],
    ids=lambda v: v if isinstance(v, str) else " ".join(v),
)
def test_every_example_uses_options_that_exist(words: list[str], example: str) -> None:
    args = shlex.split(example)
    assert args[: 1 + len(words)] == ["letters", *words]
    # Options are parsed before --help is acted on, so a misspelt option fails here.
    result = runner.invoke(app, [*args[1:], "--help"])
    assert result.exit_code == ExitCode.OK, result.output


def test_top_level_help_lists_exit_codes_and_dates() -> None:
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "60"})
    assert result.exit_code == ExitCode.OK
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert lines[-6:] == [
        "Exit codes:",
        "0  done, nothing wrong",
        "1  a checked letter has error-level findings",
        "2  a file could not be read or is not valid; bad usage",
        "3  an output file exists and --force was not given",
        "4  an internal error: please report it with the command you ran",
    ]
    assert "--version  Print the version and stop." in lines


def test_version_is_the_package_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == ExitCode.OK
    assert result.stdout == f"iro-letters {package_version()}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", package_version())


def test_version_falls_back_to_the_package_when_not_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.metadata

    import letters

    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert package_version() == letters.__version__


# --accept and [check] disable: unknown ids are errors naming the nearest known id.


def _letter(tmp_path: Path) -> Path:
    path = tmp_path / "letter.txt"
    path.write_text(
        "Dear Amira,\n\nWe will facilitate your contact with Mum prior to the summer.\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("accept", "message"),
    [
        pytest.param(
            ["child_friendly.contakt"],
            "Error: --accept 'child_friendly.contakt' is not a rule id or prefix we know; "
            "did you mean 'child_friendly.contact'?\n",
            id="misspelt-id",
        ),
        pytest.param(
            ["plain_englsh"],
            "Error: --accept 'plain_englsh' is not a rule id or prefix we know; did you mean "
            "'plain_english'?\n",
            id="misspelt-prefix",
        ),
        pytest.param(
            ["plain_english,child_friendly.contatc"],
            "Error: --accept 'child_friendly.contatc' is not a rule id or prefix we know; "
            "did you mean 'child_friendly.contact'?\n",
            id="second-of-a-comma-list",
        ),
        pytest.param(
            ["zzz"],
            "Error: --accept 'zzz' is not a rule id or prefix we know; rule ids look like "
            "'child_friendly.contact', prefixes like 'plain_english'\n",
            id="nothing-close",
        ),
        pytest.param(
            ["CHILD_FRIENDLY.CONTACT"],
            "Error: --accept 'CHILD_FRIENDLY.CONTACT' is not a rule id or prefix we know; "
            "did you mean 'child_friendly.contact'?\n",
            id="wrong-case",
        ),
    ],
)
def test_unknown_accept_is_an_error_naming_the_nearest_rule(
    tmp_path: Path, accept: list[str], message: str
) -> None:
    args = ["check", str(_letter(tmp_path)), "--age-band", "11-15"]
    for given in accept:
        args += ["--accept", given]
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == message


@pytest.mark.parametrize(
    ("accept", "accepted"),
    [
        pytest.param(["plain_english,child_friendly.contact"], 3, id="comma-list"),
        pytest.param(["plain_english", "child_friendly"], 3, id="repeated"),
        pytest.param(["plain_english.", " child_friendly.contact , "], 3, id="spaces-and-dots"),
        pytest.param(["plain_english.prior_to"], 1, id="one-id"),
    ],
)
def test_accept_is_split_on_commas(tmp_path: Path, accept: list[str], accepted: int) -> None:
    args = ["check", str(_letter(tmp_path)), "--age-band", "11-15", "--format", "json"]
    for given in accept:
        args += ["--accept", given]
    result = runner.invoke(app, args)
    import json

    findings = json.loads(result.stdout)[0]["findings"]
    assert sum(1 for f in findings if f["accepted"]) == accepted
    assert result.exit_code in (ExitCode.OK, ExitCode.FINDINGS)


@pytest.mark.parametrize(
    ("disable", "problem"),
    [
        pytest.param(
            '["plain_englsh"]',
            "check.disable: 'plain_englsh' is not a rule id or prefix we know; did you mean "
            "'plain_english'?",
            id="misspelt-prefix",
        ),
        pytest.param(
            '["child_friendly.case", "child_friendly.contacts"]',
            "check.disable: 'child_friendly.contacts' is not a rule id or prefix we know; did "
            "you mean 'child_friendly.contact'?",
            id="misspelt-id",
        ),
    ],
)
@pytest.mark.parametrize("command", ["check", "draft"])
def test_unknown_disable_is_an_error_in_the_settings_file(
    tmp_path: Path, disable: str, problem: str, command: str
) -> None:
    config = tmp_path / "letters.toml"
    config.write_text(f"[check]\ndisable = {disable}\n", encoding="utf-8")
    out = tmp_path / "drafts"
    if command == "check":
        args = ["check", str(_letter(tmp_path)), "--age-band", "11-15"]
    else:
        args = ["draft", str(AMIRA), "--out", str(out), "--no-register"]
    result = runner.invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == (
        f"Error: {config}: this settings file has 1 problem:\n  {config}: {problem}\n"
    )
    assert not out.exists()


def test_known_disable_and_council_rule_ids_are_accepted(tmp_path: Path) -> None:
    rules = tmp_path / "our_rules"
    rules.mkdir()
    config = tmp_path / "letters.toml"
    config.write_text(
        '[check]\ndisable = ["plain_english", "child_friendly.case"]\nrules = "our_rules"\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        ["check", str(_letter(tmp_path)), "--age-band", "11-15", "--config", str(config)],
    )
    assert result.exit_code in (ExitCode.OK, ExitCode.FINDINGS), result.output
    assert "plain_english." not in result.stdout


# letters draft exits 1 when its own check of the letter finds an error.


@pytest.mark.parametrize("register", [False, True], ids=["no-register", "registered"])
def test_draft_exits_1_when_the_check_finds_an_error(tmp_path: Path, register: bool) -> None:
    # Amira asked us not to use the word "dental", and a decision says it: an error.
    record = BASE.replace("  preferred_terms:\n", "  avoid_terms: [dental]\n  preferred_terms:\n")
    path = write(tmp_path, record)
    out = tmp_path / "drafts"
    db = tmp_path / "letters.db"
    args = ["draft", str(path), "--out", str(out)]
    args += ["--db", str(db)] if register else ["--no-register"]
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.FINDINGS, result.output
    assert len(list(out.iterdir())) == 6
    assert (
        f"  {out / 'letter.md'}:21:11 error preferred_terms.avoided Amira asked us not to use "
        "the words 'dental'." in result.stdout.splitlines()
    )
    assert result.stderr == (
        "The check found 1 error in the letter (above). The files are written"
        + (" and registered" if register else "")
        + ": change the letter, or accept the finding in the record's `accepted:` list.\n"
    )
    assert db.exists() is register
    if register:
        assert result.stdout.splitlines()[-2:] == [
            f"Created a new register at {db}.",
            f"Registered as anon-{result.stdout.split('anon-')[1].split()[0]} in {db}.",
        ]


def test_readme_and_make_demo_say_how_to_run_letters() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for line in (".venv/bin/letters --help", "source .venv/bin/activate"):
        assert line in readme
    if shutil.which("make") is None:
        pytest.skip("no make here")
    # Run as a fresh make, not as a sub-make of `make test` (which would add
    # "make[1]: Leaving directory" lines).
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    demo = subprocess.run(
        ["make", "--no-print-directory", "-n", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.splitlines()
    assert demo[-4:] == [
        'echo "letters is installed in .venv, which is not on your PATH. Run it as"',
        'echo "  .venv/bin/letters --help"',
        'echo "or activate it first (once per terminal), then type letters ...:"',
        'echo "  source .venv/bin/activate"',
    ]
