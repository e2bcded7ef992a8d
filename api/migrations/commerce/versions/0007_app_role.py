"""app role: the API connects as `marketplace_app`, which owns nothing and holds only what it needs

Revision ID: 0007_app_role
Revises: 0007_cache_notify_commerce
Create Date: 2026-11-29 06:30:00
"""

from collections.abc import Sequence

from alembic import op

from api.db_roles import grant_app_role_sql, revoke_app_role_sql

revision: str = "0007_app_role"
down_revision: str | None = "0007_cache_notify_commerce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in grant_app_role_sql("commerce"):
        op.execute(statement)
    # The audit log is append-only for the app: read and add, nothing else (the trigger refuses UPDATE and
    # DELETE for the owner too; TRUNCATE and dropping the trigger need the owner).
    op.execute("REVOKE UPDATE, DELETE ON commerce.audit_log FROM marketplace_app")


def downgrade() -> None:
    for statement in revoke_app_role_sql("commerce"):
        op.execute(statement)
