"""inspection assessment special sites

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21

Uploaded reports (R-RPT-3/4): ``report.origin``, ``report.conclusion``, ``report.report_code``.
Special sites (R-SPEC): ``direct_upload_request`` and its ``direct_upload_attachment`` files.
Adding columns keeps SQLite's ``report`` triggers (R-FILE-2): batch mode only recreates the table
for changes SQLite cannot ALTER, and ADD COLUMN it can.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=16), server_default="generated", nullable=False)
        )
        batch_op.add_column(sa.Column("conclusion", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("report_code", sa.String(length=40), nullable=True))
    op.create_table(
        "direct_upload_request",
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["person.id"], name=op.f("fk_direct_upload_request_decided_by_person")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_direct_upload_request_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["person.id"], name=op.f("fk_direct_upload_request_requested_by_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_direct_upload_request")),
        sa.UniqueConstraint("code", name=op.f("uq_direct_upload_request_code")),
    )
    with op.batch_alter_table("direct_upload_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_direct_upload_request_project_id"), ["project_id"], unique=False)
    op.create_table(
        "direct_upload_attachment",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["direct_upload_request.id"],
            name=op.f("fk_direct_upload_attachment_request_id_direct_upload_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_direct_upload_attachment")),
    )
    with op.batch_alter_table("direct_upload_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_direct_upload_attachment_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("direct_upload_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_direct_upload_attachment_request_id"))
    op.drop_table("direct_upload_attachment")
    with op.batch_alter_table("direct_upload_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_direct_upload_request_project_id"))
    op.drop_table("direct_upload_request")
    # Plain DROP COLUMN (SQLite ≥ 3.35 has it): a batch copy of ``report`` would lose its R-FILE-2 triggers.
    for column in ("report_code", "conclusion", "origin"):
        op.drop_column("report", column)
