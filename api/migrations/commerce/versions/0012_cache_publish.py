"""cache publish: the store-change trigger also names its store in the transaction-local setting
`app.changed_stores`

Where REDIS_URL is configured the API publishes store changes on Redis pub/sub instead of having every
worker LISTEN (api/cache_events.py): the writing process reads this setting just before its commit and
publishes the stores it names once the commit is done. The NOTIFY stays (deployments without Redis).

Revision ID: 0012_cache_publish
Revises: 0011_ops_notifications
Create Date: 2026-11-29 09:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_cache_publish"
down_revision: str | None = "0011_ops_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION commerce.notify_store_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            changed text := coalesce(current_setting('app.changed_stores', true), '');
        BEGIN
            PERFORM pg_notify('store_changes', TG_TABLE_SCHEMA);
            IF NOT TG_TABLE_SCHEMA = ANY (string_to_array(changed, ',')) THEN
                PERFORM set_config('app.changed_stores', concat_ws(',', nullif(changed, ''), TG_TABLE_SCHEMA), true);
            END IF;
            RETURN NULL;
        END $$
        """
    )


def downgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION commerce.notify_store_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('store_changes', TG_TABLE_SCHEMA);
            RETURN NULL;
        END $$
        """
    )
