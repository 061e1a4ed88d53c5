"""The ``plans.create_month_drafts`` job's work: this month's plan draft for every active maintenance project.

The rules stay in :func:`workflows.plans.service.create_plan`, called as the system (no actor): it
refuses months before the first plan month (R-PRJ-2), suspended months (R-PLAN-1), inactive projects
(R-LIFE) and periods after the contract end. This module only picks the candidates — active
maintenance projects whose contract runs in the month and that have no plan for it yet.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.context import Ctx
from workflows.contracts.models import Contract, ContractType
from workflows.plans.models import Plan, PlanNature
from workflows.plans.service import create_plan
from workflows.projects.models import Project, ProjectStatus


def projects_needing_draft(session: Session, month: date) -> list[uuid.UUID]:
    """Active maintenance projects with no monthly plan for ``month`` (first day) whose first plan
    month (R-PRJ-2) and contract cover it, by project code."""
    has_plan = select(Plan.project_id).where(Plan.nature == PlanNature.MONTH, Plan.period_start == month)
    stmt = (
        select(Project.id)
        .join(Contract, Contract.id == Project.contract_id)
        .where(
            Project.status == ProjectStatus.ACTIVE,
            Contract.type == ContractType.MAINTENANCE,
            Project.first_plan_month <= month,
            Contract.ends_on >= month,
            Project.id.not_in(has_plan),
        )
        .order_by(Project.code)
    )
    return list(session.scalars(stmt))


def create_month_draft(ctx: Ctx, project_id: uuid.UUID, month: date) -> Plan:
    """Create ``month``'s plan draft of one project as the system (``ctx.actor`` must be ``None``).

    Raises:
        DomainError: whatever :func:`~workflows.plans.service.create_plan` refuses (R-PLAN-1 for a
            suspended month, R-PLAN when no facility is selected …); the job records it and goes on.
    """
    if ctx.actor is not None:
        raise ValueError("month drafts are created by the system")
    return create_plan(ctx, project_id, nature=PlanNature.MONTH.value, period=f"{month:%Y-%m}")
