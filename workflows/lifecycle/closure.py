"""The end of a project: termination (终止, irreversible) and completion (完成) (R-LIFE).

Both run through the project's ``project_lifecycle`` instance (kind ``project``), started with the
project (:func:`start_lifecycle`; for older projects the scheduler's ``lifecycle.start_missing`` job,
:mod:`workflows.lifecycle.catch_up`, and :func:`ensure_lifecycle` start one).
Termination completes its ``terminate_project`` step; the diagram's ``cancel_project_processes``
service task then calls :func:`cancel_project_processes`, which cancels every other running process
of the project (plans, tasks, faults, pending suspension requests …), closes their work items and
cancels open tasks. Completion waits for the ``contract_ended`` timer (fired by the scheduler's
``processes.refresh_timers`` job) and completes ``complete_project``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, not_, select

from engine.clock import business_date, end_of_business_day
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.processes.models import InstanceStatus, ProcessInstanceRecord
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.contracts.models import Contract, ContractType
from workflows.lifecycle.models import ClosureKind, ProjectClosure, Suspension, SuspensionState
from workflows.lifecycle.queries import suspended_months
from workflows.lifecycle.rules import check_completion, last_due_month
from workflows.lifecycle.schemas import ProjectClosureRead
from workflows.people.models import Person
from workflows.people.rules import Role
from workflows.people.scope import get_project, has_role, manages_project
from workflows.plans.models import Plan, PlanState
from workflows.projects.models import Project, ProjectStatus
from workflows.tasks.models import Task, TaskState

PROCESS_ID = "project_lifecycle"
OPEN_TASK_STATES = (TaskState.DRAFT, TaskState.SUBMITTED, TaskState.REJECTED)


def actor_of(ctx: Ctx) -> Person:
    """The acting person.

    Raises:
        InvalidInput: no acting person (422).
    """
    if ctx.actor is None:
        raise InvalidInput("actor", "需要登录用户 / an acting person is required")
    return ctx.actor


def is_agency_side(person: Person, project: Project) -> bool:
    """The project's lead, a manager/technical lead/agency admin of its agency, or a platform admin."""
    return manages_project(person, project) or (
        has_role(person, Role.AGENCY_ADMIN) and person.agency_id == project.agency_id
    )


def start_lifecycle(ctx: Ctx, project: Project, contract: Contract) -> ProcessInstanceRecord:
    """Start the project's ``project_lifecycle`` instance (kind ``project``) in the caller's transaction.

    Called when a project is created (:func:`workflows.projects.service.create_project`), so every
    project has its ``terminate_project`` step and its ``contract_ended`` timer from the start; the
    timer's due time is stored in ``next_timer_at`` and the scheduler's ``processes.refresh_timers``
    job fires it after the contract's last day, putting ``complete_project`` in the project lead's
    inbox (R-LIFE). Cost: one small instance per project (one user task, one timer).

    Args:
        ctx: Any context (the system or the acting admin).
        project: The new project (flushed: it has its id).
        contract: Its contract (``ends_on`` gives the timer: the end of that business day).

    Returns:
        The new instance record.
    """
    return ctx.processes.start(
        ctx.session,
        PROCESS_ID,
        subject_type="project",
        subject_id=project.id,
        data={
            "kind": "project",
            "project_id": str(project.id),
            "contract_end_at": end_of_business_day(contract.ends_on).isoformat(),
        },
        agency_id=project.agency_id,
        project_id=project.id,
        context=ctx,
    )


def ensure_lifecycle(ctx: Ctx, project: Project) -> ProcessInstanceRecord:
    """The project's running ``project_lifecycle`` instance, locked; started now if it has none.

    Projects get their instance when they are created (:func:`start_lifecycle`); this also starts
    one for projects created before that (or directly in the database, as benchmarks do).

    Raises:
        Conflict: the project's lifecycle has ended already (terminated or completed) (409).
    """
    found = ctx.processes.find(ctx.session, PROCESS_ID, "project", project.id)
    if found is None:
        contract = ctx.session.get(Contract, project.contract_id)
        assert contract is not None
        start_lifecycle(ctx, project, contract)
    return ctx.processes.lock(ctx.session, PROCESS_ID, "project", project.id)


