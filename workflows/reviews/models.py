"""Review log (审核日志, R-REV)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class ReviewEntry(IdMixin, Base):
    """One review decision on a task: verdict ``approve``/``reject`` with the reviewer's opinion."""

    __tablename__ = "review_entry"

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    round: Mapped[int]
    verdict: Mapped[str] = mapped_column(String(16))
    opinion: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
