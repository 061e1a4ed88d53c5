"""Reminders sent (R-DUE): one row per (subject, kind, due time); a restart neither loses nor doubles one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class Reminder(IdMixin, Base):
    """A reminder that became due and was written to the outbox in the same transaction.

    Attributes:
        subject_type: What the reminder is about: ``plan``, ``task``, ``report``, ``suspension``,
            ``project``, ``contract``.
        subject_id: The subject's id (UUID4).
        kind: Outbox kind, ``reminder.<what>`` (e.g. ``reminder.filing_due``).
        due_at: The moment the reminder became due (deterministic from the domain rows; part of the
            unique key, so each occurrence of a repeating reminder is its own row).
        recipients: How many outbox rows it wrote.
        created_at: When the scheduler wrote it.
    """

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "kind", "due_at"),)

    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    recipients: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]

    @property
    def key(self) -> str:
        """The reminder's dedup key, also used as the outbox dedup key."""
        return reminder_key(self.subject_type, self.subject_id, self.kind, self.due_at)


def reminder_key(subject_type: str, subject_id: uuid.UUID, kind: str, due_at: datetime) -> str:
    """``<kind>:<subject_type>:<subject_id hex>:<due_at ISO UTC>``, at most 200 characters."""
    return f"{kind}:{subject_type}:{subject_id.hex}:{due_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
