"""Direct-upload requests of special sites (特殊场所直接上传报告申请, R-SPEC) and their attachments."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class DirectUploadState(StrEnum):
    """A request is pending until the fire department of the project's jurisdiction decides it."""

    PENDING = "pending"  # 待审核
    APPROVED = "approved"  # 审核通过
    REJECTED = "rejected"  # 审核不通过


class DirectUploadRequest(IdMixin, Base):
    """An agency's request that a project (a special site: classified, explosive atmosphere …) may
    upload its reports directly instead of generating them (R-SPEC, seed 001 ch.7).

    A project is a special site while it has an ``approved`` request.
    """

    __tablename__ = "direct_upload_request"

    code: Mapped[str] = mapped_column(String(24), unique=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=DirectUploadState.PENDING)
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    requested_at: Mapped[datetime]
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]
    opinion: Mapped[str | None] = mapped_column(Text)


class DirectUploadAttachment(IdMixin, Base):
    """A supporting file of a request (申请表 etc.), stored in the database like photos."""

    __tablename__ = "direct_upload_attachment"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("direct_upload_request.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
