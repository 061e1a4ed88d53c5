"""Shared helpers of the outbox tests: people to notify, rows to deliver, recording senders."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.db import unit_of_work
from engine.outbox.models import OutboxMessage
from engine.outbox.senders import Delivery, SendResult
from workflows.notifications.service import notify_many
from workflows.people.models import Person


def add_people(sessions: sessionmaker[Session], n: int, *, now: datetime) -> list[uuid.UUID]:
    """``n`` enabled people (outbox recipients must exist: foreign key)."""
    with unit_of_work(sessions) as session:
        people = [
            Person(
                name=f"收件人{i}",
                phone=f"1390000{i:04d}",
                roles=["field_operator"],
                enabled=True,
                created_at=now,
            )
            for i in range(n)
        ]
        session.add_all(people)
        session.flush()
        return [p.id for p in people]


def add_messages(
    sessions: sessionmaker[Session],
    recipients: list[uuid.UUID],
    *,
    now: datetime,
    kind: str = "test.sent",
    key: str = "m",
) -> list[uuid.UUID]:
    """One notification per recipient (dedup key ``{key}:{i}``); returns the row ids in order."""
    with unit_of_work(sessions) as session:
        for i, person in enumerate(recipients):
            notify_many(
                session,
                now=now,
                kind=kind,
                dedup_key=f"{key}:{i}",
                recipients=[person],
                payload={"title": f"标题{i}", "body": f"内容{i}", "n": i},
            )
    with unit_of_work(sessions) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.dedup_key.like(f"{key}:%"))).all()
        by_key = {r.dedup_key: r.id for r in rows}
    return [by_key[f"{key}:{i}"] for i in range(len(recipients))]


def rows(sessions: sessionmaker[Session]) -> dict[uuid.UUID, OutboxMessage]:
    """Every outbox row by id (detached copies)."""
    with sessions() as session:
        return {r.id: r for r in session.scalars(select(OutboxMessage))}


class RecordingSender:
    """Records every delivery; ``script(delivery)`` decides the result (default: ok)."""

    def __init__(
        self, channel: str = "log", script: Callable[[Delivery], SendResult] | None = None, **limits: Any
    ) -> None:
        self.channel = channel
        self.calls: list[Delivery] = []
        self.script = script or (lambda _d: SendResult(ok=True))
        for name, value in limits.items():
            setattr(self, name, value)

    async def send(self, delivery: Delivery) -> SendResult:
        self.calls.append(delivery)
        return self.script(delivery)

    @property
    def delivered(self) -> list[uuid.UUID]:
        """Message ids of the calls (repeats included)."""
        return [d.message_id for d in self.calls]
