"""tenant rls: row-level security on every vendor- and company-scoped commerce table

Revision ID: 0008_tenant_rls
Revises: 0007_app_role
Create Date: 2026-11-29 06:50:00
"""

from collections.abc import Sequence

from alembic import op

from api.db_roles import VENDOR, company_rule, disable_rls_sql, enable_rls_sql, vendor_rule

revision: str = "0008_tenant_rls"
down_revision: str | None = "0007_app_role"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A vendor acts on whole orders and quotes it takes part in (fulfilling its part settles the order from
# every part and may capture the whole payment; a vendor may answer a quote only when every item is its
# own): it sees the other parts of those, and nothing of orders and quotes without it. These functions
# read past RLS (SECURITY DEFINER, as the owner), so a policy can name its own table.
FUNCTIONS = [
    """CREATE FUNCTION commerce.rls_orders_of_vendor(vendor text) RETURNS SETOF text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
        AS $$ SELECT order_id FROM commerce.vendor_orders WHERE vendor_id = vendor $$""",
    """CREATE FUNCTION commerce.rls_quotes_of_vendor(vendor text) RETURNS SETOF text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
        AS $$ SELECT quote_id FROM commerce.quote_items WHERE vendor_id = vendor $$""",
]

VENDOR_TABLES = [
    "products",
    "shipping_options",
    "cart_shipping_methods",
    "commission_lines",
    "commission_rules",
    "payouts",
    "content_links",
]
COMPANY_TABLES = ["company_approvals", "company_employees", "orders", "quotes"]
RULES: dict[str, str] = {
    **{table: vendor_rule() for table in VENDOR_TABLES},
    **{table: company_rule() for table in COMPANY_TABLES},
    "vendor_orders": f"({vendor_rule()} OR order_id IN (SELECT commerce.rls_orders_of_vendor({VENDOR})))",
    "quote_items": f"({vendor_rule()} OR quote_id IN (SELECT commerce.rls_quotes_of_vendor({VENDOR})))",
    "users": f"({vendor_rule()} AND {company_rule()})",
}


def upgrade() -> None:
    for statement in FUNCTIONS:
        op.execute(statement)
    for table, rule in RULES.items():
        for statement in enable_rls_sql(f"commerce.{table}", rule):
            op.execute(statement)


def downgrade() -> None:
    for table in RULES:
        for statement in disable_rls_sql(f"commerce.{table}"):
            op.execute(statement)
    op.execute("DROP FUNCTION commerce.rls_quotes_of_vendor(text)")
    op.execute("DROP FUNCTION commerce.rls_orders_of_vendor(text)")
