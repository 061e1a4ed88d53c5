"""Plans: create, read, ignore/restore, schedule, issue, revoke, delete."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from api.deps import CtxDep, PersonDep
from workflows.plans import service
from workflows.plans.schemas import LineIds, LineSchedule, PlanCreate, PlanIssue, PlanRead

router = APIRouter(prefix="/api/v1", tags=["plans"])


@router.post("/projects/{project_id}/plans", response_model=PlanRead, status_code=201)
def create_plan(ctx: CtxDep, _me: PersonDep, project_id: uuid.UUID, body: PlanCreate) -> PlanRead:
    """Create a plan `{nature, period}` with its lines (R-PLAN, R-PRJ-2)."""
    plan = service.create_plan(ctx, project_id, nature=body.nature, period=body.period)
    return service.read_plan(ctx, plan.id)


@router.get("/plans/{plan_id}", response_model=PlanRead)
def read_plan(ctx: CtxDep, _me: PersonDep, plan_id: uuid.UUID) -> PlanRead:
    """The plan with its lines."""
    return service.read_plan(ctx, plan_id)


@router.delete("/plans/{plan_id}", status_code=204)
def delete_plan(ctx: CtxDep, _me: PersonDep, plan_id: uuid.UUID) -> Response:
    """Delete a plan (R-PLAN-2)."""
    service.delete_plan(ctx, plan_id)
    return Response(status_code=204)


@router.post("/plans/{plan_id}/issue", response_model=PlanRead)
def issue_plan(ctx: CtxDep, _me: PersonDep, plan_id: uuid.UUID, body: PlanIssue) -> PlanRead:
    """Issue `{line_ids, executor_id}` (下发)."""
    return service.issue_plan(ctx, plan_id, body.line_ids, body.executor_id)


@router.post("/plans/{plan_id}/revoke", response_model=PlanRead)
def revoke_lines(ctx: CtxDep, _me: PersonDep, plan_id: uuid.UUID, body: LineIds) -> PlanRead:
    """Revoke issued lines no task carries (R-PLAN-2)."""
    return service.revoke_lines(ctx, plan_id, body.line_ids)


@router.post("/plans/{plan_id}/ignore", response_model=PlanRead)
def ignore_lines(ctx: CtxDep, _me: PersonDep, plan_id: uuid.UUID, body: LineIds) -> PlanRead:
    """Ignore unissued lines (忽略)."""
    return service.set_lines_ignored(ctx, plan_id, body.line_ids, ignored=True)


@router.post("/plans/{plan_id}/restore", response_model=PlanRead)
def restore_lines(ctx: CtxDep, _me: PersonDep, plan_id: uuid.UUID, body: LineIds) -> PlanRead:
    """Restore ignored lines (恢复已忽略)."""
    return service.set_lines_ignored(ctx, plan_id, body.line_ids, ignored=False)


@router.patch("/plans/{plan_id}/lines/{line_id}", response_model=PlanRead)
def schedule_line(
    ctx: CtxDep, _me: PersonDep, plan_id: uuid.UUID, line_id: uuid.UUID, body: LineSchedule
) -> PlanRead:
    """Set a line's date and location (设置日期和位置)."""
    return service.schedule_line(ctx, plan_id, line_id, planned_on=body.planned_on, location=body.location)
