"""publish_at: scheduled publishing of pages and blog posts

Revision ID: 0005_publish_at_content
Revises: 0004_sync_content
Create Date: 2026-11-29 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_publish_at_content"
down_revision: str | None = "0004_sync_content"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("pages", "blog_posts")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True), schema="content")
        # The scheduler's tick reads only the (few) rows waiting for their time.
        op.create_index(
            f"ix_{table}_publish_at", table, ["publish_at"], schema="content",
            postgresql_where=sa.text("publish_at IS NOT NULL"),
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_publish_at", table_name=table, schema="content")
        op.drop_column(table, "publish_at", schema="content")
