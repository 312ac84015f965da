"""Booking events (the timeline), jobs (the transactional outbox), checkout attempt counter.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:22:36.998758+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate may render sqlmodel.sql.sqltypes.AutoString
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('booking_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('actor', sa.Enum('customer', 'builder', 'system', 'stripe', name='actor_valid', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Integer(), nullable=True),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['user_account.id'], name=op.f('fk_booking_event_actor_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_booking_event_booking_id_booking'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_event'))
    )
    with op.batch_alter_table('booking_event', schema=None) as batch_op:
        batch_op.create_index('ix_booking_event_booking_id_id', ['booking_id', 'id'], unique=False)

    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'dead', name='status_valid', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_job_attempts_non_negative')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_job_booking_id_booking'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_job_dedupe_key'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index('ix_job_status_run_at', ['status', 'run_at'], unique=False)

    # A plain ADD COLUMN on both databases (no batch table copy, which could lose the booking
    # table's partial seat index on SQLite).
    op.add_column('booking', sa.Column('checkout_attempts', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE booking SET checkout_attempts = "
               "(SELECT count(*) FROM payment WHERE payment.booking_id = booking.id)")
    # Existing bookings start their timeline with what their own row says.
    op.execute("INSERT INTO booking_event (booking_id, kind, actor, detail, created_at) "
               "SELECT id, 'held', 'customer', '', created_at FROM booking WHERE amount > 0")
    op.execute("INSERT INTO booking_event (booking_id, kind, actor, detail, created_at) "
               "SELECT id, 'confirmed', 'system', '', confirmed_at FROM booking WHERE confirmed_at IS NOT NULL")
    op.execute("INSERT INTO booking_event (booking_id, kind, actor, detail, created_at) "
               "SELECT id, 'cancelled', cancelled_by, coalesce(cancellation_reason, ''), cancelled_at "
               "FROM booking WHERE cancelled_at IS NOT NULL AND cancelled_by IS NOT NULL")



def downgrade() -> None:
    op.drop_column('booking', 'checkout_attempts')

    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_status_run_at')
        batch_op.drop_index(batch_op.f('ix_job_booking_id'))

    op.drop_table('job')
    with op.batch_alter_table('booking_event', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_event_booking_id_id')

    op.drop_table('booking_event')
