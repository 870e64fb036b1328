"""ids that go in links and tokens are never reused (SQLite AUTOINCREMENT)

SQLite without AUTOINCREMENT gives the next row the highest id in use plus one, so
deleting the newest account handed its id to the next person, and the deleted
person's unsubscribe link turned off the newcomer's reminders (issue 19). The tables
whose ids go in a link or a signed token are rebuilt with AUTOINCREMENT, which keeps
the highest id ever used in sqlite_sequence. Rows keep their ids; the rebuild copies
them, and the indexes and constraints are made again.

PostgreSQL: nothing to do; its sequences never hand out an id twice.

Revision ID: e5c1a9d7b2f4
Revises: c4d5e6f7a8b9
Create Date: 2026-12-03 19:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e5c1a9d7b2f4"
down_revision: str | None = "c4d5e6f7a8b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("user_account", "cpd_record", "cpd_document", "kept_form")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # Alembic's connection has foreign keys off (SQLite's default), so dropping the old
    # user_account in the rebuild neither cascades to two-step rows nor fails.
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
