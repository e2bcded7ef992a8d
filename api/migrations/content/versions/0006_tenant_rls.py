"""tenant rls: row-level security on every tenant-scoped content table

Revision ID: 0006_tenant_rls_content
Revises: 0005_app_role_content
Create Date: 2026-11-29 06:50:00
"""

from collections.abc import Sequence

from alembic import op

from api.db_roles import disable_rls_sql, enable_rls_sql, own_tenant_rule, public_content_rule, vendor_rule

revision: str = "0006_tenant_rls_content"
down_revision: str | None = "0005_app_role_content"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLISHED = "status = 'published'"
# table -> (what the acting vendor may read and write, what it may read besides: the shoppers' view)
RULES: dict[str, tuple[str, str]] = {
    "tenants": (vendor_rule(), "status = 'active'"),
    "pages": (own_tenant_rule(), public_content_rule(published=PUBLISHED)),
    "blog_posts": (own_tenant_rule(), public_content_rule(published=PUBLISHED)),
    "product_contents": (f"({own_tenant_rule()} AND {vendor_rule()})", public_content_rule(published=PUBLISHED)),
    "media": (own_tenant_rule(), public_content_rule()),
    "navigation_menus": (own_tenant_rule(), public_content_rule()),
}


def upgrade() -> None:
    for table, (rule, read_rule) in RULES.items():
        for statement in enable_rls_sql(f"content.{table}", rule, read_rule):
            op.execute(statement)


def downgrade() -> None:
    for table in RULES:
        for statement in disable_rls_sql(f"content.{table}"):
            op.execute(statement)
