"""Booking client address, so the number of unpaid holds per client can be capped.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 03:40:40.211790+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_address', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_booking_client_address'), ['client_address'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_client_address'))
        batch_op.drop_column('client_address')
