"""security findings: a domain belongs to one tenant at most (content.tenant_domains, kept by a trigger)

Revision ID: 0006_sec_tenant_domains
Revises: 0005_sec_order_customer
Create Date: 2026-11-29 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_sec_tenant_domains"
down_revision: str | None = "0005_sec_order_customer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_domains",
        sa.Column("domain", sa.String(253), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["content.tenants.id"], name=op.f("fk_tenant_domains_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_tenant_domains")),
        schema="content",
    )
    op.create_index(op.f("ix_tenant_domains_tenant_id"), "tenant_domains", ["tenant_id"], schema="content")
    # Existing claims: the oldest tenant keeps a contested domain, later ones lose it.
    op.execute(
        """
        INSERT INTO content.tenant_domains (domain, tenant_id)
        SELECT lower(d), t.id FROM content.tenants t, unnest(t.domains) AS d
        ORDER BY t.created_at, t.id
        ON CONFLICT (domain) DO NOTHING
        """
    )
    op.execute(
        """
        UPDATE content.tenants t SET domains = coalesce(
            (SELECT array_agg(d.domain ORDER BY d.domain) FROM content.tenant_domains d WHERE d.tenant_id = t.id),
            '{}')
        WHERE cardinality(t.domains) > 0
        """
    )
    # Every writer (API, sync, seed) goes through the tenants row; the primary key above refuses a clash.
    op.execute(
        """
        CREATE FUNCTION content.sync_tenant_domains() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM content.tenant_domains WHERE tenant_id = NEW.id;
            INSERT INTO content.tenant_domains (domain, tenant_id)
            SELECT DISTINCT lower(d), NEW.id FROM unnest(NEW.domains) AS d;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER tenants_domains_sync AFTER INSERT OR UPDATE OF domains ON content.tenants
        FOR EACH ROW EXECUTE FUNCTION content.sync_tenant_domains()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER tenants_domains_sync ON content.tenants")
    op.execute("DROP FUNCTION content.sync_tenant_domains()")
    op.drop_index(op.f("ix_tenant_domains_tenant_id"), table_name="tenant_domains", schema="content")
    op.drop_table("tenant_domains", schema="content")
