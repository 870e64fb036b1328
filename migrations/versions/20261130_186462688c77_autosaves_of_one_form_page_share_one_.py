"""Autosaves of one form page share one revision

Revision ID: 186462688c77
Revises: 332eac0211cf
Create Date: 2026-11-30 21:28:23.763606
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "186462688c77"
down_revision: str | None = "332eac0211cf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cpd_revision", schema=None) as batch_op:
        # Every revision before this was an explicit save or a lone autosave: not shared.
        batch_op.add_column(
            sa.Column("autosaved", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("editor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("cpd_revision", schema=None) as batch_op:
        batch_op.drop_column("editor")
        batch_op.drop_column("autosaved")
