"""read indexes: pages by slug across tenants (`where[slug][equals]`, the public pages read)

The unique indexes on pages lead with tenant_id (or hold platform pages only), so `slug = ?` without a
tenant scanned every page: at 30,000 pages (5,000 tenants) a seq scan removing 25,504 rows; on ix_pages_slug
a bitmap index scan of the matching rows. docs/PERFORMANCE.md has the plans.

Revision ID: 0009_read_indexes_content
Revises: 0008_cache_publish_content
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_read_indexes_content"
down_revision: str | None = "0008_cache_publish_content"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_pages_slug", "pages", ["slug"], schema="content")


def downgrade() -> None:
    op.drop_index("ix_pages_slug", table_name="pages", schema="content")
