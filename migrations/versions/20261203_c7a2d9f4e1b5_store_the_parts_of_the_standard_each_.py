"""store the parts of the standard each CPD record shows; when CPD was recorded in the listing's index

Your CPD says which parts of the standard this year's CPD shows. Asking each record's
JSON answers grew with the number of records, most when a part is shown by nobody (every
record was read to be sure). The parts are now kept beside the answers, as a short
sorted JSON list of part numbers (app/cpd/rules.standard_parts_key), by every write of a
record (app/cpd/models.py), and indexed with the owner, status and date, so that the
parts a year shows are found by a few searches of the index. Filled in here for existing
records by the same rule (a copy, so this migration keeps meaning what it meant), a
batch at a time.

Ready to renew also counts CPD recorded this year but dated in an earlier one: it read
every earlier record from the table to see when it was recorded; ``ix_cpd_record_listing``
now holds ``recorded_at`` too, so the count reads that index alone.

Revision ID: c7a2d9f4e1b5
Revises: b3f1d2e4a6c8
Create Date: 2026-12-03 19:40:00.000000
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c7a2d9f4e1b5"
down_revision: str | None = "b3f1d2e4a6c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
# The policy's bounds when this was written (app/policy.py).
MOST_STANDARD_PARTS = 16
PART_NUMBER_MOST_CHARACTERS = 20


def _key(parts: Any) -> str | None:
    if not isinstance(parts, list):
        return None
    numbers = sorted(
        {
            part
            for part in parts
            if isinstance(part, str) and 0 < len(part) <= PART_NUMBER_MOST_CHARACTERS
        }
    )[:MOST_STANDARD_PARTS]
    return json.dumps(numbers, ensure_ascii=False, separators=(",", ":")) if numbers else None


def upgrade() -> None:
    with op.batch_alter_table("cpd_record") as batch:
        batch.add_column(
            sa.Column("standard_parts_key", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        parts = "answers -> 'standard_parts'"
        is_list = f"json_typeof({parts}) = 'array'"
    else:
        parts = "json_extract(answers, '$.standard_parts')"
        is_list = "json_type(answers, '$.standard_parts') = 'array'"
    # A batch at a time, in id order, so a large table is never held in memory.
    select = sa.text(
        f"SELECT id, {parts} FROM cpd_record"  # noqa: S608 - constants only
        f" WHERE id > :after AND {is_list} ORDER BY id LIMIT :batch"
    )
    update = sa.text("UPDATE cpd_record SET standard_parts_key = :key WHERE id = :id")
    after = 0
    while rows := connection.execute(select, {"after": after, "batch": BATCH}).all():
        after = rows[-1][0]
        keys = [
            {"id": id_, "key": _key(value if isinstance(value, list) else json.loads(value))}
            for id_, value in rows
        ]
        keys = [row for row in keys if row["key"] is not None]
        if keys:
            connection.execute(update, keys)
    # Ready to renew's count of CPD recorded this year but dated in an earlier one,
    # read from the listing's index alone once it holds when each was recorded.
    op.drop_index("ix_cpd_record_listing", table_name="cpd_record")
    op.create_index(
        "ix_cpd_record_listing",
        "cpd_record",
        ["owner_id", "status", "deleted_at", "completed_on", "updated_at", "recorded_at"],
        unique=False,
    )
    op.create_index(
        "ix_cpd_record_parts",
        "cpd_record",
        ["owner_id", "status", "deleted_at", "standard_parts_key", "completed_on"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_cpd_record_parts", table_name="cpd_record")
    op.drop_index("ix_cpd_record_listing", table_name="cpd_record")
    op.create_index(
        "ix_cpd_record_listing",
        "cpd_record",
        ["owner_id", "status", "deleted_at", "completed_on", "updated_at"],
        unique=False,
    )
    with op.batch_alter_table("cpd_record") as batch:
        batch.drop_column("standard_parts_key")
