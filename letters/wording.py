"""How the letters word things: dates, ordinals, labels, Markdown-safe text and periods."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from .errors import TemplateProblem, UsageProblem

_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<|~])")
_LINE_START = re.compile(r"^(\s*)(#|>|[-+]\s)")
_NUMBERED = re.compile(r"^(\s*\d+)([.)])")


def md_escape(value: Any) -> str:
    """Escape text from a record so Markdown shows it exactly as written, on one line."""
    if value is None:
        raise TemplateProblem(
            "a template printed an empty value (None); guard optional fields with {% if %}"
        )
    if isinstance(value, Markup):  # a macro's output, marked |safe by the template
        return str(value)
    if isinstance(value, bool | int | float):
        return str(value)
    text = " ".join(str(value).split())
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _NUMBERED.sub(r"\1\\\2", text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def long_date(value: dt.date) -> str:
    """Format a date as 'Monday 10 August 2026'."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def short_date(value: dt.date) -> str:
    """Format a date as '10 August 2026'."""
    return f"{value.day} {value:%B %Y}"


def cap(value: str) -> str:
    """Capitalise the first letter only ('your meeting' -> 'Your meeting')."""
    return value[:1].upper() + value[1:]


def ordinal(number: int) -> str:
    """Return 'first', 'second' ... 'tenth', then '11th' and so on."""
    words = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth"]  # fmt: skip
    if 1 <= number <= len(words):
        return words[number - 1]
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def label(value: str) -> str:
    """Turn a key such as 'emotional_wellbeing' into 'Emotional wellbeing'."""
    return cap(value.replace("_", " "))


def period_dates(period: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day of '2026', '2026-H1', '2026-Q3' or '2026-09'."""
    text = period.strip().upper().replace(" ", "")
    try:
        if len(text) == 4:
            year = int(text)
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        year_text, part = text[:4], text[4:].lstrip("-")
        year = int(year_text)
        if part.startswith("Q") and part[1:] in ("1", "2", "3", "4"):
            first = 3 * (int(part[1:]) - 1) + 1
            start = dt.date(year, first, 1)
            return start, start + relativedelta(months=3) - dt.timedelta(days=1)
        if part in ("H1", "H2"):
            start = dt.date(year, 1 if part == "H1" else 7, 1)
            return start, start + relativedelta(months=6) - dt.timedelta(days=1)
        month = int(part)
        start = dt.date(year, month, 1)
        return start, start + relativedelta(months=1) - dt.timedelta(days=1)
    except ValueError:
        pass
    raise UsageProblem(
        f"--period '{period}': write a year (2026), a half (2026-H1), a quarter (2026-Q3) "
        "or a month (2026-09)"
    )
