"""The action context every service receives: the unit of work, the clock, settings, the engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.processes.store import ProcessStore
from engine.settings import Settings

if TYPE_CHECKING:
    from workflows.people.models import Person


@dataclass
class Ctx:
    """One action's context. Services never commit: the edge that built the Ctx commits once.

    Attributes:
        session: Open session (one transaction).
        clock: Source of "now".
        settings: Application settings.
        processes: The BPMN instance store.
        actor: The person acting, or ``None`` for the scheduler/system.
    """

    session: Session
    clock: Clock
    settings: Settings
    processes: ProcessStore
    actor: Person | None = None

    def as_system(self) -> Ctx:
        """The same context acting as the system (no person)."""
        return Ctx(self.session, self.clock, self.settings, self.processes, None)
