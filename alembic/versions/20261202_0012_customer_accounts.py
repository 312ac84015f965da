"""Customer accounts (issue 16): customers, their sessions and the mailed sign-in codes; the
members-only flag of session types and the customer recorded on a booking; sign-ins through an
OpenID Connect provider in flight (oidc_login).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 10:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate may render sqlmodel.sql.sqltypes.AutoString
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    sa.UniqueConstraint('email', name=op.f('uq_customer_email'))
    )
    op.create_table('customer_sign_in_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('link_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('code_salt', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_sign_in_code')),
    sa.UniqueConstraint('link_hash', name=op.f('uq_customer_sign_in_code_link_hash'))
    )
    with op.batch_alter_table('customer_sign_in_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_sign_in_code_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_sign_in_code_expires_at'), ['expires_at'], unique=False)

    op.create_table('customer_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_session_customer_id_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_customer_session_token_hash'))
    )
    with op.batch_alter_table('customer_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_session_customer_id'), ['customer_id'], unique=False)

    op.create_table('oidc_login',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('browser_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('code_verifier', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('next_path', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ticket_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_login')),
    sa.UniqueConstraint('state_hash', name=op.f('uq_oidc_login_state_hash')),
    sa.UniqueConstraint('ticket_hash', name=op.f('uq_oidc_login_ticket_hash'))
    )
    op.create_index(op.f('ix_oidc_login_expires_at'), 'oidc_login', ['expires_at'], unique=False)

    # The booking table is not copied (SQLite's batch mode would turn its column constraints
    # into table constraints that older downgrades cannot drop), so the column has no foreign key.
    op.add_column('booking', sa.Column('customer_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_booking_customer_id'), 'booking', ['customer_id'], unique=False)

    with op.batch_alter_table('session_type', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_sign_in', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    op.drop_index(op.f('ix_oidc_login_expires_at'), table_name='oidc_login')
    op.drop_table('oidc_login')
    with op.batch_alter_table('session_type', schema=None) as batch_op:
        batch_op.drop_column('requires_sign_in')

    op.drop_index(op.f('ix_booking_customer_id'), table_name='booking')
    op.drop_column('booking', 'customer_id')

    with op.batch_alter_table('customer_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_session_customer_id'))

    op.drop_table('customer_session')
    with op.batch_alter_table('customer_sign_in_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_sign_in_code_expires_at'))
        batch_op.drop_index(batch_op.f('ix_customer_sign_in_code_email'))

    op.drop_table('customer_sign_in_code')
    op.drop_table('customer')
