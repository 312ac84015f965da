"""Security (issue 19): sessions' last request (the idle timeout) and the kind of a login
attempt (sign-in / sign-up throttles).

Revision ID: 0009
Revises: 0007 (to be re-pointed at 0008 when merged after it)
Create Date: 2026-12-02 09:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate may render sqlmodel.sql.sqltypes.AutoString
from alembic import op

revision: str = '0009'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE auth_session SET last_seen_at = created_at")
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='sign_in', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
