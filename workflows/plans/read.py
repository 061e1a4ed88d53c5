"""Reading a plan as the API and the chat cards show it (R-PLAN): its lines with item, executor,
task and line state; an executor sees only the lines issued to them."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from engine.errors import InvalidInput, NotFound
from workflows.catalog.models import CatalogCategory, CatalogFacility, CatalogSystem, TestItem
from workflows.context import Ctx
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import get_project, roles_of
from workflows.plans.models import Plan, PlanLine
from workflows.plans.schemas import PlanLineRead, PlanRead
from workflows.projects.models import Project
from workflows.tasks.models import Task, TaskLine, TaskState


def actor_of(ctx: Ctx) -> Person:
    """The acting person.

    Raises:
        InvalidInput: no acting person (a system context).
    """
    if ctx.actor is None:
        raise InvalidInput("actor", "需要登录用户 / an acting person is required")
    return ctx.actor


def get_plan(ctx: Ctx, plan_id: uuid.UUID, *, for_update: bool = False) -> tuple[Plan, Project]:
    """The plan and its project if the actor may see them.

    Raises:
        NotFound: no such plan, or its project is not visible (404).
    """
    actor = actor_of(ctx)
    stmt = select(Plan).where(Plan.id == plan_id)
    if for_update:
        stmt = stmt.with_for_update()
    plan = ctx.session.scalars(stmt).first()
    if plan is None:
        raise NotFound("计划不存在 / plan not found")
    project = get_project(ctx, actor, plan.project_id)
    return plan, project


def read_plan(ctx: Ctx, plan_id: uuid.UUID) -> PlanRead:
    """The plan with its lines (an executor sees only lines issued to them)."""
    plan, project = get_plan(ctx, plan_id)
    actor = actor_of(ctx)
    only_mine = not (roles_of(actor) - {Role.FIELD_OPERATOR}) or (
        Role.PROJECT_LEAD in roles_of(actor)
        and project.lead_id != actor.id
        and not roles_of(actor)
        & {Role.TECHNICAL_LEAD, Role.ENTERPRISE_MANAGER, Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN}
    )
    stmt = (
        select(PlanLine, TestItem, CatalogFacility, CatalogCategory, CatalogSystem, Person)
        .join(TestItem, TestItem.id == PlanLine.test_item_id)
        .join(CatalogFacility, CatalogFacility.id == TestItem.facility_id)
        .join(CatalogCategory, CatalogCategory.id == CatalogFacility.category_id)
        .join(CatalogSystem, CatalogSystem.id == CatalogCategory.system_id)
        .outerjoin(Person, Person.id == PlanLine.executor_id)
        .where(PlanLine.plan_id == plan.id)
        .order_by(PlanLine.position)
    )
    if only_mine:
        stmt = stmt.where(PlanLine.executor_id == actor.id)
    task_of = line_tasks(ctx, plan.id)
    lines = []
    for line, item, facility, category, system, executor in ctx.session.execute(stmt):
        task = task_of.get(line.id)
        lines.append(
            PlanLineRead(
                id=line.id,
                test_item_id=item.id,
                item_code=item.code,
                system=system.name,
                category=category.name,
                facility=facility.name,
                item=item.label,
                criterion=item.criterion,
                period=item.period,
                ignored=line.ignored,
                executor_id=line.executor_id,
                executor_name=executor.name if executor else None,
                issued_at=line.issued_at,
                planned_on=line.planned_on,
                location=line.location,
                task_id=task.id if task else None,
                state=_line_state(line, task),
            )
        )
    all_lines = list(ctx.session.scalars(select(PlanLine).where(PlanLine.plan_id == plan.id)))
    return PlanRead(
        id=plan.id,
        code=plan.code,
        project_id=plan.project_id,
        name=plan.name,
        nature=plan.nature,
        period_start=plan.period_start,
        period_end=plan.period_end,
        state=plan.state,
        overdue=plan.overdue,
        created_at=plan.created_at,
        line_count=len(all_lines),
        issued_count=sum(1 for x in all_lines if x.executor_id is not None),
        ignored_count=sum(1 for x in all_lines if x.ignored),
        lines=lines,
    )


def line_tasks(ctx: Ctx, plan_id: uuid.UUID) -> dict[uuid.UUID, Task]:
    """The live (not cancelled) task of each line of the plan."""
    stmt = (
        select(TaskLine.plan_line_id, Task)
        .join(Task, Task.id == TaskLine.task_id)
        .join(PlanLine, PlanLine.id == TaskLine.plan_line_id)
        .where(PlanLine.plan_id == plan_id, Task.state != TaskState.CANCELLED)
    )
    return {row[0]: row[1] for row in ctx.session.execute(stmt)}


def _line_state(line: PlanLine, task: Task | None) -> str:
    if line.ignored:
        return "ignored"
    if line.executor_id is None:
        return "unissued"
    if task is None:
        return "issued"
    if task.state == TaskState.APPROVED:
        return "approved"
    if task.state == TaskState.SUBMITTED:
        return "submitted"
    return "executing"
