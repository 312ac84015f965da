"""Booking terms per session type, frozen on each booking: refund tiers and a customer
cancellation cut-off (replacing the single full-refund cut-off), the meeting location, booking
questions and their answers; the builder's attendance mark on past bookings.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00+00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate may render sqlmodel.sql.sqltypes.AutoString
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_TIERS = '[{"hours_before": 24, "percent": 100}]'
LOCATION_KINDS = ('video', 'in_person', 'phone', 'builder_sends')


def _location_kind() -> sa.Enum:
    return sa.Enum(*LOCATION_KINDS, name='location_kind_valid', native_enum=False, create_constraint=True,
                   length=13)


def _terms_columns(*, with_kind: bool = True) -> list[sa.Column]:
    return [
        sa.Column('refund_tiers', sa.JSON(), server_default=DEFAULT_TIERS, nullable=False),
        sa.Column('cancel_cutoff_hours', sa.Integer(), server_default='0', nullable=False),
        *([sa.Column('location_kind', _location_kind(), server_default='builder_sends', nullable=False)]
          if with_kind else []),
        sa.Column('location_detail', sqlmodel.sql.sqltypes.AutoString(length=500), server_default='',
                  nullable=False),
    ]


def _add_checked_column(table: str, name: str, values: tuple[str, ...], *, default: str | None) -> None:
    """A VARCHAR column limited to ``values`` by a CHECK named as the models name it. SQLite
    cannot add a table constraint, but takes a column constraint in ADD COLUMN (and can drop
    such a column again), so the booking table need not be copied to add it."""
    check = f'ck_{table}_{name}_valid'
    length = max(len(value) for value in values)
    if op.get_bind().dialect.name == 'sqlite':
        allowed = ', '.join(f"'{value}'" for value in values)
        default_sql = f"DEFAULT '{default}' NOT NULL " if default else ''
        op.execute(f'ALTER TABLE {table} ADD COLUMN {name} VARCHAR({length}) {default_sql}'
                   f'CONSTRAINT {check} CHECK ({name} IN ({allowed}))')
        return
    op.add_column(table, sa.Column(name, sa.String(length), server_default=default, nullable=default is None))
    op.create_check_constraint(op.f(check), table, sa.column(name).in_(values))


def _tiers_from_cutoffs(table: str) -> None:
    """A full refund until the old cut-off, none after: the same promise as one tier."""
    connection = op.get_bind()
    update = (sa.text(f'UPDATE {table} SET refund_tiers = :tiers WHERE refund_cutoff_hours = :hours')
              .bindparams(sa.bindparam('tiers', type_=sa.JSON())))
    for (hours,) in connection.execute(sa.text(f'SELECT DISTINCT refund_cutoff_hours FROM {table}')).all():
        connection.execute(update, {'tiers': [{'hours_before': hours, 'percent': 100}], 'hours': hours})


def _cutoffs_from_tiers(table: str) -> None:
    """Back to one cut-off: the notice of the last tier that still refunds everything."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(f'SELECT id, refund_tiers FROM {table}')).all()
    for row_id, tiers in rows:
        tiers = json.loads(tiers) if isinstance(tiers, str) else tiers
        full = [tier['hours_before'] for tier in tiers if tier['percent'] >= 100]
        connection.execute(sa.text(f'UPDATE {table} SET refund_cutoff_hours = :hours WHERE id = :id'),
                           {'hours': min(full) if full else 720, 'id': row_id})


def upgrade() -> None:
    with op.batch_alter_table('session_type') as batch:
        for column in _terms_columns():
            batch.add_column(column)
        batch.add_column(sa.Column('questions', sa.JSON(), server_default='[]', nullable=False))
        batch.create_check_constraint('cancel_cutoff_non_negative', 'cancel_cutoff_hours >= 0')
    _tiers_from_cutoffs('session_type')
    with op.batch_alter_table('session_type') as batch:
        batch.drop_constraint(op.f('ck_session_type_refund_cutoff_non_negative'), type_='check')
        batch.drop_column('refund_cutoff_hours')

    for column in _terms_columns(with_kind=False):
        op.add_column('booking', column)
    _add_checked_column('booking', 'location_kind', LOCATION_KINDS, default='builder_sends')
    op.add_column('booking', sa.Column('customer_phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    op.add_column('booking', sa.Column('answers', sa.JSON(), server_default='[]', nullable=False))
    _add_checked_column('booking', 'attendance', ('completed', 'no_show'), default=None)
    _tiers_from_cutoffs('booking')
    op.drop_column('booking', 'refund_cutoff_hours')


def downgrade() -> None:
    op.add_column('booking', sa.Column('refund_cutoff_hours', sa.Integer(), server_default='24', nullable=False))
    _cutoffs_from_tiers('booking')
    for column in ('attendance', 'answers', 'customer_phone', 'location_detail', 'location_kind',
                   'cancel_cutoff_hours', 'refund_tiers'):
        op.drop_column('booking', column)
    with op.batch_alter_table('session_type') as batch:
        batch.add_column(sa.Column('refund_cutoff_hours', sa.Integer(), server_default='24', nullable=False))
        batch.create_check_constraint('refund_cutoff_non_negative', 'refund_cutoff_hours >= 0')
    _cutoffs_from_tiers('session_type')
    with op.batch_alter_table('session_type') as batch:
        batch.drop_constraint(op.f('ck_session_type_cancel_cutoff_non_negative'), type_='check')
        batch.drop_constraint(op.f('ck_session_type_location_kind_valid'), type_='check')
        for column in ('questions', 'location_detail', 'location_kind', 'cancel_cutoff_hours', 'refund_tiers'):
            batch.drop_column(column)
