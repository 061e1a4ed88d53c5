"""Helpers of the reminder tests: run the jobs, read what they wrote, move the clock."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.background import job_context
from api.demo import ok
from api.deps import AppState
from api.world import API, CONTRACT, PROJECT
from engine.clock import FrozenClock
from engine.outbox.models import OutboxMessage
from workflows.reminders.due import ScanResult
from workflows.reminders.jobs import scan
from workflows.reminders.models import Reminder

SH = ZoneInfo("Asia/Shanghai")


def at(clock: FrozenClock, y: int, m: int, d: int, hour: int = 9, minute: int = 0) -> None:
    """Set the clock to ``y-m-d hour:minute`` Asia/Shanghai."""
    clock.set(datetime(y, m, d, hour, minute, tzinfo=SH))


def run_scan(state: AppState) -> ScanResult:
    """One ``reminders.scan`` job run."""
    return scan(job_context(state))


def outbox(state: AppState, kind_prefix: str = "reminder.") -> list[OutboxMessage]:
    """Outbox rows whose kind starts with ``kind_prefix``, oldest first."""
    with state.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind.like(f"{kind_prefix}%"))
                .order_by(OutboxMessage.created_at, OutboxMessage.kind, OutboxMessage.recipient_id)
            )
        )


def sent_to(state: AppState, kind: str) -> Counter[uuid.UUID]:
    """How many ``kind`` rows each person got."""
    return Counter(m.recipient_id for m in outbox(state, kind))


def reminders(state: AppState) -> list[tuple[str, str, datetime]]:
    """``(subject_type, kind, due_at in Shanghai)`` of every reminder row."""
    with state.sessions() as session:
        return [
            (r.subject_type, r.kind, r.due_at.astimezone(SH))
            for r in session.scalars(select(Reminder).order_by(Reminder.due_at, Reminder.kind))
        ]


def ids(world: Any, *keys: str) -> set[uuid.UUID]:
    """``Person.id`` of the world's people named by ``keys``."""
    return {uuid.UUID(world.people[k]) for k in keys}


def add_project(client: TestClient, world: Any, *, signed_on: str, first_plan_month: str, name: str) -> str:
    """A second maintenance contract and project of the world's agency and owner (same facilities)."""
    admin = world.headers["agency_admin"]
    contract = ok(
        client.post(
            f"{API}/contracts",
            json={**CONTRACT, "name": f"{name}合同", "signed_on": signed_on, "owner_id": world.owner_id},
            headers=admin,
        ),
        201,
    )
    project = ok(
        client.post(
            f"{API}/projects",
            json={
                **PROJECT,
                "name": name,
                "contract_id": contract["id"],
                "lead_id": world.people["lead"],
                "first_plan_month": first_plan_month,
            },
            headers=admin,
        ),
        201,
    )
    ok(
        client.put(
            f"{API}/projects/{project['id']}/facilities",
            json={"facility_ids": world.facility_ids},
            headers=admin,
        )
    )
    return str(project["id"])
