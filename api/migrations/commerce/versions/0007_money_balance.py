"""money: capture time, holding period and run checks for the one payable balance

Revision ID: 0007_money_balance
Revises: 0007_sec_findings
Create Date: 2026-11-29 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_money_balance"
down_revision: str | None = "0007_sec_findings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("vendor_orders", sa.Column("captured_at", sa.DateTime(timezone=True)), schema="commerce")
    op.execute("""
        UPDATE commerce.vendor_orders AS vo SET captured_at = p.updated_at
        FROM commerce.payments AS p WHERE p.order_id = vo.order_id AND vo.captured_total > 0
    """)
    op.add_column("vendors", sa.Column("payout_hold_days", sa.Integer(), server_default="0", nullable=False),
                  schema="commerce")
    op.create_check_constraint(op.f("ck_vendors_payout_hold_days_not_negative"), "vendors", "payout_hold_days >= 0",
                               schema="commerce")
    op.add_column("commission_runs",
                  sa.Column("checks_passed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
                  schema="commerce")
    op.add_column("commission_runs",
                  sa.Column("checks", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
                  schema="commerce")
    op.add_column("payouts", sa.Column("batch_id", sa.String(40)), schema="commerce")
    op.create_foreign_key(op.f("fk_payouts_batch_id_payout_batches"), "payouts", "payout_batches", ["batch_id"],
                          ["id"], source_schema="commerce", referent_schema="commerce", ondelete="RESTRICT")
    op.create_unique_constraint(op.f("uq_payouts_one_per_vendor_per_batch"), "payouts",
                                ["batch_id", "vendor_id", "currency_code"], schema="commerce")
    # Runs approved before checks were recorded passed them then (approval refused findings).
    op.execute("UPDATE commerce.commission_runs SET checks_passed = true WHERE status IN ('approved', 'locked')")


def downgrade() -> None:
    op.drop_constraint(op.f("uq_payouts_one_per_vendor_per_batch"), "payouts", schema="commerce")
    op.drop_constraint(op.f("fk_payouts_batch_id_payout_batches"), "payouts", schema="commerce")
    op.drop_column("payouts", "batch_id", schema="commerce")
    op.drop_column("commission_runs", "checks", schema="commerce")
    op.drop_column("commission_runs", "checks_passed", schema="commerce")
    op.drop_constraint(op.f("ck_vendors_payout_hold_days_not_negative"), "vendors", schema="commerce")
    op.drop_column("vendors", "payout_hold_days", schema="commerce")
    op.drop_column("vendor_orders", "captured_at", schema="commerce")
