"""month drafts ledger: one row per (project, month) whose plan draft the scheduler created

The ``plans.create_month_drafts`` job catches up (daily, and when a process takes the scheduler
lease); this ledger makes each month's draft appear exactly once and keeps a draft the agency
deleted (R-PLAN-2) from being created again (``plan_id`` becomes ``NULL`` then).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "month_draft",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_month_draft_plan_id_plan"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_month_draft_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_month_draft")),
        sa.UniqueConstraint("project_id", "month", name=op.f("uq_month_draft_project_id_month")),
    )


def downgrade() -> None:
    op.drop_table("month_draft")
