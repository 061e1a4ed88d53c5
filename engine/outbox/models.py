"""The transactional outbox table (issue 3 §5): one row per notification and recipient.

The table and its delivery loop are engine machinery (DESIGN.md layers); the domain writes rows
through :func:`workflows.notifications.service.notify`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, IdMixin


class OutboxState(StrEnum):
    """Delivery state of an :class:`OutboxMessage`.

    ``pending`` → (claimed by a worker) ``sending`` → ``sent``; a failed send goes back to
    ``pending`` with a later ``next_attempt_at``; a permanent failure or too many attempts → ``dead``.
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


CLAIMABLE = "state IN ('pending', 'sending')"
"""Rows a worker may claim (``sending`` ones once their lease expired). Written as literal SQL on
purpose: the partial index ``ix_outbox_message_due`` is used only when the query's condition is the
same literal text (SQLite cannot prove the implication from bound parameters)."""


class OutboxMessage(IdMixin, Base):
    """One notification for one person, written in the transaction of the change that caused it.

    Attributes:
        recipient_id: ``Person.id`` the notification is for.
        kind: Dotted past tense event name (``task.reviewed``, ``reminder.filing_due``).
        payload: Channel-neutral JSON: always ``title`` and ``body`` (Chinese) plus the raw ids and
            fields a chat renderer needs (``task_id``, ``task_code``, ``project_name`` …).
        dedup_key: Deterministic per event; unique together with ``recipient_id`` so that writing
            the same notification twice is a no-op and senders can drop redelivered duplicates.
        state: :class:`OutboxState` value.
        attempts: Delivery attempts started so far (counted when a worker claims the row).
        next_attempt_at: When the row is due next; while ``sending`` it is the claim's lease expiry
            (a worker that crashed mid-send leaves the row to be reclaimed after it).
        last_error: The last sender error (truncated), if any.
        channel: The channel that delivered it (``log``, ``telegram`` …) once sent.
        created_at: When the notification was written.
        sent_at: When a sender accepted it.
        read_at: When the recipient marked it read in the web list.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("recipient_id", "dedup_key"),
        Index(
            "ix_outbox_message_due",
            "next_attempt_at",
            "id",
            postgresql_where=text(CLAIMABLE),
            sqlite_where=text(CLAIMABLE),
        ),
        Index("ix_outbox_message_recipient_id_created_at", "recipient_id", "created_at"),
    )

    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    dedup_key: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
