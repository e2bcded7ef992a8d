"""cache notify: every change a store reader could see notifies `store_changes` with payload `commerce`

The API workers LISTEN on `store_changes` (api/cache_events.py) and drop their cached catalog answers and
publishable-key actors when a notification arrives. PostgreSQL delivers a NOTIFY when, and only when, the
transaction that raised it commits, and folds identical notifications of one transaction into one, so a
checkout that touches many rows still sends one message. Statement-level triggers (one call per statement,
not per row) on the outbox and on every table the catalog, the regions, the shipping options, the volume
tiers and the publishable-key lookup read. API keys notify only when a column that decides who the key is
changes (never for `last_used_at`).

Revision ID: 0007_cache_notify_commerce
Revises: 0009_money_terms
Create Date: 2026-11-29 06:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_cache_notify_commerce"
down_revision: str | None = "0009_money_terms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READ_TABLES = (
    "outbox_events",
    "products",
    "product_variants",
    "variant_prices",
    "product_options",
    "product_images",
    "product_categories",
    "inventory_levels",
    "inventory_reservations",
    "regions",
    "shipping_options",
    "volume_tiers",
    "vendors",
)
KEY_COLUMNS = "secret_hash, previous_secret_hash, previous_valid_until, revoked_at, scopes, kind"


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION commerce.notify_store_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('store_changes', TG_TABLE_SCHEMA);
            RETURN NULL;
        END $$
        """
    )
    for table in READ_TABLES:
        op.execute(
            f"CREATE TRIGGER notify_store_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON commerce.{table} FOR EACH STATEMENT EXECUTE FUNCTION commerce.notify_store_change()"
        )
    op.execute(
        f"CREATE TRIGGER notify_store_change AFTER INSERT OR UPDATE OF {KEY_COLUMNS} OR DELETE OR TRUNCATE "
        "ON commerce.api_keys FOR EACH STATEMENT EXECUTE FUNCTION commerce.notify_store_change()"
    )


def downgrade() -> None:
    for table in (*READ_TABLES, "api_keys"):
        op.execute(f"DROP TRIGGER notify_store_change ON commerce.{table}")
    op.execute("DROP FUNCTION commerce.notify_store_change()")
