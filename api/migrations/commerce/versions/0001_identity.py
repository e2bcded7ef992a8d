"""identity, api keys, audit log, idempotency, outbox

Revision ID: a869b1ff2042
Revises: 
Create Date: 2026-11-25 12:42:12.994241
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'a869b1ff2042'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('scopes', postgresql.ARRAY(sa.String(length=40)), nullable=False),
    sa.Column('display_prefix', sa.String(length=40), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('previous_secret_hash', sa.String(length=64), nullable=True),
    sa.Column('previous_valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('previous_secret_hash', name=op.f('uq_api_keys_previous_secret_hash')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_api_keys_secret_hash')),
    schema='commerce'
    )
    op.create_table('audit_log',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_kind', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.String(length=40), nullable=True),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=40), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('request_id', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    schema='commerce'
    )
    op.create_index(op.f('ix_audit_log_action'), 'audit_log', ['action'], unique=False, schema='commerce')
    op.create_index(op.f('ix_audit_log_actor_id'), 'audit_log', ['actor_id'], unique=False, schema='commerce')
    op.create_index(op.f('ix_audit_log_occurred_at'), 'audit_log', ['occurred_at'], unique=False, schema='commerce')
    op.create_table('idempotency_keys',
    sa.Column('client', sa.String(length=80), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('path', sa.String(length=2000), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response_headers', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('response_body', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('client', 'key', name=op.f('pk_idempotency_keys')),
    schema='commerce'
    )
    op.create_index(op.f('ix_idempotency_keys_created_at'), 'idempotency_keys', ['created_at'], unique=False, schema='commerce')
    op.create_table('outbox_events',
    sa.Column('position', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('topic', sa.String(length=80), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=40), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('position', name=op.f('pk_outbox_events')),
    sa.UniqueConstraint('id', name=op.f('uq_outbox_events_id')),
    schema='commerce'
    )
    op.create_index(op.f('ix_outbox_events_entity_id'), 'outbox_events', ['entity_id'], unique=False, schema='commerce')
    op.create_index(op.f('ix_outbox_events_topic'), 'outbox_events', ['topic'], unique=False, schema='commerce')
    op.create_table('users',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('vendor_id', sa.String(length=40), nullable=True),
    sa.Column('company_id', sa.String(length=40), nullable=True),
    sa.Column('company_role', sa.String(length=20), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    schema='commerce'
    )
    op.create_index(op.f('ix_users_company_id'), 'users', ['company_id'], unique=False, schema='commerce')
    op.create_index(op.f('ix_users_vendor_id'), 'users', ['vendor_id'], unique=False, schema='commerce')
    op.create_table('auth_tokens',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['commerce.users.id'], name=op.f('fk_auth_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_tokens_token_hash')),
    schema='commerce'
    )
    op.create_index(op.f('ix_auth_tokens_user_id'), 'auth_tokens', ['user_id'], unique=False, schema='commerce')
    # The audit log is append-only: the database itself refuses to change or remove an entry.
    op.execute(
        """
        CREATE FUNCTION commerce.audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
        """
    )
    op.execute(
        """
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON commerce.audit_log
        FOR EACH ROW EXECUTE FUNCTION commerce.audit_log_is_append_only();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON commerce.audit_log")
    op.execute("DROP FUNCTION IF EXISTS commerce.audit_log_is_append_only()")
    op.drop_index(op.f('ix_auth_tokens_user_id'), table_name='auth_tokens', schema='commerce')
    op.drop_table('auth_tokens', schema='commerce')
    op.drop_index(op.f('ix_users_vendor_id'), table_name='users', schema='commerce')
    op.drop_index(op.f('ix_users_company_id'), table_name='users', schema='commerce')
    op.drop_table('users', schema='commerce')
    op.drop_index(op.f('ix_outbox_events_topic'), table_name='outbox_events', schema='commerce')
    op.drop_index(op.f('ix_outbox_events_entity_id'), table_name='outbox_events', schema='commerce')
    op.drop_table('outbox_events', schema='commerce')
    op.drop_index(op.f('ix_idempotency_keys_created_at'), table_name='idempotency_keys', schema='commerce')
    op.drop_table('idempotency_keys', schema='commerce')
    op.drop_index(op.f('ix_audit_log_occurred_at'), table_name='audit_log', schema='commerce')
    op.drop_index(op.f('ix_audit_log_actor_id'), table_name='audit_log', schema='commerce')
    op.drop_index(op.f('ix_audit_log_action'), table_name='audit_log', schema='commerce')
    op.drop_table('audit_log', schema='commerce')
    op.drop_table('api_keys', schema='commerce')
