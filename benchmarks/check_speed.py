"""Benchmark `letters check` on a large service's year of letters.

Generates 1,500 fictional letters of about 400 words (about 620,000 words), checks them all
in one pass with the library (model load included), and prints wall time and words a second.
Then times one cold `letters check` of one letter, and `letters --help`, as separate processes,
and proselint on the same letters if it is installed (`pip install proselint`).

    .venv/bin/python benchmarks/check_speed.py [--letters 1500] [--skip-proselint]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAMES = [
    "Amira",
    "Leo",
    "Nadia",
    "Ty",
    "Sami",
    "Maisie",
    "Jordan",
    "Chloe",
    "Kai",
    "Ruby",
    "Olivia",
    "Harvey",
    "Zara",
    "Finn",
    "Isla",
    "Reece",
    "Ellie",
    "Mason",
    "Priya",
    "Jack",
]
CARERS = [
    "Sue and Dave",
    "Gran",
    "Linda and Ray",
    "Babcia",
    "Jen",
    "Ben and Kieran",
    "Auntie Noor",
    "Mo and Steph",
]
WORKERS = ["Jo", "Sam", "Chris", "Grace", "Femi", "Lucy", "Ola", "Tom"]
OPENINGS = [
    "Thank you for coming to your meeting on {day}. It was really good to see you.",
    "I am writing to tell you what we talked about at your meeting on {day}.",
    "This letter is about your review on {day}, at {carers}' house.",
]
BODY = [
    "You told us that you like living with {carers} and that you feel safe there.",
    "You said you want to see your mum more, and we listened to that.",
    "You will have contact with your dad every other Saturday at the family centre.",
    "Your placement with {carers} is going well and everyone is pleased.",
    "{worker} will arrange for you to see your brothers and sisters in the holidays.",
    "Your foster carers will help you with your homework and take you to football.",
    "We talked about school. Your teacher says you are working hard and making friends.",
    "{worker} will facilitate a meeting with your mum prior to the next review.",
    "You can contact me on 01632 960301 if you want to talk about anything.",
    "Here are my contact details in case you need them.",
    "The LAC review will look at your care plan again in six months.",
    'You said "I hate contact" and we wrote that down, because your words matter.',
    "The plan is for you to stay with {carers} and grow up with them.",
    "If that cannot happen, the back-up plan is for you to live with your aunt.",
    "You have been doing really well at swimming and you got your first badge.",
    "{worker} will ask the doctor about your asthma and tell you what they say.",
    "Your work placement at the garage starts in September, and you are excited about it.",
    "We agreed that you can have your friends round for tea at the weekend.",
    "It is appropriate for you to have a say in every decision about your life.",
    "In order to help you, we will ensure that your PEP is updated.",
    "The court will decide about the placement order at the final hearing.",
    "You are doing well and we are all very proud of you.",
    "Sometimes you find things hard, and that is okay. People are here to help you.",
    "An advocate is someone who helps you say what you think. Ask me if you want one.",
    "Your next meeting will be on or before {next}. I will check everyone has done what they said.",
    "Mum's home is being decorated, so family time will be at the park for now.",
    "You were absconding less this term, and you talked to {worker} when you felt upset.",
    "The assessment of Gran will be finished by the end of October.",
]
CLOSING = (
    "If you are unhappy about anything, you can tell me and I will help.\n\n"
    "Best wishes,\n\nPriya Shah\nIndependent Reviewing Service"
)


def make_letters(count: int, seed: int = 2026) -> list[str]:
    """Return `count` fictional letters of about 400 words, the same every run."""
    rng = random.Random(seed)
    letters = []
    for _ in range(count):
        fill = {
            "carers": rng.choice(CARERS),
            "worker": rng.choice(WORKERS),
            "day": f"Monday {rng.randint(1, 28)} {rng.choice(['March', 'June', 'October'])} 2026",
            "next": f"Friday {rng.randint(1, 28)} {rng.choice(['January', 'April'])} 2027",
        }
        paragraphs = [f"Dear {rng.choice(NAMES)},", rng.choice(OPENINGS).format(**fill)]
        words = 0
        while words < 370:
            sentences = [rng.choice(BODY).format(**fill) for _ in range(rng.randint(2, 4))]
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            words += len(paragraph.split())
        paragraphs.append(CLOSING)
        letters.append("\n\n".join(paragraphs) + "\n")
    return letters


def machine() -> str:
    """Describe this machine in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1500)
    parser.add_argument("--skip-proselint", action="store_true")
    args = parser.parse_args()
    letters = make_letters(args.letters)
    words = sum(len(t.split()) for t in letters)
    print(f"Machine: {machine()}")
    print(f"Letters: {len(letters)}, words: {words:,}")

    start = time.perf_counter()
    from letters.checking.check import Checker, CheckRequest

    checker = Checker()
    requests = [CheckRequest(path=Path(f"letter-{i}.txt"), text=t) for i, t in enumerate(letters)]
    reports = checker.check(requests)
    elapsed = time.perf_counter() - start
    findings = sum(len(r.findings) for r in reports)
    print(
        f"Library, one pass, model load included: {elapsed:.1f} s, "
        f"{words / elapsed:,.0f} words/s, {findings:,} findings"
    )

    letters_bin = Path(sys.executable).with_name("letters")
    with tempfile.TemporaryDirectory() as folder:
        one = Path(folder) / "letter.txt"
        one.write_text(letters[0], encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([str(letters_bin), "check", str(one)], capture_output=True, check=False)
        print(f"One letter, cold `letters check`: {time.perf_counter() - start:.2f} s")
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([str(letters_bin), "--help"], capture_output=True, check=True)
            runs.append(time.perf_counter() - start)
        print(f"`letters --help`: best of 5 {min(runs):.3f} s")

        proselint = shutil.which("proselint") or str(Path(sys.executable).with_name("proselint"))
        if args.skip_proselint or not Path(proselint).exists():
            print("proselint: not installed (pip install proselint to compare)")
            return
        sample = letters[:100]
        paths = []
        for i, text in enumerate(sample):
            path = Path(folder) / f"p{i}.txt"
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        sample_words = sum(len(t.split()) for t in sample)
        start = time.perf_counter()
        subprocess.run([proselint, "check", *paths], capture_output=True, check=False)
        took = time.perf_counter() - start
        print(
            f"proselint on the first {len(sample)} letters: {took:.1f} s, "
            f"{sample_words / took:,.0f} words/s (all {len(letters)} would take about "
            f"{took * len(letters) / len(sample):.0f} s)"
        )


if __name__ == "__main__":
    main()
