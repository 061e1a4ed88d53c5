"""The ``plans.create_month_drafts`` job's work: this month's plan draft for every active maintenance project.

The rules stay in :func:`workflows.plans.service.create_plan`, called as the system (no actor): it
refuses months before the first plan month (R-PRJ-2), suspended months (R-PLAN-1), inactive projects
(R-LIFE) and periods after the contract end. This module only picks the candidates — active
maintenance projects whose contract runs in the month, that have no plan for it yet and whose
draft the job has not created before — and records each draft it creates in the
:class:`~workflows.reminders.models.MonthDraft` ledger, in the same transaction.

The ledger makes the job idempotent, so it can catch up: it runs daily and whenever a process
takes the scheduler lease, and still creates each month's draft exactly once; a draft the agency
deleted (R-PLAN-2) is not created again.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.context import Ctx
from workflows.contracts.models import Contract
from workflows.plans.models import Plan, PlanNature
from workflows.plans.service import create_plan
from workflows.projects.models import Project, ProjectStatus
from workflows.projects.queries import maintenance_month_due
from workflows.reminders.models import MonthDraft


def projects_needing_draft(session: Session, month: date) -> list[uuid.UUID]:
    """Active maintenance projects with no monthly plan for ``month`` (first day) and no draft of the
    job for it before, whose first plan month (R-PRJ-2) and contract cover it, by project code."""
    has_plan = select(Plan.project_id).where(Plan.nature == PlanNature.MONTH, Plan.period_start == month)
    drafted = select(MonthDraft.project_id).where(MonthDraft.month == month)
    stmt = (
        select(Project.id)
        .join(Contract, Contract.id == Project.contract_id)
        .where(
            Project.status == ProjectStatus.ACTIVE,
            maintenance_month_due(month),  # R-PRJ-2, within the contract
            Project.id.not_in(has_plan),
            Project.id.not_in(drafted),
        )
        .order_by(Project.code)
    )
    return list(session.scalars(stmt))


def create_month_draft(ctx: Ctx, project_id: uuid.UUID, month: date) -> Plan:
    """Create ``month``'s plan draft of one project as the system (``ctx.actor`` must be ``None``) and
    record it in the ledger.

    Raises:
        DomainError: whatever :func:`~workflows.plans.service.create_plan` refuses (R-PLAN-1 for a
            suspended month, R-PLAN when no facility is selected …); the job records it and goes on.
    """
    if ctx.actor is not None:
        raise ValueError("month drafts are created by the system")
    plan = create_plan(ctx, project_id, nature=PlanNature.MONTH.value, period=f"{month:%Y-%m}")
    ctx.session.add(
        MonthDraft(project_id=project_id, month=month, plan_id=plan.id, created_at=ctx.clock.now())
    )
    ctx.session.flush()  # the (project, month) pair is unique: a concurrent second draft fails here
    return plan
