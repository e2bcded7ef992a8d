"""marketplace and B2B: companies, quotes, volume pricing, commission rules and lines, payouts

Revision ID: 0004_b2b
Revises: 0003_webhooks
Create Date: 2026-11-25 13:27:50.242797
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_b2b"
down_revision: str | None = "0003_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tax_id", sa.String(length=50), nullable=False),
        sa.Column("billing_address", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("shipping_address", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=False),
        sa.Column("credit_limit", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("credit_limit >= 0", name=op.f("ck_companies_credit_limit_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        schema="commerce",
    )
    op.create_index(op.f("ix_companies_status"), "companies", ["status"], unique=False, schema="commerce")
    op.create_table(
        "commission_rules",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("vendor_id", sa.String(length=40), nullable=True),
        sa.Column("category_id", sa.String(length=40), nullable=True),
        sa.Column("rate", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("fixed_fees", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(scope = 'platform' AND vendor_id IS NULL AND category_id IS NULL) OR (scope = 'vendor' AND vendor_id IS NOT NULL AND category_id IS NULL) OR (scope = 'category' AND vendor_id IS NULL AND category_id IS NOT NULL)",
            name=op.f("ck_commission_rules_scope_target"),
        ),
        sa.CheckConstraint("rate >= 0 AND rate <= 1", name=op.f("ck_commission_rules_rate_in_range")),
        sa.CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name=op.f("ck_commission_rules_valid_window")),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["commerce.vendors.id"],
            name=op.f("fk_commission_rules_vendor_id_vendors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_rules")),
        schema="commerce",
    )
    op.create_index(
        op.f("ix_commission_rules_category_id"), "commission_rules", ["category_id"], unique=False, schema="commerce"
    )
    op.create_index(op.f("ix_commission_rules_scope"), "commission_rules", ["scope"], unique=False, schema="commerce")
    op.create_index(
        op.f("ix_commission_rules_vendor_id"), "commission_rules", ["vendor_id"], unique=False, schema="commerce"
    )
    op.create_table(
        "payouts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("vendor_id", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency_code", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=True),
        sa.Column("provider_reference", sa.String(length=200), nullable=True),
        sa.Column("failure_reason", sa.String(length=500), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("requested_by", sa.String(length=40), nullable=True),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payouts_amount_positive")),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["commerce.vendors.id"], name=op.f("fk_payouts_vendor_id_vendors"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
        schema="commerce",
    )
    op.create_index(op.f("ix_payouts_created_at"), "payouts", ["created_at"], unique=False, schema="commerce")
    op.create_index(op.f("ix_payouts_status"), "payouts", ["status"], unique=False, schema="commerce")
    op.create_index(op.f("ix_payouts_vendor_id"), "payouts", ["vendor_id"], unique=False, schema="commerce")
    op.create_table(
        "company_employees",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("company_id", sa.String(length=40), nullable=False),
        sa.Column("spending_limit", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "spending_limit IS NULL OR spending_limit >= 0", name=op.f("ck_company_employees_limit_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["commerce.companies.id"],
            name=op.f("fk_company_employees_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["commerce.users.id"], name=op.f("fk_company_employees_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_company_employees")),
        schema="commerce",
    )
    op.create_index(
        op.f("ix_company_employees_company_id"), "company_employees", ["company_id"], unique=False, schema="commerce"
    )
    op.create_table(
        "quotes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("company_id", sa.String(length=40), nullable=True),
        sa.Column("region_id", sa.String(length=40), nullable=False),
        sa.Column("currency_code", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("response_message", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_by", sa.String(length=40), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cart_id", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["cart_id"], ["commerce.carts.id"], name=op.f("fk_quotes_cart_id_carts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["commerce.companies.id"], name=op.f("fk_quotes_company_id_companies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["commerce.users.id"], name=op.f("fk_quotes_customer_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["commerce.regions.id"], name=op.f("fk_quotes_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        schema="commerce",
    )
    op.create_index(op.f("ix_quotes_company_id"), "quotes", ["company_id"], unique=False, schema="commerce")
    op.create_index(op.f("ix_quotes_created_at"), "quotes", ["created_at"], unique=False, schema="commerce")
    op.create_index(op.f("ix_quotes_customer_id"), "quotes", ["customer_id"], unique=False, schema="commerce")
    op.create_index(op.f("ix_quotes_status"), "quotes", ["status"], unique=False, schema="commerce")
    op.create_table(
        "volume_tiers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("variant_id", sa.String(length=40), nullable=False),
        sa.Column("currency_code", sa.String(length=3), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("max_quantity", sa.Integer(), nullable=True),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "max_quantity IS NULL OR max_quantity >= min_quantity", name=op.f("ck_volume_tiers_range_ordered")
        ),
        sa.CheckConstraint("min_quantity >= 1", name=op.f("ck_volume_tiers_min_quantity_positive")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_volume_tiers_unit_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["commerce.product_variants.id"],
            name=op.f("fk_volume_tiers_variant_id_product_variants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_tiers")),
        schema="commerce",
    )
    op.create_index(
        "ix_volume_tiers_variant_currency",
        "volume_tiers",
        ["variant_id", "currency_code", "min_quantity"],
        unique=False,
        schema="commerce",
    )
    op.create_table(
        "company_approvals",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("company_id", sa.String(length=40), nullable=False),
        sa.Column("cart_id", sa.String(length=40), nullable=False),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency_code", sa.String(length=3), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("payment_method", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["cart_id"], ["commerce.carts.id"], name=op.f("fk_company_approvals_cart_id_carts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["commerce.companies.id"],
            name=op.f("fk_company_approvals_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["commerce.orders.id"], name=op.f("fk_company_approvals_order_id_orders"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["commerce.users.id"],
            name=op.f("fk_company_approvals_requested_by_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_approvals")),
        schema="commerce",
    )
    op.create_index(
        op.f("ix_company_approvals_cart_id"), "company_approvals", ["cart_id"], unique=False, schema="commerce"
    )
    op.create_index(
        op.f("ix_company_approvals_company_id"), "company_approvals", ["company_id"], unique=False, schema="commerce"
    )
    op.create_index(
        op.f("ix_company_approvals_status"), "company_approvals", ["status"], unique=False, schema="commerce"
    )
    op.create_table(
        "quote_items",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("quote_id", sa.String(length=40), nullable=False),
        sa.Column("variant_id", sa.String(length=40), nullable=False),
        sa.Column("vendor_id", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_quote_items_quantity_positive")),
        sa.CheckConstraint(
            "unit_price IS NULL OR unit_price >= 0", name=op.f("ck_quote_items_unit_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["commerce.quotes.id"], name=op.f("fk_quote_items_quote_id_quotes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["commerce.product_variants.id"],
            name=op.f("fk_quote_items_variant_id_product_variants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["commerce.vendors.id"], name=op.f("fk_quote_items_vendor_id_vendors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_items")),
        schema="commerce",
    )
    op.create_index(op.f("ix_quote_items_quote_id"), "quote_items", ["quote_id"], unique=False, schema="commerce")
    op.create_index(op.f("ix_quote_items_vendor_id"), "quote_items", ["vendor_id"], unique=False, schema="commerce")
    op.create_table(
        "commission_lines",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("vendor_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("vendor_order_id", sa.String(length=40), nullable=False),
        sa.Column("order_line_item_id", sa.String(length=40), nullable=False),
        sa.Column("refund_id", sa.String(length=40), nullable=True),
        sa.Column("rule_id", sa.String(length=40), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=False),
        sa.Column("gross_amount", sa.BigInteger(), nullable=False),
        sa.Column("base_amount", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("fixed_fee", sa.BigInteger(), nullable=False),
        sa.Column("commission_amount", sa.BigInteger(), nullable=False),
        sa.Column("vendor_amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "gross_amount = commission_amount + vendor_amount", name=op.f("ck_commission_lines_gross_splits")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["commerce.orders.id"], name=op.f("fk_commission_lines_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["order_line_item_id"],
            ["commerce.order_line_items.id"],
            name=op.f("fk_commission_lines_order_line_item_id_order_line_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["commerce.refunds.id"],
            name=op.f("fk_commission_lines_refund_id_refunds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["commerce.commission_rules.id"],
            name=op.f("fk_commission_lines_rule_id_commission_rules"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["commerce.vendors.id"],
            name=op.f("fk_commission_lines_vendor_id_vendors"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_order_id"],
            ["commerce.vendor_orders.id"],
            name=op.f("fk_commission_lines_vendor_order_id_vendor_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_lines")),
        schema="commerce",
    )
    op.create_index(
        op.f("ix_commission_lines_order_id"), "commission_lines", ["order_id"], unique=False, schema="commerce"
    )
    op.create_index(
        op.f("ix_commission_lines_order_line_item_id"),
        "commission_lines",
        ["order_line_item_id"],
        unique=False,
        schema="commerce",
    )
    op.create_index(op.f("ix_commission_lines_type"), "commission_lines", ["type"], unique=False, schema="commerce")
    op.create_index(
        "ix_commission_lines_vendor_created",
        "commission_lines",
        ["vendor_id", "created_at"],
        unique=False,
        schema="commerce",
    )
    op.create_index(
        op.f("ix_commission_lines_vendor_order_id"),
        "commission_lines",
        ["vendor_order_id"],
        unique=False,
        schema="commerce",
    )
    op.add_column("cart_line_items", sa.Column("quote_id", sa.String(length=40), nullable=True), schema="commerce")
    op.create_index(
        op.f("ix_cart_line_items_quote_id"), "cart_line_items", ["quote_id"], unique=False, schema="commerce"
    )
    op.create_foreign_key(
        op.f("fk_cart_line_items_quote_id_quotes"),
        "cart_line_items",
        "quotes",
        ["quote_id"],
        ["id"],
        source_schema="commerce",
        referent_schema="commerce",
        ondelete="SET NULL",
    )
    op.add_column("orders", sa.Column("company_id", sa.String(length=40), nullable=True), schema="commerce")
    op.create_index(op.f("ix_orders_company_id"), "orders", ["company_id"], unique=False, schema="commerce")
    op.create_foreign_key(
        op.f("fk_orders_company_id_companies"),
        "orders",
        "companies",
        ["company_id"],
        ["id"],
        source_schema="commerce",
        referent_schema="commerce",
        ondelete="SET NULL",
    )
    op.add_column("vendors", sa.Column("stripe_account_id", sa.String(length=255), nullable=True), schema="commerce")


def downgrade() -> None:
    op.drop_column("vendors", "stripe_account_id", schema="commerce")
    op.drop_constraint(op.f("fk_orders_company_id_companies"), "orders", schema="commerce", type_="foreignkey")
    op.drop_index(op.f("ix_orders_company_id"), table_name="orders", schema="commerce")
    op.drop_column("orders", "company_id", schema="commerce")
    op.drop_constraint(
        op.f("fk_cart_line_items_quote_id_quotes"), "cart_line_items", schema="commerce", type_="foreignkey"
    )
    op.drop_index(op.f("ix_cart_line_items_quote_id"), table_name="cart_line_items", schema="commerce")
    op.drop_column("cart_line_items", "quote_id", schema="commerce")
    op.drop_index(op.f("ix_commission_lines_vendor_order_id"), table_name="commission_lines", schema="commerce")
    op.drop_index("ix_commission_lines_vendor_created", table_name="commission_lines", schema="commerce")
    op.drop_index(op.f("ix_commission_lines_type"), table_name="commission_lines", schema="commerce")
    op.drop_index(op.f("ix_commission_lines_order_line_item_id"), table_name="commission_lines", schema="commerce")
    op.drop_index(op.f("ix_commission_lines_order_id"), table_name="commission_lines", schema="commerce")
    op.drop_table("commission_lines", schema="commerce")
    op.drop_index(op.f("ix_quote_items_vendor_id"), table_name="quote_items", schema="commerce")
    op.drop_index(op.f("ix_quote_items_quote_id"), table_name="quote_items", schema="commerce")
    op.drop_table("quote_items", schema="commerce")
    op.drop_index(op.f("ix_company_approvals_status"), table_name="company_approvals", schema="commerce")
    op.drop_index(op.f("ix_company_approvals_company_id"), table_name="company_approvals", schema="commerce")
    op.drop_index(op.f("ix_company_approvals_cart_id"), table_name="company_approvals", schema="commerce")
    op.drop_table("company_approvals", schema="commerce")
    op.drop_index("ix_volume_tiers_variant_currency", table_name="volume_tiers", schema="commerce")
    op.drop_table("volume_tiers", schema="commerce")
    op.drop_index(op.f("ix_quotes_status"), table_name="quotes", schema="commerce")
    op.drop_index(op.f("ix_quotes_customer_id"), table_name="quotes", schema="commerce")
    op.drop_index(op.f("ix_quotes_created_at"), table_name="quotes", schema="commerce")
    op.drop_index(op.f("ix_quotes_company_id"), table_name="quotes", schema="commerce")
    op.drop_table("quotes", schema="commerce")
    op.drop_index(op.f("ix_company_employees_company_id"), table_name="company_employees", schema="commerce")
    op.drop_table("company_employees", schema="commerce")
    op.drop_index(op.f("ix_payouts_vendor_id"), table_name="payouts", schema="commerce")
    op.drop_index(op.f("ix_payouts_status"), table_name="payouts", schema="commerce")
    op.drop_index(op.f("ix_payouts_created_at"), table_name="payouts", schema="commerce")
    op.drop_table("payouts", schema="commerce")
    op.drop_index(op.f("ix_commission_rules_vendor_id"), table_name="commission_rules", schema="commerce")
    op.drop_index(op.f("ix_commission_rules_scope"), table_name="commission_rules", schema="commerce")
    op.drop_index(op.f("ix_commission_rules_category_id"), table_name="commission_rules", schema="commerce")
    op.drop_table("commission_rules", schema="commerce")
    op.drop_index(op.f("ix_companies_status"), table_name="companies", schema="commerce")
    op.drop_table("companies", schema="commerce")
