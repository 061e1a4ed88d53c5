"""lifecycle inspection supervision: suspension requests and files, project closures (R-LIFE)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project_closure",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=False),
        sa.Column("closed_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["person.id"], name=op.f("fk_project_closure_closed_by_person")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_project_closure_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_closure")),
        sa.UniqueConstraint("project_id", name=op.f("uq_project_closure_project_id")),
    )
    op.create_table(
        "suspension",
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("withdrawn_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by"], ["person.id"], name=op.f("fk_suspension_decided_by_person")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_suspension_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["person.id"], name=op.f("fk_suspension_requested_by_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspension")),
        sa.UniqueConstraint("code", name=op.f("uq_suspension_code")),
    )
    op.create_index("ix_suspension_project_month", "suspension", ["project_id", "month"], unique=False)
    op.create_table(
        "suspension_file",
        sa.Column("suspension_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["suspension_id"],
            ["suspension.id"],
            name=op.f("fk_suspension_file_suspension_id_suspension"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspension_file")),
    )
    op.create_index(
        op.f("ix_suspension_file_suspension_id"), "suspension_file", ["suspension_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_suspension_file_suspension_id"), table_name="suspension_file")
    op.drop_table("suspension_file")
    op.drop_index("ix_suspension_project_month", table_name="suspension")
    op.drop_table("suspension")
    op.drop_table("project_closure")
