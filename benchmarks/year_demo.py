"""The register's 'done when', at full size: the samples plus a generated year of 1,500.

Runs the real commands (`letters draft`, `register import`, `sample`, `audit import`,
`audit report`, `permanence`) in a temporary folder and prints what each shows and took.

    .venv/bin/python benchmarks/year_demo.py [--reviews 1500] [--db URL]
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
LETTERS = str(Path(sys.executable).with_name("letters"))


def run(*args: str) -> tuple[str, float]:
    """Run a `letters` command; return its output and how long it took."""
    began = time.perf_counter()
    done = subprocess.run([LETTERS, *args], capture_output=True, text=True, check=False)
    took = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"letters {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout, took


def main() -> None:
    """Fill a register and run the quality-assurance commands on it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=1500)
    parser.add_argument("--db", help="a PostgreSQL URL; default: a new SQLite file")
    args = parser.parse_args()
    from benchmarks.fake_service import make_year
    from letters.audit.pseudonymise import name_words
    from letters.records import load_record

    with tempfile.TemporaryDirectory() as folder_name:
        root = Path(folder_name)
        db = args.db or str(root / "letters.db")
        for sample in sorted(SAMPLES.glob("*.yaml")):
            run("draft", str(sample), "--out", str(root / sample.stem), "--db", db,
                "--config", str(SAMPLES / "letters.toml"), "--no-check")  # fmt: skip
        began = time.perf_counter()
        index = make_year(root / "year", reviews=args.reviews)
        print(f"Generated {args.reviews} fictional reviews: {time.perf_counter() - began:.1f} s")
        out, took = run("register", "import", str(root / "year"), "--index", str(index), "--db", db)
        print(f"{out.strip()} ({took:.1f} s, checking included)")

        period = ["--from", "2025-04-01", "--to", "2026-12-31"]
        sample_args = [*period, "--n", "60", "--by", "iro", "--by", "review_number",
                       "--seed", "2026", "--db", db]  # fmt: skip
        first, took = run("sample", *sample_args, "--out", str(root / "pack-a"))
        second, _ = run("sample", *sample_args, "--out", str(root / "pack-b"))
        picks = re.findall(r"^  S\d+-\d{3}  (\S+)", first, flags=re.M)
        again = re.findall(r"^  S\d+-\d{3}  (\S+)", second, flags=re.M)
        iros_in = {m for m in re.findall(r"iro=([^;\]]+)", first)}
        rows = list(csv.DictReader(index.open(encoding="utf-8")))
        iros = {r["iro"] for r in rows} | {"Priya Shah", "Tom Reilly", "Helen Marsh"}
        print(f"Sample of {len(picks)} ({took:.1f} s incl. pack): same twice: {picks == again}; "
              f"every IRO in it: {iros <= iros_in} ({len(iros_in)} of {len(iros)})")  # fmt: skip

        out_dir = root / "external"
        _, took = run("sample", *period, "--n", "40", "--by", "iro", "--seed", "7",
                      "--pseudonymise", "--out", str(out_dir), "--db", db)  # fmt: skip
        records = [load_record(p) for p in SAMPLES.glob("*.yaml")]
        records += [load_record(p) for p in (root / "year").glob("*.yaml")]
        names = set().union(*(name_words(r) for r in records))
        from letters.docx_out import docx_text

        leaks = set()
        for path in out_dir.iterdir():
            text = (
                "\n".join(docx_text(path))
                if path.suffix == ".docx"
                else path.read_text(encoding="utf-8-sig")
            )
            leaks |= set(re.findall(r"[A-Z][A-Za-z'’-]+", text)) & names
        print(f"Pseudonymised pack of 40 ({took:.1f} s): {len(names)} name words from "
              f"{len(records)} records; found in the pack: {sorted(leaks) or 'none'}")  # fmt: skip

        filled = []
        for n, form in enumerate(sorted((root / "pack-a").glob("*-form.csv"))):
            form_rows = list(csv.DictReader(form.open(encoding="utf-8-sig")))
            for reviewer in ["Reviewer A", "Reviewer B"] if n % 3 == 0 else ["Reviewer A"]:
                target = root / f"{form.stem}-{reviewer[-1]}.csv"
                with target.open("w", newline="", encoding="utf-8") as stream:
                    writer = csv.DictWriter(stream, fieldnames=list(form_rows[0]))
                    writer.writeheader()
                    for i, row in enumerate(form_rows):
                        # B mostly agrees with A, and differs by one on every fifth criterion.
                        score = 2 + (i + n) % 3
                        if reviewer.endswith("B") and i % 5 == 0:
                            score = score + 1 if score < 4 else score - 1
                        writer.writerow({**row, "reviewer": reviewer, "score": str(score)})
                filled.append(str(target))
        out, took = run("audit", "import", *filled, "--db", db)
        print(f"Imported {len(filled)} completed forms ({took:.1f} s)")
        report = root / "audit.html"
        out, took = run("audit", "report", *period, "--out", str(report), "--db", db)
        page = report.read_text(encoding="utf-8")
        alpha = re.search(r"alpha[^0-9-]*(-?[0-9]\.[0-9]+)", page)
        print(f"{out.strip()} ({took:.1f} s); charts: {page.count('data:image/png')}; "
              f"first alpha shown: {alpha.group(1) if alpha else 'none'}")  # fmt: skip
        out, took = run("permanence", *period, "--csv", "--db", db)
        second_rows = list(csv.DictReader(out.splitlines()))
        short = [r for r in second_rows if r["contingency_explained"] == "no"]
        print(f"Second reviews: {len(second_rows)}; letters not explaining the contingency, "
              f"listed first: {len(short)} ({took:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
