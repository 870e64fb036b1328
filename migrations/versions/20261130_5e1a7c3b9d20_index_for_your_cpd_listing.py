"""index for Your CPD's listing

Revision ID: 5e1a7c3b9d20
Revises: 186462688c77
Create Date: 2026-11-30 22:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5e1a7c3b9d20"
down_revision: str | None = "186462688c77"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_cpd_record_listing",
        "cpd_record",
        ["owner_id", "status", "deleted_at", "completed_on", "updated_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_cpd_record_listing", table_name="cpd_record")
