"""Reminders sent (R-DUE): one row per (subject, kind, due time); a restart neither loses nor doubles one.

Also the ledger of the scheduler's month drafts: one row per (project, month) whose plan draft the
``plans.create_month_drafts`` job created, so catching up (daily, and when a process takes the
scheduler lease) creates each month's draft exactly once, and never again after a user deleted it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
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


class MonthDraft(IdMixin, Base):
    """The scheduler created ``month``'s plan draft of ``project_id`` (once: the pair is unique).

    Attributes:
        project_id: The project.
        month: First day of the plan's month.
        plan_id: The draft it created; ``NULL`` once that plan was deleted (R-PLAN-2). The row stays,
            so the job does not recreate a draft the agency deleted.
        created_at: When the job created it.
    """

    __tablename__ = "month_draft"
    __table_args__ = (UniqueConstraint("project_id", "month"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"))
    month: Mapped[date]
    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plan.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
