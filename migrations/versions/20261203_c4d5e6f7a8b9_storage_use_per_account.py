"""what each account stores, kept as one number by every write

The storage quota was a sum over every version a person ever saved, measured by each
worker and kept for 30 seconds: the sum cost every autosave, and the per-worker copy
let an account pass its quota. Now every write changes one row per account in its own
transaction (app/uploads/quota.py). Filled in here by the same sum, which kept forms
now join.

Revision ID: c4d5e6f7a8b9
Revises: c7a2d9f4e1b5
Create Date: 2026-12-03 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4d5e6f7a8b9"
down_revision: str | None = "c7a2d9f4e1b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _length(column: str) -> str:
    return f"COALESCE(LENGTH(NULLIF(CAST({column} AS TEXT), 'null')), 0)"


def upgrade() -> None:
    op.create_table(
        "storage_use",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("stored_bytes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("owner_id"),
    )
    # Built from fixed column names only (no input): the sum app/uploads/quota.measure makes.
    op.execute(
        "INSERT INTO storage_use (owner_id, stored_bytes) SELECT u.id, "  # noqa: S608
        "(SELECT COALESCE(SUM(d.size), 0) FROM cpd_document d WHERE d.owner_id = u.id)"
        f" + (SELECT COALESCE(SUM({_length('r.answers')} + {_length('r.pending_answers')}), 0)"
        " FROM cpd_record r WHERE r.owner_id = u.id)"
        f" + (SELECT COALESCE(SUM({_length('v.answers')}), 0) FROM cpd_revision v"
        " JOIN cpd_record r ON r.id = v.record_id WHERE r.owner_id = u.id)"
        f" + (SELECT COALESCE(SUM({_length('k.data')}), 0) FROM kept_form k"
        " WHERE k.user_id = u.id)"
        " FROM user_account u"
    )


def downgrade() -> None:
    op.drop_table("storage_use")
