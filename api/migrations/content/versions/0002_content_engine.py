"""content engine: tenants, pages and their versions, blog posts, media, navigation, categories,
product content and synced order records

Revision ID: c350e094cf08
Revises: e47b43b1fd8e
Create Date: 2026-11-25 12:53:18.061054
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'c350e094cf08'
down_revision: str | None = 'e47b43b1fd8e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('order_records',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('customer_email', sa.String(length=320), nullable=True),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('vendor_ids', postgresql.ARRAY(sa.String(length=40)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sync_status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('sync_error', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_records')),
    sa.UniqueConstraint('order_id', name=op.f('uq_order_records_order_id')),
    schema='content'
    )
    op.create_index(op.f('ix_order_records_customer_email'), 'order_records', ['customer_email'], unique=False, schema='content')
    op.create_index(op.f('ix_order_records_placed_at'), 'order_records', ['placed_at'], unique=False, schema='content')
    op.create_index(op.f('ix_order_records_sync_status'), 'order_records', ['sync_status'], unique=False, schema='content')
    op.create_index('ix_order_records_vendor_ids', 'order_records', ['vendor_ids'], unique=False, schema='content', postgresql_using='gin')
    op.create_table('tenants',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('vendor_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('tagline', sa.String(length=300), nullable=True),
    sa.Column('logo_id', sa.String(length=40), nullable=True),
    sa.Column('primary_color', sa.String(length=7), nullable=True),
    sa.Column('secondary_color', sa.String(length=7), nullable=True),
    sa.Column('heading_font', sa.String(length=40), nullable=True),
    sa.Column('domains', postgresql.ARRAY(sa.String(length=253)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants')),
    sa.UniqueConstraint('slug', name=op.f('uq_tenants_slug')),
    sa.UniqueConstraint('vendor_id', name=op.f('uq_tenants_vendor_id')),
    schema='content'
    )
    op.create_index(op.f('ix_tenants_status'), 'tenants', ['status'], unique=False, schema='content')
    op.create_table('blog_posts',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('tenant_id', sa.String(length=40), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('content', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=50)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['content.tenants.id'], name=op.f('fk_blog_posts_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blog_posts')),
    schema='content'
    )
    op.create_index('ix_blog_posts_status_published_at', 'blog_posts', ['status', 'published_at'], unique=False, schema='content')
    op.create_index('ix_blog_posts_tags', 'blog_posts', ['tags'], unique=False, schema='content', postgresql_using='gin')
    op.create_index(op.f('ix_blog_posts_tenant_id'), 'blog_posts', ['tenant_id'], unique=False, schema='content')
    op.create_index('uq_blog_posts_platform_slug', 'blog_posts', ['slug'], unique=True, schema='content', postgresql_where=sa.text('tenant_id IS NULL'))
    op.create_index('uq_blog_posts_tenant_slug', 'blog_posts', ['tenant_id', 'slug'], unique=True, schema='content', postgresql_where=sa.text('tenant_id IS NOT NULL'))
    op.create_table('media',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('tenant_id', sa.String(length=40), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('mime_type', sa.String(length=100), nullable=False),
    sa.Column('filesize', sa.BigInteger(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('alt', sa.String(length=500), nullable=True),
    sa.Column('sizes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['content.tenants.id'], name=op.f('fk_media_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media')),
    schema='content'
    )
    op.create_index(op.f('ix_media_kind'), 'media', ['kind'], unique=False, schema='content')
    op.create_index(op.f('ix_media_tenant_id'), 'media', ['tenant_id'], unique=False, schema='content')
    # tenants.logo_id -> media and media.tenant_id -> tenants form a cycle: this key comes once both exist.
    op.create_foreign_key('fk_tenants_logo_id_media', 'tenants', 'media', ['logo_id'], ['id'],
                          source_schema='content', referent_schema='content', ondelete='SET NULL')
    op.create_table('navigation_menus',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('tenant_id', sa.String(length=40), nullable=True),
    sa.Column('location', sa.String(length=20), nullable=False),
    sa.Column('items', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['content.tenants.id'], name=op.f('fk_navigation_menus_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_navigation_menus')),
    schema='content'
    )
    op.create_index(op.f('ix_navigation_menus_tenant_id'), 'navigation_menus', ['tenant_id'], unique=False, schema='content')
    op.create_index('uq_navigation_menus_platform_location', 'navigation_menus', ['location'], unique=True, schema='content', postgresql_where=sa.text('tenant_id IS NULL'))
    op.create_index('uq_navigation_menus_tenant_location', 'navigation_menus', ['tenant_id', 'location'], unique=True, schema='content', postgresql_where=sa.text('tenant_id IS NOT NULL'))
    op.create_table('pages',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('tenant_id', sa.String(length=40), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('blocks', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('seo_title', sa.String(length=300), nullable=True),
    sa.Column('seo_description', sa.String(length=5000), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('draft', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['content.tenants.id'], name=op.f('fk_pages_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pages')),
    schema='content'
    )
    op.create_index('ix_pages_status_published_at', 'pages', ['status', 'published_at'], unique=False, schema='content')
    op.create_index(op.f('ix_pages_tenant_id'), 'pages', ['tenant_id'], unique=False, schema='content')
    op.create_index('uq_pages_platform_slug', 'pages', ['slug'], unique=True, schema='content', postgresql_where=sa.text('tenant_id IS NULL'))
    op.create_index('uq_pages_tenant_slug', 'pages', ['tenant_id', 'slug'], unique=True, schema='content', postgresql_where=sa.text('tenant_id IS NOT NULL'))
    op.create_table('product_contents',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('product_id', sa.String(length=40), nullable=False),
    sa.Column('tenant_id', sa.String(length=40), nullable=True),
    sa.Column('vendor_id', sa.String(length=40), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('handle', sa.String(length=200), nullable=True),
    sa.Column('thumbnail', sa.String(length=2000), nullable=True),
    sa.Column('price_summary', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='draft', nullable=False),
    sa.Column('long_description', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('specifications', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('images', postgresql.ARRAY(sa.String(length=40)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('seo_title', sa.String(length=300), nullable=True),
    sa.Column('seo_description', sa.String(length=5000), nullable=True),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sync_status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('sync_error', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['content.tenants.id'], name=op.f('fk_product_contents_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_contents')),
    sa.UniqueConstraint('product_id', name=op.f('uq_product_contents_product_id')),
    schema='content'
    )
    op.create_index(op.f('ix_product_contents_handle'), 'product_contents', ['handle'], unique=False, schema='content')
    op.create_index(op.f('ix_product_contents_status'), 'product_contents', ['status'], unique=False, schema='content')
    op.create_index(op.f('ix_product_contents_sync_status'), 'product_contents', ['sync_status'], unique=False, schema='content')
    op.create_index(op.f('ix_product_contents_tenant_id'), 'product_contents', ['tenant_id'], unique=False, schema='content')
    op.create_index(op.f('ix_product_contents_vendor_id'), 'product_contents', ['vendor_id'], unique=False, schema='content')
    op.create_table('categories',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=5000), nullable=True),
    sa.Column('image_id', sa.String(length=40), nullable=True),
    sa.Column('parent_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['image_id'], ['content.media.id'], name=op.f('fk_categories_image_id_media'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['content.categories.id'], name=op.f('fk_categories_parent_id_categories'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_categories_slug')),
    schema='content'
    )
    op.create_index(op.f('ix_categories_parent_id'), 'categories', ['parent_id'], unique=False, schema='content')
    op.create_table('page_versions',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('page_id', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('snapshot', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['page_id'], ['content.pages.id'], name=op.f('fk_page_versions_page_id_pages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_versions')),
    sa.UniqueConstraint('page_id', 'version', name=op.f('uq_page_versions_page_id_version')),
    schema='content'
    )


def downgrade() -> None:
    op.drop_constraint('fk_tenants_logo_id_media', 'tenants', schema='content', type_='foreignkey')
    op.drop_table('page_versions', schema='content')
    op.drop_index(op.f('ix_categories_parent_id'), table_name='categories', schema='content')
    op.drop_table('categories', schema='content')
    op.drop_index(op.f('ix_product_contents_vendor_id'), table_name='product_contents', schema='content')
    op.drop_index(op.f('ix_product_contents_tenant_id'), table_name='product_contents', schema='content')
    op.drop_index(op.f('ix_product_contents_sync_status'), table_name='product_contents', schema='content')
    op.drop_index(op.f('ix_product_contents_status'), table_name='product_contents', schema='content')
    op.drop_index(op.f('ix_product_contents_handle'), table_name='product_contents', schema='content')
    op.drop_table('product_contents', schema='content')
    op.drop_index('uq_pages_tenant_slug', table_name='pages', schema='content', postgresql_where=sa.text('tenant_id IS NOT NULL'))
    op.drop_index('uq_pages_platform_slug', table_name='pages', schema='content', postgresql_where=sa.text('tenant_id IS NULL'))
    op.drop_index(op.f('ix_pages_tenant_id'), table_name='pages', schema='content')
    op.drop_index('ix_pages_status_published_at', table_name='pages', schema='content')
    op.drop_table('pages', schema='content')
    op.drop_index('uq_navigation_menus_tenant_location', table_name='navigation_menus', schema='content', postgresql_where=sa.text('tenant_id IS NOT NULL'))
    op.drop_index('uq_navigation_menus_platform_location', table_name='navigation_menus', schema='content', postgresql_where=sa.text('tenant_id IS NULL'))
    op.drop_index(op.f('ix_navigation_menus_tenant_id'), table_name='navigation_menus', schema='content')
    op.drop_table('navigation_menus', schema='content')
    op.drop_index(op.f('ix_media_tenant_id'), table_name='media', schema='content')
    op.drop_index(op.f('ix_media_kind'), table_name='media', schema='content')
    op.drop_table('media', schema='content')
    op.drop_index('uq_blog_posts_tenant_slug', table_name='blog_posts', schema='content', postgresql_where=sa.text('tenant_id IS NOT NULL'))
    op.drop_index('uq_blog_posts_platform_slug', table_name='blog_posts', schema='content', postgresql_where=sa.text('tenant_id IS NULL'))
    op.drop_index(op.f('ix_blog_posts_tenant_id'), table_name='blog_posts', schema='content')
    op.drop_index('ix_blog_posts_tags', table_name='blog_posts', schema='content', postgresql_using='gin')
    op.drop_index('ix_blog_posts_status_published_at', table_name='blog_posts', schema='content')
    op.drop_table('blog_posts', schema='content')
    op.drop_index(op.f('ix_tenants_status'), table_name='tenants', schema='content')
    op.drop_table('tenants', schema='content')
    op.drop_index('ix_order_records_vendor_ids', table_name='order_records', schema='content', postgresql_using='gin')
    op.drop_index(op.f('ix_order_records_sync_status'), table_name='order_records', schema='content')
    op.drop_index(op.f('ix_order_records_placed_at'), table_name='order_records', schema='content')
    op.drop_index(op.f('ix_order_records_customer_email'), table_name='order_records', schema='content')
    op.drop_table('order_records', schema='content')
