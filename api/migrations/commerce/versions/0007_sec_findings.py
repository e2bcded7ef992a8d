"""security findings: idempotency answers that carried a secret are kept as a marker only; per-client index

Revision ID: 0007_sec_findings
Revises: 0007_vendor_status_reason
Create Date: 2026-11-29 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_sec_findings"
down_revision: str | None = "0007_vendor_status_reason"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "idempotency_keys",
        sa.Column("secret_withheld", sa.Boolean(), server_default=sa.false(), nullable=False),
        schema="commerce",
    )
    # Answers stored before this revision may hold login tokens or key secrets: drop them.
    op.execute("DELETE FROM commerce.idempotency_keys")
    op.create_index(
        "ix_idempotency_keys_client_created_at",
        "idempotency_keys",
        ["client", "created_at"],
        schema="commerce",
    )


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_client_created_at", table_name="idempotency_keys", schema="commerce")
    op.drop_column("idempotency_keys", "secret_withheld", schema="commerce")
