"""Calendars: a builder's private bookings feed, the calendars whose events block their times
(busy time), and the bookings written into a CalDAV calendar.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate may render sqlmodel.sql.sqltypes.AutoString
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_connection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('builder_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ics', 'caldav', name='kind_valid', native_enum=False, create_constraint=True, length=6), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('display_url', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('read_calendars', sa.JSON(), nullable=False),
    sa.Column('write_calendar', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('last_modified', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('written_through', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_calendar_connection_failures_non_negative')),
    sa.ForeignKeyConstraint(['builder_id'], ['builder.id'], name=op.f('fk_calendar_connection_builder_id_builder'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_connection'))
    )
    op.create_index(op.f('ix_calendar_connection_builder_id'), 'calendar_connection', ['builder_id'], unique=False)
    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('builder_id', sa.Integer(), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['builder_id'], ['builder.id'], name=op.f('fk_calendar_feed_builder_id_builder'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('builder_id', name=op.f('uq_calendar_feed_builder_id')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feed_token'))
    )
    op.create_table('busy_time',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('builder_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_busy_time_end_after_start')),
    sa.ForeignKeyConstraint(['builder_id'], ['builder.id'], name=op.f('fk_busy_time_builder_id_builder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['connection_id'], ['calendar_connection.id'], name=op.f('fk_busy_time_connection_id_calendar_connection'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_busy_time'))
    )
    op.create_index('ix_busy_time_builder_span', 'busy_time', ['builder_id', 'end_at', 'start_at'], unique=False)
    op.create_index(op.f('ix_busy_time_connection_id'), 'busy_time', ['connection_id'], unique=False)
    op.create_table('calendar_write',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_calendar_write_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['connection_id'], ['calendar_connection.id'], name=op.f('fk_calendar_write_connection_id_calendar_connection'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_write')),
    sa.UniqueConstraint('connection_id', 'booking_id', name='uq_calendar_write_connection_id_booking_id')
    )
    op.create_index(op.f('ix_calendar_write_booking_id'), 'calendar_write', ['booking_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_calendar_write_booking_id'), table_name='calendar_write')
    op.drop_table('calendar_write')
    op.drop_index(op.f('ix_busy_time_connection_id'), table_name='busy_time')
    op.drop_index('ix_busy_time_builder_span', table_name='busy_time')
    op.drop_table('busy_time')
    op.drop_table('calendar_feed')
    op.drop_index(op.f('ix_calendar_connection_builder_id'), table_name='calendar_connection')
    op.drop_table('calendar_connection')
