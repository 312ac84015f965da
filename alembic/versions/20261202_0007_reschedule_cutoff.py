"""Session types: the customers' reschedule cut-off.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 08:05:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate may render sqlmodel.sql.sqltypes.AutoString
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('session_type', sa.Column('reschedule_cutoff_hours', sa.Integer(), server_default='24',
                                            nullable=False))


def downgrade() -> None:
    op.drop_column('session_type', 'reschedule_cutoff_hours')
