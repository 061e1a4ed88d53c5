"""One-tap repair requests (一键报修) and their photos (R-OWN)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class RepairRoute(StrEnum):
    """Where the owner sends the request: kept in house, or to the agency as a fault."""

    INTERNAL = "internal"  # 内部处理
    AGENCY = "agency"  # 发送给维保单位


class RepairStatus(StrEnum):
    """``handled_internally`` → ``closed`` (by the owner); ``sent_to_agency`` follows its fault."""

    HANDLED_INTERNALLY = "handled_internally"
    SENT_TO_AGENCY = "sent_to_agency"
    CLOSED = "closed"


class RepairRequest(IdMixin, Base):
    """An owner contact's one-tap repair request for a facility of a project.

    A request routed to the agency carries the :class:`~workflows.faults.models.Fault` it opened
    (``fault_id``), which the project lead disposes the five ways (R-FAULT).
    """

    __tablename__ = "repair_request"

    code: Mapped[str] = mapped_column(String(24), unique=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), index=True)
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_facility.id"))
    location: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    route: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    fault_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("fault.id"), index=True)
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    close_note: Mapped[str | None] = mapped_column(Text)


class RepairPhoto(IdMixin, Base):
    """The photo attached to a repair request (JPEG/PNG ≤ 10 MB, checked by content)."""

    __tablename__ = "repair_photo"

    repair_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("repair_request.id", ondelete="CASCADE"), index=True
    )
    media_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime]
