"""Tables of the local Stripe emulator (objects, webhook deliveries, settings).

They exist on every install (so switching to the emulator needs no migration) and stay empty
when real Stripe keys are configured.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 04:16:30.154362+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('stripe_emulator_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_emulator_delivery'))
    )
    with op.batch_alter_table('stripe_emulator_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stripe_emulator_delivery_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stripe_emulator_delivery_event_id'), ['event_id'], unique=False)

    op.create_table('stripe_emulator_object',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('object_type', sa.String(length=50), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_emulator_object'))
    )
    with op.batch_alter_table('stripe_emulator_object', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stripe_emulator_object_object_type'), ['object_type'], unique=False)

    op.create_table('stripe_emulator_setting',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.String(length=5000), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_stripe_emulator_setting'))
    )

def downgrade() -> None:
    op.drop_table('stripe_emulator_setting')
    with op.batch_alter_table('stripe_emulator_object', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stripe_emulator_object_object_type'))

    op.drop_table('stripe_emulator_object')
    with op.batch_alter_table('stripe_emulator_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stripe_emulator_delivery_event_id'))
        batch_op.drop_index(batch_op.f('ix_stripe_emulator_delivery_due_at'))

    op.drop_table('stripe_emulator_delivery')