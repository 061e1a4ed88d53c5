"""Lifecycle instances for projects that have none: those created before projects started their
``project_lifecycle`` instance at creation (R-LIFE).

:func:`~workflows.lifecycle.closure.start_lifecycle` runs when a project is created, and
:func:`~workflows.lifecycle.closure.ensure_lifecycle` when someone terminates, completes or asks to
suspend one; a project created earlier that nobody touches never gets its ``contract_ended`` timer
and so never offers ``complete_project``. The scheduler's ``lifecycle.start_missing`` job
(:func:`workflows.reminders.jobs.start_missing_lifecycles`) calls :func:`start_missing_lifecycle`
for each project :func:`projects_without_lifecycle` finds. Idempotent: a project that has an
instance, running or finished, is left alone, so the job may run any number of times.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.processes.models import ProcessInstanceRecord
from workflows.context import Ctx
from workflows.contracts.models import Contract
from workflows.lifecycle.closure import PROCESS_ID, start_lifecycle
from workflows.projects.models import Project, ProjectStatus


def projects_without_lifecycle(session: Session) -> list[uuid.UUID]:
    """Active projects with no ``project_lifecycle`` instance at all (running, completed or
    cancelled), by project code."""
    record = ProcessInstanceRecord
    started = select(record.subject_id).where(
        record.process_id == PROCESS_ID, record.subject_type == "project"
    )
    stmt = (
        select(Project.id)
        .where(Project.status == ProjectStatus.ACTIVE, Project.id.not_in(started))
        .order_by(Project.code)
    )
    return list(session.scalars(stmt))


def start_missing_lifecycle(ctx: Ctx, project_id: uuid.UUID) -> bool:
    """Start the project's lifecycle instance if it is still active and still has none.

    The project row is locked first (``SELECT … FOR UPDATE``), as every lifecycle action does, so
    a concurrent termination, completion or suspension request — which would start the instance
    itself — is either seen here or sees this one.

    Args:
        ctx: A system context (the scheduler's); the caller commits.
        project_id: ``Project.id`` from :func:`projects_without_lifecycle`.

    Returns:
        Whether an instance was started (``False``: gone, no longer active, or started meanwhile).
    """
    project = ctx.session.scalars(select(Project).where(Project.id == project_id).with_for_update()).first()
    if project is None or project.status != ProjectStatus.ACTIVE:
        return False
    if ctx.processes.find(ctx.session, PROCESS_ID, "project", project.id) is not None:
        return False
    contract = ctx.session.get(Contract, project.contract_id)
    assert contract is not None
    start_lifecycle(ctx, project, contract)
    return True
