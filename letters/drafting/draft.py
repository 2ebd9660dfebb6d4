"""Draft the letter, minutes and decisions for one review record."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..docx_out import markdown_to_docx
from ..output import write_files, writing
from ..records import ReviewRecord, age_band
from ..timescales import Timescales, compute
from .render import Rendered, render_all

DOCUMENTS = ("letter", "minutes", "decisions")


@dataclass(frozen=True)
class Draft:
    """Everything drafted for one review, before it is written anywhere."""

    record: ReviewRecord
    times: Timescales
    documents: dict[str, Rendered]
    docx: dict[str, bytes]

    @property
    def age_band(self) -> str:
        """Return the age band whose letter template was used."""
        return age_band(self.record.age)

    def files(self, folder: Path) -> dict[Path, bytes]:
        """Return each output file's path in `folder` and its content."""
        out: dict[Path, bytes] = {}
        for name in DOCUMENTS:
            out[folder / f"{name}.docx"] = self.docx[name]
            out[folder / f"{name}.md"] = self.documents[name].text.encode("utf-8")
        return out


def timescales_for(record: ReviewRecord, settings: Settings) -> Timescales:
    """Compute the review's timescales with the service's local settings."""
    local = settings.timescales
    return compute(
        record,
        record_target_days=local.record_target_working_days,
        decisions_days=local.decisions_working_days,
        record_days=local.record_working_days,
    )


def make_draft(record: ReviewRecord, settings: Settings) -> Draft:
    """Render every document for `record` in memory; nothing is written."""
    times = timescales_for(record, settings)
    documents = render_all(record, settings, times)
    letterhead = settings.templates.letterhead
    docx = {name: markdown_to_docx(doc.text, letterhead) for name, doc in documents.items()}
    return Draft(record, times, documents, docx)


def write_draft(draft: Draft, folder: Path, force: bool = False) -> list[Path]:
    """Write the drafted documents into `folder` as .docx and .md, all or nothing."""
    return write_files(draft.files(folder), force=force)


@contextlib.contextmanager
def writing_draft(draft: Draft, folder: Path, force: bool = False) -> Iterator[list[Path]]:
    """Write the drafted documents, and take them back if the block inside raises."""
    with writing(draft.files(folder), force=force) as written:
        yield written
