"""content outbox

Revision ID: e47b43b1fd8e
Revises: 
Create Date: 2026-11-25 12:42:13.039491
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'e47b43b1fd8e'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
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
    schema='content'
    )
    op.create_index(op.f('ix_outbox_events_entity_id'), 'outbox_events', ['entity_id'], unique=False, schema='content')
    op.create_index(op.f('ix_outbox_events_topic'), 'outbox_events', ['topic'], unique=False, schema='content')


def downgrade() -> None:
    op.drop_index(op.f('ix_outbox_events_topic'), table_name='outbox_events', schema='content')
    op.drop_index(op.f('ix_outbox_events_entity_id'), table_name='outbox_events', schema='content')
    op.drop_table('outbox_events', schema='content')
