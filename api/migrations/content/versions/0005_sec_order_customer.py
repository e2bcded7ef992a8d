"""security findings: order records name their customer by id (never matched by email)

Revision ID: 0005_sec_order_customer
Revises: 0006_tenant_rls_content
Create Date: 2026-11-29 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_sec_order_customer"
down_revision: str | None = "0006_tenant_rls_content"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("order_records", sa.Column("customer_id", sa.String(40), nullable=True), schema="content")
    op.create_index(
        op.f("ix_order_records_customer_id"), "order_records", ["customer_id"], unique=False, schema="content"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_order_records_customer_id"), table_name="order_records", schema="content")
    op.drop_column("order_records", "customer_id", schema="content")
