"""commerce engine: vendors, regions, catalog, inventory, customers, carts, orders, payments

Revision ID: 36b717d61855
Revises: a869b1ff2042
Create Date: 2026-11-25 12:51:51.759100
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '36b717d61855'
down_revision: str | None = 'a869b1ff2042'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('regions',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('currency_code', sa.String(length=3), nullable=False),
    sa.Column('tax_rate', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('countries', postgresql.ARRAY(sa.String(length=2)), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regions')),
    schema='commerce'
    )
    op.create_table('stripe_webhook_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_webhook_events')),
    schema='commerce'
    )
    op.create_table('vendors',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('commission_rate', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('default_currency', sa.String(length=3), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendors')),
    sa.UniqueConstraint('slug', name=op.f('uq_vendors_slug')),
    schema='commerce'
    )
    op.create_index(op.f('ix_vendors_status'), 'vendors', ['status'], unique=False, schema='commerce')
    op.create_table('carts',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('region_id', sa.String(length=40), nullable=False),
    sa.Column('currency_code', sa.String(length=3), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('shipping_address', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['commerce.users.id'], name=op.f('fk_carts_customer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['commerce.regions.id'], name=op.f('fk_carts_region_id_regions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carts')),
    schema='commerce'
    )
    op.create_index(op.f('ix_carts_customer_id'), 'carts', ['customer_id'], unique=False, schema='commerce')
    op.create_index(op.f('ix_carts_region_id'), 'carts', ['region_id'], unique=False, schema='commerce')
    op.create_table('customer_addresses',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=True),
    sa.Column('address_1', sa.String(length=300), nullable=False),
    sa.Column('address_2', sa.String(length=300), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('postal_code', sa.String(length=20), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=True),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['commerce.users.id'], name=op.f('fk_customer_addresses_customer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_addresses')),
    schema='commerce'
    )
    op.create_index(op.f('ix_customer_addresses_customer_id'), 'customer_addresses', ['customer_id'], unique=False, schema='commerce')
    op.create_table('products',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('vendor_id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('handle', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('thumbnail', sa.String(length=2000), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['vendor_id'], ['commerce.vendors.id'], name=op.f('fk_products_vendor_id_vendors'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('handle', name=op.f('uq_products_handle')),
    schema='commerce'
    )
    op.create_index('ix_products_status_created_at', 'products', ['status', 'created_at'], unique=False, schema='commerce')
    op.create_index(op.f('ix_products_title'), 'products', ['title'], unique=False, schema='commerce')
    op.create_index(op.f('ix_products_vendor_id'), 'products', ['vendor_id'], unique=False, schema='commerce')
    op.create_table('shipping_options',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('vendor_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prices', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['vendor_id'], ['commerce.vendors.id'], name=op.f('fk_shipping_options_vendor_id_vendors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipping_options')),
    schema='commerce'
    )
    op.create_index(op.f('ix_shipping_options_vendor_id'), 'shipping_options', ['vendor_id'], unique=False, schema='commerce')
    op.create_table('cart_shipping_methods',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('cart_id', sa.String(length=40), nullable=False),
    sa.Column('vendor_id', sa.String(length=40), nullable=False),
    sa.Column('shipping_option_id', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['cart_id'], ['commerce.carts.id'], name=op.f('fk_cart_shipping_methods_cart_id_carts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shipping_option_id'], ['commerce.shipping_options.id'], name=op.f('fk_cart_shipping_methods_shipping_option_id_shipping_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vendor_id'], ['commerce.vendors.id'], name=op.f('fk_cart_shipping_methods_vendor_id_vendors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart_shipping_methods')),
    sa.UniqueConstraint('cart_id', 'vendor_id', name=op.f('uq_cart_shipping_methods_cart_id_vendor_id')),
    schema='commerce'
    )
    op.create_table('orders',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('display_id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('cart_id', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('region_id', sa.String(length=40), nullable=False),
    sa.Column('currency_code', sa.String(length=3), nullable=False),
    sa.Column('tax_rate', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('payment_status', sa.String(length=30), nullable=False),
    sa.Column('fulfillment_status', sa.String(length=30), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('shipping_total', sa.BigInteger(), nullable=False),
    sa.Column('tax_total', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('shipping_address', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('canceled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['cart_id'], ['commerce.carts.id'], name=op.f('fk_orders_cart_id_carts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['customer_id'], ['commerce.users.id'], name=op.f('fk_orders_customer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['commerce.regions.id'], name=op.f('fk_orders_region_id_regions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('cart_id', name=op.f('uq_orders_cart_id')),
    sa.UniqueConstraint('display_id', name=op.f('uq_orders_display_id')),
    schema='commerce'
    )
    op.create_index(op.f('ix_orders_created_at'), 'orders', ['created_at'], unique=False, schema='commerce')
    op.create_index(op.f('ix_orders_customer_id'), 'orders', ['customer_id'], unique=False, schema='commerce')
    op.create_index(op.f('ix_orders_status'), 'orders', ['status'], unique=False, schema='commerce')
    op.create_table('product_categories',
    sa.Column('product_id', sa.String(length=40), nullable=False),
    sa.Column('category_id', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['commerce.products.id'], name=op.f('fk_product_categories_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', 'category_id', name=op.f('pk_product_categories')),
    schema='commerce'
    )
    op.create_index(op.f('ix_product_categories_category_id'), 'product_categories', ['category_id'], unique=False, schema='commerce')
    op.create_table('product_images',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('product_id', sa.String(length=40), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['commerce.products.id'], name=op.f('fk_product_images_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_images')),
    schema='commerce'
    )
    op.create_index(op.f('ix_product_images_product_id'), 'product_images', ['product_id'], unique=False, schema='commerce')
    op.create_table('product_options',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('product_id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('values', postgresql.ARRAY(sa.String(length=100)), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['commerce.products.id'], name=op.f('fk_product_options_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_options')),
    sa.UniqueConstraint('product_id', 'title', name=op.f('uq_product_options_product_id_title')),
    schema='commerce'
    )
    op.create_index(op.f('ix_product_options_product_id'), 'product_options', ['product_id'], unique=False, schema='commerce')
    op.create_table('product_variants',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('product_id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('sku', sa.String(length=100), nullable=False),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['commerce.products.id'], name=op.f('fk_product_variants_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_variants')),
    sa.UniqueConstraint('sku', name=op.f('uq_product_variants_sku')),
    schema='commerce'
    )
    op.create_index(op.f('ix_product_variants_product_id'), 'product_variants', ['product_id'], unique=False, schema='commerce')
    op.create_table('cart_line_items',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('cart_id', sa.String(length=40), nullable=False),
    sa.Column('variant_id', sa.String(length=40), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_cart_line_items_quantity_positive')),
    sa.ForeignKeyConstraint(['cart_id'], ['commerce.carts.id'], name=op.f('fk_cart_line_items_cart_id_carts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['commerce.product_variants.id'], name=op.f('fk_cart_line_items_variant_id_product_variants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart_line_items')),
    sa.UniqueConstraint('cart_id', 'variant_id', name=op.f('uq_cart_line_items_cart_id_variant_id')),
    schema='commerce'
    )
    op.create_index(op.f('ix_cart_line_items_variant_id'), 'cart_line_items', ['variant_id'], unique=False, schema='commerce')
    op.create_table('inventory_levels',
    sa.Column('variant_id', sa.String(length=40), nullable=False),
    sa.Column('stocked_quantity', sa.Integer(), nullable=False),
    sa.Column('reserved_quantity', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('reserved_quantity <= stocked_quantity', name=op.f('ck_inventory_levels_reserved_within_stock')),
    sa.CheckConstraint('reserved_quantity >= 0', name=op.f('ck_inventory_levels_reserved_not_negative')),
    sa.CheckConstraint('stocked_quantity >= 0', name=op.f('ck_inventory_levels_stocked_not_negative')),
    sa.ForeignKeyConstraint(['variant_id'], ['commerce.product_variants.id'], name=op.f('fk_inventory_levels_variant_id_product_variants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('variant_id', name=op.f('pk_inventory_levels')),
    schema='commerce'
    )
    op.create_table('payments',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('provider_reference', sa.String(length=200), nullable=False),
    sa.Column('currency_code', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('captured_amount', sa.BigInteger(), nullable=False),
    sa.Column('refunded_amount', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['commerce.orders.id'], name=op.f('fk_payments_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('order_id', name=op.f('uq_payments_order_id')),
    schema='commerce'
    )
    op.create_index(op.f('ix_payments_provider_reference'), 'payments', ['provider_reference'], unique=False, schema='commerce')
    op.create_table('variant_prices',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('variant_id', sa.String(length=40), nullable=False),
    sa.Column('currency_code', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_variant_prices_amount_not_negative')),
    sa.ForeignKeyConstraint(['variant_id'], ['commerce.product_variants.id'], name=op.f('fk_variant_prices_variant_id_product_variants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_variant_prices')),
    sa.UniqueConstraint('variant_id', 'currency_code', name=op.f('uq_variant_prices_variant_id_currency_code')),
    schema='commerce'
    )
    op.create_index('ix_variant_prices_currency_code_amount', 'variant_prices', ['currency_code', 'amount'], unique=False, schema='commerce')
    op.create_table('vendor_orders',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('vendor_id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('shipping_total', sa.BigInteger(), nullable=False),
    sa.Column('tax_total', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('captured_total', sa.BigInteger(), nullable=False),
    sa.Column('refunded_total', sa.BigInteger(), nullable=False),
    sa.Column('commission_rate', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('shipping_option_id', sa.String(length=40), nullable=True),
    sa.Column('shipping_method_name', sa.String(length=200), nullable=True),
    sa.Column('carrier', sa.String(length=100), nullable=True),
    sa.Column('tracking_number', sa.String(length=200), nullable=True),
    sa.Column('fulfilled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('canceled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['commerce.orders.id'], name=op.f('fk_vendor_orders_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vendor_id'], ['commerce.vendors.id'], name=op.f('fk_vendor_orders_vendor_id_vendors'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendor_orders')),
    schema='commerce'
    )
    op.create_index(op.f('ix_vendor_orders_order_id'), 'vendor_orders', ['order_id'], unique=False, schema='commerce')
    op.create_index(op.f('ix_vendor_orders_vendor_id'), 'vendor_orders', ['vendor_id'], unique=False, schema='commerce')
    op.create_table('inventory_reservations',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('variant_id', sa.String(length=40), nullable=False),
    sa.Column('vendor_order_id', sa.String(length=40), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['variant_id'], ['commerce.product_variants.id'], name=op.f('fk_inventory_reservations_variant_id_product_variants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['commerce.vendor_orders.id'], name=op.f('fk_inventory_reservations_vendor_order_id_vendor_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_reservations')),
    schema='commerce'
    )
    op.create_index(op.f('ix_inventory_reservations_variant_id'), 'inventory_reservations', ['variant_id'], unique=False, schema='commerce')
    op.create_index(op.f('ix_inventory_reservations_vendor_order_id'), 'inventory_reservations', ['vendor_order_id'], unique=False, schema='commerce')
    op.create_table('order_line_items',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('vendor_order_id', sa.String(length=40), nullable=False),
    sa.Column('variant_id', sa.String(length=40), nullable=True),
    sa.Column('product_id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('variant_title', sa.String(length=300), nullable=False),
    sa.Column('sku', sa.String(length=100), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['variant_id'], ['commerce.product_variants.id'], name=op.f('fk_order_line_items_variant_id_product_variants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['commerce.vendor_orders.id'], name=op.f('fk_order_line_items_vendor_order_id_vendor_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_line_items')),
    schema='commerce'
    )
    op.create_index(op.f('ix_order_line_items_variant_id'), 'order_line_items', ['variant_id'], unique=False, schema='commerce')
    op.create_index(op.f('ix_order_line_items_vendor_order_id'), 'order_line_items', ['vendor_order_id'], unique=False, schema='commerce')
    op.create_table('refunds',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('vendor_order_id', sa.String(length=40), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('allocations', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('provider_reference', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['commerce.orders.id'], name=op.f('fk_refunds_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['commerce.vendor_orders.id'], name=op.f('fk_refunds_vendor_order_id_vendor_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    schema='commerce'
    )
    op.create_index(op.f('ix_refunds_order_id'), 'refunds', ['order_id'], unique=False, schema='commerce')
    # A vendor user works for an existing vendor.
    op.create_foreign_key(
        op.f('fk_users_vendor_id_vendors'), 'users', 'vendors', ['vendor_id'], ['id'],
        source_schema='commerce', referent_schema='commerce', ondelete='RESTRICT',
    )


def downgrade() -> None:
    op.drop_constraint(op.f('fk_users_vendor_id_vendors'), 'users', schema='commerce', type_='foreignkey')
    op.drop_index(op.f('ix_refunds_order_id'), table_name='refunds', schema='commerce')
    op.drop_table('refunds', schema='commerce')
    op.drop_index(op.f('ix_order_line_items_vendor_order_id'), table_name='order_line_items', schema='commerce')
    op.drop_index(op.f('ix_order_line_items_variant_id'), table_name='order_line_items', schema='commerce')
    op.drop_table('order_line_items', schema='commerce')
    op.drop_index(op.f('ix_inventory_reservations_vendor_order_id'), table_name='inventory_reservations', schema='commerce')
    op.drop_index(op.f('ix_inventory_reservations_variant_id'), table_name='inventory_reservations', schema='commerce')
    op.drop_table('inventory_reservations', schema='commerce')
    op.drop_index(op.f('ix_vendor_orders_vendor_id'), table_name='vendor_orders', schema='commerce')
    op.drop_index(op.f('ix_vendor_orders_order_id'), table_name='vendor_orders', schema='commerce')
    op.drop_table('vendor_orders', schema='commerce')
    op.drop_index('ix_variant_prices_currency_code_amount', table_name='variant_prices', schema='commerce')
    op.drop_table('variant_prices', schema='commerce')
    op.drop_index(op.f('ix_payments_provider_reference'), table_name='payments', schema='commerce')
    op.drop_table('payments', schema='commerce')
    op.drop_table('inventory_levels', schema='commerce')
    op.drop_index(op.f('ix_cart_line_items_variant_id'), table_name='cart_line_items', schema='commerce')
    op.drop_table('cart_line_items', schema='commerce')
    op.drop_index(op.f('ix_product_variants_product_id'), table_name='product_variants', schema='commerce')
    op.drop_table('product_variants', schema='commerce')
    op.drop_index(op.f('ix_product_options_product_id'), table_name='product_options', schema='commerce')
    op.drop_table('product_options', schema='commerce')
    op.drop_index(op.f('ix_product_images_product_id'), table_name='product_images', schema='commerce')
    op.drop_table('product_images', schema='commerce')
    op.drop_index(op.f('ix_product_categories_category_id'), table_name='product_categories', schema='commerce')
    op.drop_table('product_categories', schema='commerce')
    op.drop_index(op.f('ix_orders_status'), table_name='orders', schema='commerce')
    op.drop_index(op.f('ix_orders_customer_id'), table_name='orders', schema='commerce')
    op.drop_index(op.f('ix_orders_created_at'), table_name='orders', schema='commerce')
    op.drop_table('orders', schema='commerce')
    op.drop_table('cart_shipping_methods', schema='commerce')
    op.drop_index(op.f('ix_shipping_options_vendor_id'), table_name='shipping_options', schema='commerce')
    op.drop_table('shipping_options', schema='commerce')
    op.drop_index(op.f('ix_products_vendor_id'), table_name='products', schema='commerce')
    op.drop_index(op.f('ix_products_title'), table_name='products', schema='commerce')
    op.drop_index('ix_products_status_created_at', table_name='products', schema='commerce')
    op.drop_table('products', schema='commerce')
    op.drop_index(op.f('ix_customer_addresses_customer_id'), table_name='customer_addresses', schema='commerce')
    op.drop_table('customer_addresses', schema='commerce')
    op.drop_index(op.f('ix_carts_region_id'), table_name='carts', schema='commerce')
    op.drop_index(op.f('ix_carts_customer_id'), table_name='carts', schema='commerce')
    op.drop_table('carts', schema='commerce')
    op.drop_index(op.f('ix_vendors_status'), table_name='vendors', schema='commerce')
    op.drop_table('vendors', schema='commerce')
    op.drop_table('stripe_webhook_events', schema='commerce')
    op.drop_table('regions', schema='commerce')
