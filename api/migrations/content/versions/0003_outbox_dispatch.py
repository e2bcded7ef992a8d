"""outbox dispatch marker

Revision ID: 0003_outbox_dispatch
Revises: c350e094cf08
Create Date: 2026-11-25 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_outbox_dispatch"
down_revision: str | None = "c350e094cf08"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox_events", sa.Column("dispatched_at", sa.DateTime(timezone=True)), schema="content")
    op.create_index(
        "ix_outbox_events_undispatched",
        "outbox_events",
        ["position"],
        schema="content",
        postgresql_where=sa.text("dispatched_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_events_undispatched", table_name="outbox_events", schema="content")
    op.drop_column("outbox_events", "dispatched_at", schema="content")
