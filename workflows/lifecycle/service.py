"""Suspension requests (暂停) and the project's end (终止/完成) (R-LIFE, R-PLAN-1).

**Why this shape.** SpiffWorkflow 3.2.0's event subprocesses do not interrupt and corrupt the
shared spec once triggered (notes/spiffworkflow.md §0.4-5, §2.5), and our engine seam has no
``send_event``. So ``bpmn/project_lifecycle.bpmn`` follows the app-level pattern of the notes:

* **one small instance per suspension request** (kind ``suspension``, subject the
  :class:`Suspension`): a parallel split offers the fire department's ``decide_suspension`` step
  (lane ``fire_department``) and the agency's ``withdraw_suspension`` step (lane ``agency``); the
  first one completed reaches a *terminate* end event, which cancels the other branch;
* **one instance per project** (kind ``project``, started with the project by
  :func:`~workflows.lifecycle.closure.start_lifecycle`; for older projects the scheduler's
  ``lifecycle.start_missing`` job (:mod:`workflows.lifecycle.catch_up`) and :func:`ensure_lifecycle`):
  ``terminate_project`` (agency) → ``cancel_project_processes`` service task → terminate end, or
  the ``contract_ended`` timer → ``complete_project`` (project lead) → terminate end;
* the project's status (``active``/``terminated``/``completed``) is an app-level column that every
  service checks (``create_plan``, ``create_task``, ``generate_report``), and termination cancels the
  project's other instances with ``ProcessStore.cancel``.

Terminate end events in parallel branches work in 3.2.0 (tests/bpmn/test_project_lifecycle.py), and
every state is a plain user task or timer, so save/restore needs nothing special.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select

from engine.clock import business_date, end_of_business_day
from engine.codes import next_code
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.contracts.models import Contract
from workflows.filings.calendar import add_working_days
from workflows.lifecycle.closure import (
    PROCESS_ID,
    actor_of,
    cancel_project_processes,
    complete_project,
    ensure_lifecycle,
    is_agency_side,
    start_lifecycle,
    terminate_project,
)
from workflows.lifecycle.files import Upload, check_file
from workflows.lifecycle.models import Suspension, SuspensionFile, SuspensionState
from workflows.lifecycle.queries import BLOCKING_STATES
from workflows.lifecycle.rules import (
    MAX_FILES,
    check_suspension_month,
    month_end,
    parse_month,
)
from workflows.lifecycle.schemas import SuspensionFileRead, SuspensionRead
from workflows.notifications.service import agency_people_with_role, notify
from workflows.people.rules import Role
from workflows.people.scope import get_project, has_role
from workflows.plans.models import Plan
from workflows.projects.models import Project, ProjectStatus

__all__ = [
    "cancel_project_processes",
    "complete_project",
    "decide_suspension",
    "ensure_lifecycle",
    "get_suspension",
    "list_suspensions",
    "read_suspension",
    "request_suspension",
    "start_lifecycle",
    "terminate_project",
    "withdraw_suspension",
]


def request_suspension(
    ctx: Ctx, project_id: uuid.UUID, *, month: str, reason: str, files: Sequence[Upload] = ()
) -> Suspension:
    """Request the suspension of one month of a project, for the fire department to decide (R-LIFE).

    Args:
        ctx: Acting agency person: the project's lead, a manager/technical lead or admin of its agency.
        project_id: The project.
        month: The month, ``YYYY-MM``; within the contract and not over yet.
        reason: Why (暂停原因), 1-500 characters.
        files: Supporting files, PDF/JPEG/PNG, ≤ 10 MB each, at most 10, checked by content.

    Returns:
        The pending request; its ``decide_suspension`` step waits in the fire department's inbox,
        due at the end of the ``Settings.scheduler.suspension_decide_days``-th working day after the
        request (R-DUE; the suspension reminders count the same days).

    Raises:
        NotFound: project not visible (404). Forbidden: not of the project's agency (403).
        InvalidInput: bad month, empty reason, too many files (422).
        RuleViolation: ``R-LIFE`` project not active or month outside the contract/over (409/422);
            ``R-PLAN-1`` the month has a plan (409).
        Conflict: a pending or approved request for the month exists (409).
        PayloadTooLarge (413), UnsupportedMedia (415): a file.
    """
    actor = actor_of(ctx)
    project = get_project(ctx, actor, project_id, for_update=True)
    if not is_agency_side(actor, project):
        raise Forbidden("只有本机构人员可以申请暂停 / only the project's agency may request a suspension")
    if project.status != ProjectStatus.ACTIVE:
        raise RuleViolation(
            "R-LIFE", f"项目状态为 {project.status}，不能申请暂停 / the project is not active"
        )
    first = parse_month(month)
    if not reason.strip():
        raise InvalidInput("reason", "请填写暂停原因 / a reason is required")
    if len(files) > MAX_FILES:
        raise InvalidInput("files", f"最多上传 {MAX_FILES} 个文件 / at most {MAX_FILES} files")
    contract = ctx.session.get(Contract, project.contract_id)
    assert contract is not None
    today = business_date(ctx.clock.now())
    check_suspension_month(first, signed_on=contract.signed_on, ends_on=contract.ends_on, today=today)
    last = month_end(first)
    planned = ctx.session.scalar(
        select(Plan.name).where(
            Plan.project_id == project.id, Plan.period_start <= last, Plan.period_end >= first
        )
    )
    if planned is not None:
        raise RuleViolation(
            "R-PLAN-1", f"{first:%Y-%m} 已有计划“{planned}”，不能申请暂停 / the month has a plan"
        )
    taken = ctx.session.scalar(
        select(Suspension.code).where(
            Suspension.project_id == project.id,
            Suspension.month == first,
            Suspension.state.in_(BLOCKING_STATES),
        )
    )
    if taken is not None:
        raise Conflict(f"{first:%Y-%m} 已有暂停申请 {taken} / a suspension for this month exists already")
    checked = [check_file(f) for f in files]
    now = ctx.clock.now()
    suspension = Suspension(
        code=next_code(ctx.session, f"SP-{today.year}"),
        project_id=project.id,
        month=first,
        reason=reason.strip(),
        state=SuspensionState.PENDING,
        requested_by=actor.id,
        requested_at=now,
    )
    ctx.session.add(suspension)
    ctx.session.flush()
    ctx.session.add_all(
        SuspensionFile(
            suspension_id=suspension.id,
            name=f.name,
            media_type=f.media_type,
            size_bytes=len(f.content),
            sha256=f.sha256,
            content=f.content,
            uploaded_at=now,
        )
        for f in checked
    )
    record_audit(
        ctx,
        "suspension.requested",
        "suspension",
        suspension.id,
        after={"code": suspension.code, "month": f"{first:%Y-%m}", "files": len(checked)},
    )
    ensure_lifecycle(ctx, project)
    days = ctx.settings.scheduler.suspension_decide_days  # the same deadline the R-DUE reminders use
    due = end_of_business_day(add_working_days(today, days, ctx.settings.calendar))
    ctx.processes.start(
        ctx.session,
        PROCESS_ID,
        subject_type="suspension",
        subject_id=suspension.id,
        data={
            "kind": "suspension",
            "suspension_id": str(suspension.id),
            "project_id": str(project.id),
            "month": f"{first:%Y-%m}",
            "due_at": due.isoformat(),
        },
        agency_id=project.agency_id,
        project_id=project.id,
        context=ctx,
    )
    ctx.session.flush()
    return suspension


def get_suspension(
    ctx: Ctx, suspension_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Suspension, Project]:
    """The request and its project if the actor sees the project.

    Raises:
        NotFound: no such request, or its project is outside the actor's scope (404).
    """
    actor = actor_of(ctx)
    stmt = select(Suspension).where(Suspension.id == suspension_id)
    if for_update:
        stmt = stmt.with_for_update()
    suspension = ctx.session.scalars(stmt).first()
    if suspension is None:
        raise NotFound("暂停申请不存在 / suspension request not found")
    return suspension, get_project(ctx, actor, suspension.project_id)


def decide_suspension(ctx: Ctx, suspension_id: uuid.UUID, *, approve: bool, opinion: str) -> Suspension:
    """The fire department approves or rejects a pending request (R-LIFE); the lead and the agency's
    enterprise managers are notified (``suspension.decided``).

    Args:
        ctx: Acting fire supervisor whose ``jurisdiction`` equals the project's.
        suspension_id: The request.
        approve: ``True`` approves: the month gets no plan and no report and leaves the statistics.
        opinion: Decision opinion (审批意见); required to reject, ≤ 500 characters.

    Raises:
        NotFound: request unknown or project outside the supervisor's jurisdiction (404).
        Forbidden: not a fire supervisor of the project's jurisdiction (403).
        InvalidInput: rejecting without an opinion (422).
        Conflict: the request is no longer pending (409).
        RuleViolation: ``R-PLAN-1`` approving a month that has a plan meanwhile (409).
    """
    actor = actor_of(ctx)
    suspension, project = get_suspension(ctx, suspension_id, for_update=True)
    if not has_role(actor, Role.FIRE_SUPERVISOR) or actor.jurisdiction != project.jurisdiction:
        raise Forbidden(
            "只有项目管辖地的消防救援机构可以审批 / only the fire department of the jurisdiction decides"
        )
    if not approve and not opinion.strip():
        raise InvalidInput("opinion", "驳回时请填写审批意见 / give an opinion when rejecting")
    _require_pending(suspension)
    if approve:
        planned = ctx.session.scalar(
            select(func.count())
            .select_from(Plan)
            .where(
                Plan.project_id == project.id,
                Plan.period_start <= month_end(suspension.month),
                Plan.period_end >= suspension.month,
            )
        )
        if planned:
            raise RuleViolation(
                "R-PLAN-1", "该月已有计划，不能批准暂停 / the month has a plan: it cannot be suspended"
            )
    record = ctx.processes.lock(ctx.session, PROCESS_ID, "suspension", suspension.id)
    ctx.processes.complete(
        ctx.session,
        record,
        "decide_suspension",
        {"approved": approve, "opinion": opinion.strip(), "decided_by": str(actor.id)},
        context=ctx,
    )
    before = {"state": suspension.state}
    suspension.state = SuspensionState.APPROVED if approve else SuspensionState.REJECTED
    suspension.decided_by, suspension.decided_at, suspension.opinion = (
        actor.id,
        ctx.clock.now(),
        opinion.strip(),
    )
    record_audit(
        ctx,
        "suspension.decided",
        "suspension",
        suspension.id,
        before=before,
        after={"state": suspension.state, "opinion": suspension.opinion},
    )
    _notify_decided(ctx, suspension, project)
    ctx.session.flush()
    return suspension


def _notify_decided(ctx: Ctx, suspension: Suspension, project: Project) -> None:
    approved = suspension.state == SuspensionState.APPROVED
    verdict = "已批准" if approved else "已驳回"
    month = f"{suspension.month:%Y-%m}"
    body = f"项目“{project.name}”{suspension.month.year}年{suspension.month.month}月的暂停申请{verdict}"
    if suspension.opinion:
        body += f"，审批意见：{suspension.opinion}"
    managers = agency_people_with_role(ctx.session, project.agency_id, Role.ENTERPRISE_MANAGER)
    notify(
        ctx,
        kind="suspension.decided",
        recipients=[project.lead_id, *managers],
        payload={
            "title": f"暂停申请{verdict}",
            "body": body + "。",
            "suspension_id": str(suspension.id),
            "project_id": str(project.id),
            "project_name": project.name,
            "month": month,
            "approved": approved,
            "opinion": suspension.opinion or "",
        },
        dedup_key=f"suspension.decided:{suspension.id}",
    )


def withdraw_suspension(ctx: Ctx, suspension_id: uuid.UUID) -> Suspension:
    """The agency withdraws its request while it is pending.

    Raises:
        NotFound (404). Forbidden: not of the project's agency (403).
        Conflict: the request is no longer pending (409).
    """
    actor = actor_of(ctx)
    suspension, project = get_suspension(ctx, suspension_id, for_update=True)
    if not is_agency_side(actor, project):
        raise Forbidden("只有本机构人员可以撤回暂停申请 / only the project's agency may withdraw")
    _require_pending(suspension)
    record = ctx.processes.lock(ctx.session, PROCESS_ID, "suspension", suspension.id)
    ctx.processes.complete(
        ctx.session, record, "withdraw_suspension", {"withdrawn_by": str(actor.id)}, context=ctx
    )
    suspension.state, suspension.withdrawn_at = SuspensionState.WITHDRAWN, ctx.clock.now()
    record_audit(
        ctx,
        "suspension.withdrawn",
        "suspension",
        suspension.id,
        before={"state": SuspensionState.PENDING},
        after={"state": suspension.state},
    )
    ctx.session.flush()
    return suspension


def _require_pending(suspension: Suspension) -> None:
    if suspension.state != SuspensionState.PENDING:
        raise Conflict(
            f"暂停申请状态为 {suspension.state}，已不能操作 / the request is {suspension.state}, not pending"
        )


def list_suspensions(ctx: Ctx, project_id: uuid.UUID) -> list[SuspensionRead]:
    """The project's suspension requests, newest month first.

    Raises:
        NotFound: project not visible (404).
    """
    project = get_project(ctx, actor_of(ctx), project_id)
    rows = ctx.session.scalars(
        select(Suspension)
        .where(Suspension.project_id == project.id)
        .order_by(Suspension.month.desc(), Suspension.requested_at.desc())
    ).all()
    return [_describe(ctx, s, project) for s in rows]


def read_suspension(ctx: Ctx, suspension_id: uuid.UUID) -> SuspensionRead:
    """One request with its files' metadata (404 outside the actor's scope)."""
    suspension, project = get_suspension(ctx, suspension_id)
    return _describe(ctx, suspension, project)


def _describe(ctx: Ctx, s: Suspension, project: Project) -> SuspensionRead:
    files = ctx.session.scalars(
        select(SuspensionFile)
        .where(SuspensionFile.suspension_id == s.id)
        .order_by(SuspensionFile.uploaded_at, SuspensionFile.name)
    ).all()
    return SuspensionRead(
        id=s.id,
        code=s.code,
        project_id=project.id,
        project_name=project.name,
        jurisdiction=project.jurisdiction,
        month=f"{s.month:%Y-%m}",
        month_start=s.month,
        reason=s.reason,
        state=s.state,
        requested_by=s.requested_by,
        requested_at=s.requested_at,
        decided_by=s.decided_by,
        decided_at=s.decided_at,
        opinion=s.opinion,
        withdrawn_at=s.withdrawn_at,
        files=[SuspensionFileRead.model_validate(f) for f in files],
    )
