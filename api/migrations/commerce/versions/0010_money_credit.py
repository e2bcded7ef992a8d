"""money: company orders over the credit limit wait for the platform

Revision ID: 0010_money_credit
Revises: 0008_tenant_rls
Create Date: 2026-11-29 07:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_money_credit"
down_revision: str | None = "0008_tenant_rls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("company_approvals", sa.Column("needs_platform", sa.Boolean(), server_default=sa.text("false"),
                                                 nullable=False), schema="commerce")
    op.execute("""UPDATE commerce.company_approvals SET needs_platform = true
                  WHERE status = 'pending' AND reasons::text LIKE '%remaining credit%'""")


def downgrade() -> None:
    op.drop_column("company_approvals", "needs_platform", schema="commerce")
