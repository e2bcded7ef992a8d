"""vendor status reason: why a vendor was rejected or suspended

Revision ID: 0007_vendor_status_reason
Revises: 0006_sync
Create Date: 2026-11-29 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_vendor_status_reason"
down_revision: str | None = "0006_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("vendors", sa.Column("status_reason", sa.String(1000), nullable=True), schema="commerce")


def downgrade() -> None:
    op.drop_column("vendors", "status_reason", schema="commerce")
