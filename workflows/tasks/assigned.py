"""What a field operator has to do (read-only): plans with lines issued to them and their open tasks.

Used by the chat menus of executors ("today's issued lines by project"); the actions themselves go
through :mod:`workflows.tasks.service` and :mod:`workflows.faults.service`, which re-check everything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select

from engine.clock import business_date
from engine.errors import InvalidInput
from workflows.context import Ctx
from workflows.people.models import Person
from workflows.plans.models import Plan, PlanLine
from workflows.projects.models import Project, ProjectStatus
from workflows.tasks.models import Task, TaskLine, TaskState

OPEN_TASK_STATES = (TaskState.DRAFT, TaskState.REJECTED)


@dataclass(frozen=True)
class IssuedPlan:
    """A plan of the current period with lines issued to the person and not yet in a task."""

    plan_id: uuid.UUID
    plan_code: str
    plan_name: str
    project_id: uuid.UUID
    project_name: str
    open_lines: int


@dataclass(frozen=True)
class OpenTask:
    """A task still to be worked on: a draft, a rejected one (rework), an investigation/repair."""

    task_id: uuid.UUID
    code: str
    kind: str
    state: str
    round: int
    project_name: str


@dataclass(frozen=True)
class AssignedWork:
    """Everything open for one executor."""

    plans: list[IssuedPlan]
    tasks: list[OpenTask]

    @property
    def count(self) -> int:
        """Number of entries (plans with open lines + open tasks)."""
        return len(self.plans) + len(self.tasks)


def _open_lines(actor: Person, today: date) -> Select[Plan, str, uuid.UUID]:
    """``(plan, project name, line id)`` of lines issued to ``actor`` that they can start today: not
    ignored, in no live task, of a current-period plan of an active project."""
    busy = (
        select(TaskLine.plan_line_id)
        .join(Task, Task.id == TaskLine.task_id)
        .where(Task.state != TaskState.CANCELLED)
    )
    return (
        select(Plan, Project.name, PlanLine.id)
        .join(PlanLine, PlanLine.plan_id == Plan.id)
        .join(Project, Project.id == Plan.project_id)
        .where(
            PlanLine.executor_id == actor.id,
            PlanLine.ignored.is_(False),
            PlanLine.id.not_in(busy),
            Plan.period_start <= today,
            Plan.period_end >= today,
            Project.status == ProjectStatus.ACTIVE,
        )
    )


def assigned_work(ctx: Ctx) -> AssignedWork:
    """The acting person's issued lines (grouped by plan, current period, active projects) and open tasks.

    Raises:
        InvalidInput: no acting person (422).
    """
    actor = ctx.actor
    if actor is None:
        raise InvalidInput("actor", "需要登录用户 / an acting person is required")
    rows = ctx.session.execute(
        _open_lines(actor, business_date(ctx.clock.now())).order_by(Project.name, Plan.code)
    ).all()
    counts: dict[uuid.UUID, int] = {}
    plans: dict[uuid.UUID, tuple[Plan, str]] = {}
    for plan, project_name, _line_id in rows:
        counts[plan.id] = counts.get(plan.id, 0) + 1
        plans.setdefault(plan.id, (plan, project_name))
    issued = [
        IssuedPlan(
            plan_id=p.id,
            plan_code=p.code,
            plan_name=p.name,
            project_id=p.project_id,
            project_name=name,
            open_lines=counts[p.id],
        )
        for p, name in plans.values()
    ]
    tasks = [
        OpenTask(task_id=t.id, code=t.code, kind=t.kind, state=t.state, round=t.round, project_name=name)
        for t, name in ctx.session.execute(
            select(Task, Project.name)
            .join(Project, Project.id == Task.project_id)
            .where(Task.executor_id == actor.id, Task.state.in_(OPEN_TASK_STATES))
            .order_by(Task.created_at, Task.code)
        )
    ]
    return AssignedWork(plans=issued, tasks=tasks)


def open_line_ids(ctx: Ctx, plan_id: uuid.UUID) -> set[uuid.UUID]:
    """Ids of the lines of ``plan_id`` that :func:`assigned_work` counts for the acting person (the lines
    they can start a task with now).

    Raises:
        InvalidInput: no acting person (422).
    """
    actor = ctx.actor
    if actor is None:
        raise InvalidInput("actor", "需要登录用户 / an acting person is required")
    stmt = _open_lines(actor, business_date(ctx.clock.now())).where(Plan.id == plan_id)
    return {row[2] for row in ctx.session.execute(stmt)}
