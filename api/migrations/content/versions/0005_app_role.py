"""app role: the API connects as `marketplace_app`, which owns nothing and holds only what it needs

Revision ID: 0005_app_role_content
Revises: 0005_cache_notify_content
Create Date: 2026-11-29 06:30:00
"""

from collections.abc import Sequence

from alembic import op

from api.db_roles import grant_app_role_sql, revoke_app_role_sql

revision: str = "0005_app_role_content"
down_revision: str | None = "0005_cache_notify_content"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in grant_app_role_sql("content"):
        op.execute(statement)


def downgrade() -> None:
    for statement in revoke_app_role_sql("content"):
        op.execute(statement)
