"""repairs owner views ratings: one-tap repair requests and photos (R-OWN), owner views (R-ROLE-5),
service ratings (SPEC §9)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "owner_view",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_owner_view_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_owner_view_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner_view")),
    )
    with op.batch_alter_table("owner_view", schema=None) as batch_op:
        batch_op.create_index("ix_owner_view_project_id_at", ["project_id", "at"], unique=False)

    op.create_table(
        "service_rating",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("rated_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_service_rating_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_service_rating_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_service_rating_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_rating")),
        sa.UniqueConstraint("report_id", name=op.f("uq_service_rating_report_id")),
    )
    with op.batch_alter_table("service_rating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_rating_project_id"), ["project_id"], unique=False)

    op.create_table(
        "repair_request",
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("fault_id", sa.Uuid(), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["person.id"], name=op.f("fk_repair_request_closed_by_person")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["catalog_facility.id"],
            name=op.f("fk_repair_request_facility_id_catalog_facility"),
        ),
        sa.ForeignKeyConstraint(["fault_id"], ["fault.id"], name=op.f("fk_repair_request_fault_id_fault")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_repair_request_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["person.id"], name=op.f("fk_repair_request_requested_by_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_request")),
        sa.UniqueConstraint("code", name=op.f("uq_repair_request_code")),
    )
    with op.batch_alter_table("repair_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_request_fault_id"), ["fault_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_repair_request_project_id"), ["project_id"], unique=False)

    op.create_table(
        "repair_photo",
        sa.Column("repair_request_id", sa.Uuid(), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["repair_request_id"],
            ["repair_request.id"],
            name=op.f("fk_repair_photo_repair_request_id_repair_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["person.id"], name=op.f("fk_repair_photo_uploaded_by_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_photo")),
    )
    with op.batch_alter_table("repair_photo", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_repair_photo_repair_request_id"), ["repair_request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("repair_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_photo_repair_request_id"))

    op.drop_table("repair_photo")
    with op.batch_alter_table("repair_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_request_project_id"))
        batch_op.drop_index(batch_op.f("ix_repair_request_fault_id"))

    op.drop_table("repair_request")
    with op.batch_alter_table("service_rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_rating_project_id"))

    op.drop_table("service_rating")
    with op.batch_alter_table("owner_view", schema=None) as batch_op:
        batch_op.drop_index("ix_owner_view_project_id_at")

    op.drop_table("owner_view")
