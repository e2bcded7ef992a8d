"""sync: content links, event receipts, sync cursors

Revision ID: 0006_sync
Revises: 0005_commission_runs
Create Date: 2026-11-25 13:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_sync"
down_revision: str | None = "0005_commission_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "received_events",
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("topic", sa.String(80), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_received_events")),
        schema="commerce",
    )
    op.create_table(
        "sync_cursors",
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("position", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_cursors")),
        schema="commerce",
    )
    op.create_table(
        "content_links",
        sa.Column("entity_type", sa.String(30), nullable=False),
        sa.Column("entity_id", sa.String(40), nullable=False),
        sa.Column("tenant_id", sa.String(40)),
        sa.Column("vendor_id", sa.String(40)),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sync_status", sa.String(10), nullable=False),
        sa.Column("sync_error", sa.String(2000)),
        sa.PrimaryKeyConstraint("entity_type", "entity_id", name=op.f("pk_content_links")),
        schema="commerce",
    )
    op.create_index(op.f("ix_content_links_tenant_id"), "content_links", ["tenant_id"], schema="commerce")
    op.create_index(op.f("ix_content_links_vendor_id"), "content_links", ["vendor_id"], schema="commerce")


def downgrade() -> None:
    op.drop_table("content_links", schema="commerce")
    op.drop_table("sync_cursors", schema="commerce")
    op.drop_table("received_events", schema="commerce")
