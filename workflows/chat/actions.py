"""What the acting person may do with an object, so chat cards offer exactly the domain's actions.

A card's buttons are computed here from the viewer's roles and scope and from the ready work items
(the BPMN projection), never from state strings in the UI: a project lead sees the five dispositions
of a fault that waits for one; an owner contact sees the fault's history; a card pressed after
someone decided (a stale card, a double tap) is refused with who decided and when, and changes
nothing. Every function works on ``ctx.actor`` in the caller's transaction and never commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select

from engine.errors import Conflict, Forbidden
from engine.processes.models import WorkItem, WorkItemState
from workflows.context import Ctx
from workflows.faults.models import DispositionKind, FaultEvent
from workflows.faults.schemas import FaultRead
from workflows.faults.service import DISPOSE_STEPS, get_fault, read_fault
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import has_role, manages_project
from workflows.reviews.service import already_reviewed, can_review
from workflows.tasks.schemas import TaskRead
from workflows.tasks.service import get_task

DISPOSITION_KINDS: tuple[str, ...] = tuple(kind.value for kind in DispositionKind)
"""The five dispositions of R-FAULT (:class:`~workflows.faults.models.DispositionKind` values) in the
order cards show them."""


def _actor(ctx: Ctx) -> Person:
    if ctx.actor is None:
        raise RuntimeError("an acting person is required")
    return ctx.actor


def _hhmm(ctx: Ctx, at: datetime) -> str:
    return f"{at.astimezone(ZoneInfo(ctx.settings.timezone)):%m-%d %H:%M}"


# Built once: every card and button asks it (bench/bench_telegram.py).
_READY_STEP = (
    select(WorkItem.id)
    .where(
        WorkItem.subject_type == bindparam("subject_type"),
        WorkItem.subject_id == bindparam("subject_id"),
        WorkItem.state == WorkItemState.READY,
        WorkItem.bpmn_id.in_(bindparam("steps", expanding=True)),
    )
    .limit(1)
)


def _ready(ctx: Ctx, subject_type: str, subject_id: uuid.UUID, steps: tuple[str, ...]) -> bool:
    """Whether one of ``steps`` is a ready user task about the subject (the BPMN projection)."""
    params = {"subject_type": subject_type, "subject_id": subject_id, "steps": list(steps)}
    return ctx.session.scalar(_READY_STEP, params) is not None


@dataclass(frozen=True)
class Decision:
    """The latest step of an object's history: who, when (UTC) and what (a step or verdict code)."""

    by: str
    at: datetime
    what: str


class StaleDecision(Conflict):
    """A button of a card that is out of date: someone decided since the card was shown (409).

    Attributes:
        params: ``who``, ``at`` (``MM-DD HH:MM`` business time) and ``what`` (the step or the
            disposition code) for the chat's message catalog (``error.stale_decision``).
    """

    code = "stale_decision"

    def __init__(self, who: str, at: str, what: str) -> None:
        super().__init__(
            f"该卡片已过期：已由{who}于{at}处理（{what}），未重复处理 / "
            f"already decided by {who} at {at} ({what}); nothing changed"
        )
        self.params = {"who": who, "at": at, "what": what}


# --- faults ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaultView:
    """A fault as one viewer may act on it.

    Attributes:
        fault: The fault with its history (an owner contact's read is recorded, R-ROLE-5).
        can_dispose: The viewer manages the project and a disposition step is ready (R-FAULT).
        kinds: The dispositions offered (all five, or none).
        version: ``seq`` of the latest history event; cards carry it so a stale press is refused.
        owner_view: The viewer is an owner contact of the project's owner (owner cards, R-OWN).
    """

    fault: FaultRead
    can_dispose: bool
    kinds: tuple[str, ...]
    version: int
    owner_view: bool


def _latest_event(ctx: Ctx, fault_id: uuid.UUID) -> tuple[FaultEvent, str] | None:
    row = ctx.session.execute(
        select(FaultEvent, Person.name)
        .outerjoin(Person, Person.id == FaultEvent.person_id)
        .where(FaultEvent.fault_id == fault_id)
        .order_by(FaultEvent.seq.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1] or "系统")


def fault_view(ctx: Ctx, fault_id: uuid.UUID) -> FaultView:
    """The fault card's content and actions for ``ctx.actor``.

    Raises:
        NotFound: the fault is not visible to the actor (404).
    """
    actor = _actor(ctx)
    fault, project = get_fault(ctx, fault_id)
    read = read_fault(ctx, fault_id)
    can = manages_project(actor, project) and _ready(ctx, "fault", fault.id, DISPOSE_STEPS)
    latest = _latest_event(ctx, fault.id)
    owner = has_role(actor, Role.OWNER_CONTACT) and actor.owner_id == project.owner_id
    return FaultView(
        fault=read,
        can_dispose=can,
        kinds=DISPOSITION_KINDS if can else (),
        version=latest[0].seq if latest else 0,
        owner_view=owner and not can,
    )


