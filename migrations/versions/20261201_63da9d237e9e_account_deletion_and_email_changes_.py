"""account deletion and email changes confirmed from the new address

Revision ID: 63da9d237e9e
Revises: 8de4fccc6e17
Create Date: 2026-12-01 00:12:12.184332
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "63da9d237e9e"
down_revision: str | None = "8de4fccc6e17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_email_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pending_email_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_email_change_token_hash"), ["token_hash"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_pending_email_change_user_id"), ["user_id"], unique=False
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_user_account_deleted_at"), ["deleted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_deleted_at"))
        batch_op.drop_column("deleted_at")

    with op.batch_alter_table("pending_email_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_email_change_user_id"))
        batch_op.drop_index(batch_op.f("ix_pending_email_change_token_hash"))

    op.drop_table("pending_email_change")
