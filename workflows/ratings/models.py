"""Service ratings: an owner contact confirms a filed report's service and rates it 1-5."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class ServiceRating(IdMixin, Base):
    """One confirmation per report (unique ``report_id``), given after the report was filed."""

    __tablename__ = "service_rating"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("report.id"), unique=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime]
