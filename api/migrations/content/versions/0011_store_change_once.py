"""store change once: the store-change triggers skip PL/pgSQL once their store is noted in the transaction

As commerce's 0016_store_change_once: a `WHEN` condition on each `notify_store_change` trigger skips the call when
the transaction has already noted the content store (api/migrations/store_changes.py).

Revision ID: 0011_store_change_once_content
Revises: 0010_post_drafts_content
Create Date: 2026-12-07 08:10:00
"""

from collections.abc import Sequence

from api.migrations.store_changes import always_call, skip_noted_stores

revision: str = "0011_store_change_once_content"
down_revision: str | None = "0010_post_drafts_content"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    skip_noted_stores("content")


def downgrade() -> None:
    always_call("content")
