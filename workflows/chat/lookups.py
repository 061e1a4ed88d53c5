"""Read-only look-ups the chat flows need beyond the domain services (choices offered on buttons)."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, select

from workflows.context import Ctx
from workflows.people.models import Person
from workflows.people.rules import EXECUTOR_ROLES, Role
from workflows.people.scope import get_project, require_manager, roles_of
from workflows.plans.schemas import PlanLineRead, PlanRead
from workflows.ratings.schemas import ServiceRatingRead
from workflows.reports.schemas import ReportRead
from workflows.tasks.models import ItemResult, Photo, PhotoKind


def agency_executors(ctx: Ctx, project_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """Enabled executors (field operators, project leads) of the agency of a project the actor manages.

    Used to offer the leader of an investigation/repair and the executor of plan lines; the services
    re-check the choice (R-FAULT, R-ROLE-4). The staff list is shown only to people who manage the
    project (its lead, a technical lead or an enterprise manager of the agency, R-ROLE-3).

    Raises:
        NotFound: the project is not visible to the actor (404).
        Forbidden: the actor does not manage the project (403).
    """
    actor = ctx.actor
    assert actor is not None
    project = get_project(ctx, actor, project_id)
    require_manager(actor, project, action="选择执行人员 / choose an executor")
    people = ctx.session.scalars(
        select(Person)
        .where(Person.agency_id == project.agency_id, Person.enabled.is_(True))
        .order_by(Person.name)
    )
    return [(p.id, p.name) for p in people if roles_of(p) & EXECUTOR_ROLES]


_ITEM_PHOTOS = (  # built once: every review card with a failed item sends them
    select(Photo.content, ItemResult.outcome)
    .outerjoin(
        ItemResult,
        (ItemResult.task_id == Photo.task_id) & (ItemResult.plan_line_id == Photo.plan_line_id),
    )
    .where(Photo.task_id == bindparam("task_id"), Photo.kind == PhotoKind.ITEM)
    .order_by(Photo.created_at)
)


def task_photos(ctx: Ctx, task_id: uuid.UUID, *, limit: int = 10) -> list[bytes]:
    """Item photos of a task (lines that failed or could not be tested first), at most ``limit``.

    Call it after a service that checked the task's visibility (e.g. ``read_task`` in the same unit
    of work): it does not check scope itself.
    """
    rows = ctx.session.execute(_ITEM_PHOTOS, {"task_id": task_id}).all()
    rank = {"fail": 0, "cannot_test": 1}
    ordered = sorted(rows, key=lambda r: rank.get(r[1] or "", 2))
    return [r[0] for r in ordered[:limit]]


def undisposed_task_faults(ctx: Ctx, task_id: uuid.UUID) -> tuple[str, list[tuple[uuid.UUID, str, str]]]:
    """A visible task's code and ``(fault id, code, measured record)`` of its faults without a
    disposition (what R-REV-1 waits for).

    Raises:
        NotFound: the task is not visible to the actor (404).
    """
    from workflows.reviews.service import undisposed_faults
    from workflows.tasks.service import get_task

    task, _ = get_task(ctx, task_id)
    return task.code, [(f.id, f.code, f.measured_record) for f in undisposed_faults(ctx, task)]


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


def reports_to_file(ctx: Ctx) -> list[ReportRead]:
    """The generated reports whose ``file_report`` step waits in the actor's inbox (technical lead).

    The work item's subject is the plan; its live generated report is the one to file (R-FILE).
    """
    from workflows.inbox.service import inbox
    from workflows.reports.models import Report, ReportStatus
    from workflows.reports.service import read_report

    actor = ctx.actor
    assert actor is not None
    plans = [w.subject_id for w in inbox(ctx, actor) if w.step == "file_report" and w.subject_type == "plan"]
    if not plans:
        return []
    ids = ctx.session.scalars(
        select(Report.id)
        .where(Report.plan_id.in_(plans), Report.status == ReportStatus.GENERATED)
        .order_by(Report.generated_at, Report.code)
    )
    return [read_report(ctx, i) for i in ids]


def report_view(ctx: Ctx, report_id: uuid.UUID) -> tuple[ReportRead, bool]:
    """A visible report and whether the actor may file it now (its ``file_report`` step is in their
    inbox: a technical lead of the agency, R-FILE).

    Raises:
        NotFound: the report is not visible to the actor (404).
    """
    from workflows.inbox.service import inbox
    from workflows.reports.service import read_report

    actor = ctx.actor
    assert actor is not None
    report = read_report(ctx, report_id)
    plan_id = _report_plan(ctx, report_id)
    can_file = report.status == "generated" and any(
        w.step == "file_report" and w.subject_id == plan_id for w in inbox(ctx, actor)
    )
    return report, can_file


def _report_plan(ctx: Ctx, report_id: uuid.UUID) -> uuid.UUID | None:
    from workflows.reports.models import Report

    report = ctx.session.get(Report, report_id)
    return report.plan_id if report is not None else None


def owner_report(
    ctx: Ctx, report_id: uuid.UUID
) -> tuple[ReportRead, str, bytes, ServiceRatingRead | None, bool]:
    """A report opened by an owner contact: metadata, file name, PDF (the opening is recorded,
    R-ROLE-5), its service confirmation, and whether the actor may confirm and rate it now
    (:func:`workflows.ratings.service.can_confirm_service`).

    Raises:
        NotFound: report not visible or deleted (404).
    """
    from workflows.ratings.service import can_confirm_service, report_document

    report, name, pdf, rating = report_document(ctx, report_id)
    return report, name, pdf, rating, can_confirm_service(ctx, report_id)


def open_plan_lines(ctx: Ctx, plan_id: uuid.UUID) -> tuple[PlanRead, list[PlanLineRead]]:
    """A visible plan and its lines the actor can start a task with now (as the menu counts them).

    Raises:
        NotFound: the plan is not visible to the actor (404).
    """
    from workflows.plans.service import read_plan
    from workflows.tasks.assigned import open_line_ids

    plan = read_plan(ctx, plan_id)
    ids = open_line_ids(ctx, plan_id)
    return plan, [x for x in plan.lines if x.id in ids]
