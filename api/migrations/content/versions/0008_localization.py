"""localization: per-tenant default and enabled locales; a per-locale translations map on localised content

Revision ID: 0008_localization_content
Revises: 0007_tenant_domains_rls_content
Create Date: 2026-11-29 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_localization_content"
down_revision: str | None = "0007_tenant_domains_rls_content"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("pages", "blog_posts", "product_contents", "categories", "navigation_menus")


def upgrade() -> None:
    op.add_column("tenants", sa.Column("default_locale", sa.String(12), nullable=False, server_default="en"),
                  schema="content")
    op.add_column("tenants", sa.Column("locales", postgresql.ARRAY(sa.String(12)), nullable=False,
                                       server_default=sa.text("'{en}'")), schema="content")
    for table in TABLES:
        # {"de": {"title": "...", ...}}: the values of the locales other than the tenant's default.
        op.add_column(table, sa.Column("translations", postgresql.JSONB(), nullable=False,
                                       server_default=sa.text("'{}'::jsonb")), schema="content")


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "translations", schema="content")
    op.drop_column("tenants", "locales", schema="content")
    op.drop_column("tenants", "default_locale", schema="content")
