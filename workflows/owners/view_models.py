"""Recorded views of reports and faults by owner contacts (R-ROLE-5)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class ViewedSubject(StrEnum):
    """What an owner contact looked at."""

    REPORT = "report"
    REPORT_PDF = "report_pdf"
    FAULT = "fault"


class OwnerView(IdMixin, Base):
    """One view: who (an owner contact), what (subject type and id, in which project), when."""

    __tablename__ = "owner_view"
    __table_args__ = (Index("ix_owner_view_project_id_at", "project_id", "at"),)

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[uuid.UUID]
    at: Mapped[datetime]
