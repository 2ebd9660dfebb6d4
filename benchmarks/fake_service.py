"""Generate a fictional year of a large IRO service: review records, letters and an index.

Every name is made up from short lists of common first names and surnames; places are
generic ("the family centre"); phone numbers are from Ofcom's drama range. Used by the
register benchmark and the end-to-end test of sampling, packs, scores and reports.

    .venv/bin/python -m benchmarks.fake_service OUT_FOLDER [--reviews 1500] [--seed 2026]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any

import yaml
from dateutil.relativedelta import relativedelta

FIRST = [
    "Amelia",
    "Oliver",
    "Isla",
    "Noah",
    "Ava",
    "Leo",
    "Mia",
    "Arlo",
    "Ivy",
    "Finley",
    "Poppy",
    "Reggie",
    "Willow",
    "Teddy",
    "Daisy",
    "Alfie",
    "Rosie",
    "Jude",
    "Evie",
    "Kai",
    "Maya",
    "Ezra",
    "Nia",
    "Otis",
    "Zara",
    "Rory",
    "Lola",
    "Ronnie",
    "Elsie",
    "Harley",
]
ADULTS = [
    "Karen",
    "Paul",
    "Nicola",
    "Gareth",
    "Joanne",
    "Darren",
    "Claire",
    "Wayne",
    "Lisa",
    "Mark",
    "Tracey",
    "Dean",
    "Hayley",
    "Craig",
    "Gemma",
    "Lee",
    "Stacey",
    "Ryan",
]
SURNAMES = [
    "Ashdown",
    "Brennick",
    "Carrow",
    "Dunmore",
    "Elstow",
    "Fenwright",
    "Garside",
    "Holloway",
    "Ibbotson",
    "Jessop",
    "Kettering",
    "Loxley",
    "Marchbank",
    "Norcott",
    "Oakridge",
    "Pennock",
    "Quarrie",
    "Rowntree",
    "Sallow",
    "Thistleton",
]
IRO_NAMES = [
    "Priya Shah",
    "Tom Reilly",
    "Helen Marsh",
    "Dev Okonjo",
    "Ruth Callan",
    "Sam Whitlock",
    "Nadia Farouk",
    "Owen Pryce",
    "Grace Ambler",
    "Joe Linden",
    "Fiona Tait",
    "Marcus Oyelaran",
]
TEAMS = ["North", "South", "East", "West"]
PLANS = ["return_home", "special_guardianship", "adoption", "long_term_fostering",
         "residential", "staying_put", "independence", "child_arrangements_order"]  # fmt: skip


def _plan_for(rng: random.Random, age: int) -> tuple[str, str]:
    if age < 5:
        pool = ["adoption", "special_guardianship", "return_home", "long_term_fostering"]
    elif age >= 16:
        pool = ["staying_put", "independence", "long_term_fostering", "residential"]
    else:
        pool = ["long_term_fostering", "return_home", "special_guardianship", "residential",
                "child_arrangements_order"]  # fmt: skip
    plan = rng.choice(pool)
    contingency = rng.choice([p for p in PLANS if p != plan and (p != "adoption" or age < 5)])
    return plan, contingency


def make_record(rng: random.Random, index: int, review_date: dt.date) -> dict[str, Any]:
    """Return one fictional review record as the YAML data an IRO would write."""
    age = rng.choice(range(0, 18))
    dob = review_date - relativedelta(years=age, days=rng.randint(1, 360))
    first = rng.choice(FIRST)
    surname = rng.choice(SURNAMES)
    number = rng.choices([1, 2, 3, 4, 5], weights=[2, 2, 3, 2, 1])[0]
    iro = IRO_NAMES[index % len(IRO_NAMES)] if index % 7 else rng.choice(IRO_NAMES)
    mother, carer1, carer2, worker = (rng.choice(ADULTS) for _ in range(4))
    came = review_date - dt.timedelta(days=rng.randint(20, 25) if number == 1 else 120 * number)
    came = max(came, dob)
    participation = "PN0" if age < 4 else rng.choice(["PN1", "PN1", "PN1", "PN2", "PN5", "PN6"])
    attendance = "in_person" if participation in ("PN0", "PN1", "PN2") else "views_sent"
    record: dict[str, Any] = {
        "child": {
            "name": f"{first} {surname}",
            "known_as": first,
            "date_of_birth": dob,
            "legal_status": rng.choice(["s20", "care_order", "interim_care_order"]),
            "came_into_care": came,
            "record_id": f"GEN-{index:05d}",
        },
        "review": {
            "date": review_date,
            "number": number,
            "venue": "the family centre",
            "format": rng.choice(["in_person", "hybrid", "virtual"]),
            "chair": "iro",
            "participation": participation,
            "iro": {
                "name": iro,
                "phone": f"01632 960{300 + IRO_NAMES.index(iro):03d}",
                "email": iro.lower().replace(" ", ".") + "@example.gov.uk",
                "team": TEAMS[IRO_NAMES.index(iro) % len(TEAMS)],
            },
            "attendees": [
                {"name": first, "role": "child", "attendance": attendance},
                {"name": f"{mother} {surname}", "role": "mother", "attendance": "virtual"},
                {
                    "name": f"{carer1} {rng.choice(SURNAMES)}",
                    "role": "carer",
                    "attendance": "in_person",
                },
                {
                    "name": f"{carer2} {rng.choice(SURNAMES)}",
                    "role": "carer",
                    "attendance": "in_person",
                },
                {
                    "name": f"{worker} {rng.choice(SURNAMES)}",
                    "role": "social_worker",
                    "attendance": "in_person",
                },
            ],
        },
        "views": {}
        if participation == "PN0"
        else {
            "child": rng.choice(
                [
                    f"I like living with {carer1} and {carer2}. I want to see Mum more.",
                    "I am happy at school and I have made new friends.",
                    f"I want to stay where I am. {carer1} helps me with my homework.",
                ]
            )
        },
        "decisions": [
            {
                "action": "Arrange a dental check-up.",
                "for_child": f"{carer1} will take you to the dentist.",
                "owner": "Carers",
                "due": review_date + dt.timedelta(days=rng.randint(20, 60)),
            },
            {
                "action": "Review arrangements for family time with mother.",
                "for_child": f"{worker} will talk to Mum about when you can see her.",
                "owner": "Social worker",
                "due": review_date + dt.timedelta(days=rng.randint(20, 60)),
            },
        ],
    }
    if number > 1:
        record["review"]["previous_review"] = review_date - relativedelta(
            months=3 if number == 2 else 6, days=rng.choice([0, 0, 0, 5, -5])
        )
        plan, contingency = _plan_for(rng, age)
        record["permanence"] = {"plan": plan, "contingency": contingency}
    if rng.random() < 0.3:
        record["child"]["preferred_terms"] = {
            "family_time": "time with Mum",
            "review": "my meeting",
        }
    return record


def make_year(
    folder: Path, reviews: int = 1500, seed: int = 2026, start: dt.date = dt.date(2025, 4, 1)
) -> Path:
    """Write `reviews` records, letters (Markdown) and an import index.csv into `folder`."""
    from letters.config import Settings
    from letters.drafting.render import (
        LETTER_TEMPLATES,
        build_context,
        make_environment,
        render_document,
    )
    from letters.records import validate_record
    from letters.timescales import compute, is_working_day

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    env = make_environment(None)
    settings = Settings()
    rows = []
    days = [start + dt.timedelta(days=d) for d in range(365)]
    working_days = [d for d in days if is_working_day(d)]
    for index in range(reviews):
        date = working_days[index * len(working_days) // reviews]
        data = make_record(rng, index, date)
        record, problems = validate_record(data)
        assert record is not None, problems
        times = compute(record)
        context = build_context(record, settings, times)
        letter = render_document(env, "letter", LETTER_TEMPLATES[context["age_band"]], context).text
        if record.review.number >= 2 and rng.random() < 0.25:
            # Some second reviews leave out the back-up plan, as a peer reviewer would find.
            letter = "\n\n".join(
                b
                for b in letter.split("\n\n")
                if "back-up plan" not in b and "cannot happen" not in b
            )
        stem = f"review-{index:05d}"
        (folder / f"{stem}.yaml").write_text(
            yaml.safe_dump(data, sort_keys=False), encoding="utf-8"
        )
        (folder / f"{stem}.md").write_text(letter, encoding="utf-8")
        plan = record.permanence
        rows.append(
            {
                "file": f"{stem}.md",
                "child_record_id": record.child.record_id,
                "iro": record.review.iro.name,
                "team": record.review.iro.team,
                "review_date": date.isoformat(),
                "review_number": record.review.number,
                "age_band": context["age_band"],
                "legal_status": record.child.legal_status,
                "participation": record.review.participation,
                "permanence_plan": plan.plan if plan else "",
                "contingency": plan.contingency or "" if plan else "",
                "previous_review": str(record.review.previous_review or ""),
                "decisions_sent": str(
                    times.decisions_due - dt.timedelta(days=rng.choice([0, 1, 2, -3]))
                ),
                "record_sent": str(times.record_due - dt.timedelta(days=rng.choice([0, 3, 5, -4]))),
                "review_record": f"{stem}.yaml",
            }
        )
    index_path = folder / "index.csv"
    with index_path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return index_path


def main() -> None:
    """Write a fictional year of reviews into a folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--reviews", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    index = make_year(args.folder, args.reviews, args.seed)
    print(f"Wrote {args.reviews} fictional reviews and letters; index: {index}")


if __name__ == "__main__":
    main()
