"""A service's year, end to end through the command line: register, sample, pack, scores,
report, permanence. (The issue's 'done when', on a smaller generated year so CI stays quick;
benchmarks/year_demo.py runs the same on 1,500 reviews.)"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchmarks.fake_service import make_year
from letters.audit.pseudonymise import name_words
from letters.cli import app
from letters.records import load_record

from .conftest import SAMPLES

runner = CliRunner()
PERIOD = ["--from", "2025-04-01", "--to", "2026-12-31"]


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A register filled from the samples (drafted) and a generated year (imported)."""
    root = tmp_path_factory.mktemp("service")
    db = str(root / "letters.db")
    for sample in sorted(SAMPLES.glob("*.yaml")):
        invoke("draft", str(sample), "--out", str(root / "drafts" / sample.stem), "--db", db,
               "--config", str(SAMPLES / "letters.toml"), "--no-check")  # fmt: skip
    year = root / "year"
    index = make_year(year, reviews=120, seed=3)
    invoke("register", "import", str(year), "--index", str(index), "--db", db)
    return db, root


def sampled(output: str) -> list[tuple[str, str]]:
    """Return (review id, stratum) of each letter `letters sample` listed."""
    return re.findall(r"^  S\d+-\d{3}  (\S+)  \[(.+)\]$", output, flags=re.M)


def test_same_command_same_sample_and_every_iro(service: tuple[str, Path]) -> None:
    db, root = service
    args = [*PERIOD, "--n", "30", "--by", "iro", "--seed", "5", "--db", db]
    first = sampled(invoke("sample", *args, "--out", str(root / "pack1")))
    second = sampled(invoke("sample", *args, "--out", str(root / "pack2")))
    assert first == second
    assert len(first) >= 30
    index = csv.DictReader((root / "year" / "index.csv").open(encoding="utf-8"))
    iros = {row["iro"] for row in index} | {"Priya Shah", "Tom Reilly", "Helen Marsh"}
    assert {stratum for _, stratum in first} == {f"iro={iro}" for iro in iros}


def test_pseudonymised_pack_holds_no_name_from_any_record(service: tuple[str, Path]) -> None:
    db, root = service
    out = root / "external"
    invoke("sample", *PERIOD, "--n", "25", "--by", "iro", "--seed", "9", "--pseudonymise",
           "--out", str(out), "--db", db)  # fmt: skip
    records = [load_record(p) for p in SAMPLES.glob("*.yaml")]
    records += [load_record(p) for p in (root / "year").glob("*.yaml")]
    names = set().union(*(name_words(r) for r in records))
    assert len(names) > 100
    leaks = []
    for path in out.iterdir():
        if path.suffix in (".md", ".csv", ".html"):
            text = path.read_text(encoding="utf-8-sig")
        else:
            from letters.docx_out import docx_text

            text = "\n".join(docx_text(path))
        words = set(re.findall(r"[A-Z][A-Za-z'’-]+", text))
        leaks += [f"{path.name}: {w}" for w in words & names]
        assert not re.search(r"EX-\d{6}|GEN-\d{5}", text), path.name
    assert leaks == []


def test_scores_in_report_with_agreement_and_charts(service: tuple[str, Path]) -> None:
    db, root = service
    pack = root / "scored"
    invoke("sample", *PERIOD, "--n", "12", "--by", "iro", "--seed", "11", "--out", str(pack),
           "--db", db)  # fmt: skip
    forms = sorted(pack.glob("*-form.csv"))
    filled = []
    for n, form in enumerate(forms):
        rows = list(csv.DictReader(form.open(encoding="utf-8-sig")))
        for reviewer in ["Reviewer A", "Reviewer B"] if n % 2 == 0 else ["Reviewer A"]:
            target = root / f"{form.stem}-{reviewer[-1]}.csv"
            with target.open("w", newline="", encoding="utf-8") as stream:
                writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
                writer.writeheader()
                for i, row in enumerate(rows):
                    writer.writerow({**row, "reviewer": reviewer,
                                     "score": str(2 + (i + n + len(reviewer)) % 3)})  # fmt: skip
            filled.append(str(target))
    out = invoke("audit", "import", *filled, "--db", db)
    assert len(out.splitlines()) == len(filled)
    report = root / "audit.html"
    invoke("audit", "report", *PERIOD, "--format", "html", "--out", str(report), "--db", db)
    page = report.read_text(encoding="utf-8")
    assert "Krippendorff" in page
    assert page.count("data:image/png;base64,") == 2
    docx = root / "audit.docx"
    invoke("audit", "report", *PERIOD, "--format", "docx", "--out", str(docx), "--db", db)
    assert docx.stat().st_size > 10_000


def test_permanence_lists_second_reviews_without_a_contingency(service: tuple[str, Path]) -> None:
    db, root = service
    rows = list(csv.DictReader(invoke("permanence", *PERIOD, "--csv", "--db", db).splitlines()))
    missing = set()
    for record_file in (root / "year").glob("*.yaml"):
        data = yaml.safe_load(record_file.read_text(encoding="utf-8"))
        letter = record_file.with_suffix(".md").read_text(encoding="utf-8")
        if data["review"]["number"] == 2 and "back-up plan" not in letter:
            missing.add(data["child"]["record_id"])
    assert missing, "the generated year should have second reviews without a back-up plan"
    flagged = {r["child_ref"] for r in rows if r["contingency_explained"] == "no"}
    assert missing <= flagged
    # Those that fall short come first.
    statuses = [r["status"] for r in rows]
    assert statuses == sorted(statuses, key=["falls short", "not known", "ok"].index)


def test_pseudonymised_pack_needs_an_empty_folder(service: tuple[str, Path]) -> None:
    db, root = service
    folder = root / "pack1"  # holds a named pack already
    result = runner.invoke(
        app,
        ["sample", *PERIOD, "--n", "5", "--seed", "1", "--pseudonymise", "--force",
         "--out", str(folder), "--db", db],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == f"Error: {folder}: a pseudonymised pack needs an empty folder\n"
