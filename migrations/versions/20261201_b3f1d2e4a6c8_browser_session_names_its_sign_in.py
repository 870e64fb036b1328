"""browser sessions name the sign-in they carry

The hash of the browser session's sign-in token (the key user_session is found by),
so that one query reads a browser session, its sign-in and its person (issue 13).
Existing rows are left empty: their sign-in is looked up by its token as before until
the session is next saved.

Revision ID: b3f1d2e4a6c8
Revises: 7a4c2e9f1b03
Create Date: 2026-12-01 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3f1d2e4a6c8"
down_revision: str | None = "7a4c2e9f1b03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("browser_session") as batch:
        batch.add_column(sa.Column("sign_in_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("browser_session") as batch:
        batch.drop_column("sign_in_hash")
