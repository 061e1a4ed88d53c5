"""filing immutable: a filing row can never change or disappear (R-FILE-2)

The verification page says "filed" because a ``filing`` row exists for the report. Like the filed
``report`` row itself (0001), that row is protected at the database door: a trigger refuses any
UPDATE or DELETE of it, on SQLite and on PostgreSQL, so raw SQL cannot turn a filed report back
into "not filed". (TRUNCATE, used only by the test suite to empty PostgreSQL between tests, fires
no row triggers.)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "R-FILE-2: a filing can never change"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION filing_is_immutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END; $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER filing_immutable BEFORE UPDATE OR DELETE ON filing "
            "FOR EACH ROW EXECUTE FUNCTION filing_is_immutable()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER filing_no_update BEFORE UPDATE ON filing "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
        op.execute(
            f"CREATE TRIGGER filing_no_delete BEFORE DELETE ON filing "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS filing_immutable ON filing")
        op.execute("DROP FUNCTION IF EXISTS filing_is_immutable()")
    else:
        op.execute("DROP TRIGGER IF EXISTS filing_no_update")
        op.execute("DROP TRIGGER IF EXISTS filing_no_delete")
