"""How long a runaway council template runs before the sandbox stops it (target: within 10 s).

    .venv/bin/python benchmarks/runaway_template.py

Drafts the Amira sample with a council letter template that loops for ever, one that doubles
a string until memory runs out, and the built-in templates, with the default budget, and
prints the wall-clock time and the message for each.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from letters.config import Settings, TemplateSettings
from letters.drafting.draft import make_draft
from letters.errors import TemplateProblem
from letters.records import load_record

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "endless loop": "{% for i in range(100000) %}{% for j in range(100000) %}"
    "{% endfor %}{% endfor %}",
    "doubling string": '{% set ns = namespace(s="x") %}{% for i in range(60) %}'
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "ordinary letter": "Dear {{ child.known_as }},\n\nThank you for coming to your review.\n",
}


def main() -> int:
    record = load_record(ROOT / "samples" / "amira-second-review.yaml")
    for name, source in CASES.items():
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "letter_11_to_15.md.j2").write_text(source, encoding="utf-8")
            settings = Settings(templates=TemplateSettings(folder=Path(folder)))
            started = time.perf_counter()
            try:
                make_draft(record, settings)
                outcome = "rendered"
            except TemplateProblem as exc:
                outcome = str(exc)
            print(f"{name:16} {time.perf_counter() - started:6.2f} s  {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
