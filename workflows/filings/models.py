"""Filings (备案) of reports by a technical lead (R-FILE)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class Filing(IdMixin, Base):
    """The record of filing a report; ``late`` when filed after ``deadline`` (R-FILE-1)."""

    __tablename__ = "filing"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("report.id"), unique=True)
    filed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    filed_at: Mapped[datetime]
    opinion: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date]
    late: Mapped[bool]
    destination: Mapped[str] = mapped_column(String(100), default="fireops")