def terminate_project(ctx: Ctx, project_id: uuid.UUID, *, reason: str) -> ProjectClosureRead:
    """Terminate a project (终止): irreversible; no further plans, tasks or reports (R-LIFE).

    Every other running process of the project is cancelled with its work items, open tasks
    (draft, submitted, rejected) are cancelled, and pending suspension requests are closed.

    Args:
        ctx: Acting agency admin or enterprise manager of the project's agency (or a platform admin).
        project_id: The project.
        reason: Why (终止原因), 1-500 characters.

    Returns:
        The closure with the numbers of cancelled processes and tasks.

    Raises:
        NotFound: project not visible (404). Forbidden: not an agency admin/enterprise manager (403).
        InvalidInput: empty reason (422). Conflict: already terminated or completed (409).
    """
    actor = actor_of(ctx)
    project = get_project(ctx, actor, project_id, for_update=True)
    allowed = has_role(actor, Role.PLATFORM_ADMIN) or (
        has_role(actor, Role.AGENCY_ADMIN, Role.ENTERPRISE_MANAGER) and actor.agency_id == project.agency_id
    )
    if not allowed:
        raise Forbidden(
            "只有本机构管理员或企业管理人员可以终止项目 / only an agency admin or manager may terminate"
        )
    if not reason.strip():
        raise InvalidInput("reason", "请填写终止原因 / a reason is required")
    _require_active(project)
    record = ensure_lifecycle(ctx, project)
    now = ctx.clock.now()
    closure = ProjectClosure(
        project_id=project.id,
        kind=ClosureKind.TERMINATED,
        reason=reason.strip(),
        closed_by=actor.id,
        closed_at=now,
    )
    ctx.session.add(closure)
    project.status = ProjectStatus.TERMINATED
    ctx.session.flush()
    snap = ctx.processes.complete(
        ctx.session,
        record,
        "terminate_project",
        {"reason": reason.strip(), "operator_id": str(actor.id)},
        context=ctx,
    )
    counts: dict[str, Any] = dict(snap.data.get("cancel_result") or {})
    record_audit(
        ctx,
        "project.terminated",
        "project",
        project.id,
        before={"status": ProjectStatus.ACTIVE},
        after={"status": project.status, "reason": closure.reason, **counts},
    )
    return _read(
        project, closure, processes=int(counts.get("processes", 0)), tasks=int(counts.get("tasks", 0))
    )


def cancel_project_processes(ctx: Ctx, project_id: uuid.UUID) -> dict[str, int]:
    """Cancel every running process of the project except its lifecycle instance (R-LIFE termination).

    Their ready work items become ``cancelled``; open tasks (draft, submitted, rejected) become
    ``cancelled``; pending suspension requests become ``cancelled``.

    Returns:
        ``{"processes": n, "tasks": n, "suspensions": n}`` cancelled.
    """
    running = ctx.session.scalars(
        select(ProcessInstanceRecord)
        .where(
            ProcessInstanceRecord.project_id == project_id,
            ProcessInstanceRecord.status == InstanceStatus.RUNNING,
            not_(
                and_(
                    ProcessInstanceRecord.process_id == PROCESS_ID,
                    ProcessInstanceRecord.subject_type == "project",
                )
            ),
        )
        .order_by(ProcessInstanceRecord.created_at)
        .with_for_update()
    ).all()
    for record in running:
        ctx.processes.cancel(ctx.session, record)
    tasks = ctx.session.scalars(
        select(Task).where(Task.project_id == project_id, Task.state.in_(OPEN_TASK_STATES))
    ).all()
    for task in tasks:
        record_audit(
            ctx,
            "task.cancelled",
            "task",
            task.id,
            before={"state": task.state},
            after={"state": TaskState.CANCELLED},
        )
        task.state = TaskState.CANCELLED
    pending = ctx.session.scalars(
        select(Suspension).where(
            Suspension.project_id == project_id, Suspension.state == SuspensionState.PENDING
        )
    ).all()
    for suspension in pending:
        record_audit(
            ctx,
            "suspension.cancelled",
            "suspension",
            suspension.id,
            before={"state": suspension.state},
            after={"state": SuspensionState.CANCELLED},
        )
        suspension.state = SuspensionState.CANCELLED
    ctx.session.flush()
    return {"processes": len(running), "tasks": len(tasks), "suspensions": len(pending)}


