"""sync: applied source versions, tenant sync fields, event receipts, sync cursors

Revision ID: 0004_sync_content
Revises: 0003_outbox_dispatch
Create Date: 2026-11-25 13:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_sync_content"
down_revision: str | None = "0003_outbox_dispatch"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYNCED_TABLES = ("product_contents", "order_records", "tenants")


def upgrade() -> None:
    for table in SYNCED_TABLES:
        op.add_column(
            table, sa.Column("source_version", sa.BigInteger(), server_default="0", nullable=False), schema="content"
        )
    op.add_column("tenants", sa.Column("synced_at", sa.DateTime(timezone=True)), schema="content")
    op.add_column(
        "tenants", sa.Column("sync_status", sa.String(10), server_default="pending", nullable=False), schema="content"
    )
    op.add_column("tenants", sa.Column("sync_error", sa.String(2000)), schema="content")
    op.create_index(op.f("ix_tenants_sync_status"), "tenants", ["sync_status"], schema="content")
    op.create_table(
        "received_events",
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("topic", sa.String(80), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_received_events")),
        schema="content",
    )
    op.create_table(
        "sync_cursors",
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("position", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_cursors")),
        schema="content",
    )


def downgrade() -> None:
    op.drop_table("sync_cursors", schema="content")
    op.drop_table("received_events", schema="content")
    op.drop_index(op.f("ix_tenants_sync_status"), table_name="tenants", schema="content")
    for column in ("sync_error", "sync_status", "synced_at"):
        op.drop_column("tenants", column, schema="content")
    for table in SYNCED_TABLES:
        op.drop_column(table, "source_version", schema="content")
