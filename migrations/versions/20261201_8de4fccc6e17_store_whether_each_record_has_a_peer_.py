"""store whether each CPD record has a peer reflection

Ready to renew counts the records with a peer reflection; reading every record's
answers to find out grew with the number of records. The column is kept by every write
of a record (app/cpd/models.py) and backfilled here by the same rule (more than spaces,
app/cpd/rules.has_peer_reflection), applied in Python to the rows whose answers hold a
non-empty peer reflection, a batch at a time.

Revision ID: 8de4fccc6e17
Revises: 96bc10919aff
Create Date: 2026-12-01 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8de4fccc6e17"
down_revision: str | None = "96bc10919aff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("cpd_record") as batch:
        batch.add_column(
            sa.Column(
                "has_peer_reflection", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        peer_reflection = "answers ->> 'peer_reflection'"
    else:
        peer_reflection = "json_extract(answers, '$.peer_reflection')"
    # A batch at a time, in id order, so a large table is never held in memory.
    select = sa.text(
        f"SELECT id, {peer_reflection} FROM cpd_record"  # noqa: S608 - constants only
        f" WHERE id > :after AND {peer_reflection} IS NOT NULL AND {peer_reflection} <> ''"
        " ORDER BY id LIMIT :batch"
    )
    update = sa.text("UPDATE cpd_record SET has_peer_reflection = :yes WHERE id = :id")
    after = 0
    while rows := connection.execute(select, {"after": after, "batch": BATCH}).all():
        after = rows[-1][0]
        ids = [row[0] for row in rows if isinstance(row[1], str) and row[1].strip()]
        if ids:
            connection.execute(update, [{"yes": True, "id": id_} for id_ in ids])
    op.create_index(
        "ix_cpd_record_peer_reflection",
        "cpd_record",
        ["owner_id", "status", "deleted_at", "has_peer_reflection", "completed_on"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_cpd_record_peer_reflection", table_name="cpd_record")
    with op.batch_alter_table("cpd_record") as batch:
        batch.drop_column("has_peer_reflection")
