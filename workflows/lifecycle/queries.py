"""Read-only lifecycle queries other services call (plans, the scheduler, statistics) (R-PLAN-1, R-LIFE)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from workflows.lifecycle.models import Suspension, SuspensionState
from workflows.lifecycle.rules import check_no_overlap

BLOCKING_STATES = (SuspensionState.PENDING, SuspensionState.APPROVED)


def suspended_months(session: Session, project_id: uuid.UUID) -> set[date]:
    """First days of the project's approved (suspended) months: no plan, no report, not in statistics."""
    stmt = select(Suspension.month).where(
        Suspension.project_id == project_id, Suspension.state == SuspensionState.APPROVED
    )
    return set(session.scalars(stmt))


def suspended_in_month(month: date) -> Select[uuid.UUID]:
    """A subquery of the ids of projects whose ``month`` (first day) is suspended (approved), for
    ``Project.id.not_in(...)`` without passing a list of ids (the scheduler scans every project)."""
    return select(Suspension.project_id).where(
        Suspension.month == month, Suspension.state == SuspensionState.APPROVED
    )


def suspended_projects(session: Session, project_ids: Iterable[uuid.UUID], month: date) -> set[uuid.UUID]:
    """Which of ``project_ids`` have ``month`` (first day) suspended (the scheduler skips them)."""
    ids = set(project_ids)
    if not ids:
        return set()
    stmt = select(Suspension.project_id).where(
        Suspension.project_id.in_(ids),
        Suspension.month == month,
        Suspension.state == SuspensionState.APPROVED,
    )
    return set(session.scalars(stmt))


def check_plan_period(session: Session, project_id: uuid.UUID, start: date, end: date) -> None:
    """R-PLAN-1 for ``create_plan``: refuse a plan whose period contains a suspended month, or a month
    whose suspension request is still pending (approving it later would leave a suspended month with
    a plan).

    Args:
        session: Open session.
        project_id: The project.
        start: First day of the plan period.
        end: Last day of the plan period.

    Raises:
        RuleViolation: ``R-PLAN-1`` (409).
    """
    stmt = select(Suspension.month).where(
        Suspension.project_id == project_id,
        Suspension.state.in_(BLOCKING_STATES),
        Suspension.month >= start.replace(day=1),
        Suspension.month <= end,
    )
    check_no_overlap(start, end, session.scalars(stmt))
