"""notifications: mails, the notifier's outbox cursor, one-time user tokens, opt-outs, verified e-mails

Revision ID: 0011_ops_notifications
Revises: 0010_money_credit
Create Date: 2026-11-29 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_ops_notifications"
down_revision: str | None = "0010_money_credit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("event_id", "kind", "recipient", name=op.f("uq_notifications_event_id_kind_recipient")),
        schema="commerce",
    )
    op.create_index(op.f("ix_notifications_kind"), "notifications", ["kind"], schema="commerce")
    op.create_index(op.f("ix_notifications_recipient"), "notifications", ["recipient"], schema="commerce")
    op.create_index(op.f("ix_notifications_status"), "notifications", ["status"], schema="commerce")
    op.create_index("ix_notifications_due", "notifications", ["next_attempt_at"], schema="commerce",
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_table(
        "notifier_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifier_cursor")),
        schema="commerce",
    )
    op.create_table(
        "user_tokens",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["commerce.users.id"], name=op.f("fk_user_tokens_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_tokens_token_hash")),
        schema="commerce",
    )
    op.create_index(op.f("ix_user_tokens_user_id"), "user_tokens", ["user_id"], schema="commerce")
    op.create_table(
        "notification_opt_outs",
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["commerce.users.id"],
                                name=op.f("fk_notification_opt_outs_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_opt_outs")),
        schema="commerce",
    )
    op.add_column("users", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
                  schema="commerce")


def downgrade() -> None:
    op.drop_column("users", "email_verified_at", schema="commerce")
    op.drop_table("notification_opt_outs", schema="commerce")
    op.drop_table("user_tokens", schema="commerce")
    op.drop_table("notifier_cursor", schema="commerce")
    op.drop_table("notifications", schema="commerce")
