"""initial register

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.String(length=160), nullable=False),
        sa.Column("child_ref", sa.String(length=64), nullable=False),
        sa.Column("iro", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("review_number", sa.Integer(), nullable=False),
        sa.Column("review_kind", sa.String(length=40), nullable=False),
        sa.Column("age_band", sa.String(length=16), nullable=False),
        sa.Column("legal_status", sa.String(length=60), nullable=True),
        sa.Column("permanence_plan", sa.String(length=60), nullable=True),
        sa.Column("contingency", sa.String(length=60), nullable=True),
        sa.Column("participation", sa.String(length=8), nullable=True),
        sa.Column("this_review_due", sa.Date(), nullable=True),
        sa.Column("decisions_due", sa.Date(), nullable=False),
        sa.Column("record_due", sa.Date(), nullable=False),
        sa.Column("record_target_due", sa.Date(), nullable=True),
        sa.Column("next_review_due", sa.Date(), nullable=True),
        sa.Column("next_review_planned", sa.Date(), nullable=True),
        sa.Column("decisions_sent", sa.Date(), nullable=True),
        sa.Column("record_sent", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_child_ref"), ["child_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_iro"), ["iro"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_review_date"), ["review_date"], unique=False)

    op.create_table(
        "samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("percent", sa.Float(), nullable=True),
        sa.Column("strata", sa.String(length=200), nullable=False),
        sa.Column("all_second_reviews", sa.Boolean(), nullable=False),
        sa.Column("exclude_recent", sa.Boolean(), nullable=False),
        sa.Column("pseudonymised", sa.Boolean(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("frame", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "kind", "sha256", name="uq_document"),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_review_id"), ["review_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_sha256"), ["sha256"], unique=False)

    op.create_table(
        "sample_items",
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.String(length=160), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("stratum", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
        ),
        sa.ForeignKeyConstraint(["sample_id"], ["samples.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sample_id", "review_id"),
        sa.UniqueConstraint("sample_id", "code", name="uq_sample_code"),
    )
    op.create_table(
        "scores",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.String(length=160), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("criterion", sa.String(length=80), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("source_file", sa.String(length=1000), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["samples.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "reviewer", "criterion", "sample_id", name="uq_score"),
    )
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scores_review_id"), ["review_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scores_sample_id"), ["sample_id"], unique=False)

    op.create_table(
        "letter_checks",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("suggestions", sa.Integer(), nullable=False),
        sa.Column("jargon", sa.Integer(), nullable=False),
        sa.Column("readability_findings", sa.Integer(), nullable=False),
        sa.Column("flesch_reading_ease", sa.Float(), nullable=True),
        sa.Column("flesch_kincaid_grade", sa.Float(), nullable=True),
        sa.Column("reading_age", sa.Float(), nullable=True),
        sa.Column("meets_target", sa.Boolean(), nullable=True),
        sa.Column("plan_explained", sa.Boolean(), nullable=True),
        sa.Column("contingency_explained", sa.Boolean(), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id"),
    )


def downgrade() -> None:
    op.drop_table("letter_checks")
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scores_sample_id"))
        batch_op.drop_index(batch_op.f("ix_scores_review_id"))

    op.drop_table("scores")
    op.drop_table("sample_items")

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_sha256"))
        batch_op.drop_index(batch_op.f("ix_documents_review_id"))

    op.drop_table("documents")
    op.drop_table("samples")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_review_date"))
        batch_op.drop_index(batch_op.f("ix_reviews_iro"))
        batch_op.drop_index(batch_op.f("ix_reviews_child_ref"))

    op.drop_table("reviews")
