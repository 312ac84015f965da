"""Mail: the local mailbox, "find my bookings" throttle, the invitation's SEQUENCE, reminders.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate may render sqlmodel.sql.sqltypes.AutoString
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('mailbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_mailbox_message_booking_id_booking'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox_message')),
    sa.UniqueConstraint('message_id', name=op.f('uq_mailbox_message_message_id'))
    )
    with op.batch_alter_table('mailbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailbox_message_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mailbox_message_recipient'), ['recipient'], unique=False)

    op.create_table('booking_lookup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('client_address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_lookup'))
    )
    with op.batch_alter_table('booking_lookup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_lookup_client_address'), ['client_address'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_lookup_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_lookup_requested_at'), ['requested_at'], unique=False)

    # A plain ADD COLUMN (see 0005): no batch copy of the booking table.
    op.add_column('booking', sa.Column('calendar_sequence', sa.Integer(), server_default='0', nullable=False))
    op.add_column('booking', sa.Column('reminders_off', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('builder', sa.Column('reminder_hours', sqlmodel.sql.sqltypes.AutoString(length=50),
                                       server_default='24,1', nullable=False))


def downgrade() -> None:
    op.drop_column('builder', 'reminder_hours')
    op.drop_column('booking', 'reminders_off')
    op.drop_column('booking', 'calendar_sequence')
    with op.batch_alter_table('booking_lookup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_lookup_requested_at'))
        batch_op.drop_index(batch_op.f('ix_booking_lookup_email'))
        batch_op.drop_index(batch_op.f('ix_booking_lookup_client_address'))
    op.drop_table('booking_lookup')
    with op.batch_alter_table('mailbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailbox_message_recipient'))
        batch_op.drop_index(batch_op.f('ix_mailbox_message_booking_id'))
    op.drop_table('mailbox_message')
