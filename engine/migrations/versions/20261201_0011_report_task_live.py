"""report_task live flag: a task is covered by at most one live report (R-RPT-2, R-TASK-2)

Two reports of two plans of one project could both tick the same extra task when generated at the
same moment (each locked only its own plan row). The services now lock the ticked tasks; this
revision adds the database's own guarantee: ``report_task.live`` (true while the report is live,
false once it is deleted) and a partial unique index on ``task_id`` over the live rows. A plain
unique ``task_id`` would be wrong: a deleted report keeps its rows as the record of what it
covered, and its tasks join the regenerated report.

The UPDATE below is not a data fix but the new column's first value: the rows of reports deleted
before this revision are not live. It has to run between adding the column and creating the
index (the index would refuse a plan task covered by a deleted report and by its regenerated
one), so the three steps stay in one revision.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report_task") as batch:
        batch.add_column(sa.Column("live", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute(
        "UPDATE report_task SET live = false "
        "WHERE report_id IN (SELECT id FROM report WHERE status = 'deleted')"
    )
    op.create_index(
        "uq_report_task_live_task_id",
        "report_task",
        ["task_id"],
        unique=True,
        postgresql_where=sa.text("live"),
        sqlite_where=sa.text("live"),
    )


def downgrade() -> None:
    op.drop_index("uq_report_task_live_task_id", table_name="report_task")
    with op.batch_alter_table("report_task") as batch:
        batch.drop_column("live")
