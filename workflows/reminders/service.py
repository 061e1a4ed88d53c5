"""Write due R-DUE reminders once: a :class:`Reminder` row plus its outbox notifications, together.

:func:`write_reminders` writes reminders computed by :mod:`workflows.reminders.due` in the caller's
transaction; the ``reminders.scan`` job commits every :data:`CHUNK` (1,000) reminders. The reminder
row's unique key ``(subject_type, subject_id, kind, due_at)`` makes a second scan — or a restarted
scheduler — write nothing new; the outbox dedup key is the same key.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflows.notifications.models import OutboxState
from workflows.notifications.service import insert_outbox_rows
from workflows.reminders.due import DueReminder, ScanResult
from workflows.reminders.models import Reminder

CHUNK = 1000
"""Reminders per transaction of the scan (and per statement here). Measured with 100k reminders on
SQLite (bench/bench_reminders.py): 1,000 costs about 10 % more CPU than 5,000, but a transaction
holds SQLite's single writer lock for about 0.3 s instead of 1.2 s, so API requests arriving
during a large fan-out wait less."""


# ---------------------------------------------------------------------------------------------------
# Writing.


def _insert_reminders(session: Session) -> Insert:
    dialect = session.get_bind().dialect.name
    table = cast(Table, Reminder.__table__)
    unique = ["subject_type", "subject_id", "kind", "due_at"]
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=unique)
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=unique)
    return insert(table)  # pragma: no cover - only SQLite and PostgreSQL are supported


def write_reminders(session: Session, reminders: Sequence[DueReminder], *, now: datetime) -> ScanResult:
    """Write reminders not written before, each with its outbox rows, in the caller's transaction.

    Args:
        session: Open session; the caller commits (reminder rows and notifications together).
        reminders: Due reminders (from :func:`due_reminders`, or synthetic ones in benchmarks).
        now: Creation time of the rows.

    Returns:
        Counts: due (given), written (new reminder rows), notifications (new outbox rows).
    """
    result = ScanResult(due=len(reminders))
    for start in range(0, len(reminders), CHUNK):
        chunk = reminders[start : start + CHUNK]
        ids = [uuid.uuid4() for _ in chunk]
        params = [
            {
                "id": rid,
                "subject_type": r.subject_type,
                "subject_id": r.subject_id,
                "kind": r.kind,
                "due_at": r.due_at,
                "recipients": len(r.recipients),
                "created_at": now,
            }
            for rid, r in zip(ids, chunk, strict=True)
        ]
        inserted = set(session.execute(_insert_reminders(session).returning(Reminder.id), params).scalars())
        outbox: list[dict[str, Any]] = []
        for rid, r in zip(ids, chunk, strict=True):
            if rid not in inserted:
                continue
            result.written += 1
            result.by_kind[r.kind] = result.by_kind.get(r.kind, 0) + 1
            payload = {**r.payload, "reminder_kind": r.kind, "due_at": r.due_at.isoformat()}
            outbox.extend(
                {
                    "id": uuid.uuid4(),
                    "recipient_id": person_id,
                    "kind": r.kind,
                    "payload": payload,
                    "dedup_key": r.key,
                    "state": OutboxState.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for person_id in r.recipients
            )
        result.notifications += insert_outbox_rows(session, outbox)
    return result


def reminders_of(session: Session, subject_id: uuid.UUID) -> list[Reminder]:
    """The reminders written about one subject, oldest due first (tests, support)."""
    return list(
        session.scalars(
            select(Reminder).where(Reminder.subject_id == subject_id).order_by(Reminder.due_at, Reminder.kind)
        )
    )
