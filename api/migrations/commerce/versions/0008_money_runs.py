"""money: reopenable commission runs, payout batches that list their runs and skip vendors with a reason

Revision ID: 0008_money_runs
Revises: 0007_money_balance
Create Date: 2026-11-29 06:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_money_runs"
down_revision: str | None = "0007_money_balance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("commission_runs", sa.Column("reopened_at", sa.DateTime(timezone=True)), schema="commerce")
    op.add_column("commission_runs", sa.Column("reopened_by", sa.String(40)), schema="commerce")
    op.add_column("commission_runs", sa.Column("reopen_reason", sa.String(500)), schema="commerce")
    op.add_column("payout_batches",
                  sa.Column("skipped_runs", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
                  schema="commerce")
    op.create_table(
        "payout_batch_runs",
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("batch_id", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["commerce.commission_runs.id"], ondelete="RESTRICT",
                                name=op.f("fk_payout_batch_runs_run_id_commission_runs")),
        sa.ForeignKeyConstraint(["batch_id"], ["commerce.payout_batches.id"], ondelete="RESTRICT",
                                name=op.f("fk_payout_batch_runs_batch_id_payout_batches")),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_payout_batch_runs")),
        schema="commerce",
    )
    op.create_index(op.f("ix_payout_batch_runs_batch_id"), "payout_batch_runs", ["batch_id"], schema="commerce")
    op.execute("""
        INSERT INTO commerce.payout_batch_runs (run_id, batch_id)
        SELECT id, payout_batch_id FROM commerce.commission_runs WHERE payout_batch_id IS NOT NULL
    """)


def downgrade() -> None:
    op.drop_index(op.f("ix_payout_batch_runs_batch_id"), "payout_batch_runs", schema="commerce")
    op.drop_table("payout_batch_runs", schema="commerce")
    op.drop_column("payout_batches", "skipped_runs", schema="commerce")
    op.drop_column("commission_runs", "reopen_reason", schema="commerce")
    op.drop_column("commission_runs", "reopened_by", schema="commerce")
    op.drop_column("commission_runs", "reopened_at", schema="commerce")
