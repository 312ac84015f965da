"""Initial schema: accounts, offer, bookings, payments, refunds, Stripe events.

On PostgreSQL it also adds the booking no-overlap exclusion constraint (btree_gist).

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 03:23:33.637500+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Bookings in these statuses occupy the builder's time (BookingStatus.active()).
ACTIVE = "status IN ('pending_payment', 'confirmed')"


def upgrade() -> None:
    op.create_table('stripe_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.String(length=9), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('processed', 'ignored')", name=op.f('ck_stripe_event_outcome_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_event')),
    sa.UniqueConstraint('event_id', name=op.f('uq_stripe_event_event_id'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    op.create_table('builder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('headline', sa.String(length=200), nullable=False),
    sa.Column('bio', sa.String(length=5000), nullable=False),
    sa.Column('photo_url', sa.String(length=500), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("slug <> ''", name=op.f('ck_builder_slug_not_empty')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_builder_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_builder')),
    sa.UniqueConstraint('slug', name=op.f('uq_builder_slug')),
    sa.UniqueConstraint('user_id', name=op.f('uq_builder_user_id'))
    )
    op.create_table('date_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('builder_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['builder_id'], ['builder.id'], name=op.f('fk_date_override_builder_id_builder'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_date_override')),
    sa.UniqueConstraint('builder_id', 'day', name='uq_date_override_builder_id_day')
    )
    with op.batch_alter_table('date_override', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_date_override_builder_id'), ['builder_id'], unique=False)

    op.create_table('session_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('builder_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=5000), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('price_amount', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=True),
    sa.Column('buffer_before_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_after_minutes', sa.Integer(), nullable=False),
    sa.Column('minimum_notice_minutes', sa.Integer(), nullable=False),
    sa.Column('horizon_days', sa.Integer(), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('refund_cutoff_hours', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('display_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('buffer_before_minutes >= 0 AND buffer_after_minutes >= 0', name=op.f('ck_session_type_buffers_non_negative')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_session_type_duration_positive')),
    sa.CheckConstraint('horizon_days > 0', name=op.f('ck_session_type_horizon_positive')),
    sa.CheckConstraint('interval_minutes IS NULL OR interval_minutes > 0', name=op.f('ck_session_type_interval_positive')),
    sa.CheckConstraint('length(currency) = 3', name=op.f('ck_session_type_currency_iso')),
    sa.CheckConstraint('minimum_notice_minutes >= 0', name=op.f('ck_session_type_notice_non_negative')),
    sa.CheckConstraint('price_amount >= 0', name=op.f('ck_session_type_price_non_negative')),
    sa.CheckConstraint('refund_cutoff_hours >= 0', name=op.f('ck_session_type_refund_cutoff_non_negative')),
    sa.CheckConstraint('seats >= 1', name=op.f('ck_session_type_seats_positive')),
    sa.ForeignKeyConstraint(['builder_id'], ['builder.id'], name=op.f('fk_session_type_builder_id_builder'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_type')),
    sa.UniqueConstraint('builder_id', 'slug', name='uq_session_type_builder_id_slug')
    )
    with op.batch_alter_table('session_type', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_type_builder_id'), ['builder_id'], unique=False)

    op.create_table('weekly_window',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('builder_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=False),
    sa.Column('end_minute', sa.Integer(), nullable=False),
    sa.CheckConstraint('start_minute >= 0 AND end_minute <= 1440 AND end_minute > start_minute', name=op.f('ck_weekly_window_bounds')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_weekly_window_weekday_range')),
    sa.ForeignKeyConstraint(['builder_id'], ['builder.id'], name=op.f('fk_weekly_window_builder_id_builder'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_window'))
    )
    with op.batch_alter_table('weekly_window', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weekly_window_builder_id'), ['builder_id'], unique=False)

    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_token', sa.String(length=64), nullable=False),
    sa.Column('builder_id', sa.Integer(), nullable=False),
    sa.Column('session_type_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('occupancy_key', sa.String(length=100), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=False),
    sa.Column('customer_name', sa.String(length=200), nullable=False),
    sa.Column('customer_email', sa.String(length=320), nullable=False),
    sa.Column('customer_notes', sa.String(length=5000), nullable=False),
    sa.Column('customer_timezone', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=15), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('refund_cutoff_hours', sa.Integer(), nullable=False),
    sa.Column('hold_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by', sa.String(length=8), nullable=True),
    sa.Column('cancellation_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'pending_payment' OR hold_expires_at IS NOT NULL", name=op.f('ck_booking_hold_has_expiry')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_booking_amount_non_negative')),
    sa.CheckConstraint('blocked_start <= start_at AND blocked_end >= end_at', name=op.f('ck_booking_blocked_covers_session')),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_booking_end_after_start')),
    sa.CheckConstraint('seat >= 1', name=op.f('ck_booking_seat_positive')),
    sa.ForeignKeyConstraint(['builder_id'], ['builder.id'], name=op.f('fk_booking_builder_id_builder'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_type_id'], ['session_type.id'], name=op.f('fk_booking_session_type_id_session_type'), ondelete='RESTRICT'),
    sa.CheckConstraint("status IN ('pending_payment', 'confirmed', 'expired', 'cancelled')", name=op.f('ck_booking_status_valid')),
    sa.CheckConstraint("cancelled_by IN ('builder', 'customer', 'system')", name=op.f('ck_booking_cancelled_by_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking')),
    sa.UniqueConstraint('public_token', name=op.f('uq_booking_public_token'))
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index('ix_booking_builder_blocked', ['builder_id', 'blocked_start', 'blocked_end'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_customer_email'), ['customer_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_session_type_id'), ['session_type_id'], unique=False)
        batch_op.create_index('ix_booking_status_hold_expiry', ['status', 'hold_expires_at'], unique=False)
        batch_op.create_index('uq_booking_active_seat', ['occupancy_key', 'seat'], unique=True, sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))

    if op.get_bind().dialect.name == "postgresql":
        # The database itself refuses a double booking: no two active bookings of one builder
        # may block overlapping time unless they are seats of the same group slot.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist ("
            "builder_id WITH =, tstzrange(blocked_start, blocked_end, '[)') WITH &&, "
            f"occupancy_key WITH <>) WHERE ({ACTIVE})"
        )

    op.create_table('date_override_window',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('override_id', sa.Integer(), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=False),
    sa.Column('end_minute', sa.Integer(), nullable=False),
    sa.CheckConstraint('start_minute >= 0 AND end_minute <= 1440 AND end_minute > start_minute', name=op.f('ck_date_override_window_bounds')),
    sa.ForeignKeyConstraint(['override_id'], ['date_override.id'], name=op.f('fk_date_override_window_override_id_date_override'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_date_override_window'))
    )
    with op.batch_alter_table('date_override_window', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_date_override_window_override_id'), ['override_id'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('checkout_session_id', sa.String(length=255), nullable=False),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=18), nullable=False),
    sa.Column('amount_refunded', sa.Integer(), nullable=False),
    sa.Column('failure_message', sa.String(length=500), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_payment_amount_non_negative')),
    sa.CheckConstraint('amount_refunded >= 0 AND amount_refunded <= amount', name=op.f('ck_payment_refund_within_amount')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_payment_booking_id_booking'), ondelete='RESTRICT'),
    sa.CheckConstraint("status IN ('open', 'processing', 'paid', 'failed', 'expired', 'partially_refunded', 'refunded')", name=op.f('ck_payment_status_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    sa.UniqueConstraint('booking_id', 'attempt', name='uq_payment_booking_id_attempt'),
    sa.UniqueConstraint('checkout_session_id', name=op.f('uq_payment_checkout_session_id'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_payment_intent_id'), ['payment_intent_id'], unique=False)

    op.create_table('refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('stripe_refund_id', sa.String(length=255), nullable=True),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=15), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('failure_message', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_refund_amount_positive')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_refund_payment_id_payment'), ondelete='RESTRICT'),
    sa.CheckConstraint("status IN ('pending', 'requires_action', 'succeeded', 'failed', 'canceled')", name=op.f('ck_refund_status_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_refund_idempotency_key')),
    sa.UniqueConstraint('stripe_refund_id', name=op.f('uq_refund_stripe_refund_id'))
    )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_payment_id'), ['payment_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refund_payment_id'))

    op.drop_table('refund')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_payment_intent_id'))
        batch_op.drop_index(batch_op.f('ix_payment_booking_id'))

    op.drop_table('payment')
    with op.batch_alter_table('date_override_window', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_date_override_window_override_id'))

    op.drop_table('date_override_window')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index('uq_booking_active_seat', sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))
        batch_op.drop_index('ix_booking_status_hold_expiry')
        batch_op.drop_index(batch_op.f('ix_booking_session_type_id'))
        batch_op.drop_index(batch_op.f('ix_booking_customer_email'))
        batch_op.drop_index('ix_booking_builder_blocked')

    op.drop_table('booking')
    with op.batch_alter_table('weekly_window', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weekly_window_builder_id'))

    op.drop_table('weekly_window')
    with op.batch_alter_table('session_type', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_type_builder_id'))

    op.drop_table('session_type')
    with op.batch_alter_table('date_override', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_date_override_builder_id'))

    op.drop_table('date_override')
    op.drop_table('builder')
    op.drop_table('user_account')
    op.drop_table('stripe_event')
