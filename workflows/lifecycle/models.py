"""Suspension requests (暂停), their supporting files, and project closures (终止/完成) (R-LIFE)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class SuspensionState(StrEnum):
    """pending → approved | rejected | withdrawn; ``cancelled`` when the project is terminated meanwhile."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"


class Suspension(IdMixin, Base):
    """A request to suspend one month of a project, decided by the fire department (R-LIFE, R-PLAN-1).

    ``month`` is the first day of the suspended month. An approved month gets no plan and no report
    and is left out of the supervision statistics.
    """

    __tablename__ = "suspension"
    __table_args__ = (Index("ix_suspension_project_month", "project_id", "month"),)

    code: Mapped[str] = mapped_column(String(24), unique=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"))
    month: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=SuspensionState.PENDING)
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    requested_at: Mapped[datetime]
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]
    opinion: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None]


class SuspensionFile(IdMixin, Base):
    """A supporting file of a suspension request: PDF, JPEG or PNG, ≤ 10 MB, checked by content."""

    __tablename__ = "suspension_file"

    suspension_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("suspension.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime]


class ClosureKind(StrEnum):
    """How a project ended (R-LIFE)."""

    TERMINATED = "terminated"  # 终止: irreversible, with reason and operator
    COMPLETED = "completed"  # 完成: after the contract end and its last report


class ProjectClosure(IdMixin, Base):
    """The one record of a project's end; ``project_id`` is unique, so a project ends only once."""

    __tablename__ = "project_closure"

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    closed_at: Mapped[datetime]
