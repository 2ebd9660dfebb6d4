"""A council's template is untrusted: known sandbox escapes, path tricks and runaway templates.

Every payload is put into a council's copy of the letter template and drafted through the
command line. Each must end in exit 2 with a message naming the template, no document written,
and nothing run (the payloads that would run a command try to create a canary file).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest
from markupsafe import Markup
from pydantic import BaseModel
from typer.testing import CliRunner

from letters.cli import app
from letters.drafting import sandbox
from letters.drafting.sandbox import plain

from .conftest import SAMPLES

AMIRA = SAMPLES / "amira-second-review.yaml"  # 13: the 11-15 letter
LETTER = "letter_11_to_15.md.j2"
runner = CliRunner()

CANARY = "CANARY_PATH"  # replaced by a path in the test's own folder
RUN = f"touch {CANARY}"

# (id, template source, what the message must contain)
ESCAPES = [
    # The hole that was found: pydantic model methods on the settings in the context.
    ("pydantic-parse-raw-pickle",
     '{% set _ = authority.parse_raw("x", proto="pickle", allow_pickle=True) %}Dear {{ child.name }}',
     "'dict object' has no attribute 'parse_raw'"),
    ("pydantic-parse-file", "{{ authority.parse_file('/etc/passwd') }}",
     "'dict object' has no attribute 'parse_file'"),
    ("pydantic-model-validate-json", "{{ advocacy.model_validate_json('{}') }}",
     "'dict object' has no attribute 'model_validate_json'"),
    ("pydantic-model-fields", "{{ complaints.model_fields }}",
     "'dict object' has no attribute 'model_fields'"),
    ("pydantic-copy", "{{ authority.copy(update={'name': 'x'}) }}",
     "access to attribute 'copy' of 'dict' object is unsafe"),
    ("dataclass-fields", "{{ times.__dataclass_fields__ }}",
     "'dict object' has no attribute '__dataclass_fields__'"),
    ("dataclass-replace", "{{ times.replace(warnings=[]) }}",
     "'dict object' has no attribute 'replace'"),
    # Walks from a value to Python's internals.
    ("class-mro-subclasses", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
     "access to attribute '__class__' of 'str' object is unsafe"),
    ("dict-class", "{{ child.__class__ }}", "access to attribute '__class__' of 'dict' object"),
    ("date-class", "{{ review.date.__class__.__init__ }}", "access to attribute '__class__' of 'date'"),
    ("loop-globals", "{% for x in [1] %}{{ loop.__init__.__globals__ }}{% endfor %}",
     "access to attribute '__init__' of 'LoopContext' object is unsafe"),
    ("self-globals", "{{ self.__init__.__globals__ }}",
     "access to attribute '__init__' of 'TemplateReference' object is unsafe"),
    ("self-context", "{{ self._TemplateReference__context }}",
     "access to attribute '_TemplateReference__context' of 'TemplateReference' object is unsafe"),
    ("macro-func-globals", "{% macro m() %}{% endmacro %}{{ m._func.__globals__ }}",
     "access to attribute '_func' of 'Macro' object is unsafe"),
    ("macro-arguments", "{% macro m() %}{% endmacro %}{{ m.arguments }}",
     "access to attribute 'arguments' of 'Macro' object is unsafe"),
    ("namespace-globals", "{{ namespace.__init__.__globals__ }}",
     "access to attribute '__init__' of 'type' object is unsafe"),
    ("range-self", "{{ range.__self__ }}", "'function object' has no attribute '__self__'"),
    ("joiner-globals", "{{ joiner.__init__.__globals__ }}", "access to attribute '__init__'"),
    ("cycler-removed", f"{{{{ cycler.__init__.__globals__.os.popen('{RUN}').read() }}}}",
     "uses cycler, which the review record does not provide"),
    ("lipsum-removed", f"{{{{ lipsum.__globals__['os'].system('{RUN}') }}}}",
     "uses lipsum, which the review record does not provide"),
    ("flask-config", "{{ config.items() }}", "uses config, which the review record does not provide"),
    ("request-application", "{{ request.application.__globals__ }}", "uses request"),
    ("attr-filter-class", "{{ child|attr('__class__') }}", "access to attribute '__class__'"),
    ("map-attribute-class", "{{ [child]|map(attribute='__class__')|list }}",
     "access to attribute '__class__'"),
    ("sort-attribute-class", "{{ [child, child]|sort(attribute='__class__.__name__') }}",
     "access to attribute '__class__'"),
    # jinja2's published sandbox escapes through str.format and its relatives.
    ("cve-2016-10745-str-format", "{{ '{0.__class__.__init__.__globals__}'.format(child) }}",
     "access to attribute 'format' of 'str' object is unsafe"),
    ("cve-2019-10906-format-map", "{{ '{0.__class__}'.format_map(child) }}",
     "access to attribute 'format_map' of 'str' object is unsafe"),
    ("cve-2024-56326-stored-format",
     "{% set f = '{0.__class__.__init__.__globals__}'.format %}{{ f(child) }}",
     "access to attribute 'format' of 'str' object is unsafe"),
    ("cve-2025-27516-attr-format", "{{ ('{0.__class__}'|attr('format'))(child) }}",
     "access to attribute 'format' of 'str' object is unsafe"),
    ("markup-format", "{{ ('{0.__class__}'|safe).format(child) }}",
     "access to attribute 'format' of 'Markup' object is unsafe"),
    ("markup-html-format", "{{ ('x'|safe).__html_format__ }}", "access to attribute '__html_format__'"),
    ("str-encode", "{{ child.name.encode('utf-16') }}", "access to attribute 'encode' of 'str' object is unsafe"),
    ("str-join-methods", "{{ child.name.join }}", "access to attribute 'join' of 'str' object is unsafe"),
    # Methods that change the context or reach beyond it.
    ("dict-update", "{{ terms.update({'x': 'y'}) }}", "access to attribute 'update' of 'dict' object is unsafe"),
    ("dict-pop", "{{ terms.pop('carers') }}", "access to attribute 'pop' of 'dict' object is unsafe"),
    ("list-append", "{{ decisions.append(1) }}", "access to attribute 'append' of 'list' object is unsafe"),
    ("date-replace", "{{ review.date.replace(year=1) }}", "'date' object"),
    ("date-strftime", "{{ review.date.strftime('%s') }}", "'date' object"),
    ("int-to-bytes", "{{ review.number.to_bytes(8, 'big') }}", "'int' object"),
    ("range-too-big", "{% for i in range(10 ** 9) %}{% endfor %}", "Range too big"),
    ("huge-repeat", "{{ 'x' * 10 ** 10 }}", "a string or list longer than 100,000 characters"),
    ("huge-power", "{{ 10 ** 100000 }}", "a number of more than 10,000 digits"),
    ("macro-recursion", "{% macro r(n) %}{{ r(n) }}{% endmacro %}{{ r(1) }}",
     "calls itself too deeply"),
    ("include-itself", '{% include "letter_11_to_15.md.j2" %}', "calls itself too deeply"),
    # Template names that leave the folder.
    ("include-absolute", '{% include "/etc/passwd" %}', "template name '/etc/passwd' must be a file name inside the folder"),
    ("include-dotdot", '{% include "../../../../etc/passwd" %}', "../../../../etc/passwd"),
    ("include-backslash", '{% include "..\\\\secret.md.j2" %}', "must be a file name inside the folder"),
    ("extends-dotdot", '{% extends "../secret.md.j2" %}', "../secret.md.j2"),
    ("import-absolute", '{% import "/etc/hosts" as h %}', "template name '/etc/hosts' must be a file name"),
    ("from-import-dotdot", '{% from "../secret.md.j2" import x %}', "../secret.md.j2"),
]  # fmt: skip


def _council(tmp_path: Path, source: str | bytes, name: str = LETTER) -> Path:
    """Write a council folder holding `source` as template `name`, and a letters.toml for it."""
    folder = tmp_path / "council"
    folder.mkdir(exist_ok=True)
    if isinstance(source, str):
        source = source.replace(CANARY, str(tmp_path / "canary"))
        (folder / name).write_text(source, encoding="utf-8")
    else:
        (folder / name).write_bytes(source)
    (tmp_path / "secret.md.j2").write_text("SECRET{% set x = 1 %}", encoding="utf-8")
    config = tmp_path / "letters.toml"
    config.write_text('[templates]\nfolder = "council"\n', encoding="utf-8")
    return config


def _draft(tmp_path: Path, config: Path) -> tuple[int, str]:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["draft", str(AMIRA), "--out", str(out), "--config", str(config), "--no-register"]
    )
    assert not out.exists() or list(out.iterdir()) == []
    assert not (tmp_path / "canary").exists()
    assert "SECRET" not in result.output and "root:" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("source", "message"), [p[1:] for p in ESCAPES], ids=[p[0] for p in ESCAPES]
)
def test_escape_payloads_are_refused(tmp_path: Path, source: str, message: str) -> None:
    code, output = _draft(tmp_path, _council(tmp_path, source))
    assert code == 2, output
    assert "template " in output and message in " ".join(output.split()), output
    assert "Traceback" not in output


def test_a_symlink_out_of_the_council_folder_is_refused(tmp_path: Path) -> None:
    config = _council(tmp_path, "Dear {{ child.name }}")
    (tmp_path / "council" / LETTER).unlink()
    (tmp_path / "council" / LETTER).symlink_to(tmp_path / "secret.md.j2")
    code, output = _draft(tmp_path, config)
    assert code == 2
    assert (
        f"template {LETTER} in {tmp_path / 'council'} is a link to a file outside that folder; "
        "copy the file into the folder instead"
    ) in " ".join(output.split())


def test_an_included_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    config = _council(tmp_path, '{% include "part.md.j2" %}')
    (tmp_path / "council" / "part.md.j2").symlink_to("/etc/passwd")
    code, output = _draft(tmp_path, config)
    assert code == 2
    assert "template part.md.j2 in" in output and "is a link to a file outside" in output


def test_a_symlink_inside_the_folder_is_followed(tmp_path: Path) -> None:
    config = _council(tmp_path, "")
    folder = tmp_path / "council"
    (folder / "ours.md.j2").write_text("Dear {{ child.known_as }}, from the council.\n", "utf-8")
    (folder / LETTER).unlink()
    (folder / LETTER).symlink_to(folder / "ours.md.j2")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["draft", str(AMIRA), "--out", str(out), "--config", str(config), "--no-register",
              "--no-check"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "letter.md").read_text("utf-8") == "Dear Amira, from the council.\n"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param(
            b"Dear \xff{{ child.name }}",
            f"template {LETTER} (COUNCIL/{LETTER}) is not UTF-8 text (byte 6); save it as UTF-8 "
            "in your editor",
            id="latin-1",
        ),
        pytest.param(
            "Dear {{ child.name }}".encode("utf-16"),
            f"template {LETTER} (COUNCIL/{LETTER}) is not UTF-8 text (byte 1)",
            id="utf-16",
        ),
        pytest.param(
            b"x" * 1_000_001,
            f"template {LETTER} (COUNCIL/{LETTER}) is too large (1,000,001 bytes; the limit is 1 MB)",
            id="over-1-mb",
        ),
        pytest.param(
            "{% for i in range(20) %}{{ 'x' * 99999 }}{% endfor %}",
            f"template {LETTER} produced more than 1,000,000 characters; check it for a loop "
            "that repeats text",
            id="output-over-limit",
        ),
    ],
)
def test_templates_that_are_not_letters(tmp_path: Path, source: str | bytes, message: str) -> None:
    code, output = _draft(tmp_path, _council(tmp_path, source))
    assert code == 2
    expected = message.replace("COUNCIL", str((tmp_path / "council").resolve()))
    assert expected in " ".join(output.split()), output


def test_a_template_that_is_a_fifo_is_refused_without_reading(tmp_path: Path) -> None:
    config = _council(tmp_path, "")
    (tmp_path / "council" / LETTER).unlink()
    os.mkfifo(tmp_path / "council" / LETTER)
    code, output = _draft(tmp_path, config)
    assert code == 2
    assert "is not an ordinary file (a pipe or a device?)" in output


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param(
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
            f"template {LETTER} took longer than 2 seconds and was stopped; check it for a loop "
            "that never ends",
            id="endless-loop",
        ),
        pytest.param(
            '{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}'
            "{% endfor %}{{ ns.s|length }}",
            f"template {LETTER} needed more than 200 MB of memory and was stopped; check it for "
            "a loop that builds a very long text",
            id="doubling-string",
        ),
        pytest.param(
            "{{ 'x'|center(2 ** 33) }}",
            f"template {LETTER} needed more than 200 MB of memory and was stopped",
            id="huge-filter-width",
        ),
    ],
)
def test_runaway_templates_stop_within_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, message: str
) -> None:
    monkeypatch.setattr(sandbox, "BUDGET_SECONDS", 2)
    monkeypatch.setattr(sandbox, "BUDGET_MEGABYTES", 200)
    started = dt.datetime.now()
    code, output = _draft(tmp_path, _council(tmp_path, source))
    assert code == 2
    assert message in " ".join(output.split()), output
    assert (dt.datetime.now() - started).total_seconds() < 10


def test_council_templates_still_use_the_allowed_helpers(tmp_path: Path) -> None:
    source = (
        '{% import "_permanence.md.j2" as perm %}'
        "{% for key, words in child.preferred_terms.items() %}{{ key|upper }}={{ words }};"
        "{% endfor %}\n"
        "{% for d in decisions %}{{ loop.index }}{{ loop.cycle('a', 'b') }} {% endfor %}\n"
        "{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}"
        "{{ ns.n }} {{ review.date.year }} {{ child.name.split()[0].upper() }} "
        "{{ authority.get('name', 'none') }} {{ dict(a=1)|length }}\n"
    )
    config = _council(tmp_path, source)
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["draft", str(AMIRA), "--out", str(out), "--config", str(config), "--no-register",
              "--no-check"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # trim_blocks joins the lines; md_escape escapes the underscore for Markdown.
    assert (out / "letter.md").read_text("utf-8") == (
        "FAMILY\\_TIME=time with Mum;HOME=my home;CARERS=Sue and Dave;MOTHER=Mum;"
        "REVIEW=my meeting;1a 2b 3a 3 2026 AMIRA the council 1\n"
    )


@dataclasses.dataclass
class _Times:
    due: dt.date
    notes: tuple[str, ...]


class _Section(BaseModel):
    name: str
    phone: str | None = None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            _Section(name="Northshire"), {"name": "Northshire", "phone": None}, id="model"
        ),
        pytest.param(
            _Times(dt.date(2026, 1, 2), ("a",)),
            {"due": dt.date(2026, 1, 2), "notes": ["a"]},
            id="dataclass",
        ),
        pytest.param({"a": (1, 2.5, True)}, {"a": [1, 2.5, True]}, id="tuple-to-list"),
        pytest.param(Path("/tmp/x"), "/tmp/x", id="path-to-text"),
        pytest.param(Markup("<b>"), Markup("<b>"), id="markup-kept"),
    ],
)
def test_plain_turns_objects_into_data(value: object, expected: object) -> None:
    assert plain(value) == expected
    assert type(plain(value)) is type(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param({"f": print}, "context.f: builtin_function_or_method is not plain data", id="function"),
        pytest.param({"m": [os]}, "context.m[0]: module is not plain data", id="module"),
        pytest.param({"c": dict}, "context.c: type is not plain data", id="class"),
        pytest.param({1: "x"}, "context: key 1 is not text", id="number-key"),
        pytest.param({"b": b"x"}, "context.b: bytes is not plain data", id="bytes"),
    ],
)  # fmt: skip
def test_plain_refuses_anything_with_methods(value: object, message: str) -> None:
    with pytest.raises(TypeError) as caught:
        plain(value)
    assert str(caught.value).startswith(message)


def test_jinja2_is_at_a_version_with_the_latest_sandbox_fixes() -> None:
    import jinja2

    assert tuple(int(part) for part in jinja2.__version__.split(".")[:3]) >= (3, 1, 6)