def complete_project(ctx: Ctx, project_id: uuid.UUID) -> ProjectClosureRead:
    """Complete a project (完成) after its contract end date, once the last period's report is filed (R-LIFE).

    The last period of a maintenance project is the contract's last month, stepping back over
    suspended months; an inspection or assessment project needs its (yearly) plan's report filed.

    Args:
        ctx: Acting manager of the project (its lead, a technical lead or enterprise manager) or agency admin.
        project_id: The project.

    Raises:
        NotFound (404), Forbidden (403).
        Conflict: the project is terminated or completed already (409).
        RuleViolation: ``R-LIFE`` before the contract end, or the last report not filed (409).
    """
    actor = actor_of(ctx)
    project = get_project(ctx, actor, project_id, for_update=True)
    if not is_agency_side(actor, project):
        raise Forbidden("只有本机构人员可以完成项目 / only the agency may complete its project")
    _require_active(project)
    contract = ctx.session.get(Contract, project.contract_id)
    assert contract is not None
    filed, label = _last_report_filed(ctx, project, contract)
    check_completion(
        today=business_date(ctx.clock.now()),
        ends_on=contract.ends_on,
        last_report_filed=filed,
        last_period=label,
    )
    record = ensure_lifecycle(ctx, project)
    if "complete_project" not in ctx.processes.ready_bpmn_ids(ctx.session, record):
        ctx.processes.tick(ctx.session, record, context=ctx)  # fires the contract_ended timer
    closure = ProjectClosure(
        project_id=project.id,
        kind=ClosureKind.COMPLETED,
        reason=None,
        closed_by=actor.id,
        closed_at=ctx.clock.now(),
    )
    ctx.session.add(closure)
    project.status = ProjectStatus.COMPLETED
    ctx.session.flush()
    ctx.processes.complete(
        ctx.session, record, "complete_project", {"completed_by": str(actor.id)}, context=ctx
    )
    record_audit(
        ctx,
        "project.completed",
        "project",
        project.id,
        before={"status": ProjectStatus.ACTIVE},
        after={"status": project.status},
    )
    return _read(project, closure)


def _require_active(project: Project) -> None:
    if project.status == ProjectStatus.TERMINATED:
        raise Conflict("项目已终止，终止不可撤销 / the project is terminated already (irreversible)")
    if project.status != ProjectStatus.ACTIVE:
        raise Conflict(f"项目状态为 {project.status} / the project is {project.status}, not active")


def _last_report_filed(ctx: Ctx, project: Project, contract: Contract) -> tuple[bool, str]:
    plans = ctx.session.scalars(select(Plan).where(Plan.project_id == project.id)).all()
    if contract.type != ContractType.MAINTENANCE:
        return bool(plans) and all(p.state == PlanState.FILED for p in plans), "年度 / yearly"
    last = last_due_month(
        contract.ends_on, project.first_plan_month, suspended_months(ctx.session, project.id)
    )
    if last is None:
        return True, "-"
    filed = any(p.period_start <= last <= p.period_end and p.state == PlanState.FILED for p in plans)
    return filed, f"{last:%Y-%m}"


def _read(
    project: Project, closure: ProjectClosure, *, processes: int = 0, tasks: int = 0
) -> ProjectClosureRead:
    return ProjectClosureRead(
        project_id=project.id,
        status=project.status,
        kind=closure.kind,
        reason=closure.reason,
        closed_by=closure.closed_by,
        closed_at=closure.closed_at,
        cancelled_processes=processes,
        cancelled_tasks=tasks,
    )
