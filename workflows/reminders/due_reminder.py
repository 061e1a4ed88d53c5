"""What a due R-DUE reminder is (:class:`DueReminder`), what a scan did (:class:`ScanResult`) and who
gets reminders (:class:`RecipientDirectory`, cached for one scan). The rules that compute them are in
:mod:`workflows.reminders.due_work` and :mod:`workflows.reminders.due_deadlines`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.notifications.service import agency_people_with_role, owner_contacts
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.projects.models import Project
from workflows.reminders.models import reminder_key


@dataclass(frozen=True)
class DueReminder:
    """A reminder whose moment has come, with its recipients and channel-neutral payload."""

    subject_type: str
    subject_id: uuid.UUID
    kind: str
    due_at: datetime
    recipients: tuple[uuid.UUID, ...]
    payload: dict[str, Any]

    @property
    def key(self) -> str:
        """The reminder's unique key, also the outbox dedup key."""
        return reminder_key(self.subject_type, self.subject_id, self.kind, self.due_at)


@dataclass
class ScanResult:
    """What one scan did: reminders due, reminders newly written, outbox rows written."""

    due: int = 0
    written: int = 0
    notifications: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, other: ScanResult) -> None:
        """Add the written counts of ``other`` (one chunk) to this result."""
        self.written += other.written
        self.notifications += other.notifications
        for kind, n in other.by_kind.items():
            self.by_kind[kind] = self.by_kind.get(kind, 0) + n


class RecipientDirectory:
    """Recipient lookups cached for one scan."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._agency: dict[tuple[uuid.UUID, Role], list[uuid.UUID]] = {}
        self._owner: dict[uuid.UUID, list[uuid.UUID]] = {}
        self._jurisdiction: dict[str, list[uuid.UUID]] = {}

    def agency(self, agency_id: uuid.UUID, role: Role) -> list[uuid.UUID]:
        """``Person.id`` of the enabled people of the agency holding ``role``."""
        key = (agency_id, role)
        if key not in self._agency:
            self._agency[key] = agency_people_with_role(self.session, agency_id, role)
        return self._agency[key]

    def owner(self, owner_id: uuid.UUID) -> list[uuid.UUID]:
        """``Person.id`` of the owner's contacts (R-OWN)."""
        if owner_id not in self._owner:
            self._owner[owner_id] = owner_contacts(self.session, owner_id)
        return self._owner[owner_id]

    def supervisors(self, jurisdiction: str) -> list[uuid.UUID]:
        """``Person.id`` of the enabled fire supervisors of ``jurisdiction``, oldest account first."""
        if jurisdiction not in self._jurisdiction:
            people = self.session.scalars(
                select(Person)
                .where(Person.jurisdiction == jurisdiction, Person.enabled.is_(True))
                .order_by(Person.created_at, Person.id)
            )
            self._jurisdiction[jurisdiction] = [p.id for p in people if Role.FIRE_SUPERVISOR.value in p.roles]
        return self._jurisdiction[jurisdiction]


def people_of(*groups: Sequence[uuid.UUID | None]) -> tuple[uuid.UUID, ...]:
    """The people of ``groups`` in order, each once, ``None`` left out: a reminder's recipients."""
    return tuple(dict.fromkeys(p for g in groups for p in g if p is not None))


def project_fields(project: Project) -> dict[str, Any]:
    """The project fields every project reminder's payload carries."""
    return {"project_id": str(project.id), "project_code": project.code, "project_name": project.name}
