"""Write notifications into the outbox (same transaction as the change) and list them for a person.

:func:`notify` is the one way to tell people about something. It never commits and never sends:
the caller's unit of work commits the outbox rows together with the change that caused them, and
the delivery worker (:mod:`engine.outbox.worker`) sends them afterwards. A refused request therefore
writes no outbox row, and a committed change always has its notifications.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.errors import NotFound
from workflows.context import Ctx
from workflows.notifications.models import OutboxMessage, OutboxState
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.schema import Schema

_REQUIRED_PAYLOAD_KEYS = ("title", "body")


def notify(
    ctx: Ctx,
    *,
    kind: str,
    recipients: Iterable[uuid.UUID | None],
    payload: dict[str, Any],
    dedup_key: str,
) -> int:
    """Write one outbox row per distinct recipient in the caller's transaction (never commits).

    A row whose ``(recipient, dedup_key)`` exists already is skipped, so calling this twice for the
    same event is harmless (idempotent), also under concurrent writers (``ON CONFLICT DO NOTHING``).

    Args:
        ctx: The action's context; its session holds the change being notified about.
        kind: Dotted past tense event name, e.g. ``task.reviewed`` or ``reminder.filing_due``.
        recipients: ``Person.id`` values; ``None`` entries and repeats are ignored.
        payload: Channel-neutral JSON with ``title`` and ``body`` (Chinese) and the raw ids/fields a
            chat renderer needs (``task_id``, ``project_name`` …).
        dedup_key: Deterministic per event (e.g. ``task.reviewed:{task_id}:{round}``), ≤ 200 chars.

    Returns:
        The number of rows written (0 when every recipient had it already).

    Raises:
        ValueError: ``payload`` lacks ``title`` or ``body``, or ``dedup_key`` is empty or too long
            (programming errors, not user errors).
    """
    return notify_many(
        ctx.session,
        now=ctx.clock.now(),
        kind=kind,
        dedup_key=dedup_key,
        payload=payload,
        recipients=recipients,
    )


def notify_many(
    session: Session,
    *,
    now: datetime,
    kind: str,
    dedup_key: str,
    payload: dict[str, Any],
    recipients: Iterable[uuid.UUID | None],
) -> int:
    """:func:`notify` on a bare session and an explicit ``now`` (the scheduler and benchmarks)."""
    for key in _REQUIRED_PAYLOAD_KEYS:
        if not isinstance(payload.get(key), str):
            raise ValueError(f"notification payload needs a string {key!r}")
    if not dedup_key or len(dedup_key) > 200:
        raise ValueError("dedup_key must be 1-200 characters")
    people = list(dict.fromkeys(r for r in recipients if r is not None))
    if not people:
        return 0
    rows = [
        {
            "id": uuid.uuid4(),
            "recipient_id": person_id,
            "kind": kind,
            "payload": payload,
            "dedup_key": dedup_key,
            "state": OutboxState.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for person_id in people
    ]
    return insert_outbox_rows(session, rows)


def insert_outbox_rows(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert prepared rows, skipping existing ``(recipient_id, dedup_key)`` pairs; returns rows written."""
    if not rows:
        return 0
    session.flush()  # a Core insert does not autoflush: recipients created in this transaction must exist
    dialect = session.get_bind().dialect.name
    stmt = _OUTBOX_INSERT.get(dialect)
    if stmt is None:
        if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - only SQLite and PostgreSQL
            return _insert_outbox_rows_portably(session, rows)
        insert_on = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = _OUTBOX_INSERT[dialect] = (
            insert_on(_OUTBOX).on_conflict_do_nothing(index_elements=_OUTBOX_UNIQUE).returning(_OUTBOX.c.id)
        )
    params: dict[str, Any] | list[dict[str, Any]] = rows[0] if len(rows) == 1 else list(rows)
    return len(session.execute(stmt, params).all())


