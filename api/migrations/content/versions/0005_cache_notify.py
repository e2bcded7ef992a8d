"""cache notify: every change a content reader could see notifies `store_changes` with payload `content`

The API workers LISTEN on `store_changes` (api/cache_events.py) and drop their cached public content
answers when a notification arrives. A NOTIFY is delivered when, and only when, its transaction commits,
and identical notifications of one transaction fold into one. Statement-level triggers on the outbox and on
every collection's table: writes of the collection API, of the sync (which writes product content, order
records and tenants without a content outbox event) and deletes all move the version.

Revision ID: 0005_cache_notify_content
Revises: 0005_publish_at_content
Create Date: 2026-11-29 06:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_cache_notify_content"
down_revision: str | None = "0005_publish_at_content"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READ_TABLES = (
    "outbox_events",
    "tenants",
    "pages",
    "page_versions",
    "blog_posts",
    "media",
    "navigation_menus",
    "categories",
    "product_contents",
    "order_records",
)


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION content.notify_store_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('store_changes', TG_TABLE_SCHEMA);
            RETURN NULL;
        END $$
        """
    )
    for table in READ_TABLES:
        op.execute(
            f"CREATE TRIGGER notify_store_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON content.{table} FOR EACH STATEMENT EXECUTE FUNCTION content.notify_store_change()"
        )


def downgrade() -> None:
    for table in READ_TABLES:
        op.execute(f"DROP TRIGGER notify_store_change ON content.{table}")
    op.execute("DROP FUNCTION content.notify_store_change()")
