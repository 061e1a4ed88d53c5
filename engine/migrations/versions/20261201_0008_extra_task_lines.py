"""extra task lines: supplementary and spec-mismatch tasks carry lines of no plan (R-TASK-2)

``plan_line.plan_id`` and ``plan_line.test_item_id`` become nullable: the lines of a supplementary
task (补充测试项) belong to no plan, and a spec-mismatch line (设施与当前规范不匹配) has no catalog
item but the executor's free text (``free_system``, ``free_facility``, ``free_item``,
``free_criterion``). A check keeps every line naming either a catalog item or a free-text item.
On SQLite the nullability change recreates ``plan_line`` (batch mode; ``plan_line`` has no
triggers, and Alembic's own connection runs with foreign keys off, so the copy keeps every row).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("free_system", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("free_facility", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("free_item", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("free_criterion", sa.Text(), nullable=True))
        batch_op.alter_column("plan_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.alter_column("test_item_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_check_constraint(
            "item_or_free_text", "test_item_id IS NOT NULL OR free_item IS NOT NULL"
        )


def downgrade() -> None:
    op.execute("DELETE FROM plan_line WHERE plan_id IS NULL OR test_item_id IS NULL")
    with op.batch_alter_table("plan_line", schema=None) as batch_op:
        batch_op.drop_constraint("item_or_free_text", type_="check")
        batch_op.alter_column("test_item_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column("plan_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column("free_criterion")
        batch_op.drop_column("free_item")
        batch_op.drop_column("free_facility")
        batch_op.drop_column("free_system")
