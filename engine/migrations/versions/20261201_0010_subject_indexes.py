"""subject indexes: process instances by (subject, process id), work items by subject

``ProcessStore.lock`` looked a running instance up by subject and process id; with the two-column
subject index SQLite's planner (which has no statistics) chose ``ix_process_instance_timer`` and
scanned every running instance. Work items were looked up by subject with no index at all (a
full scan on every review card). Both lookups are on the review's hot path (``bench/``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_process_instance_subject", table_name="process_instance")
    op.create_index(
        "ix_process_instance_subject", "process_instance", ["subject_type", "subject_id", "process_id"]
    )
    op.create_index("ix_work_item_subject", "work_item", ["subject_type", "subject_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_work_item_subject", table_name="work_item")
    op.drop_index("ix_process_instance_subject", table_name="process_instance")
    op.create_index("ix_process_instance_subject", "process_instance", ["subject_type", "subject_id"])
