"""money: commission terms frozen at the sale; effective-dated rule versions that never overlap (exclusion)

Revision ID: 0009_money_terms
Revises: 0008_money_runs
Create Date: 2026-11-29 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009_money_terms"
down_revision: str | None = "0008_money_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPE_KEY = "scope || ':' || coalesce(vendor_id, '') || ':' || coalesce(category_id, '')"
VALIDITY = "tstzrange(valid_from, valid_to, '[)')"


def upgrade() -> None:
    op.add_column("commission_rules", sa.Column("scope_key", sa.String(100), sa.Computed(SCOPE_KEY, persisted=True),
                                                nullable=False), schema="commerce")
    op.add_column("commission_rules", sa.Column("previous_version_id", sa.String(40)), schema="commerce")
    op.create_foreign_key(op.f("fk_commission_rules_previous_version_id_commission_rules"), "commission_rules",
                          "commission_rules", ["previous_version_id"], ["id"], source_schema="commerce",
                          referent_schema="commerce", ondelete="RESTRICT")
    # Two versions of one target (the platform, a vendor, a category) never overlap in time. With btree_gist
    # (PostgreSQL's contrib) the key is compared with `=`; the embedded server (pgserver) ships no contrib, so
    # there the key is compared as a one-point range of its 64-bit hash (a hash collision could only refuse).
    has_btree_gist = op.get_bind().execute(
        sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'btree_gist'")).scalar()
    if has_btree_gist:
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        key = "scope_key WITH ="
    else:
        key = "int8range(hashtextextended(scope_key, 0), hashtextextended(scope_key, 0), '[]') WITH &&"
    op.execute(f"""ALTER TABLE commerce.commission_rules ADD CONSTRAINT xc_commission_rules_no_overlap
                   EXCLUDE USING gist ({key}, {VALIDITY} WITH &&)""")
    # A rule version a sale used cannot be deleted.
    op.drop_constraint("fk_commission_lines_rule_id_commission_rules", "commission_lines", schema="commerce")
    op.create_foreign_key(op.f("fk_commission_lines_rule_id_commission_rules"), "commission_lines",
                          "commission_rules", ["rule_id"], ["id"], source_schema="commerce",
                          referent_schema="commerce", ondelete="RESTRICT")
    op.add_column("commission_lines", sa.Column("categories", postgresql.ARRAY(sa.String(40)),
                                                server_default=sa.text("'{}'"), nullable=False), schema="commerce")
    op.execute("""
        UPDATE commerce.commission_lines AS cl SET categories = coalesce((
            SELECT array_agg(pc.category_id ORDER BY pc.category_id) FROM commerce.order_line_items AS l
            JOIN commerce.product_categories AS pc ON pc.product_id = l.product_id
            WHERE l.id = cl.order_line_item_id), '{}')
    """)
    # Only a category assignment an admin made or approved counts for commission.
    op.add_column("product_categories", sa.Column("approved", sa.Boolean(), server_default=sa.text("true"),
                                                  nullable=False), schema="commerce")


def downgrade() -> None:
    op.drop_column("product_categories", "approved", schema="commerce")
    op.drop_column("commission_lines", "categories", schema="commerce")
    op.drop_constraint(op.f("fk_commission_lines_rule_id_commission_rules"), "commission_lines", schema="commerce")
    op.create_foreign_key(op.f("fk_commission_lines_rule_id_commission_rules"), "commission_lines",
                          "commission_rules", ["rule_id"], ["id"], source_schema="commerce",
                          referent_schema="commerce", ondelete="SET NULL")
    op.execute("ALTER TABLE commerce.commission_rules DROP CONSTRAINT xc_commission_rules_no_overlap")
    op.drop_constraint(op.f("fk_commission_rules_previous_version_id_commission_rules"), "commission_rules",
                       schema="commerce")
    op.drop_column("commission_rules", "previous_version_id", schema="commerce")
    op.drop_column("commission_rules", "scope_key", schema="commerce")
