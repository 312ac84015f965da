"""Builder profile photos (issue 18): the stored, re-encoded images of each builder's photo,
served by ``GET /api/builders/{slug}/photo``; ``builder.photo_url`` points there.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate may render sqlmodel.sql.sqltypes.AutoString
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('builder_photo',
    sa.Column('builder_id', sa.Integer(), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('large', sa.LargeBinary(), nullable=False),
    sa.Column('small', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['builder_id'], ['builder.id'], name=op.f('fk_builder_photo_builder_id_builder'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('builder_id', name=op.f('pk_builder_photo'))
    )


def downgrade() -> None:
    # Without the table the photo addresses would answer 404: the profiles show initials again.
    op.execute(sa.text("UPDATE builder SET photo_url = NULL WHERE photo_url LIKE '/api/builders/%/photo%'"))
    op.drop_table('builder_photo')
