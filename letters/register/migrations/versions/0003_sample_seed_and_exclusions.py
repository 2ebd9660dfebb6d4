"""Samples: seeds of any size, the letters left out as sampled last period, longer strata

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("samples") as batch:
        batch.alter_column("seed", type_=sa.BigInteger(), existing_type=sa.Integer())
        batch.add_column(sa.Column("excluded", sa.Text(), nullable=True))
    with op.batch_alter_table("sample_items") as batch:
        batch.alter_column(
            "stratum", type_=sa.String(length=1000), existing_type=sa.String(length=300)
        )


def downgrade() -> None:
    with op.batch_alter_table("sample_items") as batch:
        batch.alter_column(
            "stratum", type_=sa.String(length=300), existing_type=sa.String(length=1000)
        )
    with op.batch_alter_table("samples") as batch:
        batch.drop_column("excluded")
        batch.alter_column("seed", type_=sa.Integer(), existing_type=sa.BigInteger())
