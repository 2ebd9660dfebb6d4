"""Hostile and careless review records: each ends in exit 2 and `file:line: field: message`.

One table, by class of input, runs three ways: through `load_record` (the exact problems),
`letters validate` and `letters draft` (exit 2, the exact message, never a traceback). Then
files that are not files, and a property-based test that feeds random structures and bytes.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from letters.cli import app
from letters.errors import ExitCode, InvalidRecordError
from letters.records import ReviewRecord, load_record

runner = CliRunner()

BASE = """\
child:
  name: Amira Khan
  known_as: Amira
  date_of_birth: 2015-03-14
  legal_status: interim_care_order
  came_into_care: 2026-05-04
  preferred_terms:
    family_time: time with Mum
review:
  date: 2026-08-10
  number: 2
  venue: Sue and Dave's house
  format: hybrid
  chair: iro
  participation: PN1
  iro: {name: Priya Shah, phone: 01632 960301}
  attendees:
    - {name: Amira, role: child, attendance: in_person}
views:
  child: I like living with Sue and Dave.
permanence:
  plan: long_term_fostering
  contingency: special_guardianship
decisions:
  - action: Arrange a dental check-up.
    owner: Carers
    due: 2026-09-30
"""  # an appended line is line 28

LEGAL = (
    "use one of: s20, interim_care_order, care_order, placement_order, "
    "emergency_protection_order, police_protection, remand, other"
)
NOT_RECORD = "is not a review record: it should start with 'child:' and 'review:' sections"
TOO_DEEP = (
    "is nested too deeply (more than 32 levels of lists and 'key: value' lines inside each "
    "other) to be a review record"
)
TAG = "has a YAML tag (a word starting with '!'), which a review record does not use; delete it"
BINARY = "review.yaml: is not a text file (is it a Word or PDF file?)"
SECRET = "hunter2"  # a fictional secret: no message may print it


def edit(old: str, new: str) -> bytes:
    """Return BASE with `old` replaced by `new` (once), as UTF-8."""
    assert old in BASE, old
    return BASE.replace(old, new, 1).encode("utf-8")


def add(text: str) -> bytes:
    """Return BASE with `text` appended (from line 28), as UTF-8."""
    return (BASE + text).encode("utf-8")


def laughs(levels: int, fan: int = 9) -> bytes:
    lines = [f"l0: &l0 [{', '.join(['lol'] * fan)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * fan)}]")
    return add("\n".join(lines) + "\n")


def block_nesting(levels: int) -> bytes:
    return add("".join(f"{'  ' * i}n{i}:\n" for i in range(levels)) + "  " * levels + "x\n")


def alias_chain(levels: int) -> bytes:
    lines = ["c0: &c0 [x]"] + [f"c{i}: &c{i} [*c{i - 1}]" for i in range(1, levels)]
    return add("\n".join(lines) + "\n")


def many(key: str, item: str, count: int) -> str:
    return f"{key}:\n" + "".join(f"  - {item}\n" for _ in range(count))


Case = tuple[str, bytes, list[str]]

DATES: list[Case] = [
    ("date-31-february", edit("date: 2026-08-10", "date: 2026-02-31"),
     ["review.yaml:10: review.date: is not a real date: February 2026 has 28 days"]),
    ("date-29-february-not-leap", edit("due: 2026-09-30", "due: 2027-02-29"),
     ["review.yaml:27: decisions[0].due: is not a real date: February 2027 has 28 days"]),
    ("date-31-april", edit("date_of_birth: 2015-03-14", "date_of_birth: 2015-04-31"),
     ["review.yaml:4: child.date_of_birth: is not a real date: April 2015 has 30 days"]),
    ("date-month-13", edit("came_into_care: 2026-05-04", "came_into_care: 2026-13-04"),
     ["review.yaml:6: child.came_into_care: is not a real date: there is no month 13"]),
    ("date-month-0", edit("came_into_care: 2026-05-04", "came_into_care: 2026-00-04"),
     ["review.yaml:6: child.came_into_care: is not a real date: there is no month 0"]),
    ("date-day-0", edit("came_into_care: 2026-05-04", "came_into_care: 2026-05-00"),
     ["review.yaml:6: child.came_into_care: is not a real date: there is no day 0"]),
    ("date-year-0", edit("came_into_care: 2026-05-04", "came_into_care: 0000-05-04"),
     ["review.yaml:6: child.came_into_care: is not a real date: there is no year 0"]),
    ("date-quoted-31-february", edit("date: 2026-08-10", "date: '2026-02-31'"),
     ["review.yaml:10: review.date: is not a real date: February 2026 has 28 days"]),
    ("date-31-february-with-time", edit("date: 2026-08-10", "date: 2026-02-31 10:00"),
     ["review.yaml:10: review.date: is not a real date: February 2026 has 28 days"]),
    ("date-before-1900", edit("date_of_birth: 2015-03-14", "date_of_birth: 1899-12-31"),
     ["review.yaml:4: child.date_of_birth: 1899-12-31 is not between 1900 and 2100: check the year"]),
    ("date-year-1", edit("due: 2026-09-30", "due: 0001-01-01"),
     ["review.yaml:27: decisions[0].due: 0001-01-01 is not between 1900 and 2100: check the year"]),
    ("date-after-2100", add("next_review: 2101-01-01\n"),
     ["review.yaml:28: next_review: 2101-01-01 is not between 1900 and 2100: check the year"]),
    ("date-year-9999", edit("due: 2026-09-30", "due: 9999-12-31"),
     ["review.yaml:27: decisions[0].due: 9999-12-31 is not between 1900 and 2100: check the year"]),
    ("date-29-february-leap-is-valid", edit("due: 2026-09-30", "due: 2028-02-29"), []),
    ("date-born-1900-is-valid", edit("date_of_birth: 2015-03-14", "date_of_birth: 1900-01-01"), []),
]  # fmt: skip

NUMBERS: list[Case] = [
    ("number-5000-digits", edit("number: 2", "number: " + "9" * 5000),
     ["review.yaml:11: review.number: is too large a number"]),
    ("number-4000-digits", edit("number: 2", "number: " + "9" * 4000),
     ["review.yaml:11: review.number: must be 99 or less"]),
    ("number-5000-digits-as-a-name", edit("name: Amira Khan", "name: " + "7" * 5000),
     ["review.yaml:2: child.name: is too long (5,000 characters; at most 200)"]),
    ("number-5000-digits-as-a-legal-status", edit("legal_status: interim_care_order", "legal_status: " + "7" * 5000),
     [f"review.yaml:5: child.legal_status: this is not allowed here; {LEGAL}"]),
    ("number-100", edit("number: 2", "number: 100"), ["review.yaml:11: review.number: must be 99 or less"]),
    ("number-negative", edit("number: 2", "number: -5"), ["review.yaml:11: review.number: must be 1 or more"]),
    ("number-fraction", edit("number: 2", "number: 2.5"), ["review.yaml:11: review.number: must be a whole number"]),
    ("number-infinity", edit("number: 2", "number: .inf"), ["review.yaml:11: review.number: must be a whole number"]),
    ("number-not-a-number", edit("number: 2", "number: .nan"), ["review.yaml:11: review.number: must be a whole number"]),
    ("number-exponent", edit("number: 2", "number: 1e400"), ["review.yaml:11: review.number: must be a whole number"]),
    ("number-bool-tag-that-is-not", edit("number: 2", "number: !!bool maybe"), ["review.yaml:11: review.number: must be a whole number"]),
]  # fmt: skip

NESTING: list[Case] = [
    ("nesting-5000-lists", add("copy_to: " + "[" * 5000 + "]" * 5000 + "\n"), [f"review.yaml:28: {TOO_DEEP}"]),
    ("nesting-3000-mappings", add("copy_to: " + "{a: " * 3000 + "b" + "}" * 3000 + "\n"), [f"review.yaml:28: {TOO_DEEP}"]),
    ("nesting-40-indented-levels", block_nesting(40), [f"review.yaml:59: {TOO_DEEP}"]),
    ("nesting-40-aliases-deep", alias_chain(40), [f"review.yaml: {TOO_DEEP}"]),
    ("nesting-20-lists-is-read", add("copy_to: " + "[" * 20 + "x" + "]" * 20 + "\n"),
     ["review.yaml:28: copy_to[0]: must be text"]),
]  # fmt: skip

ALIASES: list[Case] = [
    ("alias-billion-laughs", laughs(9),
     ["review.yaml: has anchors ('&') and aliases ('*') that repeat its values more than 50,000 times; write the values out instead"]),
    ("alias-laughs-wide", laughs(3, fan=100),
     ["review.yaml: has anchors ('&') and aliases ('*') that repeat its values more than 50,000 times; write the values out instead"]),
    ("alias-list-inside-itself", add("copy_to: &a [*a]\n"),
     ["review.yaml: has an alias ('*') inside the anchor ('&') it refers to, which never ends; write the values out instead"]),
    ("alias-mapping-inside-itself", add("extra: &a {b: *a}\n"),
     ["review.yaml: has an alias ('*') inside the anchor ('&') it refers to, which never ends; write the values out instead"]),
    ("alias-undefined", add("copy_to: [*nobody]\n"),
     ["review.yaml:28:11: is not valid YAML: an alias ('*') refers to an anchor ('&') that is not defined before it"]),
    ("alias-reused-text-is-valid", edit("venue: Sue and Dave's house", "venue: &home Sue and Dave's house") + b"copy_to: [*home]\n", []),
    ("alias-merge-key-is-valid",
     edit("  - action: Arrange a dental check-up.\n    owner: Carers\n    due: 2026-09-30\n",
          "  - &dental {action: Arrange a dental check-up., owner: Carers, due: 2026-09-30}\n"
          "  - <<: *dental\n    action: Arrange an eye test.\n"), []),
]  # fmt: skip

BINARY_AND_ENCODINGS: list[Case] = [
    ("binary-nul-byte", edit("Amira Khan", "Amira\x00Khan"), [BINARY]),
    ("binary-a-word-file", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U\x80\x8f", [BINARY]),
    ("binary-a-pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\nx\x9c\x03\x00\x00\x00\x00\x01\nendstream\n", [BINARY]),
    ("binary-every-byte", bytes(range(256)) * 4, [BINARY]),
    ("binary-control-characters", bytes(range(1, 32)) * 20, [BINARY]),
    ("binary-utf16-odd-length", BASE.encode("utf-16-le") + b"\n", [BINARY]),
    ("control-vertical-tab", edit("Amira Khan", "Amira\x0bKhan"),
     ["review.yaml: line 2 has a control character (U+000B) that does not belong in text; delete it, or save the file again as plain text"]),
    ("control-escape", edit("Sue and Dave's house", "Sue and Dave's\x1b[31m house"),
     ["review.yaml: line 12 has a control character (U+001B) that does not belong in text; delete it, or save the file again as plain text"]),
    ("control-c1-in-utf8", edit("Amira Khan", "Amira\x90Khan"),
     ["review.yaml: line 2 has a control character (U+0090) that does not belong in text; delete it, or save the file again as plain text"]),
    ("control-not-a-character", edit("Amira Khan", "Amira\ufffeKhan"),
     ["review.yaml: line 2 has a control character (U+FFFE) that does not belong in text; delete it, or save the file again as plain text"]),
    ("control-form-feed", edit("Amira Khan", "Amira\x0cKhan"),
     ["review.yaml:2: has a character YAML does not allow (U+000C); delete it"]),
    ("encoding-windows-1252", BASE.replace("Amira Khan", "Zoë Khan").encode("cp1252"),
     ["review.yaml: is not saved as UTF-8 (line 2 has a character in another encoding, such as Windows-1252); save it again as UTF-8"]),
    ("encoding-damaged-utf16", codecs.BOM_UTF16_LE + "child:".encode("utf-16-le") + b"\x00\xd8",
     ["review.yaml: is damaged UTF-16 text"]),
]  # fmt: skip

KEYS: list[Case] = [
    ("key-a-number", add("1: x\n"), ["review.yaml:28: 1: is not a field of a review record (check the spelling)"]),
    ("key-null", add("~: x\n"), ["review.yaml:28: ~: is not a field of a review record (check the spelling)"]),
    ("key-null-word", add("null: x\n"), ["review.yaml:28: null: is not a field of a review record (check the spelling)"]),
    ("key-yes", add("yes: x\n"), ["review.yaml:28: yes: is not a field of a review record (check the spelling)"]),
    ("key-an-impossible-date", add("2026-02-31: x\n"),
     ["review.yaml:28: 2026-02-31: is not a field of a review record (check the spelling)"]),
    ("key-a-list", add("? [a]\n: x\n"),
     ["review.yaml:28: has a key that is a list or a set of 'key: value' lines; a key is a name, such as 'name:'"]),
    ("key-a-mapping-inside-child", edit("  known_as: Amira\n", "  known_as: Amira\n  ? {a: 1}\n  : x\n"),
     ["review.yaml:4: child: has a key that is a list or a set of 'key: value' lines; a key is a name, such as 'name:'"]),
    ("key-empty", add('"": x\n'), ["review.yaml:28: has a key with no name before ':'"]),
    ("key-300-characters", add("k" * 300 + ": x\n"),
     ["review.yaml:28: has a key of 300 characters; a key is a short name, such as 'name:' (is a ':' in the wrong place?)"]),
    ("key-a-number-in-preferred-terms", edit("    family_time: time with Mum", "    1: time with Mum"),
     ["review.yaml:8: child.preferred_terms.1: '1' is not a name we know here; use one of: family_time, home, carers, mother, father, siblings, social_worker, review, iro"]),
    ("key-twice", edit("  number: 2\n", "  number: 2\n  number: 3\n"),
     ["review.yaml:12: review.number: appears twice (first on line 11)"]),
]  # fmt: skip

SHAPES: list[Case] = [
    ("shape-a-list", b"- child\n- review\n", [f"review.yaml:1: {NOT_RECORD}"]),
    ("shape-a-word", b"hello", [f"review.yaml:1: {NOT_RECORD}"]),
    ("shape-a-number", b"42\n", [f"review.yaml:1: {NOT_RECORD}"]),
    ("shape-null", b"~\n", [f"review.yaml:1: {NOT_RECORD}"]),
    ("shape-only-a-document-start", b"---\n", [f"review.yaml:1: {NOT_RECORD}"]),
    ("shape-two-documents", add("---\n" + BASE),
     ["review.yaml:28:1: is not valid YAML: a second document starts here ('---'); a review record is one document: delete this line and what follows, or split the file"]),
    ("shape-document-start-is-valid", b"---\n" + BASE.encode(), []),
    ("tag-python-object", add("x: !!python/object:os.system {}\n"), [f"review.yaml:28: x: {TAG}"]),
    ("tag-python-name", edit("name: Amira Khan", "name: !!python/name:os.system"), [f"review.yaml:2: child.name: {TAG}"]),
    ("tag-python-apply-top", b"--- !!python/object/apply:os.system [echo]\n", [f"review.yaml:1: {TAG}"]),
    ("tag-binary", edit("name: Amira Khan", "name: !!binary AAAA"), [f"review.yaml:2: child.name: {TAG}"]),
    ("tag-local", edit("venue: Sue and Dave's house", "venue: !secret house"), [f"review.yaml:12: review.venue: {TAG}"]),
    ("tag-set", add("copy_to: !!set {a, b}\n"), [f"review.yaml:28: copy_to: {TAG}"]),
    ("tag-str-on-a-list", add("copy_to: !!str [a]\n"), [f"review.yaml:28: copy_to: {TAG}"]),
    ("tag-str-is-valid", edit("  known_as: Amira\n", "  known_as: Amira\n  record_id: !!str 42\n"), []),
]  # fmt: skip

SYNTAX: list[Case] = [
    ("syntax-apostrophe-in-single-quotes", edit("name: Amira Khan", "name: 'Kayden O'Neill'"),
     ["review.yaml:2:18: is not valid YAML: an apostrophe inside single quotes ends the text early; put the text in double quotes instead, or write the apostrophe twice ('')"]),
    ("syntax-apostrophe-in-a-flow-mapping", edit("{name: Priya Shah,", "{name: 'Priya O'Shah',"),
     ["review.yaml:16:23: is not valid YAML: an apostrophe inside single quotes ends the text early; put the text in double quotes instead, or write the apostrophe twice ('')"]),
    ("syntax-double-quote-in-double-quotes", edit("child: I like living", 'child: "I said "yes" to living'),
     ['review.yaml:20:18: is not valid YAML: a double quote inside double quotes ends the text early; put the text in single quotes instead, or write \\" for each double quote inside it']),
    ("syntax-unclosed-double-quote", edit("name: Amira Khan", 'name: "Amira Khan'),
     ['review.yaml:2:9: is not valid YAML: the quote (") opened here is never closed; close it']),
    ("syntax-unclosed-single-quote", edit("name: Amira Khan", "name: 'Amira Khan"),
     ["review.yaml:2:9: is not valid YAML: the quote (') opened here is not closed on this line, so the text runs on to line 12; close the quote at the end of the text, or put text with an apostrophe in double quotes"]),
    ("syntax-tab", edit("  known_as: Amira", "\tknown_as: Amira"),
     ["review.yaml:3:1: is not valid YAML: a tab is used here; indent with spaces, not tabs"]),
    ("syntax-indented-too-far", edit("  known_as: Amira", "   known_as: Amira"),
     ["review.yaml:3:4: is not valid YAML: wrong indentation: line up 'known_as' with the key above it"]),
    ("syntax-indented-too-little", edit("  known_as: Amira", " known_as: Amira"),
     ["review.yaml:3:2: is not valid YAML: wrong indentation: line up 'known_as' with the key above it"]),
    ("syntax-list-item-indented-too-little", edit("in_person}\n", "in_person}\n   - {name: Sue, role: carer, attendance: in_person}\n"),
     ["review.yaml:19:4: is not valid YAML: wrong indentation: line up this '- ' item with the others in its list"]),
    ("syntax-sub-key-under-a-value", edit("  legal_status: interim_care_order\n", "  legal_status: interim_care_order\n    order: 2026\n"),
     ["review.yaml:6:5: is not valid YAML: wrong indentation: line up 'order' with the key above it"]),
    ("syntax-colon-in-a-value", edit("venue: Sue and Dave's house", "venue: Room 1: the hall"),
     ["review.yaml:12:16: is not valid YAML: this text has ': ' in it; put the whole text in quotes"]),
    ("syntax-missing-colon", edit("  known_as: Amira", "  known_as Amira"),
     ["review.yaml:3:3: is not valid YAML: this line is not a 'key: value' line; add the ':' after the key, or indent text that carries on from the line above"]),
    ("syntax-unclosed-list", edit("  date: 2026-08-10", "  date: [2026-08-10"),
     ["review.yaml:10:9: is not valid YAML: the list opened with '[' here is not closed with ']'"]),
    ("syntax-unclosed-mapping", edit("phone: 01632 960301}", "phone: 01632 960301"),
     ["review.yaml:16:8: is not valid YAML: the '{' opened here is not closed with '}'"]),
    ("syntax-backslash-in-double-quotes", edit("venue: Sue and Dave's house", 'venue: "C:\\Users\\amira"'),
     ["review.yaml:12:13: is not valid YAML: a backslash (\\) in double quotes starts an escape; write \\\\ for a backslash, or put the text in single quotes"]),
    ("syntax-at-sign", edit("venue: Sue and Dave's house", "venue: @home"),
     ["review.yaml:12:10: is not valid YAML: a value cannot start with '@'; put the value in quotes"]),
    ("syntax-star-alone", edit("venue: Sue and Dave's house", "venue: * house"),
     ["review.yaml:12:10: is not valid YAML: '*' and '&' start an alias or an anchor and need a name after them; put text that starts with them in quotes"]),
    ("syntax-anchor-twice", add("a: &x 1\nb: &x 2\n"),
     ["review.yaml:29:4: is not valid YAML: an anchor ('&') of the same name is already on line 28; give each anchor its own name"]),
]  # fmt: skip

LONG_TEXT = "x" * 20_001
LENGTHS: list[Case] = [
    ("length-name-201", edit("name: Amira Khan", "name: " + "A" * 201),
     ["review.yaml:2: child.name: is too long (201 characters; at most 200)"]),
    ("length-name-200-is-valid", edit("name: Amira Khan", "name: " + "A" * 200), []),
    ("length-known-as", edit("known_as: Amira", "known_as: " + "A" * 201),
     ["review.yaml:3: child.known_as: is too long (201 characters; at most 200)"]),
    ("length-record-id", edit("  known_as: Amira\n", "  known_as: Amira\n  record_id: " + "R" * 65 + "\n"),
     ["review.yaml:4: child.record_id: is too long (65 characters; at most 64)"]),
    ("length-iro-name", edit("{name: Priya Shah,", "{name: " + "P" * 201 + ","),
     ["review.yaml:16: review.iro.name: is too long (201 characters; at most 200)"]),
    ("length-iro-team", edit("phone: 01632 960301}", "phone: 01632 960301, team: " + "T" * 201 + "}"),
     ["review.yaml:16: review.iro.team: is too long (201 characters; at most 200)"]),
    ("length-attendee-name", edit("{name: Amira, role", "{name: " + "A" * 300 + ", role"),
     ["review.yaml:18: review.attendees[0].name: is too long (300 characters; at most 200)"]),
    ("length-team-manager", edit("  participation: PN1\n", "  participation: PN1\n  team_manager: " + "M" * 201 + "\n"),
     ["review.yaml:16: review.team_manager: is too long (201 characters; at most 200)"]),
    ("length-venue-900000", edit("venue: Sue and Dave's house", "venue: " + "v" * 900_000),
     ["review.yaml:12: review.venue: is too long (900,000 characters; at most 200)"]),
    ("length-view", edit("child: I like living with Sue and Dave.", "child: " + LONG_TEXT),
     ["review.yaml:20: views.child: is too long (20,001 characters; at most 20,000)"]),
    ("length-view-who", edit("  child: I like", "  " + "c" * 201 + ": I like"),
     ["review.yaml:20: views: has a key of 201 characters; a key is a short name, such as 'name:' (is a ':' in the wrong place?)"]),
    ("length-decision-action", edit("action: Arrange a dental check-up.", "action: " + LONG_TEXT),
     ["review.yaml:25: decisions[0].action: is too long (20,001 characters; at most 20,000)"]),
    ("length-discussion-summary", add(f"discussion:\n  - topic: School\n    summary: {LONG_TEXT}\n"),
     ["review.yaml:30: discussion[0].summary: is too long (20,001 characters; at most 20,000)"]),
    ("length-plan-explained", edit("  plan: long_term_fostering\n", f"  plan: long_term_fostering\n  explanation_for_child: {LONG_TEXT}\n"),
     ["review.yaml:23: permanence.explanation_for_child: is too long (20,001 characters; at most 20,000)"]),
    ("length-201-decisions", edit("decisions:\n  - action: Arrange a dental check-up.\n    owner: Carers\n    due: 2026-09-30\n",
                                  many("decisions", "{action: Book a dentist., owner: Carers, due: 2026-09-30}", 201)),
     ["review.yaml:24: decisions: has too many items (201; at most 200)"]),
    ("length-201-attendees", edit("  attendees:\n    - {name: Amira, role: child, attendance: in_person}\n",
                                  "  " + many("attendees", "{name: Amira, role: child, attendance: in_person}", 201).replace("\n  -", "\n    -")),
     ["review.yaml:17: review.attendees: has too many items (201; at most 200)"]),
    ("length-201-copies", add(many("copy_to", "Jo", 201)), ["review.yaml:28: copy_to: has too many items (201; at most 200)"]),
    ("length-201-views", edit("  child: I like living with Sue and Dave.\n", "".join(f"  person{i}: Hello.\n" for i in range(201))),
     ["review.yaml:19: views: has too many items (201; at most 200)"]),
    ("length-201-avoided-words", edit("  preferred_terms:\n", "  " + many("avoid_terms", "care", 201).replace("\n  -", "\n    -") + "  preferred_terms:\n"),
     ["review.yaml:7: child.avoid_terms: has too many items (201; at most 200)"]),
    ("length-all-text", edit("  child: I like living with Sue and Dave.\n", "".join(f"  p{i:02}: {'w' * 19_990}\n" for i in range(16))),
     ["review.yaml: has too much text (320,039 characters in all; at most 300,000): a review record is usually a few thousand"]),
]  # fmt: skip

PRIVACY: list[Case] = [
    ("privacy-a-password-file", f"root:x:0:0:root:/root:/bin/bash\nsam:{SECRET}:1000:1000::/home/sam:/bin/sh\n".encode(),
     [f"review.yaml:1: {NOT_RECORD}"]),
    ("privacy-a-settings-file", f"password: {SECRET}\n".encode(),
     ["review.yaml:1: child: is missing", "review.yaml:1: review: is missing",
      "review.yaml:1: password: is not a field of a review record (check the spelling)"]),
    ("privacy-syntax-error-in-a-secret", f"note: 'it's {SECRET}'\n".encode(),
     ["review.yaml:1:10: is not valid YAML: an apostrophe inside single quotes ends the text early; put the text in double quotes instead, or write the apostrophe twice ('')"]),
    ("privacy-a-long-value-in-a-choice", edit("legal_status: interim_care_order", f"legal_status: the order made on Monday, password {SECRET}"),
     [f"review.yaml:5: child.legal_status: this is not allowed here; {LEGAL}"]),
    ("privacy-a-long-participation-code", edit("participation: PN1", f"participation: see the notes, password {SECRET}"),
     ["review.yaml:15: review.participation: unknown participation code; use one of PN0, PN1, PN2, PN3, PN4, PN5, PN6, PN7"]),
    ("privacy-csv", f"name,password\nSam,{SECRET}\n".encode(), [f"review.yaml:1: {NOT_RECORD}"]),
]  # fmt: skip

CLASSES: dict[str, list[Case]] = {
    "dates": DATES,
    "numbers": NUMBERS,
    "nesting": NESTING,
    "aliases": ALIASES,
    "binary and encodings": BINARY_AND_ENCODINGS,
    "keys": KEYS,
    "shapes and tags": SHAPES,
    "syntax": SYNTAX,
    "lengths": LENGTHS,
    "privacy": PRIVACY,
}
ALL = [pytest.param(content, expected, id=name) for cases in CLASSES.values()
       for name, content, expected in cases]  # fmt: skip
INVALID = [p for p in ALL if p.values[1]]


def write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "review.yaml"
    path.write_bytes(content)
    return path


def problems_of(path: Path) -> list[str]:
    try:
        load_record(path)
    except InvalidRecordError as exc:
        return [p.describe(path.name) for p in exc.problems]
    return []


@pytest.mark.parametrize(("content", "expected"), ALL)
def test_hostile_record(tmp_path: Path, content: bytes, expected: list[str]) -> None:
    assert problems_of(write(tmp_path, content)) == expected


def cli_error(path: Path, problems: list[str]) -> str:
    count = len(problems)
    head = f"Error: {path}: this review record has {count} problem{'s' if count != 1 else ''}:"
    return "\n".join([head, *(f"  {path.parent}/{p}" for p in problems)]) + "\n"


@pytest.mark.parametrize("command", ["validate", "draft"])
@pytest.mark.parametrize(("content", "expected"), INVALID)
def test_hostile_record_through_the_cli(
    tmp_path: Path, command: str, content: bytes, expected: list[str]
) -> None:
    path = write(tmp_path, content)
    out = tmp_path / "drafts"
    args = [command, str(path)]
    if command == "draft":
        args += ["--out", str(out), "--no-register", "--no-check"]
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert isinstance(result.exception, SystemExit)
    assert result.stderr == cli_error(path, expected)
    assert result.stdout == ""
    assert not out.exists()
    assert SECRET not in result.output


def test_no_message_quotes_a_secret() -> None:
    for _, content, expected in PRIVACY:
        assert SECRET.encode() in content
        assert not any(SECRET in message for message in expected)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        pytest.param(BASE.encode("utf-8-sig"), "Amira Khan", id="utf8-with-bom"),
        pytest.param(BASE.replace("Amira Khan", "Zoë Khan").encode("utf-16"), "Zoë Khan",
                     id="utf16-with-bom"),
        pytest.param(codecs.BOM_UTF16_BE + BASE.encode("utf-16-be"), "Amira Khan",
                     id="utf16-be-with-bom"),
        pytest.param(BASE.replace("Amira Khan", "Zoë Khan").encode("utf-16-le"), "Zoë Khan",
                     id="utf16-le-without-bom"),
        pytest.param(BASE.encode("utf-16-be"), "Amira Khan", id="utf16-be-without-bom"),
        pytest.param(BASE.replace("\n", "\r\n").encode("utf-16-le"), "Amira Khan",
                     id="utf16-windows-lines-without-bom"),
    ],
)  # fmt: skip
def test_utf16_and_bom_records_are_read(tmp_path: Path, content: bytes, name: str) -> None:
    record = load_record(write(tmp_path, content))
    assert record.child.name == name
    assert record.review.date == dt.date(2026, 8, 10)


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "review.yaml"
    os.mkfifo(path)
    return path


def _folder(tmp_path: Path) -> Path:
    path = tmp_path / "review.yaml"
    path.mkdir()
    return path


def _file(content: bytes) -> Callable[[Path], Path]:
    return lambda tmp_path: write(tmp_path, content)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(_file(b""), "is empty", id="empty"),
        pytest.param(_file(b"  \n\n\t\n"), "is empty", id="only-blank-lines"),
        pytest.param(_file(codecs.BOM_UTF8), "is empty", id="only-a-utf8-bom"),
        pytest.param(_file(codecs.BOM_UTF16_LE), "is empty", id="only-a-utf16-bom"),
        pytest.param(lambda tmp_path: tmp_path / "review.yaml", "no such file", id="missing"),
        pytest.param(_folder, "is a folder, not a file", id="a-folder"),
        pytest.param(_fifo, "is not an ordinary file (a pipe or a device?)", id="a-fifo"),
        pytest.param(lambda tmp_path: Path("/dev/zero"), "is not an ordinary file (a pipe or a device?)", id="dev-zero"),
        pytest.param(_file(b"a: " + b"x" * 1_000_001), "is too large (1,000,004 bytes; the limit is 1 MB)", id="over-1-mb"),
        pytest.param(_file(b"a: " + b"x" * 1_500_000), "is too large (1.5 MB; the limit is 1 MB)", id="1-5-mb"),
    ],
)  # fmt: skip
def test_files_that_are_not_records(
    tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(InvalidRecordError) as caught:
        load_record(path)
    assert [p.describe(path) for p in caught.value.problems] == [f"{path}: {message}"]
    result = runner.invoke(app, ["validate", str(path)])
    if path.is_dir():  # the command line refuses a folder before reading anything
        assert result.exit_code == ExitCode.INVALID_INPUT
        assert "is a directory" in result.stderr
        return
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr == (
        f"Error: {path}: this review record has 1 problem:\n  {path}: {message}\n"
    )


def test_the_whole_table_has_every_class() -> None:
    counts = {name: len(cases) for name, cases in CLASSES.items()}
    assert all(count >= 5 for count in counts.values()), counts


# Property-based: random structures, mutations of a valid record and random bytes end in a
# record or a clear problem, never anything else; `letters validate` exits 0 or 2.

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=30)
    | st.dates()
    | st.sampled_from(["PN1", "care_order", "2026-02-31", "01632 960301", "", " "])
)
STRUCTURES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=12) | st.integers() | st.none(), inner, max_size=5)
    ),
    max_leaves=25,
)
GOOD = yaml.safe_load(BASE)
PROFILE = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _loads_or_says_why(path: Path) -> None:
    try:
        record = load_record(path)
    except InvalidRecordError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.describe(path).startswith(str(path))
            assert problem.message
    else:
        assert isinstance(record, ReviewRecord)


def _dump(data: Any) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(data: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    if not path:
        return value if action == "replace" else data
    head, rest = path[0], path[1:]
    copy: Any = dict(data) if isinstance(data, dict) else list(data)
    if rest:
        copy[head] = _mutate(copy[head], rest, action, value)
    elif action == "delete":
        del copy[head]
    elif action == "add" and isinstance(copy, dict):
        copy[f"{head}_extra"] = value
    elif action == "add":
        copy.append(value)
    else:
        copy[head] = value
    return copy


@PROFILE
@given(data=STRUCTURES)
def test_random_structures(tmp_path: Path, data: Any) -> None:
    _loads_or_says_why(write(tmp_path, _dump(data)))


@PROFILE
@given(
    path=st.sampled_from(_paths(GOOD)),
    action=st.sampled_from(["replace", "delete", "add"]),
    value=STRUCTURES,
)
def test_mutations_of_a_valid_record(
    tmp_path: Path, path: tuple[Any, ...], action: str, value: Any
) -> None:
    _loads_or_says_why(write(tmp_path, _dump(_mutate(GOOD, path, action, value))))


@PROFILE
@given(raw=st.binary(max_size=600))
def test_random_bytes(tmp_path: Path, raw: bytes) -> None:
    _loads_or_says_why(write(tmp_path, raw))


@PROFILE
@given(at=st.integers(0, len(BASE)), cut=st.integers(0, 8), text=st.text(max_size=8))
def test_random_edits_of_the_text(tmp_path: Path, at: int, cut: int, text: str) -> None:
    edited = BASE[:at] + text + BASE[at + cut :]
    _loads_or_says_why(write(tmp_path, edited.encode("utf-8", "surrogatepass")))


@settings(PROFILE, max_examples=40)
@given(
    content=st.one_of(
        STRUCTURES.map(_dump),
        st.binary(max_size=300),
        st.tuples(st.sampled_from(_paths(GOOD)), STRUCTURES).map(
            lambda pv: _dump(_mutate(GOOD, pv[0], "replace", pv[1]))
        ),
    )
)
def test_validate_exits_0_or_2(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, content)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code in (ExitCode.OK, ExitCode.INVALID_INPUT), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "Internal error" not in result.output
