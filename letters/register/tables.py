"""The register's tables: reviews, their documents and checks, samples, pseudonyms, scores."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """The declarative base of every register table."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Review(Base):
    """One Child in Care review: who, when, the plan, and the timescales it set."""

    __tablename__ = "reviews"

    id: Mapped[str] = mapped_column(String(160), primary_key=True)  # stable review id
    child_ref: Mapped[str] = mapped_column(String(64), index=True)  # record id, never a name
    iro: Mapped[str] = mapped_column(String(200), index=True)
    team: Mapped[str | None] = mapped_column(String(200))
    review_date: Mapped[dt.date] = mapped_column(Date, index=True)
    review_number: Mapped[int] = mapped_column(Integer)
    review_kind: Mapped[str] = mapped_column(String(40), default="statutory")
    age_band: Mapped[str] = mapped_column(String(16))
    legal_status: Mapped[str | None] = mapped_column(String(60))
    permanence_plan: Mapped[str | None] = mapped_column(String(60))
    contingency: Mapped[str | None] = mapped_column(String(60))
    participation: Mapped[str | None] = mapped_column(String(8))
    this_review_due: Mapped[dt.date | None] = mapped_column(Date)
    decisions_due: Mapped[dt.date] = mapped_column(Date)
    record_due: Mapped[dt.date] = mapped_column(Date)
    record_target_due: Mapped[dt.date | None] = mapped_column(Date)
    next_review_due: Mapped[dt.date | None] = mapped_column(Date)
    next_review_planned: Mapped[dt.date | None] = mapped_column(Date)
    decisions_sent: Mapped[dt.date | None] = mapped_column(Date)
    record_sent: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))  # draft | import
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    documents: Mapped[list[Document]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="Document.id"
    )


class Document(Base):
    """A file drafted or imported for a review: the letter, the minutes or the decisions."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("review_id", "kind", "sha256", name="uq_document"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # letter | minutes | decisions
    path: Mapped[str] = mapped_column(String(1000))
    # The folder the file was drafted into or imported from; the path must stay inside it.
    # None in registers made before version 0004 of the schema.
    folder: Mapped[str | None] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    review: Mapped[Review] = relationship(back_populates="documents")
    check: Mapped[LetterCheck | None] = relationship(
        back_populates="document", cascade="all, delete-orphan", uselist=False
    )


class LetterCheck(Base):
    """What the automatic check found in a letter when it was registered."""

    __tablename__ = "letter_checks"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    errors: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer)
    suggestions: Mapped[int] = mapped_column(Integer)
    jargon: Mapped[int] = mapped_column(Integer)  # child_friendly and permanence word findings
    readability_findings: Mapped[int] = mapped_column(Integer)
    flesch_reading_ease: Mapped[float | None] = mapped_column(Float)
    flesch_kincaid_grade: Mapped[float | None] = mapped_column(Float)
    reading_age: Mapped[float | None] = mapped_column(Float)
    meets_target: Mapped[bool | None] = mapped_column(Boolean)
    plan_explained: Mapped[bool | None] = mapped_column(Boolean)
    contingency_explained: Mapped[bool | None] = mapped_column(Boolean)
    model: Mapped[str] = mapped_column(String(200))
    findings: Mapped[str] = mapped_column(Text)  # JSON, as `letters check --format json`

    document: Mapped[Document] = relationship(back_populates="check")


class Sample(Base):
    """A dip-sample: how it was drawn (seed, frame, strata), so anyone can draw it again."""

    __tablename__ = "samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    size: Mapped[int | None] = mapped_column(Integer)
    percent: Mapped[float | None] = mapped_column(Float)
    strata: Mapped[str] = mapped_column(String(200))  # comma-separated: iro,review_number
    all_second_reviews: Mapped[bool] = mapped_column(Boolean, default=False)
    exclude_recent: Mapped[bool] = mapped_column(Boolean, default=False)
    pseudonymised: Mapped[bool] = mapped_column(Boolean, default=False)
    seed: Mapped[int] = mapped_column(BigInteger)
    frame: Mapped[str] = mapped_column(Text)  # JSON list of the review ids in the period
    excluded: Mapped[str | None] = mapped_column(Text)  # JSON: left out as sampled last period
    pack: Mapped[str | None] = mapped_column(String(1000))

    items: Mapped[list[SampleItem]] = relationship(
        back_populates="sample", cascade="all, delete-orphan", order_by="SampleItem.code"
    )


class SampleItem(Base):
    """One letter in a sample, with the code reviewers know it by."""

    __tablename__ = "sample_items"
    __table_args__ = (UniqueConstraint("sample_id", "code", name="uq_sample_code"),)

    sample_id: Mapped[int] = mapped_column(
        ForeignKey("samples.id", ondelete="CASCADE"), primary_key=True
    )
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40))  # e.g. S3-007
    stratum: Mapped[str] = mapped_column(String(1000))

    sample: Mapped[Sample] = relationship(back_populates="items")
    review: Mapped[Review] = relationship()


class Pseudonym(Base):
    """The key to a pseudonymised pack: kept here, never in the pack."""

    __tablename__ = "pseudonyms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"))
    real: Mapped[str] = mapped_column(String(300))
    pseudonym: Mapped[str] = mapped_column(String(100))


class Score(Base):
    """One reviewer's score of one letter against one audit criterion."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("review_id", "reviewer", "criterion", "sample_id", name="uq_score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"), index=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    criterion: Mapped[str] = mapped_column(String(80))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    source_file: Mapped[str] = mapped_column(String(1000))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
