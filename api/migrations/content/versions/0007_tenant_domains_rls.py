"""tenant domains rls: the domain claims table is tenant-scoped like the rest of the content store

Revision ID: 0007_tenant_domains_rls_content
Revises: 0006_sec_tenant_domains
Create Date: 2026-11-29 08:30:00
"""

from collections.abc import Sequence

from alembic import op

from api.db_roles import disable_rls_sql, enable_rls_sql, own_tenant_rule, public_content_rule

revision: str = "0007_tenant_domains_rls_content"
down_revision: str | None = "0006_sec_tenant_domains"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The tenants trigger writes the claims as the acting role: a vendor writes only its own tenants' domains.
    for statement in enable_rls_sql("content.tenant_domains", own_tenant_rule(), public_content_rule()):
        op.execute(statement)


def downgrade() -> None:
    for statement in disable_rls_sql("content.tenant_domains"):
        op.execute(statement)
