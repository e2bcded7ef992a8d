"""access notify: the tables that say who a key or a login token stands for also name the `access` store

A publishable key's actor (and a browser session's) is kept by every API worker while a version holds
(`api.cache.ReadCache.kept_actor`). It used to be the commerce store's version, which every order, cart line and
stock change moves: a storefront's key was looked up again after each checkout anywhere on the platform. The
actor is read from three tables only, so their triggers now also name `access` (`api.db.Store`), and kept actors
hold for that version. The triggers still name `commerce` too, for the signed-in pages that read users.

`notify_store_change()` names its table's schema and every store given as a trigger argument.

Revision ID: 0015_access_notify
Revises: 0014_page_notify
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_access_notify"
down_revision: str | None = "0014_page_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns that decide who a key is (never `last_used_at`), as in 0007_cache_notify.
KEY_COLUMNS = "secret_hash, previous_secret_hash, previous_valid_until, revoked_at, scopes, kind"
ACCESS_TRIGGERS = {
    "api_keys": f"INSERT OR UPDATE OF {KEY_COLUMNS} OR DELETE OR TRUNCATE",
    "users": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
    "auth_tokens": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
}


def _triggers(arguments: str) -> None:
    for table, events in ACCESS_TRIGGERS.items():
        op.execute(f"DROP TRIGGER notify_store_change ON commerce.{table}")
        op.execute(
            f"CREATE TRIGGER notify_store_change AFTER {events} ON commerce.{table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION commerce.notify_store_change({arguments})"
        )


def upgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION commerce.notify_store_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            changed text := coalesce(current_setting('app.changed_stores', true), '');
            named text := changed;
            store text;
        BEGIN
            FOREACH store IN ARRAY array_prepend(TG_TABLE_SCHEMA::text, TG_ARGV) LOOP
                PERFORM pg_notify('store_changes', store);
                IF NOT store = ANY (string_to_array(named, ',')) THEN
                    named := concat_ws(',', nullif(named, ''), store);
                END IF;
            END LOOP;
            IF named <> changed THEN
                PERFORM set_config('app.changed_stores', named, true);
            END IF;
            RETURN NULL;
        END $$
        """
    )
    _triggers("'access'")


def downgrade() -> None:
    _triggers("")
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