def prepare_disposal(ctx: Ctx, fault_id: uuid.UUID, version: int) -> FaultRead:
    """Check, before a disposition dialog starts or a disposition is made, that the actor may dispose
    the fault and that the card is current; locks the fault row until the transaction ends.

    Args:
        fault_id: ``Fault.id``.
        version: The ``FaultView.version`` the card was built with.

    Returns:
        The fault as it is now.

    Raises:
        NotFound: fault not visible (404).
        StaleDecision: the fault's history moved on since the card was shown (409).
        Forbidden: the actor does not manage the fault's project (403, R-FAULT).
        Conflict: the fault waits for no disposition now (409).
    """
    actor = _actor(ctx)
    fault, project = get_fault(ctx, fault_id, for_update=True)
    latest = _latest_event(ctx, fault.id)
    current = latest[0].seq if latest else 0
    if current != version and latest is not None:
        event, who = latest
        raise StaleDecision(who, _hhmm(ctx, event.at), event.disposition or event.step)
    if not manages_project(actor, project):
        raise Forbidden(
            "只有本项目的项目负责人、技术负责人或企业管理人员可以处理故障 / "
            "only the project's lead, a technical lead or an enterprise manager may dispose a fault"
        )
    if not _ready(ctx, "fault", fault.id, DISPOSE_STEPS):
        raise Conflict("该故障当前不需要处理 / the fault waits for no disposition now")
    return read_fault(ctx, fault_id)


def disposal_leaders(ctx: Ctx, fault_id: uuid.UUID, version: int) -> list[tuple[uuid.UUID, str]]:
    """The agency's executors offered as investigation/repair leader, only to someone who may dispose
    the fault now (the staff list is never shown to others).

    Raises:
        NotFound, Forbidden, StaleDecision, Conflict: as :func:`prepare_disposal`.
    """
    from workflows.chat.lookups import agency_executors

    fault = prepare_disposal(ctx, fault_id, version)
    return agency_executors(ctx, fault.project_id)


# --- reviews ---------------------------------------------------------------------------------------


def review_card(ctx: Ctx, task_id: uuid.UUID) -> tuple[TaskRead, list[bytes], bool]:
    """A task as its review card shows it: the task, the photos of its failed items (those first,
    at most 10) and whether the actor may approve or reject it now (R-REV).

    Raises:
        NotFound: the task is not visible to the actor (404).
    """
    from workflows.chat.lookups import task_photos
    from workflows.tasks.read import task_read

    actor = _actor(ctx)
    row, project = get_task(ctx, task_id)  # checks visibility
    task = task_read(ctx, row)
    photos = task_photos(ctx, task.id) if any(p.kind == "item" for p in task.photos) else []
    can = can_review(actor, project) and _ready(ctx, "task", task.id, ("review_task",))
    return task, photos, can


def require_reviewable(ctx: Ctx, task_id: uuid.UUID) -> None:
    """Refuse before a rejection dialog starts when the task cannot be reviewed by the actor now.

    Raises:
        NotFound: task not visible (404).
        Forbidden: not a reviewer of the project (403).
        Conflict: ``task_already_reviewed`` — decided already (the message says by whom and when).
    """
    actor = _actor(ctx)
    task, project = get_task(ctx, task_id)
    if not can_review(actor, project):
        raise Forbidden(
            "只有本项目的项目负责人或技术负责人可以审核 / "
            "only the project lead or a technical lead may review"
        )
    if not _ready(ctx, "task", task.id, ("review_task",)):
        raise already_reviewed(ctx, task.id, task.state)


# --- suspensions -----------------------------------------------------------------------------------


def can_decide_suspension(ctx: Ctx, suspension_id: uuid.UUID) -> bool:
    """Whether the request's ``decide_suspension`` step waits in the actor's inbox (a fire supervisor
    of the project's jurisdiction, the request pending, R-LIFE)."""
    from workflows.inbox.service import inbox

    return any(
        w.step == "decide_suspension" and w.subject_id == suspension_id for w in inbox(ctx, _actor(ctx))
    )


def suspension_decision(ctx: Ctx, suspension_id: uuid.UUID) -> Decision | None:
    """Who decided a visible suspension request, when, and how (``approved``/``rejected``);
    ``None`` while it is undecided.

    Raises:
        NotFound: the request is not visible to the actor (404).
    """
    from workflows.lifecycle.service import get_suspension

    suspension, _project = get_suspension(ctx, suspension_id)
    if suspension.decided_at is None or suspension.decided_by is None:
        return None
    person = ctx.session.get(Person, suspension.decided_by)
    return Decision(person.name if person else "系统", suspension.decided_at, suspension.state)
