"""store change once: the store-change triggers skip PL/pgSQL once their stores are noted in the transaction

A checkout writes eight commerce tables that carry `notify_store_change`; each call after the first noted nothing
new. A `WHEN` condition on each trigger now skips the call (api/migrations/store_changes.py).

Revision ID: 0016_store_change_once
Revises: 0015_access_notify
Create Date: 2026-12-07 08:10:00
"""

from collections.abc import Sequence

from api.migrations.store_changes import always_call, skip_noted_stores

revision: str = "0016_store_change_once"
down_revision: str | None = "0015_access_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    skip_noted_stores("commerce")


def downgrade() -> None:
    always_call("commerce")