_OUTBOX = cast(Table, OutboxMessage.__table__)  # Core, not the ORM bulk path: the fan-out hot loop
_OUTBOX_UNIQUE = ["recipient_id", "dedup_key"]
_OUTBOX_INSERT: dict[str, Insert] = {}
"""The outbox insert per dialect, built once (every notification runs it; a built statement keeps its
cache key)."""


def _insert_outbox_rows_portably(
    session: Session, rows: Sequence[dict[str, Any]]
) -> int:  # pragma: no cover - only SQLite and PostgreSQL are supported
    keys = {(r["recipient_id"], r["dedup_key"]) for r in rows}
    existing = {
        (row[0], row[1])
        for row in session.execute(
            select(OutboxMessage.recipient_id, OutboxMessage.dedup_key).where(
                OutboxMessage.dedup_key.in_({k for _, k in keys})
            )
        )
    }
    rows = [r for r in rows if (r["recipient_id"], r["dedup_key"]) not in existing]
    if not rows:
        return 0
    return len(session.execute(insert(_OUTBOX).returning(_OUTBOX.c.id), list(rows)).all())


# ---------------------------------------------------------------------------------------------------
# Who to tell: small recipient lookups shared by the services that notify.


def agency_people_with_role(session: Session, agency_id: uuid.UUID, role: Role) -> list[uuid.UUID]:
    """Enabled people of ``agency_id`` holding ``role`` (e.g. the technical leads), in a stable order."""
    people = session.scalars(
        select(Person)
        .where(Person.agency_id == agency_id, Person.enabled.is_(True))
        .order_by(Person.created_at, Person.id)
    ).all()
    return [p.id for p in people if role.value in (p.roles or [])]


def owner_contacts(session: Session, owner_id: uuid.UUID) -> list[uuid.UUID]:
    """Enabled owner contacts (业主联系人) of ``owner_id``."""
    people = session.scalars(
        select(Person)
        .where(Person.owner_id == owner_id, Person.enabled.is_(True))
        .order_by(Person.created_at, Person.id)
    ).all()
    return [p.id for p in people if Role.OWNER_CONTACT.value in (p.roles or [])]


# ---------------------------------------------------------------------------------------------------
# The web list (GET /api/v1/me/notifications).


class NotificationRead(Schema):
    """One notification as the web console shows it."""

    id: uuid.UUID
    kind: str
    title: str
    body: str
    payload: dict[str, Any]
    state: str
    created_at: datetime
    read_at: datetime | None


def _read(message: OutboxMessage) -> NotificationRead:
    return NotificationRead(
        id=message.id,
        kind=message.kind,
        title=str(message.payload.get("title", "")),
        body=str(message.payload.get("body", "")),
        payload=message.payload,
        state=message.state,
        created_at=message.created_at,
        read_at=message.read_at,
    )


def list_notifications(
    ctx: Ctx, me: Person, *, unread: bool = False, limit: int = 100
) -> list[NotificationRead]:
    """The caller's notifications, newest first.

    Args:
        ctx: Request context.
        me: The calling person (only their own rows are listed).
        unread: Only rows not yet marked read.
        limit: At most this many rows (1-500).
    """
    query = select(OutboxMessage).where(OutboxMessage.recipient_id == me.id)
    if unread:
        query = query.where(OutboxMessage.read_at.is_(None))
    query = query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    query = query.limit(max(1, min(limit, 500)))
    return [_read(m) for m in ctx.session.scalars(query)]


class NotificationNotFound(NotFound):
    """No such notification for this person (404)."""

    code = "notification_not_found"


def mark_read(ctx: Ctx, me: Person, notification_id: uuid.UUID) -> NotificationRead:
    """Mark one of the caller's notifications read (idempotent: the first ``read_at`` stays).

    Raises:
        NotificationNotFound: no such notification, or it belongs to someone else (404).
    """
    message = ctx.session.get(OutboxMessage, notification_id)
    if message is None or message.recipient_id != me.id:
        raise NotificationNotFound("通知不存在 / no such notification")
    if message.read_at is None:
        message.read_at = ctx.clock.now()
    return _read(message)
