"""Read-only look-ups the chat flows need beyond the domain services (choices offered on buttons)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from workflows.context import Ctx
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import get_project, roles_of
from workflows.tasks.schemas import TaskRead

EXECUTOR_ROLES = frozenset({Role.FIELD_OPERATOR, Role.PROJECT_LEAD})


def agency_executors(ctx: Ctx, project_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """Enabled executors (field operators, project leads) of the agency of a project the actor sees.

    Used to offer the leader of an investigation/repair and the executor of plan lines; the services
    re-check the choice (R-FAULT, R-ROLE-4).

    Raises:
        NotFound: the project is not visible to the actor (404).
    """
    actor = ctx.actor
    assert actor is not None
    project = get_project(ctx, actor, project_id)
    people = ctx.session.scalars(
        select(Person)
        .where(Person.agency_id == project.agency_id, Person.enabled.is_(True))
        .order_by(Person.name)
    )
    return [(p.id, p.name) for p in people if roles_of(p) & EXECUTOR_ROLES]


def task_photos(ctx: Ctx, task_id: uuid.UUID, *, limit: int = 10) -> list[bytes]:
    """Item photos of a task (lines that failed or could not be tested first), at most ``limit``.

    Call it after a service that checked the task's visibility (e.g. ``read_task`` in the same unit
    of work): it does not check scope itself.
    """
    from workflows.tasks.models import ItemResult, Photo, PhotoKind

    rows = ctx.session.execute(
        select(Photo.content, ItemResult.outcome)
        .outerjoin(
            ItemResult,
            (ItemResult.task_id == Photo.task_id) & (ItemResult.plan_line_id == Photo.plan_line_id),
        )
        .where(Photo.task_id == task_id, Photo.kind == PhotoKind.ITEM)
        .order_by(Photo.created_at)
    ).all()
    rank = {"fail": 0, "cannot_test": 1}
    ordered = sorted(rows, key=lambda r: rank.get(r[1] or "", 2))
    return [r[0] for r in ordered[:limit]]


def review_view(ctx: Ctx, task_id: uuid.UUID) -> tuple[TaskRead, list[bytes]]:
    """A task as its review card shows it, with the photos of its failed items.

    Raises:
        NotFound: the task is not visible to the actor (404).
    """
    from workflows.tasks.service import read_task

    task = read_task(ctx, task_id)  # checks visibility
    return task, task_photos(ctx, task.id) if any(p.kind == "item" for p in task.photos) else []


def undisposed_task_faults(ctx: Ctx, task_id: uuid.UUID) -> list[tuple[uuid.UUID, str, str]]:
    """``(fault id, code, measured record)`` of a visible task's faults without a disposition (R-REV-1).

    Raises:
        NotFound: the task is not visible to the actor (404).
    """
    from workflows.reviews.service import undisposed_faults
    from workflows.tasks.service import get_task

    task, _ = get_task(ctx, task_id)
    return [(f.id, f.code, f.measured_record) for f in undisposed_faults(ctx, task)]


def pending_suspensions(ctx: Ctx) -> list[uuid.UUID]:
    """Ids of pending suspension requests of projects in the acting fire supervisor's jurisdiction."""
    from workflows.lifecycle.models import Suspension
    from workflows.projects.models import Project

    actor = ctx.actor
    if actor is None or not actor.jurisdiction or Role.FIRE_SUPERVISOR not in roles_of(actor):
        return []
    return list(
        ctx.session.scalars(
            select(Suspension.id)
            .join(Project, Project.id == Suspension.project_id)
            .where(Suspension.state == "pending", Project.jurisdiction == actor.jurisdiction)
            .order_by(Suspension.requested_at)
        )
    )
