"""The command line through typer's CliRunner: exit codes, exact messages, nothing half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from letters.cli import app
from letters.errors import ExitCode

from .conftest import SAMPLES
from .test_records import BASE, write

runner = CliRunner()
AMIRA = SAMPLES / "amira-second-review.yaml"
CONFIG = SAMPLES / "letters.toml"
OUTPUTS = sorted(
    f"{name}.{ext}" for name in ("letter", "minutes", "decisions") for ext in ("docx", "md")
)


def test_draft_writes_six_files(tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    result = runner.invoke(
        app, ["draft", str(AMIRA), "--out", str(out), "--config", str(CONFIG), "--no-register"]
    )
    assert result.exit_code == ExitCode.OK, result.output
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS
    assert result.stdout.splitlines() == [
        f"Drafted for Amira (age 11; letter for ages 11-15) into {out}:",
        "  letter.docx",
        "  letter.md",
        "  minutes.docx",
        "  minutes.md",
        "  decisions.docx",
        "  decisions.md",
        "Review held:                   Monday 10 August 2026",
        "This review due by:            Friday 28 August 2026 (within 3 months of the previous review)",
        "Decisions to team manager by:  Monday 17 August 2026 (5 working days)",
        "Record (minutes) due by:       Tuesday 8 September 2026 (20 working days)",
        "Local target for the record:   Tuesday 1 September 2026 (15 working days)",
        "Next review due by:            Wednesday 10 February 2027 (within 6 months of this review)",
        "Next review planned:           Monday 8 February 2027",
        "Check of the letter: 0 errors, 0 warnings, 0 suggestions",
        f"  {out / 'letter.md'}: reading ease 89.7, grade 3.7 (reading age 8.7), 11.9 words a "
        "sentence, longest 25; meets the target for ages 11-15",
    ]


def test_draft_refuses_to_overwrite_then_force_replaces(tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    out.mkdir()
    (out / "minutes.md").write_text("my edits", encoding="utf-8")
    args = ["draft", str(AMIRA), "--out", str(out), "--config", str(CONFIG), "--no-register"]
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.REFUSED_OVERWRITE
    assert result.stderr == (
        f"Error: not overwriting existing file: {out / 'minutes.md'} "
        "(use --force to replace them)\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["minutes.md"]
    assert (out / "minutes.md").read_text(encoding="utf-8") == "my edits"
    result = runner.invoke(app, [*args, "--force"])
    assert result.exit_code == ExitCode.OK
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS
    assert (out / "minutes.md").read_text(encoding="utf-8").startswith("# Child in Care Review")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "participation: PN1",
            "participation: PN9",
            "review.yaml:15: review.participation: unknown participation code 'PN9'; use one "
            "of PN0, PN1, PN2, PN3, PN4, PN5, PN6, PN7",
            id="bad-code",
        ),
        pytest.param(
            "  date: 2026-08-10\n",
            "  date: [2026-08-10\n",
            "review.yaml:10:9: is not valid YAML: the list opened with '[' here is not closed with ']'",
            id="yaml-error",
        ),
    ],
)
def test_draft_invalid_record_writes_nothing(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = write(tmp_path, BASE.replace(old, new))
    out = tmp_path / "drafts"
    result = runner.invoke(app, ["draft", str(path), "--out", str(out), "--no-register"])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == (
        f"Error: {path}: this review record has 1 problem:\n  {tmp_path}/{message}\n"
    )
    assert not out.exists()


def test_atomic_write_leaves_nothing_when_a_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "drafts"
    real_replace = os.replace
    calls: list[str] = []

    def failing_replace(src: str | Path, dst: str | Path) -> None:
        calls.append(str(dst))
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    result = runner.invoke(app, ["draft", str(AMIRA), "--out", str(out), "--no-register"])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == (
        f"Error: {out / 'minutes.docx'}: cannot be written (No space left on device); "
        "no file was changed\n"
    )
    assert not out.exists()  # the folder it made is gone too


def test_atomic_write_restores_files_replaced_with_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "drafts"
    assert (
        runner.invoke(app, ["draft", str(AMIRA), "--out", str(out), "--no-register"]).exit_code == 0
    )
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_replace = os.replace
    calls: list[str] = []

    def failing_replace(src: str | Path, dst: str | Path) -> None:
        calls.append(str(dst))
        if len(calls) == 4:
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    args = [
        "draft",
        str(AMIRA),
        "--out",
        str(out),
        "--force",
        "--config",
        str(CONFIG),
        "--no-register",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_new_writes_a_blank_record_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "review.yaml"
    result = runner.invoke(app, ["new", str(path)])
    assert result.exit_code == ExitCode.OK
    assert result.stdout == (
        f"Wrote a blank review record to {path}. Fill it in, then run:\n"
        f"  letters draft {path} --out DRAFTS_FOLDER\n"
    )
    assert path.read_text(encoding="utf-8").startswith(
        "# Review record for a Child in Care review."
    )
    again = runner.invoke(app, ["new", str(path)])
    assert again.exit_code == ExitCode.REFUSED_OVERWRITE
    # A blank record is not valid until it is filled in, and says which fields to fill.
    check = runner.invoke(app, ["validate", str(path)])
    assert check.exit_code == ExitCode.INVALID_INPUT
    assert f"{path}:9: child.name: is empty: fill it in" in check.stderr


def test_due_prints_the_timescales() -> None:
    result = runner.invoke(app, ["due", str(SAMPLES / "leo-first-review.yaml")])
    assert result.exit_code == ExitCode.OK
    assert result.stdout.splitlines() == [
        "Leo Barnes: first review",
        "Review held:                   Friday 2 October 2026",
        "This review due by:            Monday 5 October 2026 (within 20 working days of coming into care)",
        "Decisions to team manager by:  Friday 9 October 2026 (5 working days)",
        "Record (minutes) due by:       Friday 30 October 2026 (20 working days)",
        "Next review due by:            Saturday 2 January 2027 (within 3 months of this review)",
        "Next review planned:           Thursday 31 December 2026",
    ]


def test_due_warns_when_next_review_is_too_late(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "next_review: 2027-03-01\n")
    result = runner.invoke(app, ["due", str(path)])
    assert result.exit_code == ExitCode.OK
    assert result.stdout.splitlines()[-1] == (
        "Warning: next_review 2027-03-01 is later than the statutory date 2027-02-10 "
        "(within 6 months of this review)"
    )


def test_validate_reports_each_file() -> None:
    result = runner.invoke(app, ["validate", str(AMIRA), str(SAMPLES / "leo-first-review.yaml")])
    assert result.exit_code == ExitCode.OK
    assert result.stdout == f"{AMIRA}: valid\n{SAMPLES / 'leo-first-review.yaml'}: valid\n"


def test_bad_settings_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "letters.toml"
    config.write_text("[authority]\nnmae = 'Exampleshire'\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "draft",
            str(AMIRA),
            "--out",
            str(tmp_path / "d"),
            "--config",
            str(config),
            "--no-register",
        ],
    )
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == (
        f"Error: {config}: this settings file has 1 problem:\n"
        f"  {config}: authority.nmae: is not a setting we know (check the spelling)\n"
    )


def all_commands() -> list[list[str]]:
    """Return every command and sub-command, as the words typed after `letters`."""
    import typer.main

    group = typer.main.get_command(app)
    found: list[list[str]] = []

    def walk(command: object, words: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*words, name])
        else:
            found.append(words)

    walk(group, [])
    return found


def test_the_commands() -> None:
    assert sorted(" ".join(c) for c in all_commands()) == [
        "audit import", "audit report", "check", "draft", "due", "new", "permanence",
        "register import", "register sent", "sample", "validate",
    ]  # fmt: skip


def test_top_level_help_documents_exit_codes() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Exit codes: 0 done" in result.stdout
    assert "3 an output file exists and --force was not given" in result.stdout


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from letters.cli import app\n"
        "CliRunner().invoke(app, ['--help'])\n"
        "heavy = [m for m in ('spacy', 'docx', 'holidays', 'jinja2', 'textstat') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
