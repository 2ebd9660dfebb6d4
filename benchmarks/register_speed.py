"""Benchmark the register: register, sample and report on 10,000 letters.

Several years of a large service. Times, each on its own:
- registering 10,000 letters that were already checked (the register's part of
  `letters register import`: one transaction; checking is timed by check_speed.py);
- drawing a stratified sample (by IRO and review number, every second review on top);
- producing the audit report (statistics, agreement, two charts, HTML and Word) once
  reviewers' scores for the sample are in.

    .venv/bin/python benchmarks/register_speed.py [--letters 10000] [--db URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

IROS = [f"IRO {n:02d}" for n in range(1, 41)]
PLANS = ["long_term_fostering", "return_home", "special_guardianship", "adoption", "staying_put"]


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--db", help="a PostgreSQL URL; default: a new SQLite file")
    args = parser.parse_args()

    from letters.checking.findings import LetterReport, Readability
    from letters.register.db import open_register, session
    from letters.register.store import CheckedLetter, IndexRow, store_imports
    from letters.register.tables import SampleItem, Score

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        target = args.db or str(folder / "letters.db")
        checked = []
        start = dt.date(2022, 1, 3)
        for i in range(args.letters):
            path = folder / f"letter-{i:05d}.txt"
            path.write_text(f"Dear child {i},\n\nThank you for coming.\n", encoding="utf-8")
            number = rng.choice([1, 2, 3, 4])
            row = IndexRow(
                file=path.name,
                child_record_id=f"BENCH-{i:05d}",
                iro=rng.choice(IROS),
                team=rng.choice(["North", "South"]),
                review_date=start + dt.timedelta(days=i * 1461 // args.letters),
                review_number=number,
                age_band=rng.choice(["under-5", "5-10", "11-15", "16+"]),
                participation="PN1",
                permanence_plan=rng.choice(PLANS) if number > 1 else None,
                contingency=rng.choice(PLANS) if number > 1 else None,
            )
            readability = Readability(85.0, 4.0, 9.0, 11.0, 20, 30, 330, row.age_band, True)
            report = LetterReport(path, "", [], readability, "bench")
            checked.append(CheckedLetter(row, path, report))
        engine = open_register(target)
        began = time.perf_counter()
        store_imports(engine, folder, checked)
        registered = time.perf_counter() - began
        print(f"Register {args.letters:,} checked letters (one transaction): {registered:.1f} s")

        from letters.register.sampling import SampleRequest, draw_sample

        request = SampleRequest(
            dt.date(2022, 1, 1), dt.date(2025, 12, 31), seed=11, size=400,
            by=("iro", "review_number"), all_second_reviews=False,
        )  # fmt: skip
        began = time.perf_counter()
        sample_id = draw_sample(engine, request)
        sampled = time.perf_counter() - began
        print(f"Draw a stratified sample of 400 from {args.letters:,}: {sampled:.2f} s")

        from sqlalchemy import select

        criteria = [
            "written_to_child",
            "childs_voice",
            "decisions_clear",
            "own_words",
            "easy_to_read",
            "next_steps_and_contacts",
            "warm_and_strengths_based",
        ]
        with session(engine) as db:
            items = list(db.scalars(select(SampleItem).where(SampleItem.sample_id == sample_id)))
            for n, item in enumerate(items):
                reviewers = ["Reviewer A", "Reviewer B"] if n % 4 == 0 else ["Reviewer A"]
                for reviewer in reviewers:
                    for criterion in criteria:
                        db.add(
                            Score(
                                sample_id=sample_id, review_id=item.review_id, reviewer=reviewer,
                                criterion=criterion, score=rng.choice([2, 3, 3, 4]),
                                source_file="bench.csv",
                            )
                        )  # fmt: skip
        from letters.audit.report import build_audit_report, to_docx, to_html

        rubric = [(c, c.replace("_", " ").capitalize()) for c in criteria]
        began = time.perf_counter()
        report = build_audit_report(engine, dt.date(2022, 1, 1), dt.date(2025, 12, 31), rubric)
        html = to_html(report)
        docx = to_docx(report)
        reported = time.perf_counter() - began
        print(
            f"Audit report ({report.scores:,} scores, agreement, charts, HTML {len(html):,} "
            f"bytes and Word {len(docx):,} bytes): {reported:.1f} s"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
