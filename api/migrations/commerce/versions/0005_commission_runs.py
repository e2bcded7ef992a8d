"""commission runs and payout batches

Revision ID: 0005_commission_runs
Revises: 0004_b2b
Create Date: 2026-11-25 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_commission_runs"
down_revision: str | None = "0004_b2b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commission_runs",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("totals", postgresql.JSONB(), nullable=False),
        sa.Column("findings", postgresql.JSONB(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("finding_count", sa.Integer(), nullable=False),
        sa.Column("dagster_run_id", sa.String(64)),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("approved_by", sa.String(40)),
        sa.Column("locked_at", sa.DateTime(timezone=True)),
        sa.Column("payout_batch_id", sa.String(40)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_commission_runs_period_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_runs")),
        sa.UniqueConstraint("period_start", "period_end", name=op.f("uq_commission_runs_period_start_period_end")),
        schema="commerce",
    )
    op.create_index(op.f("ix_commission_runs_status"), "commission_runs", ["status"], schema="commerce")
    op.create_index(
        op.f("ix_commission_runs_payout_batch_id"), "commission_runs", ["payout_batch_id"], schema="commerce"
    )
    op.create_table(
        "payout_batches",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("run_ids", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("items", postgresql.JSONB(), nullable=False),
        sa.Column("minimum_amount", sa.BigInteger(), nullable=False),
        sa.Column("dagster_run_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("approved_by", sa.String(40)),
        sa.Column("paid_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_batches")),
        schema="commerce",
    )
    op.create_index(op.f("ix_payout_batches_status"), "payout_batches", ["status"], schema="commerce")


def downgrade() -> None:
    op.drop_table("payout_batches", schema="commerce")
    op.drop_table("commission_runs", schema="commerce")
