"""Accuracy on the labelled passages: precision and recall per rule pack, at least 0.9 each."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from letters.checking.check import Checker, CheckRequest
from letters.records import load_record

from .conftest import SAMPLES

PASSAGES = Path(__file__).parent / "labelled" / "passages.yaml"
PACKS = ("child_friendly", "plain_english", "permanence", "preferred_terms")
FLOOR = 0.9


def scored(rule: str) -> bool:
    """Return whether a finding is one the labelled set scores (word findings, not whole-letter)."""
    return (
        rule.split(".")[0] in PACKS
        and not rule.endswith("_not_used")
        and rule
        not in (
            "permanence.plan_explained",
            "permanence.contingency_explained",
        )
    )


@cache
def results() -> list[tuple[dict[str, Any], Counter[tuple[str, str]]]]:
    items = yaml.safe_load(PASSAGES.read_text(encoding="utf-8"))
    requests = [
        CheckRequest(
            path=Path(item["id"]),
            text=item["text"] + "\n",
            record=load_record(SAMPLES / f"{item['record']}.yaml") if item.get("record") else None,
        )
        for item in items
    ]
    reports = Checker().check(requests)
    return [
        (item, Counter((f.rule, f.text.lower()) for f in r.findings if scored(f.rule) and f.text))
        for item, r in zip(items, reports, strict=True)
    ]


def test_the_set_is_big_enough_and_has_traps() -> None:
    items = [item for item, _ in results()]
    assert len(items) >= 60
    assert len({item["id"] for item in items}) == len(items)
    assert sum(1 for item in items if not item["expect"]) >= 20
    for pack in PACKS:
        assert sum(1 for i in items if any(e["rule"].startswith(pack) for e in i["expect"])) >= 8


@pytest.mark.parametrize("pack", PACKS)
def test_precision_and_recall(pack: str) -> None:
    true_pos = false_pos = false_neg = 0
    wrong: list[str] = []
    for item, got in results():
        want = Counter(
            (e["rule"], e["text"].lower()) for e in item["expect"] if e["rule"].startswith(pack)
        )
        mine = Counter({k: v for k, v in got.items() if k[0].startswith(pack)})
        true_pos += sum((want & mine).values())
        extra, missing = mine - want, want - mine
        false_pos += sum(extra.values())
        false_neg += sum(missing.values())
        if extra or missing:
            wrong.append(f"{item['id']}: extra {sorted(extra)}, missing {sorted(missing)}")
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0
    print(f"{pack}: precision {precision:.3f}, recall {recall:.3f} ({true_pos} found)")
    assert precision >= FLOOR and recall >= FLOOR, "\n".join(wrong)
