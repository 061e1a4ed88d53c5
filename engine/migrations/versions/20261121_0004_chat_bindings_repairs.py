"""chat bindings repairs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_binding",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_user_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("bound_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_chat_binding_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_binding")),
        sa.UniqueConstraint(
            "channel", "external_user_id", name=op.f("uq_chat_binding_channel_external_user_id")
        ),
        sa.UniqueConstraint("channel", "person_id", name=op.f("uq_chat_binding_channel_person_id")),
    )
    op.create_table(
        "chat_binding_code",
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("issued_by", sa.Uuid(), nullable=True),
        sa.Column("expires_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["person.id"], name=op.f("fk_chat_binding_code_issued_by_person")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_chat_binding_code_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_binding_code")),
        sa.UniqueConstraint("code_sha256", name=op.f("uq_chat_binding_code_code_sha256")),
    )
    op.create_index(op.f("ix_chat_binding_code_person_id"), "chat_binding_code", ["person_id"], unique=False)
    op.create_table(
        "chat_dialog",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_chat_dialog_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", "channel", name=op.f("pk_chat_dialog")),
    )
    op.create_table(
        "telegram_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seen_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_telegram_update")),
    )
    op.create_index(op.f("ix_telegram_update_seen_at"), "telegram_update", ["seen_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_telegram_update_seen_at"), table_name="telegram_update")
    op.drop_table("telegram_update")
    op.drop_table("chat_dialog")
    op.drop_index(op.f("ix_chat_binding_code_person_id"), table_name="chat_binding_code")
    op.drop_table("chat_binding_code")
    op.drop_table("chat_binding")
