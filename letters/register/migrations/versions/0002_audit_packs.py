"""Audit packs: where a sample's pack was written, and pseudonym keys kept out of packs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("samples") as batch:
        batch.add_column(sa.Column("pack", sa.String(length=1000), nullable=True))
    op.create_table(
        "pseudonyms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.String(length=160), nullable=False),
        sa.Column("real", sa.String(length=300), nullable=False),
        sa.Column("pseudonym", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
        ),
        sa.ForeignKeyConstraint(["sample_id"], ["samples.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pseudonyms_sample_id", "pseudonyms", ["sample_id"])


def downgrade() -> None:
    op.drop_index("ix_pseudonyms_sample_id", table_name="pseudonyms")
    op.drop_table("pseudonyms")
    with op.batch_alter_table("samples") as batch:
        batch.drop_column("pack")
